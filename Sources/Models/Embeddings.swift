/// Token plus position embeddings, the input of a text transformer.
enum Embedding {
    /// out (B,T,C) = tokenWeight[tokens[b,t]] + positionWeight[t], tokens (B,T), tokenWeight (V,C),
    /// positionWeight (≥T,C).
    static func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                        tokenWeight: UnsafePointer<Float>, positionWeight: UnsafePointer<Float>,
                        batch: Int, length: Int, channels: Int) {
        KernelProfile.measure("Embedding.forward") {
            let c = channels
            Parallel.chunks(batch * length, grain: max(1, 4096 / c)) { range in
                for n in range {
                    let e = tokenWeight + Int(tokens[n]) * c, p = positionWeight + (n % length) * c, y = out + n * c
                    var i = 0
                    while i < c {
                        let w = c - i
                        Lanes.store(Lanes.load(e + i, w) + Lanes.load(p + i, w), y + i, w)
                        i += Lanes.width
                    }
                }
            }
        }
    }

    /// dTokenWeight (V,C) and dPositionWeight (≥T,C) += their gradients from dOut (B,T,C).
    /// Workers own column ranges, so repeated tokens add up in one fixed order.
    static func backward(dTokenWeight: UnsafeMutablePointer<Float>, dPositionWeight: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                         batch: Int, length: Int, channels: Int) {
        KernelProfile.measure("Embedding.backward") {
            let c = channels
            Parallel.chunks(c, grain: max(Lanes.width, c / Parallel.workers)) { range in
                for n in 0..<batch * length {
                    let dy = dOut + n * c, de = dTokenWeight + Int(tokens[n]) * c
                    let dp = dPositionWeight + (n % length) * c
                    for i in range {
                        de[i] += dy[i]
                        dp[i] += dy[i]
                    }
                }
            }
        }
    }
}

/// GELU in its tanh form, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and torch's approximate="tanh".
enum GELU {
    /// out (N,F) = gelu(input + bias) and slope (N,F) = gelu′(input + bias), saved so backward is one multiply
    /// instead of a second tanh; pass nil for `slope` when there will be no backward. `bias` (F) is the one of the Linear that produced `input`, added here to save
    /// that Linear a pass; its gradient comes from Linear.backward's dBias.
    static func forward(out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>?,
                        input: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, columns: Int) {
        KernelProfile.measure("GELU.forward") {
            // u = √(2/π)·(x + 0.044715·x³) enters as 2u; twoK = 2·√(2/π).
            let twoK: Float = 1.5957691216057308, twoKCubic: Float = 1.5957691216057308 * 0.044715
            let f = columns
            Parallel.chunks(rows, grain: max(1, 16384 / f)) { range in
                for n in range {
                    var i = 0
                    while i < f {
                        let w = f - i, offset = n * f + i
                        var x = Lanes.load(input + offset, w)
                        if let bias { x += Lanes.load(bias + i, w) }
                        let x2: Lanes.Vector = x * x
                        // 0.5·(1 + tanh(u)) = σ(2u): one exp and one division give the value and the slope.
                        let e = Lanes.exp(x * (-twoK - twoKCubic * x2))
                        let sigma: Lanes.Vector = 1 / (1 + e)
                        let y: Lanes.Vector = x * sigma
                        Lanes.store(y, out + offset, w)
                        if let slope {
                            let d: Lanes.Vector = sigma + y * (1 - sigma) * (twoK + 3 * twoKCubic * x2)
                            Lanes.store(d, slope + offset, w)
                        }
                        i += Lanes.width
                    }
                }
            }
        }
    }

    /// dInput (count) += dOut · slope, the saved gelu′; with `accumulate` false, dInput is overwritten instead.
    static func backward(dInput: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                         slope: UnsafePointer<Float>, count: Int, accumulate: Bool = true) {
        KernelProfile.measure("GELU.backward") {
            Parallel.chunks(count, grain: 32768) { range in
                var i = range.lowerBound
                while i < range.upperBound {
                    let w = range.upperBound - i
                    let g = Lanes.load(dOut + i, w) * Lanes.load(slope + i, w)
                    Lanes.store(accumulate ? Lanes.load(dInput + i, w) + g : g, dInput + i, w)
                    i += Lanes.width
                }
            }
        }
    }

    /// dInput (N,F) = dOut · slope, overwritten, and dBias (F) += Σ_rows dInput: `backward` and the dBias of the
    /// Linear that produced GELU's input in one pass. The same bits as `backward` then that Linear's column sums:
    /// workers own column ranges and add row by row in order.
    static func backward(dInput: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, slope: UnsafePointer<Float>, rows: Int, columns: Int) {
        KernelProfile.measure("GELU+bias.backward") {
            let f = columns
            Parallel.chunks(f, grain: max(Lanes.width, f / Parallel.workers)) { range in
                let width = range.count, start = range.lowerBound
                let db = dBias + start
                for n in 0..<rows {
                    let offset = n * f + start
                    let dy = dOut + offset, s = slope + offset, dx = dInput + offset
                    var i = 0
                    while i + Lanes.width <= width {
                        let g = Lanes.load(dy + i) * Lanes.load(s + i)
                        Lanes.store(g, dx + i)
                        Lanes.store(Lanes.load(db + i) + g, db + i)
                        i += Lanes.width
                    }
                    while i < width {
                        let g = dy[i] * s[i]
                        dx[i] = g
                        db[i] += g
                        i += 1
                    }
                }
            }
        }
    }
}

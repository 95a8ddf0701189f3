/// The residual stream's skip connection, out = a + b.
enum Residual {
    /// out (N,C) = a (N,C) + b (N,C) + bias (C); `out` may be `a`. `bias` is the one of the Linear that produced
    /// `b`, added here to save that Linear a pass; its gradient comes from Linear.backward's dBias.
    static func forward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, rows: Int, columns: Int) {
        KernelProfile.measure("Residual.forward") {
            let c = columns
            Parallel.chunks(rows, grain: max(1, 32768 / c)) { range in
                for n in range { addRow(n, out: out, a: a, b: b, bias: bias, columns: c) }
            }
        }
    }

    /// Row n of `forward`, shared with the fused residual + LayerNorm.
    @inline(__always)
    static func addRow(_ n: Int, out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, columns c: Int) {
        let x = a + n * c, y = b + n * c, z = out + n * c
        var i = 0
        while i < c {
            let w = c - i
            var v = Lanes.load(x + i, w) + Lanes.load(y + i, w)
            if let bias { v += Lanes.load(bias + i, w) }
            Lanes.store(v, z + i, w)
            i += Lanes.width
        }
    }

    /// dA (count) += dOut; dB (count) += dOut.
    static func backward(dA: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, count: Int) {
        KernelProfile.measure("Residual.backward") {
            Parallel.chunks(count, grain: 32768) { range in
                var i = range.lowerBound
                while i < range.upperBound {
                    let w = range.upperBound - i
                    let g = Lanes.load(dOut + i, w)
                    Lanes.store(Lanes.load(dA + i, w) + g, dA + i, w)
                    Lanes.store(Lanes.load(dB + i, w) + g, dB + i, w)
                    i += Lanes.width
                }
            }
        }
    }
}

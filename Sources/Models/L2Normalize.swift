/// Row-wise L2 normalisation, torch.nn.functional.normalize(x, dim=-1) with eps 1e-12.
enum L2Normalize {
    /// out (N,D) = input / max(‖input‖, 1e-12) per row; norm (N) saved for backward.
    static func forward(out: UnsafeMutablePointer<Float>, norm: UnsafeMutablePointer<Float>,
                        input: UnsafePointer<Float>, rows: Int, columns: Int) {
        KernelProfile.measure("L2Normalize.forward") {
            let d = columns
            Parallel.chunks(rows, grain: max(1, 4096 / d)) { range in
                for n in range {
                    let x = input + n * d, y = out + n * d
                    var v = Lanes.Vector(repeating: 0)
                    var i = 0
                    while i < d { let w = d - i; let a = Lanes.load(x + i, w); v += a * a; i += Lanes.width }
                    let r = max(v.sum().squareRoot(), 1e-12)
                    norm[n] = r
                    i = 0
                    while i < d { let w = d - i; Lanes.store(Lanes.load(x + i, w) / r, y + i, w); i += Lanes.width }
                }
            }
        }
    }

    /// dInput (N,D) += (dOut − out·(out·dOut)) / norm per row, exact wherever the norm exceeds 1e-12.
    static func backward(dInput: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                         out: UnsafePointer<Float>, norm: UnsafePointer<Float>, rows: Int, columns: Int) {
        KernelProfile.measure("L2Normalize.backward") {
            let d = columns
            Parallel.chunks(rows, grain: max(1, 4096 / d)) { range in
                for n in range {
                    let y = out + n * d, dy = dOut + n * d, dx = dInput + n * d
                    var v = Lanes.Vector(repeating: 0)
                    var i = 0
                    while i < d { let w = d - i; v += Lanes.load(y + i, w) * Lanes.load(dy + i, w); i += Lanes.width }
                    let s = v.sum(), r = 1 / norm[n]
                    i = 0
                    while i < d {
                        let w = d - i
                        let g = (Lanes.load(dy + i, w) - Lanes.load(y + i, w) * s) * r
                        Lanes.store(Lanes.load(dx + i, w) + g, dx + i, w)
                        i += Lanes.width
                    }
                }
            }
        }
    }
}

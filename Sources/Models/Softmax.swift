import Foundation

/// Softmax over the last axis.
enum Softmax {
    /// out (N,V) = softmax(input) per row; `out` may be `input`.
    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, rows: Int, columns: Int) {
        KernelProfile.measure("Softmax.forward") {
            Parallel.chunks(rows, grain: max(1, 16384 / columns)) { range in
                for n in range { _ = row(out + n * columns, input + n * columns, count: columns, valid: columns) }
            }
        }
    }

    /// dInput (N,V) += out ⊙ (dOut − Σ out ⊙ dOut) per row, from the forward output `out`.
    static func backward(dInput: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                         out: UnsafePointer<Float>, rows: Int, columns: Int) {
        KernelProfile.measure("Softmax.backward") {
            Parallel.chunks(rows, grain: max(1, 16384 / columns)) { range in
                for n in range {
                    let p = out + n * columns, dy = dOut + n * columns, dx = dInput + n * columns
                    let d = dot(p, dy, columns)
                    var i = 0
                    while i < columns {
                        let w = columns - i
                        let g = Lanes.load(p + i, w) * (Lanes.load(dy + i, w) - d)
                        Lanes.store(Lanes.load(dx + i, w) + g, dx + i, w)
                        i += Lanes.width
                    }
                }
            }
        }
    }

    /// Softmax of one row's first `valid` entries into `out`, zeros after them (the causal mask).
    /// Returns the row's max and the sum of exp(x − max), from which the log-sum-exp follows.
    /// Tails shorter than a vector go through scalar code: partial vector loads cost more than they save
    /// on rows of 65 or a causal prefix.
    @inline(__always)
    static func row(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                    count: Int, valid: Int) -> (max: Float, sum: Float) {
        let full = valid & ~(Lanes.width - 1)
        var mv = Lanes.Vector(repeating: -.infinity)
        var i = 0
        while i < full {
            // Not pointwiseMax: the generic version compiles to a scalar loop, 40× slower here.
            let x = Lanes.load(input + i)
            mv.replace(with: x, where: x .> mv)
            i += Lanes.width
        }
        var m = mv.max()
        while i < valid { m = Swift.max(m, input[i]); i += 1 }
        var sv = Lanes.Vector(repeating: 0)
        i = 0
        while i < full {
            let e = Lanes.exp(Lanes.load(input + i) - m)
            sv += e
            Lanes.store(e, out + i)
            i += Lanes.width
        }
        var s = sv.sum()
        while i < valid {
            let e = Foundation.exp(input[i] - m)
            s += e
            out[i] = e
            i += 1
        }
        let r = 1 / s
        i = 0
        while i < full { Lanes.store(Lanes.load(out + i) * r, out + i); i += Lanes.width }
        while i < valid { out[i] *= r; i += 1 }
        if valid < count { (out + valid).update(repeating: 0, count: count - valid) }
        return (m, s)
    }

    /// d (V) ← p ⊙ (d − Σ p ⊙ d) in place: one row's softmax backward, for kernels that own their scratch.
    @inline(__always)
    static func gradientRowInPlace(_ d: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
                                   count: Int) {
        let s = dot(p, d, count)
        let full = count & ~(Lanes.width - 1)
        var i = 0
        while i < full { Lanes.store(Lanes.load(p + i) * (Lanes.load(d + i) - s), d + i); i += Lanes.width }
        while i < count { d[i] = p[i] * (d[i] - s); i += 1 }
    }

    @inline(__always)
    private static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let full = count & ~(Lanes.width - 1)
        var v = Lanes.Vector(repeating: 0)
        var i = 0
        while i < full { v += Lanes.load(a + i) * Lanes.load(b + i); i += Lanes.width }
        var s = v.sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }
}

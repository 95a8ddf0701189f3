/// Multi-head scaled dot-product attention over a fused QKV activation, full or causal.
/// Heads run in parallel, one (batch, head) pair per work item, each with single-threaded sgemm calls.
enum Attention {
    /// out (B,T,C), att (B,H,T,T) softmax probabilities saved for backward, from qkv (B,T,3C) laid out [q|k|v]
    /// with head h in columns h·C/H ..< (h+1)·C/H of each part. Causal rows attend only to positions ≤ their own.
    static func forward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                        qkv: UnsafePointer<Float>, batch: Int, tokens: Int, channels: Int, heads: Int,
                        causal: Bool) {
        KernelProfile.measure("Attention.forward", flops: 4 * Double(batch * tokens * tokens * channels)) {
            let t = tokens, c = channels, hs = channels / heads
            let scale = 1 / Float(hs).squareRoot()
            Parallel.items(batch * heads) { item in
                let b = item / heads, h = item % heads
                let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let a = att + item * t * t
                BLAS.sgemm(transB: true, m: t, n: t, k: hs, alpha: scale, a: q, lda: 3 * c, b: k, ldb: 3 * c,
                           c: a, ldc: t)
                for i in 0..<t {
                    _ = Softmax.row(a + i * t, a + i * t, count: t, valid: causal ? i + 1 : t)
                }
                BLAS.sgemm(m: t, n: hs, k: t, a: a, lda: t, b: v, ldb: 3 * c, c: out + b * t * c + h * hs, ldc: c)
            }
        }
    }

    /// dQKV (B,T,3C) += gradients of q, k and v, from dOut (B,T,C) and the saved att (B,H,T,T); with
    /// `accumulate` false, dQKV is overwritten instead. `scratch` (B,H,T,T) is overwritten with the score
    /// gradients.
    static func backward(dQKV: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                         batch: Int, tokens: Int, channels: Int, heads: Int, accumulate: Bool = true) {
        KernelProfile.measure("Attention.backward", flops: 8 * Double(batch * tokens * tokens * channels)) {
            let t = tokens, c = channels, hs = channels / heads
            let scale = 1 / Float(hs).squareRoot()
            let beta: Float = accumulate ? 1 : 0
            Parallel.items(batch * heads) { item in
                let b = item / heads, h = item % heads
                let offset = b * t * 3 * c + h * hs
                let q = qkv + offset, k = q + c, v = q + 2 * c
                let dq = dQKV + offset, dk = dq + c, dv = dq + 2 * c
                let a = att + item * t * t, ds = scratch + item * t * t
                let dy = dOut + b * t * c + h * hs
                BLAS.sgemm(transB: true, m: t, n: t, k: hs, a: dy, lda: c, b: v, ldb: 3 * c, c: ds, ldc: t)
                BLAS.sgemm(transA: true, m: t, n: hs, k: t, a: a, lda: t, b: dy, ldb: c, beta: beta, c: dv, ldc: 3 * c)
                for i in 0..<t { Softmax.gradientRowInPlace(ds + i * t, probabilities: a + i * t, count: t) }
                BLAS.sgemm(m: t, n: hs, k: t, alpha: scale, a: ds, lda: t, b: k, ldb: 3 * c,
                           beta: beta, c: dq, ldc: 3 * c)
                BLAS.sgemm(transA: true, m: t, n: hs, k: t, alpha: scale, a: ds, lda: t, b: q, ldb: 3 * c,
                           beta: beta, c: dk, ldc: 3 * c)
            }
        }
    }
}

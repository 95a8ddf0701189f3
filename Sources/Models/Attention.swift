/// Multi-head scaled dot-product attention over a fused QKV activation, full or causal.
/// Heads run in parallel, one (batch, head) pair per work item, each with single-threaded sgemm calls.
///
/// Causal attention skips the masked half: rows are cut into blocks of `causalBlock(tokens)`, and the rows of
/// block r meet only the keys of blocks 0...r, so the matmuls do about (1 + 1/blocks)/2 of the full work.
/// Full attention is the same code with one block of all the rows.
enum Attention {
    /// Rows per causal block: small enough to skip most of the masked half, large enough for sgemm to run well.
    /// Below 128 tokens the saving does not pay for the extra calls (CLIP's 32-token text tower ran slower cut
    /// in two blocks of 16).
    static func causalBlock(_ tokens: Int) -> Int {
        tokens < 128 ? tokens : 64
    }

    /// out (B,T,C), att (B,H,T,T) softmax probabilities saved for backward, from qkv (B,T,3C) laid out [q|k|v]
    /// with head h in columns h·C/H ..< (h+1)·C/H of each part. Causal rows attend only to positions ≤ their own
    /// and hold zeros after them. With `keep` false (inference), nothing is saved: `att` is scratch, and only
    /// its first (workers,T,T) are touched, so they stay in cache.
    static func forward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                        qkv: UnsafePointer<Float>, batch: Int, tokens: Int, channels: Int, heads: Int,
                        causal: Bool, keep: Bool = true) {
        KernelProfile.measure("Attention.forward", flops: 4 * Double(batch * tokens * tokens * channels)) {
            let t = tokens, c = channels, hs = channels / heads
            let scale = 1 / Float(hs).squareRoot()
            let block = causal ? causalBlock(t) : t
            func item(_ item: Int, _ a: UnsafeMutablePointer<Float>) {
                let b = item / heads, h = item % heads
                let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let y = out + b * t * c + h * hs
                for r0 in stride(from: 0, to: t, by: block) {
                    let r1 = min(t, r0 + block), rows = r1 - r0
                    BLAS.sgemm(transB: true, m: rows, n: r1, k: hs, alpha: scale, a: q + r0 * 3 * c, lda: 3 * c,
                               b: k, ldb: 3 * c, c: a + r0 * t, ldc: t)
                    for i in r0..<r1 {
                        _ = Softmax.row(a + i * t, a + i * t, count: keep ? t : r1, valid: causal ? i + 1 : t)
                    }
                    BLAS.sgemm(m: rows, n: hs, k: r1, a: a + r0 * t, lda: t, b: v, ldb: 3 * c,
                               c: y + r0 * c, ldc: c)
                }
            }
            if keep {
                Parallel.items(batch * heads) { i in item(i, att + i * t * t) }
            } else {
                Parallel.items(Parallel.workers) { part in
                    for i in Parallel.slice(batch * heads, part: part) { item(i, att + part * t * t) }
                }
            }
        }
    }

    /// dQKV (B,T,3C) += gradients of q, k and v, from dOut (B,T,C) and the saved att (B,H,T,T); with
    /// `accumulate` false, dQKV is overwritten instead. `scratch` (B,H,T,T) is overwritten with the score
    /// gradients (causal: only the blocks forward computed).
    static func backward(dQKV: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                         batch: Int, tokens: Int, channels: Int, heads: Int, causal: Bool,
                         accumulate: Bool = true) {
        KernelProfile.measure("Attention.backward", flops: 8 * Double(batch * tokens * tokens * channels)) {
            let t = tokens, c = channels, hs = channels / heads
            let scale = 1 / Float(hs).squareRoot()
            let beta: Float = accumulate ? 1 : 0
            let block = causal ? causalBlock(t) : t
            Parallel.items(batch * heads) { item in
                let b = item / heads, h = item % heads
                let offset = b * t * 3 * c + h * hs
                let q = qkv + offset, k = q + c, v = q + 2 * c
                let dq = dQKV + offset, dk = dq + c, dv = dq + 2 * c
                let a = att + item * t * t, ds = scratch + item * t * t
                let dy = dOut + b * t * c + h * hs
                // By row blocks: the score gradients (zero where att is) and dq, which rows own.
                for r0 in stride(from: 0, to: t, by: block) {
                    let r1 = min(t, r0 + block), rows = r1 - r0
                    BLAS.sgemm(transB: true, m: rows, n: r1, k: hs, a: dy + r0 * c, lda: c, b: v, ldb: 3 * c,
                               c: ds + r0 * t, ldc: t)
                    for i in r0..<r1 {
                        Softmax.gradientRowInPlace(ds + i * t, probabilities: a + i * t, count: r1)
                    }
                    BLAS.sgemm(m: rows, n: hs, k: r1, alpha: scale, a: ds + r0 * t, lda: t, b: k, ldb: 3 * c,
                               beta: beta, c: dq + r0 * 3 * c, ldc: 3 * c)
                }
                // By column blocks: dk and dv, which keys own; key block j is seen by rows j·block ..< T.
                for j0 in stride(from: 0, to: t, by: block) {
                    let j1 = min(t, j0 + block), keys = j1 - j0
                    BLAS.sgemm(transA: true, m: keys, n: hs, k: t - j0, a: a + j0 * t + j0, lda: t,
                               b: dy + j0 * c, ldb: c, beta: beta, c: dv + j0 * 3 * c, ldc: 3 * c)
                    BLAS.sgemm(transA: true, m: keys, n: hs, k: t - j0, alpha: scale, a: ds + j0 * t + j0, lda: t,
                               b: q + j0 * 3 * c, ldb: 3 * c, beta: beta, c: dk + j0 * 3 * c, ldc: 3 * c)
                }
            }
        }
    }
}

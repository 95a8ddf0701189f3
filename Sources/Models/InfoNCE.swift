import Foundation

/// CLIP's symmetric contrastive loss: logits = exp(logit_scale)·image·textᵀ, cross-entropy towards the diagonal
/// over rows (image→text) and over columns (text→image), averaged.
enum InfoNCE {
    /// The largest multiplier, 100, as open_clip clamps `logit_scale` to ln 100.
    static let maximumLogScale = Float(Foundation.log(100.0))

    /// similarity (B,B) = image·textᵀ, probabilitiesImage (B,B) row softmax of the logits, probabilitiesText (B,B)
    /// row softmax of the transposed logits, from image (B,E) and text (B,E) embeddings and the raw
    /// `logitScale` parameter (used as exp(min(logitScale, ln 100))). Returns the loss.
    static func forward(similarity: UnsafeMutablePointer<Float>, probabilitiesImage: UnsafeMutablePointer<Float>,
                        probabilitiesText: UnsafeMutablePointer<Float>, image: UnsafePointer<Float>,
                        text: UnsafePointer<Float>, logitScale: Float, batch: Int, embed: Int) -> Float {
        return KernelProfile.measure("InfoNCE.forward") {
            let n = batch
            let scale = Foundation.exp(min(logitScale, maximumLogScale))
            BLAS.sgemm(transB: true, m: n, n: n, k: embed, a: image, lda: embed, b: text, ldb: embed,
                       c: similarity, ldc: n)
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n) { rowLosses in
                let losses = rowLosses.baseAddress!
                Parallel.chunks(n, grain: max(1, 8192 / n)) { range in
                    for i in range {
                        let pi = probabilitiesImage + i * n, pt = probabilitiesText + i * n
                        for j in 0..<n {
                            pi[j] = scale * similarity[i * n + j]
                            pt[j] = scale * similarity[j * n + i]
                        }
                        let diagonal = scale * similarity[i * n + i]
                        // −log p_ii as log-sum-exp minus the logit: p_ii itself can underflow when the scale is 100.
                        let (mi, si) = Softmax.row(pi, pi, count: n, valid: n)
                        let (mt, st) = Softmax.row(pt, pt, count: n, valid: n)
                        losses[2 * i] = Foundation.log(si) + mi - diagonal
                        losses[2 * i + 1] = Foundation.log(st) + mt - diagonal
                    }
                }
                var total: Double = 0
                for i in 0..<2 * n { total += Double(losses[i]) }
                return Float(total / Double(2 * n))
            }
        }
    }

    /// dImage (B,E), dText (B,E) and dLogitScale (1) += the loss's gradients; dLogits (B,B) is overwritten, and
    /// `addToLogitGradient` may add another loss's gradient with respect to the logits into it.
    /// The logit scale gets no gradient while its parameter is above ln 100, where the forward clamps it.
    static func backward(dImage: UnsafeMutablePointer<Float>, dText: UnsafeMutablePointer<Float>,
                         dLogitScale: UnsafeMutablePointer<Float>, dLogits: UnsafeMutablePointer<Float>,
                         probabilitiesImage: UnsafePointer<Float>, probabilitiesText: UnsafePointer<Float>,
                         similarity: UnsafePointer<Float>, image: UnsafePointer<Float>, text: UnsafePointer<Float>,
                         logitScale: Float, batch: Int, embed: Int,
                         addToLogitGradient: ((UnsafeMutablePointer<Float>) -> Void)? = nil) {
        KernelProfile.measure("InfoNCE.backward") {
            let n = batch
            let scale = Foundation.exp(min(logitScale, maximumLogScale))
            let half = 0.5 / Float(n)
            Parallel.chunks(n, grain: max(1, 8192 / n)) { range in
                for i in range {
                    for j in 0..<n {
                        let diagonal: Float = i == j ? 2 : 0
                        let both = probabilitiesImage[i * n + j] + probabilitiesText[j * n + i]
                        dLogits[i * n + j] = half * (both - diagonal)
                    }
                }
            }
            // Another loss on the same logits (LwF's distillation) adds its gradient here, before it flows on.
            addToLogitGradient?(dLogits)
            BLAS.sgemm(m: n, n: embed, k: n, alpha: scale, a: dLogits, lda: n, b: text, ldb: embed,
                       beta: 1, c: dImage, ldc: embed)
            BLAS.sgemm(transA: true, m: n, n: embed, k: n, alpha: scale, a: dLogits, lda: n, b: image, ldb: embed,
                       beta: 1, c: dText, ldc: embed)
            if logitScale <= maximumLogScale {
                var sum: Double = 0
                for i in 0..<n * n { sum += Double(dLogits[i]) * Double(similarity[i]) }
                dLogitScale.pointee += Float(sum) * scale
            }
        }
    }
}

/// A ViT's stem: non-overlapping patches through a linear map (conv1 with stride = kernel, no bias), a class
/// token in front, and learned positions added.
enum PatchEmbedding {
    /// out (B,1+P,C) with P = (S/p)², patches (B·P, 3·p·p) the im2col copy saved for backward, projected
    /// (B·P, C) scratch, from images (B,3,S,S), weight (C,3,p,p), classEmbedding (C), positionalEmbedding (1+P,C).
    static func forward(out: UnsafeMutablePointer<Float>, patches: UnsafeMutablePointer<Float>,
                        projected: UnsafeMutablePointer<Float>, images: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, classEmbedding: UnsafePointer<Float>,
                        positionalEmbedding: UnsafePointer<Float>,
                        batch: Int, imageSize: Int, patchSize: Int, channels: Int) {
        KernelProfile.measure("PatchEmbedding.forward") {
            let s = imageSize, p = patchSize, g = s / p, count = g * g, k = 3 * p * p, c = channels
            Parallel.chunks(batch * count, grain: 64) { range in
                for row in range {
                    let b = row / count, py = (row % count) / g, px = row % g
                    var dst = patches + row * k
                    for channel in 0..<3 {
                        for ky in 0..<p {
                            let src = images + ((b * 3 + channel) * s + py * p + ky) * s + px * p
                            dst.update(from: src, count: p)
                            dst += p
                        }
                    }
                }
            }
            BLAS.sgemm(transB: true, m: batch * count, n: c, k: k, a: patches, lda: k, b: weight, ldb: k,
                       c: projected, ldc: c)
            Parallel.chunks(batch * (count + 1), grain: max(1, 4096 / c)) { range in
                for row in range {
                    let b = row / (count + 1), token = row % (count + 1)
                    let src = token == 0 ? classEmbedding : UnsafePointer(projected + (b * count + token - 1) * c)
                    let pos = positionalEmbedding + token * c, y = out + row * c
                    var i = 0
                    while i < c {
                        let w = c - i
                        Lanes.store(Lanes.load(src + i, w) + Lanes.load(pos + i, w), y + i, w)
                        i += Lanes.width
                    }
                }
            }
        }
    }

    /// dWeight (C,3,p,p), dClassEmbedding (C), dPositionalEmbedding (1+P,C) += their gradients from dOut (B,1+P,C)
    /// and the saved patches; `scratch` (B·P, C) is overwritten.
    static func backward(dWeight: UnsafeMutablePointer<Float>, dClassEmbedding: UnsafeMutablePointer<Float>,
                         dPositionalEmbedding: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, patches: UnsafePointer<Float>,
                         batch: Int, imageSize: Int, patchSize: Int, channels: Int) {
        KernelProfile.measure("PatchEmbedding.backward") {
            let g = imageSize / patchSize, count = g * g, k = 3 * patchSize * patchSize, c = channels
            Parallel.chunks(batch, grain: 4) { range in
                for b in range {
                    (scratch + b * count * c).update(from: dOut + (b * (count + 1) + 1) * c, count: count * c)
                }
            }
            BLAS.sgemm(transA: true, m: c, n: k, k: batch * count, a: scratch, lda: c, b: patches, ldb: k,
                       beta: 1, c: dWeight, ldc: k)
            Parallel.addColumnSums(dClassEmbedding, dOut, rows: batch, columns: c, stride: (count + 1) * c)
            Parallel.addColumnSums(dPositionalEmbedding, dOut, rows: batch, columns: (count + 1) * c,
                                   stride: (count + 1) * c)
        }
    }
}

/// A fully connected layer, y = x·Wᵀ + b, with W stored (out, in) as torch.nn.Linear stores it.
/// Batch and tokens are folded into the rows. Large products are cut into one slice per worker, each a
/// single-threaded cblas_sgemm: on this 2-core machine that beat OpenBLAS's own two threads by 10–30 % on
/// every transformer shape (measured in release, `OPENBLAS_CORETYPE=SkylakeX`).
enum Linear {
    /// Below this many multiply-adds a product is one call on OpenBLAS's threads.
    private static let splitThreshold = 1 << 22

    /// out (N,OC) = input (N,IC) · weight (OC,IC)ᵀ + bias (OC).
    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        rows: Int, inputChannels: Int, outputChannels: Int) {
        KernelProfile.measure("Linear.forward", flops: 2 * Double(rows * inputChannels * outputChannels)) {
            let ic = inputChannels, oc = outputChannels
            func slice(_ r: Range<Int>) {
                if let bias {
                    // Rows filled with the bias let sgemm add the product with beta = 1: no second pass.
                    for n in r { (out + n * oc).update(from: bias, count: oc) }
                }
                BLAS.sgemm(transB: true, m: r.count, n: oc, k: ic, a: input + r.lowerBound * ic, lda: ic,
                           b: weight, ldb: ic, beta: bias == nil ? 0 : 1, c: out + r.lowerBound * oc, ldc: oc)
            }
            if rows * ic * oc < splitThreshold {
                slice(0..<rows)
            } else {
                Parallel.items(Parallel.workers) { part in slice(Parallel.slice(rows, part: part)) }
            }
        }
    }

    /// dInput (N,IC) += dOut (N,OC) · weight; dWeight (OC,IC) += dOutᵀ · input; dBias (OC) += Σ_rows dOut.
    /// Pass nil for `dInput` when the input is data, not an activation. With `accumulateInput` false, dInput is
    /// overwritten instead: for a buffer nothing else has written yet, which saves zeroing it first.
    static func backward(dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                         input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rows: Int, inputChannels: Int, outputChannels: Int, accumulateInput: Bool = true) {
        let flops = Double((dInput == nil ? 2 : 4) * rows * inputChannels * outputChannels)
        KernelProfile.measure("Linear.backward", flops: flops) {
            let ic = inputChannels, oc = outputChannels
            // Each worker takes a slice of the rows: its rows of dInput, and dWeight's sum over its rows, so both
            // products read only that slice of dOut and input. Worker 0 adds into dWeight, the others into
            // scratch, added afterwards in worker order: the same bits for the same worker count.
            func inputSlice(_ r: Range<Int>) {
                guard let dInput else { return }
                BLAS.sgemm(m: r.count, n: ic, k: oc, a: dOut + r.lowerBound * oc, lda: oc, b: weight, ldb: ic,
                           beta: accumulateInput ? 1 : 0, c: dInput + r.lowerBound * ic, ldc: ic)
            }
            func weightSum(_ r: Range<Int>, into c: UnsafeMutablePointer<Float>, beta: Float) {
                BLAS.sgemm(transA: true, m: oc, n: ic, k: r.count, a: dOut + r.lowerBound * oc, lda: oc,
                           b: input + r.lowerBound * ic, ldb: ic, beta: beta, c: c, ldc: ic)
            }
            if rows * ic * oc < splitThreshold {
                inputSlice(0..<rows)
                weightSum(0..<rows, into: dWeight, beta: 1)
            } else {
                Parallel.withScratch(floats: oc * ic) { scratch in
                    Parallel.items(Parallel.workers) { part in
                        let r = Parallel.slice(rows, part: part)
                        inputSlice(r)
                        weightSum(r, into: part == 0 ? dWeight : scratch[part], beta: part == 0 ? 1 : 0)
                    }
                    Parallel.chunks(oc * ic, grain: 16384) { range in
                        for part in 1..<Parallel.workers {
                            let from = scratch[part]
                            var i = range.lowerBound
                            while i < range.upperBound {
                                let w = range.upperBound - i
                                Lanes.store(Lanes.load(dWeight + i, w) + Lanes.load(from + i, w), dWeight + i, w)
                                i += Lanes.width
                            }
                        }
                    }
                }
            }
            if let dBias {
                Parallel.addColumnSums(dBias, dOut, rows: rows, columns: oc, stride: oc)
            }
        }
    }
}

/// A projection y = x·W with W stored (in, out), as open_clip stores `visual.proj` and `text_projection`.
enum Projection {
    /// out (N,OC) = input (N,IC) · weight (IC,OC).
    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, rows: Int, inputChannels: Int, outputChannels: Int) {
        KernelProfile.measure("Projection.forward", flops: 2 * Double(rows * inputChannels * outputChannels)) {
            BLAS.sgemm(m: rows, n: outputChannels, k: inputChannels,
                       a: input, lda: inputChannels, b: weight, ldb: outputChannels, c: out, ldc: outputChannels)
        }
    }

    /// dInput (N,IC) += dOut (N,OC) · weightᵀ; dWeight (IC,OC) += inputᵀ · dOut.
    static func backward(dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rows: Int, inputChannels: Int, outputChannels: Int) {
        KernelProfile.measure("Projection.backward", flops: 4 * Double(rows * inputChannels * outputChannels)) {
            BLAS.sgemm(transB: true, m: rows, n: inputChannels, k: outputChannels,
                       a: dOut, lda: outputChannels, b: weight, ldb: outputChannels,
                       beta: 1, c: dInput, ldc: inputChannels)
            BLAS.sgemm(transA: true, m: inputChannels, n: outputChannels, k: rows,
                       a: input, lda: inputChannels, b: dOut, ldb: outputChannels,
                       beta: 1, c: dWeight, ldc: outputChannels)
        }
    }
}

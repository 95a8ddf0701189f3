import Dispatch
import Models
import Timeline

/// One CLIP training batch: `count` images and their captions, in the loader's order.
struct CLIPBatch: Equatable {
    /// Images (count, 3, S, S), preprocessed by `ImagePreprocess.clipTensor`.
    var images: [Float]
    /// Captions (count, context), from `BPETokenizer.encodeCLIP`.
    var tokens: [Int32]
    /// Samples in the batch: the batch size, or fewer in the step's last batch.
    var count: Int
}

/// Groups samples into CLIP batches, preprocessing each batch's images and captions on `threads` workers.
struct CLIPBatchAssembler: BatchAssembler {
    let tokenizer: BPETokenizer
    let imageSize: Int
    let context: Int
    let batchSize: Int
    let threads: Int
    /// Samples still to pass over without building tensors (the batches before a resume cursor).
    private var skipSamples: Int
    private var pending: [LoaderSample] = []

    init(tokenizer: BPETokenizer, imageSize: Int, context: Int, batchSize: Int, threads: Int, skipBatches: Int) {
        precondition(imageSize > 0 && context >= 2 && batchSize > 0, "CLIP batches need a size, a context and a batch size")
        self.tokenizer = tokenizer; self.imageSize = imageSize; self.context = context
        self.batchSize = batchSize; self.threads = max(1, threads)
        skipSamples = skipBatches * batchSize
        pending.reserveCapacity(batchSize)
    }

    mutating func add(_ sample: LoaderSample, emit: (CLIPBatch) throws -> Void) throws {
        if skipSamples > 0 {
            skipSamples -= 1
            return
        }
        pending.append(sample)
        if pending.count == batchSize { try emit(build()) }
    }

    mutating func finish(emit: (CLIPBatch) throws -> Void) throws {
        if !pending.isEmpty { try emit(build()) }
    }

    /// Builds the tensors of the pending samples; each worker fills only its own samples' rows.
    private mutating func build() -> CLIPBatch {
        let count = pending.count, plane = 3 * imageSize * imageSize
        var images = [Float](repeating: 0, count: count * plane)
        var tokens = [Int32](repeating: 0, count: count * context)
        let workers = min(threads, count)
        let (size, context, tokenizer) = (imageSize, self.context, self.tokenizer)
        pending.withUnsafeBufferPointer { samples in
            images.withUnsafeMutableBufferPointer { imageRows in
                tokens.withUnsafeMutableBufferPointer { tokenRows in
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        for i in stride(from: w, to: count, by: workers) {
                            guard let image = samples[i].image else {
                                preconditionFailure("the CLIP loader scans with image decoding on, so every sample has an image")
                            }
                            ImagePreprocess.clipTensor(image, size: size, into: imageRows.baseAddress! + i * plane)
                            let ids = tokenizer.encodeCLIP(samples[i].text, context: context)
                            for t in 0..<context { tokenRows[i * context + t] = ids[t] }
                        }
                    }
                }
            }
        }
        pending.removeAll(keepingCapacity: true)
        return CLIPBatch(images: images, tokens: tokens, count: count)
    }
}

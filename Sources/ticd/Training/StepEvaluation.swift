import Foundation
import Models
import Timeline

/// One cell of E[i][j]: a model scored on one step group's held-out split.
struct CellScore {
    /// The headline value (`mean_recall@1` for CLIP, `perplexity` for the LM), nil when the split is too small.
    let headline: Double?
    let metric: String
    /// Every metric, with open_clip's names for retrieval.
    let detail: [String: Double]
    let samples: Int
}

/// Retrieval on a step group's held-out pairs (DESIGN §7): embed every image and caption, rank the full
/// N×N similarity both ways.
struct CLIPEvaluation {
    let model: CLIPModel
    let tokenizer: BPETokenizer
    var batch = 256

    func score(_ split: HeldOutSplit) throws -> CellScore {
        let n = split.samples.count
        guard n >= 2 else {
            return CellScore(headline: nil, metric: "mean_recall@1", detail: ["count": Double(n)], samples: n)
        }
        let c = model.config, d = c.embedDim, pixels = 3 * c.imageSize * c.imageSize
        var imageEmbeddings = [Float](repeating: 0, count: n * d), textEmbeddings = imageEmbeddings
        var images = [Float](repeating: 0, count: batch * pixels)
        var tokens = [Int32](repeating: 0, count: batch * c.contextLength)
        for start in stride(from: 0, to: n, by: batch) {
            let b = min(batch, n - start)
            for k in 0..<b {
                let sample = split.samples[start + k]
                let bytes = try split.imageBytes(sample)
                let image = try bytes.withUnsafeBytes {
                    try ImageDecoder.decode($0, extension: sample.member ?? "jpg", minSide: c.imageSize)
                }
                images.withUnsafeMutableBufferPointer {
                    ImagePreprocess.clipTensor(image, size: c.imageSize, into: $0.baseAddress! + k * pixels)
                }
                let ids = tokenizer.encodeCLIP(sample.text, context: c.contextLength)
                tokens.replaceSubrange((k * c.contextLength)..<((k + 1) * c.contextLength), with: ids)
            }
            imageEmbeddings.withUnsafeMutableBufferPointer { model.encodeImages(images, batch: b, into: $0.baseAddress! + start * d) }
            textEmbeddings.withUnsafeMutableBufferPointer { model.encodeTexts(tokens, batch: b, into: $0.baseAddress! + start * d) }
        }
        let scores = imageEmbeddings.withUnsafeBufferPointer { i in
            textEmbeddings.withUnsafeBufferPointer { t in
                RetrievalScores.compute(imageEmbeddings: i, textEmbeddings: t, count: n, dimension: d)
            }
        }
        return CellScore(headline: scores.meanRecallAt1, metric: "mean_recall@1", detail: scores.asDictionary, samples: n)
    }
}

/// Perplexity on a step group's held-out documents (DESIGN §7): each document is tokenized, cut into rows
/// of the model's context, and every predicted token counts; bits per byte divide by the documents' bytes.
struct LanguageModelEvaluation {
    let model: GPTModel
    let tokenizer: BPETokenizer
    var batch = 8

    func score(_ split: HeldOutSplit) -> CellScore {
        let t = model.config.contextLength
        var metrics = LanguageModelMetrics()
        var inputs: [Int32] = [], targets: [Int32] = []
        var rows = 0
        func flush() {
            guard rows > 0 else { return }
            _ = model.forward(tokens: inputs, targets: targets, batch: rows, length: t)
            // Padded positions have loss 0 but must not count as predicted tokens.
            var nats = 0.0, counted = 0
            for (i, loss) in model.tokenLosses.enumerated() where targets[i] != GPTModel.ignoreIndex {
                nats += Double(loss)
                counted += 1
            }
            metrics.add(negativeLogLikelihood: nats, tokens: counted, bytes: 0)
            inputs.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            rows = 0
        }
        for sample in split.samples {
            metrics.add(negativeLogLikelihood: 0, tokens: 0, bytes: sample.text.utf8.count)
            let ids = [tokenizer.endToken] + tokenizer.encode(sample.text) + [tokenizer.endToken]
            var start = 0
            while start < ids.count - 1 {
                let piece = Array(ids[start..<min(ids.count, start + t + 1)])
                let pad = t + 1 - piece.count
                inputs += piece.dropLast() + [Int32](repeating: 0, count: pad)
                targets += piece.dropFirst() + [Int32](repeating: GPTModel.ignoreIndex, count: pad)
                rows += 1
                start += t
                if rows == batch { flush() }
            }
        }
        flush()
        let detail = metrics.asDictionary
        return CellScore(headline: metrics.tokenCount > 0 ? metrics.perplexity : nil, metric: "perplexity",
                         detail: detail, samples: split.samples.count)
    }
}

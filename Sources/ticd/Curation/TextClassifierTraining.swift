import Foundation
import Models

extension TextClassifier {
    /// Trains a classifier by SGD on one document at a time with a learning rate falling linearly from
    /// `lr` to 0 over all epochs: fastText's supervised mode with a one-unit logistic output.
    ///
    /// With `threads` > 1 each epoch's documents are split into that many runs trained at once on shared
    /// weights without locks (Hogwild, as fastText does), so the result varies a little from run to run;
    /// with one thread it is fixed by `hyperparameters.seed`.
    /// - Parameters:
    ///   - documents: the training texts.
    ///   - labels: true for a positive document; as many as `documents`.
    ///   - threads: training threads, ≥ 1.
    /// - Returns: the trained classifier.
    static func train(documents: [String], labels: [Bool], hyperparameters: TextClassifierHyperparameters,
                      threads: Int = 1) -> TextClassifier {
        precondition(documents.count == labels.count, "one label per document")
        var model = TextClassifier(untrained: hyperparameters)
        let features = model.features
        var rows = [[Int32]](repeating: [], count: documents.count)
        rows.withUnsafeMutableBufferPointer { out in
            let out = out
            let pieces = max(1, min(threads, documents.count))
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                for i in documents.count * piece / pieces..<documents.count * (piece + 1) / pieces {
                    out[i] = features.rows(documents[i])
                }
            }
        }
        model.train(rows: rows, labels: labels, threads: threads)
        return model
    }

    /// Runs the SGD epochs over documents already turned into embedding rows.
    mutating func train(rows: [[Int32]], labels: [Bool], threads: Int) {
        let hp = hyperparameters
        let count = rows.count
        guard count > 0 else { return }
        var rng = SplitMix64RNG(seed: hp.seed ^ 0x5DEE_CE66_D1CE_5EED)
        var order = Array(0..<count)
        let totalSteps = Float(hp.epochs * count)
        let pieces = max(1, min(threads, count))
        var bias = outputBias
        embeddings.withUnsafeMutableBufferPointer { e in
            outputWeight.withUnsafeMutableBufferPointer { w in
                withUnsafeMutablePointer(to: &bias) { b in
                    let (e, w, b) = (e.baseAddress!, w.baseAddress!, b)
                    for epoch in 0..<hp.epochs {
                        rng.shuffle(&order)
                        order.withUnsafeBufferPointer { order in
                            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                                let range = count * piece / pieces..<count * (piece + 1) / pieces
                                var done = epoch * count + piece
                                for i in range {
                                    let lr = hp.lr * max(0, 1 - Float(done) / totalSteps)
                                    done += pieces
                                    Self.sgdStep(embeddings: e, outputWeight: w, outputBias: b, rows: rows[order[i]],
                                                 label: labels[order[i]], lr: lr, dim: hp.dim)
                                }
                            }
                        }
                    }
                }
            }
        }
        outputBias = bias
    }

    /// One SGD step of the logistic loss on one document, in place: fastText's `Model::update` for a
    /// two-label softmax (the hidden gradient is shared out evenly over the document's rows).
    ///
    /// A two-label softmax with output rows w₊, w₋ is a sigmoid on w = w₊ − w₋, and one SGD step moves w by
    /// twice the step of each row; the output unit here takes that doubled step, so `lr` means what it means to
    /// `fasttext supervised -lr` on two labels. embeddings (buckets, dim), outputWeight (dim).
    static func sgdStep(embeddings: UnsafeMutablePointer<Float>, outputWeight: UnsafeMutablePointer<Float>,
                        outputBias: UnsafeMutablePointer<Float>, rows: [Int32], label: Bool, lr: Float, dim: Int) {
        guard !rows.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dim) { scratch in
            let hidden = scratch.baseAddress!, dHidden = hidden + dim
            averageForward(hidden: hidden, embeddings: embeddings, rows: rows, dim: dim)
            let p = sigmoid(dot(outputWeight, hidden, dim) + outputBias.pointee)
            let alpha = lr * ((label ? 1 : 0) - p)
            let share = alpha / Float(rows.count)
            for j in 0..<dim {
                dHidden[j] = share * outputWeight[j]
                outputWeight[j] += 2 * alpha * hidden[j]
            }
            outputBias.pointee += 2 * alpha
            for row in rows {
                let r = embeddings + Int(row) * dim
                for j in 0..<dim { r[j] += dHidden[j] }
            }
        }
    }
}

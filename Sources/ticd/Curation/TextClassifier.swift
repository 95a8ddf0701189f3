import Foundation
import Models

/// The settings of a text classifier: its shape (buckets, dim) and how it was trained. Stored in the model
/// file's JSON header under fastText's names where fastText has one.
struct TextClassifierHyperparameters: Codable, Equatable {
    /// Rows of the hashed n-gram embedding table; a power of two.
    var buckets = 1 << 20
    /// Width of each embedding.
    var dim = 16
    /// Passes over the training documents.
    var epochs = 5
    /// The starting learning rate; it falls linearly to 0 over training (fastText's supervised schedule).
    var lr: Float = 0.1
    /// Seeds the embedding initialisation and the order of documents in each epoch.
    var seed: UInt64 = 0
}

/// A fastText-style supervised linear classifier for "is this text like the positives?": the average of the
/// embeddings of a document's hashed unigrams and bigrams, then one linear unit and a sigmoid.
///
/// P(positive | text) = σ(w · mean(E[rows(text)]) + b), with E (buckets, dim), w (dim), b a scalar.
struct TextClassifier {
    let hyperparameters: TextClassifierHyperparameters
    let features: TextFeatures
    /// E, (buckets, dim) row-major.
    var embeddings: [Float]
    /// w, (dim).
    var outputWeight: [Float]
    /// b.
    var outputBias: Float

    /// An untrained classifier: embeddings uniform in ±1/dim (fastText's initialisation) drawn from
    /// `hyperparameters.seed`, output zero, so every text scores 0.5.
    init(untrained hyperparameters: TextClassifierHyperparameters) {
        self.hyperparameters = hyperparameters
        features = TextFeatures(buckets: hyperparameters.buckets)
        var rng = SplitMix64RNG(seed: hyperparameters.seed)
        let scale = 1 / Float(hyperparameters.dim)
        embeddings = (0..<hyperparameters.buckets * hyperparameters.dim).map { _ in (2 * rng.nextFloat() - 1) * scale }
        outputWeight = [Float](repeating: 0, count: hyperparameters.dim)
        outputBias = 0
    }

    /// A classifier with the given weights; the caller has checked their sizes against `hyperparameters`.
    init(hyperparameters: TextClassifierHyperparameters, embeddings: [Float], outputWeight: [Float], outputBias: Float) {
        self.hyperparameters = hyperparameters
        features = TextFeatures(buckets: hyperparameters.buckets)
        self.embeddings = embeddings
        self.outputWeight = outputWeight
        self.outputBias = outputBias
    }

    /// P(positive) for `text`; 0.5 for a text without words.
    func callAsFunction(_ text: String) -> Float {
        probability(rows: features.rows(text))
    }

    /// P(positive) for a document given as embedding rows (`TextFeatures.rows`).
    func probability(rows: [Int32]) -> Float {
        guard !rows.isEmpty else { return 0.5 }
        let dim = hyperparameters.dim
        return embeddings.withUnsafeBufferPointer { e in
            outputWeight.withUnsafeBufferPointer { w in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: dim) { hidden in
                    Self.averageForward(hidden: hidden.baseAddress!, embeddings: e.baseAddress!, rows: rows, dim: dim)
                    return Self.sigmoid(Self.dot(w.baseAddress!, hidden.baseAddress!, dim) + outputBias)
                }
            }
        }
    }

    /// P(positive) for each text, scored on `threads` threads; results are in input order.
    func scores(_ texts: [String], threads: Int) -> [Float] {
        var out = [Float](repeating: 0, count: texts.count)
        let pieces = max(1, min(threads, texts.count))
        out.withUnsafeMutableBufferPointer { result in
            let result = result
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                let range = texts.count * piece / pieces..<texts.count * (piece + 1) / pieces
                for i in range { result[i] = self(texts[i]) }
            }
        }
        return out
    }

    /// hidden (dim) = mean over `rows` of embeddings[row] (buckets, dim). `rows` is not empty.
    static func averageForward(hidden: UnsafeMutablePointer<Float>, embeddings: UnsafePointer<Float>, rows: [Int32],
                               dim: Int) {
        hidden.initialize(repeating: 0, count: dim)
        for row in rows {
            let e = embeddings + Int(row) * dim
            for j in 0..<dim { hidden[j] += e[j] }
        }
        let scale = 1 / Float(rows.count)
        for j in 0..<dim { hidden[j] *= scale }
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var sum: Float = 0
        for j in 0..<count { sum += a[j] * b[j] }
        return sum
    }

    static func sigmoid(_ z: Float) -> Float { 1 / (1 + exp(-z)) }
}

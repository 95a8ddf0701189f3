import Models

/// Documents with a positive/negative label each, as classifiers train and are scored on them.
struct LabelledTexts {
    var documents: [String] = []
    var labels: [Bool] = []

    var count: Int { documents.count }

    /// The positives labelled true followed by the negatives labelled false.
    init(positives: [String], negatives: [String]) {
        documents = positives + negatives
        labels = [Bool](repeating: true, count: positives.count) + [Bool](repeating: false, count: negatives.count)
    }

    private init(documents: [String], labels: [Bool]) {
        self.documents = documents
        self.labels = labels
    }

    /// Shuffles with `seed`, then splits off the last `fraction` (rounded, at least one document when
    /// fraction > 0) as held-out.
    /// - Returns: (train, held-out).
    func split(holdout fraction: Double, seed: UInt64) -> (train: LabelledTexts, heldOut: LabelledTexts) {
        var order = Array(0..<count)
        var rng = SplitMix64RNG(seed: seed ^ 0x0B5E_55ED_0F_5EED)
        rng.shuffle(&order)
        let held = fraction > 0 ? min(count - 1, max(1, Int((Double(count) * fraction).rounded()))) : 0
        let pick = { (indices: ArraySlice<Int>) in
            LabelledTexts(documents: indices.map { documents[$0] }, labels: indices.map { labels[$0] })
        }
        return (pick(order[..<(count - held)]), pick(order[(count - held)...]))
    }
}

extension TextClassifier {
    /// The share of `texts` whose score falls on the side of 0.5 its label says (> 0.5 for a positive).
    func accuracy(on texts: LabelledTexts, threads: Int) -> Double {
        guard texts.count > 0 else { return 0 }
        let scores = self.scores(texts.documents, threads: threads)
        let right = zip(scores, texts.labels).filter { ($0.0 > 0.5) == $0.1 }.count
        return Double(right) / Double(texts.count)
    }
}

import Foundation

/// How an LSH index cuts a MinHash signature: `bands` bands of `rows` consecutive values each. Two documents
/// are candidates when all rows of at least one band agree, which happens with probability 1 − (1 − s^r)^b
/// for documents of Jaccard similarity s.
struct LSHBands: Equatable, CustomStringConvertible {
    let bands: Int
    let rows: Int

    /// - Throws: `MinHashError.invalidBanding` unless both are positive and bands · rows ≤ `numPerm`.
    init(bands: Int, rows: Int, numPerm: Int) throws {
        guard bands >= 1, rows >= 1, bands * rows <= numPerm else {
            throw MinHashError.invalidBanding(bands: bands, rows: rows, permutations: numPerm)
        }
        self.bands = bands
        self.rows = rows
    }

    var description: String { "\(bands) bands × \(rows) rows" }

    /// The banding datasketch's `MinHashLSH(threshold:num_perm:weights:)` picks: over every b ≥ 1 and r ≤ ⌊numPerm/b⌋,
    /// the one that minimises w_fp · ∫₀ᵗ P(s) ds + w_fn · ∫ₜ¹ (1 − P(s)) ds with P(s) = 1 − (1 − s^r)^b, the first
    /// one met (b ascending, then r) on ties. datasketch integrates with SciPy's `quad`; the Gauss–Legendre rule
    /// here agrees with it to about 1e-13, far below the gaps between neighbouring (b, r).
    /// - Throws: `MinHashError` for a threshold outside 0...1, `numPerm` < 1, or weights that are negative or do
    ///   not sum to 1 (datasketch's rule).
    static func optimal(threshold: Double, numPerm: Int,
                        falsePositiveWeight: Double = 0.5, falseNegativeWeight: Double = 0.5) throws -> LSHBands {
        guard (0...1).contains(threshold) else { throw MinHashError.invalidThreshold(threshold) }
        guard numPerm >= 1 else { throw MinHashError.invalidPermutationCount(numPerm) }
        guard falsePositiveWeight >= 0, falseNegativeWeight >= 0,
              abs(falsePositiveWeight + falseNegativeWeight - 1) < 1e-9 else {
            throw MinHashError.invalidWeights(falsePositive: falsePositiveWeight, falseNegative: falseNegativeWeight)
        }
        var best = (bands: 0, rows: 0), minError = Double.infinity
        for b in 1...numPerm {
            for r in 1...(numPerm / b) {
                let probability = { (s: Double) in 1 - pow(1 - pow(s, Double(r)), Double(b)) }
                let falsePositive = integrate(probability, from: 0, to: threshold)
                let falseNegative = integrate({ 1 - probability($0) }, from: threshold, to: 1)
                let error = falsePositive * falsePositiveWeight + falseNegative * falseNegativeWeight
                if error < minError {
                    minError = error
                    best = (b, r)
                }
            }
        }
        return try LSHBands(bands: best.bands, rows: best.rows, numPerm: numPerm)
    }

    /// ∫ f over [lower, upper] by composite 8-point Gauss–Legendre on 32 panels: exact for polynomials of degree
    /// 15 per panel, and P(s) is a polynomial of degree b·r ≤ numPerm, smooth enough at 32 panels.
    private static func integrate(_ f: (Double) -> Double, from lower: Double, to upper: Double) -> Double {
        guard upper > lower else { return 0 }
        let panels = 32, width = (upper - lower) / Double(panels)
        var sum = 0.0
        for k in 0..<panels {
            let mid = lower + (Double(k) + 0.5) * width
            for (node, weight) in gaussLegendre8 {
                sum += weight * (f(mid + 0.5 * width * node) + f(mid - 0.5 * width * node))
            }
        }
        return sum * 0.5 * width
    }

    /// The positive nodes of the 8-point Gauss–Legendre rule on [−1, 1] and their weights.
    private static let gaussLegendre8: [(Double, Double)] = [
        (0.1834346424956498, 0.3626837833783620),
        (0.5255324099163290, 0.3137066458778873),
        (0.7966664774136267, 0.2223810344533745),
        (0.9602898564975363, 0.1012285362903763),
    ]
}

/// A MinHash or LSH setting that cannot work, with the value that was given.
enum MinHashError: Error, CustomStringConvertible, Equatable {
    /// Shingles must hold at least one word.
    case invalidShingleLength(Int)
    /// A signature needs at least one permutation.
    case invalidPermutationCount(Int)
    /// A Jaccard threshold lies in 0...1.
    case invalidThreshold(Double)
    /// The false positive and negative weights of the banding choice are non-negative and sum to 1.
    case invalidWeights(falsePositive: Double, falseNegative: Double)
    /// Bands × rows must fit in the signature, and both be positive.
    case invalidBanding(bands: Int, rows: Int, permutations: Int)

    var description: String {
        switch self {
        case .invalidShingleLength(let n): "minhash: shingle length must be at least 1 word, got \(n)"
        case .invalidPermutationCount(let n): "minhash: num_perm must be at least 1, got \(n)"
        case .invalidThreshold(let t): "minhash: threshold must lie in 0...1, got \(t)"
        case .invalidWeights(let fp, let fn):
            "minhash: false positive and negative weights must be non-negative and sum to 1, got \(fp) and \(fn)"
        case .invalidBanding(let b, let r, let p):
            "minhash: \(b) bands × \(r) rows do not fit in \(p) permutations (both must be positive, b·r ≤ num_perm)"
        }
    }
}

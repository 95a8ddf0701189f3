/// Fuzzy near-duplicate detection for text at ingest: MinHash over word shingles, LSH banding, and an index of
/// the documents seen so far.
///
/// `add` answers "which earlier documents are near-duplicates of this one" and then inserts it. With
/// `confirm` off a near-duplicate is any LSH candidate, which is what datasketch's `MinHashLSH.query` returns;
/// with it on, a candidate must also have an estimated Jaccard similarity ≥ `threshold` (the check
/// datasketch leaves to its caller), at the cost of keeping every signature (numPerm × 8 bytes a document).
struct NearDuplicateDetector {
    struct Configuration: Equatable {
        /// Permutations per signature (datasketch's `num_perm`).
        var numPerm = 128
        /// Words per shingle.
        var ngram = 5
        /// The Jaccard similarity from which two documents count as near-duplicates.
        var threshold = 0.8
        /// Explicit banding; nil picks datasketch's optimum for `threshold` and `numPerm`.
        var bands: LSHBands?
        /// Also require an estimated Jaccard ≥ `threshold` of each candidate.
        var confirm = false
        /// Seeds the permutations: the same seed gives the same answers.
        var seed: UInt64 = 1
    }

    let configuration: Configuration
    let hasher: MinHasher
    private(set) var index: MinHashLSHIndex
    /// Every inserted signature, in document order; kept only when confirming.
    private var signatures: [UInt64] = []

    /// - Throws: `MinHashError` when a parameter cannot work.
    init(_ configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        hasher = try MinHasher(numPerm: configuration.numPerm, ngram: configuration.ngram, seed: configuration.seed)
        let bands = try configuration.bands
            ?? LSHBands.optimal(threshold: configuration.threshold, numPerm: configuration.numPerm)
        // An explicit banding may have been made for another num_perm.
        _ = try LSHBands(bands: bands.bands, rows: bands.rows, numPerm: configuration.numPerm)
        index = MinHashLSHIndex(bands: bands)
    }

    /// Documents added so far.
    var count: Int { index.count }

    /// The earlier documents (numbered from 0 in the order added) that are near-duplicates of `text`,
    /// ascending; then adds `text` as the next document.
    mutating func add(_ text: String) -> [Int] {
        hasher.signature(of: text).withUnsafeBufferPointer { add(signature: $0) }
    }

    /// `add` for many texts, with their signatures computed on up to `threads` threads first; the answers are
    /// the same as adding them one by one.
    mutating func add(_ texts: [String], threads: Int) -> [[Int]] {
        let all = hasher.signatures(of: texts, threads: threads)
        let n = configuration.numPerm
        return all.withUnsafeBufferPointer { all in
            (0..<texts.count).map { i in add(signature: UnsafeBufferPointer(rebasing: all[(i * n)..<((i + 1) * n)])) }
        }
    }

    /// `add` for a signature made by `hasher`.
    mutating func add(signature: UnsafeBufferPointer<UInt64>) -> [Int] {
        var found = index.candidates(of: signature)
        if configuration.confirm {
            let n = configuration.numPerm
            signatures.withUnsafeBufferPointer { stored in
                found.removeAll { doc in
                    let earlier = UnsafeBufferPointer(rebasing: stored[(doc * n)..<((doc + 1) * n)])
                    return MinHasher.estimatedJaccard(earlier, signature) < configuration.threshold
                }
            }
            signatures.append(contentsOf: signature)
        }
        _ = index.insert(signature)
        return found
    }
}

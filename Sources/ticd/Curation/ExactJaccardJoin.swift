import Foundation

/// Every pair of sets whose exact Jaccard similarity reaches a threshold, without comparing all pairs: the
/// ground truth that MinHash + LSH approximates (used by `ticd bench filter` and the tests).
///
/// This is prefix filtering (Bayardo et al., "Scaling up all pairs similarity search", 2007): order each set's
/// elements rarest first; two sets with J ≥ t share at least ⌈t·|x|⌉ elements, so their first
/// |x| − ⌈t·|x|⌉ + 1 elements already share one. Only pairs that do are compared in full.
enum ExactJaccardJoin {
    /// The pairs (earlier, later), earlier < later, with J(sets[earlier], sets[later]) ≥ `threshold`, packed as
    /// earlier << 32 | later, and their Jaccard similarity. Empty sets pair with nothing.
    /// - Parameter sets: each set's elements, in any order, without repeats.
    static func pairs(_ sets: [[UInt64]], threshold: Double) -> [UInt64: Double] {
        var frequency: [UInt64: Int32] = [:]
        for set in sets { for element in set { frequency[element, default: 0] += 1 } }
        let sorted = sets.map { $0.sorted() }
        var postings: [UInt64: [Int32]] = [:]
        var found: [UInt64: Double] = [:]
        var seen = Set<Int32>()
        for (later, set) in sets.enumerated() where !set.isEmpty {
            let ordered = set.sorted { (frequency[$0]!, $0) < (frequency[$1]!, $1) }
            let prefix = min(set.count, set.count - Int((threshold * Double(set.count) - 1e-9).rounded(.up)) + 1)
            seen.removeAll(keepingCapacity: true)
            for element in ordered.prefix(prefix) {
                for earlier in postings[element, default: []] where seen.insert(earlier).inserted {
                    let similarity = jaccard(sorted[Int(earlier)], sorted[later])
                    if similarity >= threshold - 1e-12 { found[UInt64(earlier) << 32 | UInt64(later)] = similarity }
                }
            }
            for element in ordered.prefix(prefix) { postings[element, default: []].append(Int32(later)) }
        }
        return found
    }

    /// |x ∩ y| / |x ∪ y| of two ascending arrays without repeats; 0 when both are empty.
    static func jaccard(_ x: [UInt64], _ y: [UInt64]) -> Double {
        var i = 0, j = 0, common = 0
        while i < x.count, j < y.count {
            if x[i] == y[j] { common += 1; i += 1; j += 1 } else if x[i] < y[j] { i += 1 } else { j += 1 }
        }
        let union = x.count + y.count - common
        return union == 0 ? 0 : Double(common) / Double(union)
    }
}

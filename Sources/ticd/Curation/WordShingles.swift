/// Word n-grams of a text ("shingles"), each reduced to a 64-bit hash, without allocating per word or per
/// shingle.
///
/// A word is a maximal run of ASCII letters and digits and non-ASCII bytes (so "café" and "naïve" stay whole
/// without Unicode tables); everything else separates words. ASCII letters are lowercased. A shingle is `n`
/// consecutive words; a text of 1 to n−1 words has one shingle of all its words, and a text without words
/// has none. bench/minhash_reference.py tokenizes the same way.
struct WordShingles {
    /// Words per shingle.
    let n: Int

    /// - Throws: `MinHashError.invalidShingleLength` when `n` < 1.
    init(n: Int = 5) throws {
        guard n >= 1 else { throw MinHashError.invalidShingleLength(n) }
        self.n = n
    }

    /// Calls `body` with the hash of every shingle of `text`, in order (repeats included).
    /// - Parameters:
    ///   - text: UTF-8 bytes.
    ///   - ring: scratch of at least `n` words, reused across calls so that hashing allocates nothing.
    func forEachHash(in text: UnsafeBufferPointer<UInt8>, ring: UnsafeMutablePointer<UInt64>,
                     _ body: (UInt64) -> Void) {
        var words = 0
        var word: UInt64 = Self.wordSeed, inWord = false
        func endWord() {
            ring[words % n] = mix64(word)
            words += 1
            if words >= n { body(shingleHash(ring: ring, last: words)) }
            word = Self.wordSeed
            inWord = false
        }
        for byte in text {
            let lower = byte &- 65 < 26 ? byte | 0x20 : byte
            if lower &- 97 < 26 || byte &- 48 < 10 || byte >= 0x80 {
                word = (word ^ UInt64(lower)) &* 0x100_0000_01B3
                inWord = true
            } else if inWord {
                endWord()
            }
        }
        if inWord { endWord() }
        if words > 0, words < n { body(shingleHash(ring: ring, last: words, count: words)) }
    }

    /// The hash of every shingle of `text`, deduplicated; for exact Jaccard (tests and the bench's truth).
    func hashSet(of text: String) -> Set<UInt64> {
        var set = Set<UInt64>()
        let ring = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { ring.deallocate() }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            forEachHash(in: UnsafeBufferPointer(buffer), ring: ring) { set.insert($0) }
        }
        return set
    }

    /// Combines the last `count` word hashes (the ring holds word k at k mod n) in order.
    private func shingleHash(ring: UnsafeMutablePointer<UInt64>, last words: Int, count: Int? = nil) -> UInt64 {
        let count = count ?? n
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        for k in (words - count)..<words {
            h = mix64(h ^ ring[k % n]) &+ 0x632B_E59B_D9B4_E019
        }
        return h
    }

    /// FNV-1a's offset basis; words are FNV-1a over their lowercased bytes, then mixed.
    private static let wordSeed: UInt64 = 0xCBF2_9CE4_8422_2325
}

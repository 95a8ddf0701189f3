/// The features a text classifier sees: lowercased words (runs of letters and digits) and each pair of
/// adjacent words, hashed into `buckets` rows (the hashing trick, as fastText does for its n-grams).
///
/// Words hash with 32-bit FNV-1a (fastText's `Dictionary::hash`); a bigram is `h1 * 116049371 + h2`
/// (fastText's `addWordNgrams`), so "a b" and "b a" land in different rows. Unigrams and bigrams share one
/// table; a bigram's hash is mixed with a constant so that bigrams do not pile onto the rows of short words.
struct TextFeatures {
    /// Rows in the embedding table; a power of two, so a hash maps to a row with a mask.
    let buckets: Int
    private let mask: UInt64

    /// - Parameter buckets: a power of two ≥ 2.
    init(buckets: Int) {
        precondition(buckets >= 2 && buckets & (buckets - 1) == 0, "buckets must be a power of two")
        self.buckets = buckets
        mask = UInt64(buckets - 1)
    }

    /// The 32-bit FNV-1a hash of each lowercased word of `text`, in order.
    ///
    /// ASCII letters and digits form words and every other ASCII byte separates them. Bytes of multi-byte
    /// UTF-8 characters count as word bytes; a text with any of them is lowercased with Unicode rules first.
    static func wordHashes(_ text: String) -> [UInt32] {
        var text = text
        if !text.utf8.allSatisfy({ $0 < 0x80 }) { text = text.lowercased() }
        var hashes: [UInt32] = []
        hashes.reserveCapacity(text.utf8.count / 5)
        var hash: UInt32 = 2_166_136_261
        var inWord = false
        for byte in text.utf8 {
            var b = byte
            let isWordByte: Bool
            switch b {
            case 0x30...0x39, 0x61...0x7A, 0x80...0xFF: isWordByte = true
            case 0x41...0x5A: b |= 0x20; isWordByte = true
            default: isWordByte = false
            }
            if isWordByte {
                hash = (hash ^ UInt32(b)) &* 16_777_619
                inWord = true
            } else if inWord {
                hashes.append(hash)
                hash = 2_166_136_261
                inWord = false
            }
        }
        if inWord { hashes.append(hash) }
        return hashes
    }

    /// The rows of `text`'s unigrams, then of its bigrams; empty for a text without words.
    func rows(_ text: String) -> [Int32] {
        let words = Self.wordHashes(text)
        var rows: [Int32] = []
        rows.reserveCapacity(2 * words.count)
        for word in words { rows.append(Int32(truncatingIfNeeded: UInt64(word) & mask)) }
        for i in words.indices.dropFirst() {
            rows.append(Int32(truncatingIfNeeded: Self.bigramHash(words[i - 1], words[i]) & mask))
        }
        return rows
    }

    /// The hash of the word pair (first, second); order-sensitive.
    static func bigramHash(_ first: UInt32, _ second: UInt32) -> UInt64 {
        (UInt64(first) &* 116_049_371 &+ UInt64(second)) ^ 0x9E37_79B9_7F4A_7C15
    }

    /// The lowercased words of `text` joined by single spaces: the same words `wordHashes` sees, in the form
    /// fastText reads (it splits on whitespace only).
    static func normalized(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        let lowered = text.utf8.allSatisfy({ $0 < 0x80 }) ? text : text.lowercased()
        var pendingSpace = false
        for byte in lowered.utf8 {
            switch byte {
            case 0x30...0x39, 0x61...0x7A, 0x80...0xFF, 0x41...0x5A:
                if pendingSpace, !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
            default:
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

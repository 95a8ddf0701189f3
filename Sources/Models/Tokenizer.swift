import Foundation

/// Byte-level BPE tokenizer (GPT-2 style): 256 byte tokens, then one token per learned merge, then the
/// special tokens. Any byte sequence encodes, and decoding gives the bytes back exactly.
///
/// Text is first cut into words GPT-2's way — runs of letters, of digits, of other symbols, each with one
/// leading space attached, English contractions ('s, 't, 're, 've, 'm, 'll, 'd) and whitespace runs — and
/// merges never cross a word boundary. Special tokens are never produced by `encode`: their text encodes
/// as ordinary bytes, so user text cannot inject them. The vocabulary is frozen after training and saved
/// inside every checkpoint (Codable: merges and special tokens as JSON).
public struct BPETokenizer: Codable, Equatable {
    /// Learned merges, two ids per merge: merge k joins `merges[2k]` and `merges[2k+1]` into token 256 + k.
    public let merges: [Int32]
    /// Special tokens, with ids following the merged tokens in this order.
    public let specialTokens: [String]

    /// Merge rank (index) by pair key `left << 32 | right`.
    private let ranks: [UInt64: Int32]
    /// Bytes of token t are `tokenBytes[tokenOffsets[t]..<tokenOffsets[t+1]]`.
    private let tokenBytes: [UInt8]
    private let tokenOffsets: [Int]
    private let cache = WordCache()

    /// A tokenizer from merges and special tokens.
    /// - Parameters:
    ///   - merges: pairs of token ids, flattened; each pair may only use bytes and earlier merges.
    ///   - specialTokens: at least one; `startToken` is the first and `endToken` the last.
    public init(merges: [Int32], specialTokens: [String]) {
        precondition(BPETokenizer.validate(merges: merges) == nil, "merges must reference earlier tokens")
        precondition(!specialTokens.isEmpty, "a tokenizer needs at least one special token")
        self.merges = merges
        self.specialTokens = specialTokens
        var ranks: [UInt64: Int32] = [:]
        var bytes: [UInt8] = Array(0...255)
        var offsets = Array(0...256)
        for k in 0..<merges.count / 2 {
            let left = Int(merges[2 * k]), right = Int(merges[2 * k + 1])
            ranks[BPETokenizer.pairKey(merges[2 * k], merges[2 * k + 1])] = Int32(k)
            bytes.append(contentsOf: bytes[offsets[left]..<offsets[left + 1]])
            bytes.append(contentsOf: bytes[offsets[right]..<offsets[right + 1]])
            offsets.append(bytes.count)
        }
        for token in specialTokens {
            bytes.append(contentsOf: token.utf8)
            offsets.append(bytes.count)
        }
        self.ranks = ranks
        tokenBytes = bytes
        tokenOffsets = offsets
    }

    private enum CodingKeys: String, CodingKey {
        case merges, specialTokens = "special_tokens"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let merges = try container.decode([Int32].self, forKey: .merges)
        let specialTokens = try container.decode([String].self, forKey: .specialTokens)
        if let problem = BPETokenizer.validate(merges: merges) {
            throw DecodingError.dataCorruptedError(forKey: .merges, in: container, debugDescription: problem)
        }
        guard !specialTokens.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .specialTokens, in: container,
                                                   debugDescription: "a tokenizer needs at least one special token")
        }
        self.init(merges: merges, specialTokens: specialTokens)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(merges, forKey: .merges)
        try container.encode(specialTokens, forKey: .specialTokens)
    }

    public static func == (a: BPETokenizer, b: BPETokenizer) -> Bool {
        a.merges == b.merges && a.specialTokens == b.specialTokens
    }

    /// Tokens in the vocabulary: 256 bytes + merges + special tokens.
    public var vocabularySize: Int { 256 + merges.count / 2 + specialTokens.count }

    /// The id of a special token, or nil if this tokenizer has no such special token.
    public func specialToken(_ text: String) -> Int32? {
        specialTokens.firstIndex(of: text).map { Int32(256 + merges.count / 2 + $0) }
    }

    /// The first special token ("<|startoftext|>" by default).
    public var startToken: Int32 { Int32(256 + merges.count / 2) }

    /// The last special token ("<|endoftext|>" by default); the highest id, so argmax over ids finds it
    /// (open_clip's EOT pooling).
    public var endToken: Int32 { Int32(vocabularySize - 1) }

    /// Token ids for UTF-8 text.
    public func encode(_ text: String) -> [Int32] {
        encode(bytes: Array(text.utf8))
    }

    /// Token ids for arbitrary bytes (invalid UTF-8 included); `decode` gives the same bytes back.
    public func encode(bytes: [UInt8]) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 1)
        var scratch = MergeScratch()
        bytes.withUnsafeBufferPointer { input in
            PreTokenizer.forEachWord(in: input) { range in
                let word = UnsafeBufferPointer(rebasing: input[range])
                let cacheable = word.count <= WordCache.maxWordBytes
                if cacheable && cache.lookup(word, appendingTo: &output) { return }
                let start = output.count
                encodeWord(word, into: &output, scratch: &scratch)
                if cacheable { cache.store(word, output[start...]) }
            }
        }
        return output
    }

    /// open_clip-style CLIP text input: start token, the text's tokens, end token, zero padding to `context`.
    /// Too long a text is cut so that the end token is still the last of the `context` ids.
    public func encodeCLIP(_ text: String, context: Int) -> [Int32] {
        precondition(context >= 2, "a CLIP context holds at least the start and end tokens")
        var ids = [startToken]
        ids.append(contentsOf: encode(text).prefix(context - 2))
        ids.append(endToken)
        ids.append(contentsOf: repeatElement(0, count: context - ids.count))
        return ids
    }

    /// The bytes of a token sequence. Special tokens decode to their text; ids outside the vocabulary decode
    /// to U+FFFD so bad ids show up in the output instead of vanishing.
    public func decode(_ ids: [Int32]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        tokenBytes.withUnsafeBufferPointer { table in
            for id in ids {
                let t = Int(id)
                if t >= 0 && t < tokenOffsets.count - 1 {
                    bytes.append(contentsOf: table[tokenOffsets[t]..<tokenOffsets[t + 1]])
                } else {
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                }
            }
        }
        return bytes
    }

    /// The text of a token sequence; invalid UTF-8 (e.g. a cut multi-byte character) becomes U+FFFD.
    public func decodeString(_ ids: [Int32]) -> String {
        String(decoding: decode(ids), as: UTF8.self)
    }

    /// The bytes one token stands for.
    public func bytes(of token: Int32) -> [UInt8] {
        decode([token])
    }

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// nil when every merge uses only byte tokens and earlier merges, else what is wrong.
    private static func validate(merges: [Int32]) -> String? {
        guard merges.count % 2 == 0 else { return "odd number of merge ids" }
        for (index, id) in merges.enumerated() where id < 0 || Int(id) >= 256 + index / 2 {
            return "merge \(index / 2) uses token \(id), which does not exist yet"
        }
        return nil
    }

    /// Reusable buffers for merging one word.
    private struct MergeScratch {
        var symbols: [Int32] = []
        var next: [Int32] = []
        var previous: [Int32] = []
        var heap = MinHeap()
    }

    /// Applies the merges to one word, lowest rank first and left to right among equal ranks — the order
    /// training learned them in, since a merge's parts always have lower ranks than the merge itself.
    /// A heap over candidate pairs keeps long words (a megabyte of punctuation) at O(n log n).
    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into output: inout [Int32],
                            scratch: inout MergeScratch) {
        let n = word.count
        if n == 1 {
            output.append(Int32(word[0]))
            return
        }
        scratch.symbols.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        scratch.previous.removeAll(keepingCapacity: true)
        scratch.heap.removeAll()
        for i in 0..<n {
            scratch.symbols.append(Int32(word[i]))
            scratch.next.append(Int32(i + 1))
            scratch.previous.append(Int32(i - 1))
        }
        for i in 0..<(n - 1) {
            if let rank = ranks[BPETokenizer.pairKey(scratch.symbols[i], scratch.symbols[i + 1])] {
                scratch.heap.push(rank: rank, position: Int32(i))
            }
        }
        while let top = scratch.heap.pop() {
            let i = Int(top.position)
            let j = Int(scratch.next[i])
            // Skip candidates whose left symbol was absorbed or whose pair changed since they were pushed.
            guard scratch.symbols[i] >= 0, j < n,
                  ranks[BPETokenizer.pairKey(scratch.symbols[i], scratch.symbols[j])] == top.rank else { continue }
            scratch.symbols[i] = Int32(256) + top.rank
            scratch.symbols[j] = -1
            let after = Int(scratch.next[j])
            scratch.next[i] = Int32(after)
            if after < n { scratch.previous[after] = Int32(i) }
            let before = Int(scratch.previous[i])
            if before >= 0, let rank = ranks[BPETokenizer.pairKey(scratch.symbols[before], scratch.symbols[i])] {
                scratch.heap.push(rank: rank, position: Int32(before))
            }
            if after < n, let rank = ranks[BPETokenizer.pairKey(scratch.symbols[i], scratch.symbols[after])] {
                scratch.heap.push(rank: rank, position: Int32(i))
            }
        }
        var i = 0
        while i < n {
            output.append(scratch.symbols[i])
            i = Int(scratch.next[i])
        }
    }

    /// A min-heap of (rank, position) merge candidates; position breaks rank ties, leftmost first.
    private struct MinHeap {
        private var items: [(rank: Int32, position: Int32)] = []

        mutating func removeAll() { items.removeAll(keepingCapacity: true) }

        private static func less(_ a: (rank: Int32, position: Int32), _ b: (rank: Int32, position: Int32)) -> Bool {
            a.rank < b.rank || (a.rank == b.rank && a.position < b.position)
        }

        mutating func push(rank: Int32, position: Int32) {
            items.append((rank, position))
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard MinHeap.less(items[child], items[parent]) else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> (rank: Int32, position: Int32)? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var smallest = parent
                    if left < items.count && MinHeap.less(items[left], items[smallest]) { smallest = left }
                    if right < items.count && MinHeap.less(items[right], items[smallest]) { smallest = right }
                    if smallest == parent { break }
                    items.swapAt(parent, smallest)
                    parent = smallest
                }
            }
            return top
        }
    }

    /// Token ids of recently encoded words, shared by copies of a tokenizer and safe across threads.
    /// Bounded: it is emptied when full, which keeps memory flat on endless streams of new words.
    private final class WordCache {
        static let maxWordBytes = 64
        private static let maxEntries = 1 << 18
        private var words = WordTable()
        private var idStarts: [Int] = [0]
        private var ids: [Int32] = []
        private let lock = NSLock()

        /// Appends the cached ids of `word` and returns true, or returns false if it is not cached.
        func lookup(_ word: UnsafeBufferPointer<UInt8>, appendingTo output: inout [Int32]) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let index = words.find(word) else { return false }
            output.append(contentsOf: ids[idStarts[index]..<idStarts[index + 1]])
            return true
        }

        func store(_ word: UnsafeBufferPointer<UInt8>, _ wordIds: ArraySlice<Int32>) {
            lock.lock()
            defer { lock.unlock() }
            if words.count >= WordCache.maxEntries {
                words.removeAll()
                idStarts.removeAll(keepingCapacity: true)
                idStarts.append(0)
                ids.removeAll(keepingCapacity: true)
            }
            guard words.insert(word).inserted else { return }
            ids.append(contentsOf: wordIds)
            idStarts.append(ids.count)
        }
    }
}

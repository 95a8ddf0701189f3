import Foundation

extension BPETokenizer {
    /// A set of distinct byte strings numbered in insertion order: word k is `bytes[starts[k]..<starts[k+1]]`.
    /// Open addressing over a fixed 64-bit hash, so counting words for training and caching encoded words
    /// neither allocate per word nor hash byte by byte through `Hasher`.
    struct WordTable {
        private(set) var bytes: [UInt8] = []
        private(set) var starts: [Int] = [0]
        private var hashes: [UInt64] = []
        private var slots = [Int32](repeating: -1, count: 1024)

        var count: Int { hashes.count }

        /// The index of `word`, or nil if it was never inserted.
        func find(_ word: UnsafeBufferPointer<UInt8>) -> Int? {
            let hash = WordTable.hash(word)
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 {
                let index = Int(slots[slot])
                if hashes[index] == hash && equals(index, word) { return index }
                slot = (slot + 1) & mask
            }
            return nil
        }

        /// The index of `word`, inserting it first if it is new.
        mutating func insert(_ word: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
            let hash = WordTable.hash(word)
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 {
                let index = Int(slots[slot])
                if hashes[index] == hash && equals(index, word) { return (index, false) }
                slot = (slot + 1) & mask
            }
            let index = hashes.count
            slots[slot] = Int32(index)
            hashes.append(hash)
            bytes.append(contentsOf: word)
            starts.append(bytes.count)
            if 2 * hashes.count > slots.count { grow() }
            return (index, true)
        }

        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            starts.append(0)
            hashes.removeAll(keepingCapacity: true)
            for i in slots.indices { slots[i] = -1 }
        }

        private func equals(_ index: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
            let start = starts[index], length = starts[index + 1] - start
            guard length == word.count else { return false }
            return bytes.withUnsafeBufferPointer { stored in
                length == 0 || memcmp(stored.baseAddress! + start, word.baseAddress!, length) == 0
            }
        }

        private mutating func grow() {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            let mask = slots.count - 1
            for (index, hash) in hashes.enumerated() {
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index)
            }
        }

        /// Eight bytes per multiply, then a final avalanche (the murmur3 finaliser) so low bits are usable.
        private static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(word.count)
            guard let base = word.baseAddress else { return h }
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= word.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                h = (h << 31) | (h >> 33)
                i += 8
            }
            if i < word.count {
                var tail: UInt64 = 0
                for k in i..<word.count { tail |= UInt64(word[k]) << (8 * UInt64(k - i)) }
                h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
            }
            h ^= h >> 33
            h &*= 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 33
            h &*= 0xC4CE_B9FE_1A85_EC53
            return h ^ (h >> 33)
        }
    }
}

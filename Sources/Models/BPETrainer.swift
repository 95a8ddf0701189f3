extension BPETokenizer {
    /// Learns a byte-level BPE vocabulary from sample text.
    ///
    /// Words (see `PreTokenizer`) are counted once; then each step merges the most frequent adjacent pair,
    /// updating pair counts only in the words that contain it, with a max-heap of (count, pair) whose stale
    /// entries are skipped when popped. Ties go to the lowest pair of ids (left id first), so the result
    /// depends only on the text. Training stops early when no pair occurs twice.
    /// - Parameters:
    ///   - texts: the sample; each element is split on its own (no word spans two elements).
    ///   - vocabSize: 256 bytes + merges + special tokens, at most.
    ///   - specialTokens: added after the merges, in order; the last is `endToken`.
    /// - Returns: the frozen tokenizer.
    public static func train(texts: some Sequence<String>, vocabSize: Int = 4096,
                             specialTokens: [String] = ["<|startoftext|>", "<|endoftext|>"]) -> BPETokenizer {
        precondition(vocabSize >= 256 + specialTokens.count,
                     "the vocabulary must hold 256 bytes and the special tokens")
        var trainer = Trainer()
        for text in texts { trainer.count(Array(text.utf8)) }
        return BPETokenizer(merges: trainer.learn(mergeCount: vocabSize - 256 - specialTokens.count),
                            specialTokens: specialTokens)
    }

    private struct Trainer {
        private var words = WordTable()
        private var wordCounts: [Int] = []

        mutating func count(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { input in
                PreTokenizer.forEachWord(in: input) { range in
                    let (index, inserted) = words.insert(UnsafeBufferPointer(rebasing: input[range]))
                    if inserted { wordCounts.append(0) }
                    wordCounts[index] += 1
                }
            }
        }

        func learn(mergeCount: Int) -> [Int32] {
            // Words as runs of token ids in one array; merging shortens a word in place.
            var symbols: [Int32] = []
            var starts: [Int] = [], lengths: [Int] = [], frequencies: [Int] = []
            for (index, frequency) in wordCounts.enumerated() {
                let word = words.bytes[words.starts[index]..<words.starts[index + 1]]
                guard word.count > 1 else { continue }
                starts.append(symbols.count)
                lengths.append(word.count)
                frequencies.append(frequency)
                symbols.append(contentsOf: word.lazy.map { Int32($0) })
            }
            var pairCounts: [UInt64: Int] = [:]
            var pairWords: [UInt64: [Int32]] = [:]
            for w in starts.indices {
                for k in starts[w]..<(starts[w] + lengths[w] - 1) {
                    let key = BPETokenizer.pairKey(symbols[k], symbols[k + 1])
                    pairCounts[key, default: 0] += frequencies[w]
                    if pairWords[key]?.last != Int32(w) { pairWords[key, default: []].append(Int32(w)) }
                }
            }
            var heap = MaxHeap()
            for (key, count) in pairCounts { heap.push(count: count, pair: key) }

            var merges: [Int32] = []
            merges.reserveCapacity(2 * mergeCount)
            var visited = [Int](repeating: -1, count: starts.count)
            var delta: [UInt64: Int] = [:]
            while merges.count / 2 < mergeCount, let top = heap.pop() {
                guard pairCounts[top.pair] == top.count else { continue }
                if top.count < 2 { break }
                let index = merges.count / 2
                let left = Int32(truncatingIfNeeded: top.pair >> 32), right = Int32(truncatingIfNeeded: top.pair)
                let merged = Int32(256 + index)
                merges.append(left)
                merges.append(right)
                delta.removeAll(keepingCapacity: true)
                for w32 in pairWords.removeValue(forKey: top.pair) ?? [] {
                    let w = Int(w32)
                    guard visited[w] != index else { continue }
                    visited[w] = index
                    let start = starts[w], end = start + lengths[w]
                    var present = false
                    for k in start..<(end - 1) where symbols[k] == left && symbols[k + 1] == right {
                        present = true
                        break
                    }
                    guard present else { continue }
                    let frequency = frequencies[w]
                    for k in start..<(end - 1) {
                        delta[BPETokenizer.pairKey(symbols[k], symbols[k + 1]), default: 0] -= frequency
                    }
                    var read = start, write = start
                    while read < end {
                        if read + 1 < end && symbols[read] == left && symbols[read + 1] == right {
                            symbols[write] = merged
                            read += 2
                        } else {
                            symbols[write] = symbols[read]
                            read += 1
                        }
                        write += 1
                    }
                    lengths[w] = write - start
                    for k in start..<(write - 1) {
                        let key = BPETokenizer.pairKey(symbols[k], symbols[k + 1])
                        delta[key, default: 0] += frequency
                        // Only pairs with the new token are new to this word; the others are already listed.
                        if (symbols[k] == merged || symbols[k + 1] == merged) && pairWords[key]?.last != w32 {
                            pairWords[key, default: []].append(w32)
                        }
                    }
                }
                for (key, change) in delta where change != 0 {
                    let count = pairCounts[key, default: 0] + change
                    if count > 0 {
                        pairCounts[key] = count
                        heap.push(count: count, pair: key)
                    } else {
                        pairCounts.removeValue(forKey: key)
                    }
                }
            }
            return merges
        }
    }

    /// A max-heap of (count, pair): higher count first, then the lower pair key.
    private struct MaxHeap {
        private var counts: [Int] = []
        private var pairs: [UInt64] = []

        @inline(__always)
        private func before(_ a: Int, _ b: Int) -> Bool {
            counts[a] > counts[b] || (counts[a] == counts[b] && pairs[a] < pairs[b])
        }

        private mutating func swapAt(_ a: Int, _ b: Int) {
            counts.swapAt(a, b)
            pairs.swapAt(a, b)
        }

        mutating func push(count: Int, pair: UInt64) {
            counts.append(count)
            pairs.append(pair)
            var child = counts.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard before(child, parent) else { break }
                swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> (count: Int, pair: UInt64)? {
            guard !counts.isEmpty else { return nil }
            let top = (counts[0], pairs[0])
            swapAt(0, counts.count - 1)
            counts.removeLast()
            pairs.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < counts.count && before(left, best) { best = left }
                if right < counts.count && before(right, best) { best = right }
                if best == parent { break }
                swapAt(parent, best)
                parent = best
            }
            return top
        }
    }
}

import XCTest
@testable import Models

final class TokenizerTests: XCTestCase {
    private static let sample: [String] = {
        var rng = SplitMix64RNG(seed: 99)
        let words = ["the", "cat", "sat", "on", "a", "mat", "dog", "photo", "of", "red", "blue", "circle",
                     "square", "triangle", "small", "large", "über", "café", "日本語", "🙂", "naïve", "2019",
                     "don't", "it's", "(", ")", "!", "...", "\n", "  "]
        return (0..<400).map { _ in
            (0..<(5 + rng.nextInt(below: 20))).map { _ in words[rng.nextInt(below: words.count)] }.joined(separator: " ")
        }
    }()

    private static let trained = BPETokenizer.train(texts: sample, vocabSize: 300)

    private func words(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var result: [String] = []
        bytes.withUnsafeBufferPointer { input in
            BPETokenizer.PreTokenizer.forEachWord(in: input) { result.append(String(decoding: bytes[$0], as: UTF8.self)) }
        }
        return result
    }

    func testPreTokenizerSplitsLikeGPT2() {
        XCTAssertEqual(words("Hello world  123 !!"), ["Hello", " world", " ", " 123", " !!"])
        XCTAssertEqual(words("don't we'll I'VE"), ["don", "'t", " we", "'ll", " I", "'", "VE"])
        XCTAssertEqual(words("a\n\nb  "), ["a", "\n", "\n", "b", "  "])
        XCTAssertEqual(words("x2y (über) 日本語"), ["x", "2", "y", " (", "über", ")", " 日本語"])
        XCTAssertEqual(words("\t tab"), ["\t", " tab"])
    }

    func testPreTokenizerTreatsInvalidUTF8AsSymbols() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xC3, 0x20, 0x62, 0xE2, 0x82]
        var pieces: [[UInt8]] = []
        bytes.withUnsafeBufferPointer { input in
            BPETokenizer.PreTokenizer.forEachWord(in: input) { pieces.append(Array(bytes[$0])) }
        }
        XCTAssertEqual(pieces, [[0x61], [0xFF, 0xC3], [0x20, 0x62], [0xE2, 0x82]])
    }

    func testTrainingFillsTheRequestedVocabulary() {
        XCTAssertEqual(TokenizerTests.trained.vocabularySize, 300)
        XCTAssertEqual(TokenizerTests.trained.merges.count, 2 * (300 - 256 - 2))
    }

    func testTrainingIsDeterministicAndIgnoresTextOrder() {
        let again = BPETokenizer.train(texts: TokenizerTests.sample.reversed(), vocabSize: 300)
        XCTAssertEqual(again, TokenizerTests.trained)
    }

    func testMostFrequentPairIsMergedFirst() {
        let tokenizer = BPETokenizer.train(texts: ["ab", "ab", "ab", "cd", "cd"], vocabSize: 259)
        XCTAssertEqual(tokenizer.merges, [97, 98])
    }

    func testTiesGoToTheLowestPairOfIds() {
        let tokenizer = BPETokenizer.train(texts: ["dc", "ba", "dc", "ba", "bc", "bc"], vocabSize: 261)
        XCTAssertEqual(tokenizer.merges, [98, 97, 98, 99, 100, 99])
    }

    func testTrainingStopsWhenNoPairRepeats() {
        let tokenizer = BPETokenizer.train(texts: ["abab"], vocabSize: 1000)
        XCTAssertEqual(tokenizer.merges, [97, 98])
        XCTAssertEqual(tokenizer.vocabularySize, 259)
    }

    private func wordsAsBytes(_ text: String) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        var result: [[UInt8]] = []
        bytes.withUnsafeBufferPointer { input in
            BPETokenizer.PreTokenizer.forEachWord(in: input) { result.append(Array(bytes[$0])) }
        }
        return result
    }

    /// Merges `left right` into `merged` wherever it occurs, left to right.
    private func replacePair(_ symbols: [Int32], _ left: Int32, _ right: Int32, _ merged: Int32) -> [Int32] {
        var out: [Int32] = []
        var i = 0
        while i < symbols.count {
            if i + 1 < symbols.count && symbols[i] == left && symbols[i + 1] == right {
                out.append(merged)
                i += 2
            } else {
                out.append(symbols[i])
                i += 1
            }
        }
        return out
    }

    /// Textbook BPE training: recount every pair before each merge.
    private func naiveMerges(_ texts: [String], mergeCount: Int) -> [Int32] {
        var counts: [[Int32]: Int] = [:]
        for text in texts { for word in wordsAsBytes(text) { counts[word.map { Int32($0) }, default: 0] += 1 } }
        var words = Array(counts)
        var merges: [Int32] = []
        while merges.count / 2 < mergeCount {
            var pairs: [[Int32]: Int] = [:]
            for (word, count) in words where word.count > 1 {
                for k in 0..<(word.count - 1) { pairs[[word[k], word[k + 1]], default: 0] += count }
            }
            guard let best = pairs.max(by: { a, b in
                a.value < b.value || (a.value == b.value && (a.key[0], a.key[1]) > (b.key[0], b.key[1]))
            }), best.value >= 2 else { break }
            let merged = Int32(256 + merges.count / 2)
            merges += best.key
            words = words.map { (replacePair($0.key, best.key[0], best.key[1], merged), $0.value) }
        }
        return merges
    }

    /// Textbook BPE encoding: repeatedly merge every occurrence of the lowest-ranked pair.
    private func naiveEncode(_ text: String, _ tokenizer: BPETokenizer) -> [Int32] {
        var rank: [[Int32]: Int] = [:]
        for k in 0..<(tokenizer.merges.count / 2) { rank[[tokenizer.merges[2 * k], tokenizer.merges[2 * k + 1]]] = k }
        var ids: [Int32] = []
        for word in wordsAsBytes(text) {
            var symbols = word.map { Int32($0) }
            while symbols.count > 1 {
                let candidates = (0..<(symbols.count - 1)).compactMap { rank[[symbols[$0], symbols[$0 + 1]]] }
                guard let best = candidates.min() else { break }
                symbols = replacePair(symbols, tokenizer.merges[2 * best], tokenizer.merges[2 * best + 1], Int32(256 + best))
            }
            ids += symbols
        }
        return ids
    }

    private func repetitiveTexts(seed: UInt64) -> [String] {
        var rng = SplitMix64RNG(seed: seed)
        let alphabet = ["a", "b", "c", " ", "é", "1", "\n", "!"]
        return (0..<300).map { _ in (0..<(3 + rng.nextInt(below: 40))).map { _ in alphabet[rng.nextInt(below: alphabet.count)] }.joined() }
    }

    func testIncrementalTrainingMatchesNaiveRecountingTrainer() {
        for seed: UInt64 in [1, 2, 3] {
            let texts = repetitiveTexts(seed: seed)
            let tokenizer = BPETokenizer.train(texts: texts, vocabSize: 256 + 120 + 2)
            XCTAssertEqual(tokenizer.merges.count, 2 * 120)
            XCTAssertEqual(tokenizer.merges, naiveMerges(texts, mergeCount: 120), "seed \(seed)")
        }
    }

    func testHeapEncoderMatchesNaiveLowestRankFirstMerging() {
        let tokenizer = BPETokenizer.train(texts: repetitiveTexts(seed: 4), vocabSize: 256 + 120 + 2)
        for text in repetitiveTexts(seed: 5) + TokenizerTests.sample.prefix(20) {
            XCTAssertEqual(tokenizer.encode(text), naiveEncode(text, tokenizer), text)
        }
    }

    func testConcurrentEncodingGivesTheSameIdsAsSerialEncoding() {
        let texts = Array(TokenizerTests.sample.prefix(64))
        let tokenizer = BPETokenizer.train(texts: TokenizerTests.sample, vocabSize: 300)
        let serial = texts.map { tokenizer.encode($0) }
        let results = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: texts.count)
        defer { results.deallocate() }
        results.initialize(repeating: [])
        DispatchQueue.concurrentPerform(iterations: texts.count) { results[$0] = tokenizer.encode(texts[$0]) }
        XCTAssertEqual(Array(results), serial)
    }

    func testFrequentWordBecomesOneToken() {
        let tokenizer = BPETokenizer.train(texts: Array(repeating: "a triangle", count: 10), vocabSize: 256 + 8 + 2)
        let ids = tokenizer.encode(" triangle")
        XCTAssertEqual(ids.count, 1)
        XCTAssertEqual(tokenizer.decodeString(ids), " triangle")
    }

    func testEncodeDecodeRoundTripsUnicodeText() {
        let texts = ["", "a", "The cat sat on the mat.", "naïve café über 日本語 🙂👍🏽 \u{0301}e\u{0301}",
                     "עברית العربية", "tabs\tand\r\nnewlines\n\n\n   trailing   ", "<|endoftext|> literal",
                     String(repeating: "!", count: 5000)]
        for text in texts {
            XCTAssertEqual(TokenizerTests.trained.decodeString(TokenizerTests.trained.encode(text)), text)
            XCTAssertEqual(TokenizerTests.trained.decode(TokenizerTests.trained.encode(text)), Array(text.utf8))
        }
    }

    func testEncodeDecodeRoundTripsArbitraryBytes() {
        var rng = SplitMix64RNG(seed: 5)
        for length in [1, 2, 3, 17, 1000, 20_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            XCTAssertEqual(TokenizerTests.trained.decode(TokenizerTests.trained.encode(bytes: bytes)), bytes, "length \(length)")
        }
    }

    func testRepeatedWordsEncodeTheSameEachTime() {
        let phrase = TokenizerTests.trained.encode(" red circle")
        XCTAssertEqual(TokenizerTests.trained.encode(" red circle red circle"), phrase + phrase)
        XCTAssertEqual(TokenizerTests.trained.encode(" red circle"), phrase)
    }

    func testSpecialTokenTextEncodesAsOrdinaryBytes() {
        let ids = TokenizerTests.trained.encode("<|endoftext|>")
        XCTAssertFalse(ids.contains(TokenizerTests.trained.endToken))
        XCTAssertFalse(ids.contains(TokenizerTests.trained.startToken))
    }

    func testSpecialTokensFollowMergesAndEndTokenIsHighest() {
        let tokenizer = TokenizerTests.trained
        XCTAssertEqual(tokenizer.startToken, 298)
        XCTAssertEqual(tokenizer.endToken, 299)
        XCTAssertEqual(tokenizer.specialToken("<|endoftext|>"), 299)
        XCTAssertNil(tokenizer.specialToken("<|pad|>"))
        XCTAssertEqual(tokenizer.decodeString([tokenizer.startToken, tokenizer.endToken]), "<|startoftext|><|endoftext|>")
    }

    func testEncodeCLIPWrapsTextAndPadsWithZeros() {
        let tokenizer = TokenizerTests.trained
        let body = tokenizer.encode("a red circle")
        let ids = tokenizer.encodeCLIP("a red circle", context: 32)
        XCTAssertEqual(ids.count, 32)
        XCTAssertEqual(Array(ids[0..<(body.count + 2)]), [tokenizer.startToken] + body + [tokenizer.endToken])
        XCTAssertEqual(Array(ids[(body.count + 2)...]), [Int32](repeating: 0, count: 30 - body.count))
    }

    func testEncodeCLIPKeepsEndTokenWhenTruncating() {
        let tokenizer = TokenizerTests.trained
        let text = String(repeating: "the small dog sat on a large mat ", count: 20)
        let ids = tokenizer.encodeCLIP(text, context: 16)
        XCTAssertEqual(ids.count, 16)
        XCTAssertEqual(ids.first, tokenizer.startToken)
        XCTAssertEqual(ids.last, tokenizer.endToken)
        XCTAssertEqual(Array(ids[1..<15]), Array(tokenizer.encode(text).prefix(14)))
    }

    func testCodableRoundTripGivesAnEqualTokenizer() throws {
        let data = try JSONEncoder().encode(TokenizerTests.trained)
        let decoded = try JSONDecoder().decode(BPETokenizer.self, from: data)
        XCTAssertEqual(decoded, TokenizerTests.trained)
        let text = TokenizerTests.sample[3]
        XCTAssertEqual(decoded.encode(text), TokenizerTests.trained.encode(text))
    }

    func testDecodingRejectsMergesThatUseLaterTokens() {
        let json = Data(#"{"merges":[97,98,97,300],"special_tokens":["<|endoftext|>"]}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(BPETokenizer.self, from: json))
    }

    func testDecodeStringReplacesInvalidUTF8AndUnknownIds() {
        let tokenizer = TokenizerTests.trained
        XCTAssertEqual(tokenizer.decodeString([0xE6, 0x97]), "\u{FFFD}")
        XCTAssertEqual(tokenizer.decodeString([104, 5000, 105]), "h\u{FFFD}i")
    }
}

import XCTest
@testable import ticd

final class MinHashTests: XCTestCase {
    /// Space-separated distinct tokens t<first> … t<last−1>: with one-word shingles, two such ranges have exactly
    /// the Jaccard similarity of the ranges.
    private func tokens(_ range: Range<Int>) -> String {
        range.map { "t\($0)" }.joined(separator: " ")
    }

    private func pairs(_ texts: [String], _ configuration: NearDuplicateDetector.Configuration) throws -> Int {
        var detector = try NearDuplicateDetector(configuration)
        return detector.add(texts, threads: 2).reduce(0) { $0 + $1.count }
    }

    func testIdenticalDocumentsAreAlwaysCandidates() throws {
        let text = "The quick brown fox jumps over the lazy dog, and then it naps in the warm sun for a while."
        for (threshold, numPerm) in [(0.5, 64), (0.8, 128), (0.95, 128), (0.99, 256)] {
            for confirm in [false, true] {
                var detector = try NearDuplicateDetector(.init(numPerm: numPerm, threshold: threshold, confirm: confirm))
                XCTAssertEqual(detector.add(text), [])
                XCTAssertEqual(detector.add("unrelated words only here nothing shared at all"), [])
                XCTAssertEqual(detector.add(text), [0], "threshold \(threshold), num_perm \(numPerm), confirm \(confirm)")
                // Case and punctuation are not part of a word.
                XCTAssertEqual(detector.add(text.uppercased().replacingOccurrences(of: ",", with: " ;; ")), [0, 2])
            }
        }
    }

    func testDisjointDocumentsAreAlmostNeverCandidates() throws {
        let texts = (0..<400).map { tokens(($0 * 300)..<($0 * 300 + 50 + $0 % 200)) }
        for threshold in [0.5, 0.8] {
            XCTAssertLessThanOrEqual(try pairs(texts, .init(ngram: 1, threshold: threshold)), 1)
            XCTAssertLessThanOrEqual(try pairs(texts, .init(ngram: 5, threshold: threshold)), 1)
        }
    }

    func testEstimatedJaccardTracksTrueJaccardWithinSamplingError() throws {
        let numPerm = 256
        var totalError = 0.0, cases = 0
        for seed: UInt64 in 1...4 {
            let hasher = try MinHasher(numPerm: numPerm, ngram: 1, seed: seed)
            for shift in stride(from: 0, through: 300, by: 20) {
                let x = hasher.signature(of: tokens(0..<300)), y = hasher.signature(of: tokens(shift..<(300 + shift)))
                let truth = Double(300 - shift) / Double(300 + shift)
                let estimate = x.withUnsafeBufferPointer { x in
                    y.withUnsafeBufferPointer { y in MinHasher.estimatedJaccard(x, y) }
                }
                // Four standard deviations of the binomial estimate, plus one step of 1/numPerm.
                let bound = 4 * (truth * (1 - truth) / Double(numPerm)).squareRoot() + 1 / Double(numPerm)
                XCTAssertEqual(estimate, truth, accuracy: bound, "seed \(seed), shift \(shift)")
                totalError += estimate - truth
                cases += 1
            }
        }
        XCTAssertLessThan(abs(totalError / Double(cases)), 0.01, "the estimate is unbiased")
    }

    func testNearDuplicatePairsAreFoundAsOftenAsTheBandingCurvePredicts() throws {
        // 200 pairs at Jaccard 0.9 and 200 at 0.5; with 9 bands × 13 rows (threshold 0.8, num_perm 128) LSH
        // finds a pair with probability 1 − (1 − s^13)^9: 0.95 at 0.9, 0.001 at 0.5.
        var texts: [String] = []
        for i in 0..<400 {
            let base = i * 1000, shift = i < 200 ? 5 : 33
            texts.append(tokens(base..<(base + 100)))
            texts.append(tokens((base + shift)..<(base + 100 + shift)))
        }
        var detector = try NearDuplicateDetector(.init(ngram: 1, threshold: 0.8))
        XCTAssertEqual(detector.index.bands, try LSHBands(bands: 9, rows: 13, numPerm: 128))
        let answers = detector.add(texts, threads: 2)
        let close = (0..<200).filter { answers[2 * $0 + 1] == [2 * $0] }.count
        let far = (200..<400).filter { !answers[2 * $0 + 1].isEmpty }.count
        XCTAssertGreaterThan(close, 175)
        XCTAssertLessThan(far, 5)
    }

    func testConfirmationDropsCandidatesBelowTheThreshold() throws {
        // Jaccard 0.6 with 8 bands × 2 rows: a candidate with probability 1 − (1 − 0.6²)⁸ = 0.97, and 4.6 standard
        // deviations of the estimate below 0.8.
        let bands = try LSHBands(bands: 8, rows: 2, numPerm: 128)
        let texts = (0..<100).flatMap { i in [tokens((i * 1000)..<(i * 1000 + 80)), tokens((i * 1000 + 20)..<(i * 1000 + 100))] }
        let candidates = try pairs(texts, .init(ngram: 1, threshold: 0.8, bands: bands))
        let confirmed = try pairs(texts, .init(ngram: 1, threshold: 0.8, bands: bands, confirm: true))
        XCTAssertGreaterThan(candidates, 90)
        XCTAssertEqual(confirmed, 0)
    }

    func testBandingForAThresholdMatchesDatasketch() throws {
        // (threshold, num_perm, b, r) from datasketch 2.0.0: datasketch.lsh._optimal_param(t, num_perm, 0.5, 0.5),
        // which MinHashLSH(threshold=t, num_perm=num_perm) uses.
        let expected: [(Double, Int, Int, Int)] = [
            (0.05, 32, 32, 1), (0.1, 32, 15, 1), (0.15, 32, 9, 1), (0.2, 32, 16, 2), (0.25, 32, 16, 2),
            (0.3, 32, 12, 2), (0.35, 32, 10, 3), (0.4, 32, 10, 3), (0.45, 32, 10, 3), (0.5, 32, 8, 4),
            (0.55, 32, 8, 4), (0.6, 32, 6, 5), (0.65, 32, 6, 5), (0.7, 32, 5, 6), (0.75, 32, 4, 8), (0.8, 32, 3, 10),
            (0.85, 32, 3, 10), (0.9, 32, 2, 16), (0.95, 32, 1, 32),
            (0.05, 128, 32, 1), (0.1, 128, 64, 2), (0.15, 128, 51, 2), (0.2, 128, 28, 2), (0.25, 128, 42, 3),
            (0.3, 128, 37, 3), (0.35, 128, 32, 4), (0.4, 128, 32, 4), (0.45, 128, 25, 5), (0.5, 128, 25, 5),
            (0.55, 128, 21, 6), (0.6, 128, 18, 7), (0.65, 128, 16, 8), (0.7, 128, 14, 9), (0.75, 128, 11, 11),
            (0.8, 128, 9, 13), (0.85, 128, 8, 16), (0.9, 128, 5, 25), (0.95, 128, 3, 42),
            (0.05, 256, 32, 1), (0.1, 256, 117, 2), (0.15, 256, 51, 2), (0.2, 256, 85, 3), (0.25, 256, 64, 3),
            (0.3, 256, 64, 4), (0.35, 256, 61, 4), (0.4, 256, 51, 5), (0.45, 256, 47, 5), (0.5, 256, 42, 6),
            (0.55, 256, 36, 7), (0.6, 256, 32, 8), (0.65, 256, 28, 9), (0.7, 256, 25, 10), (0.75, 256, 21, 12),
            (0.8, 256, 17, 15), (0.85, 256, 13, 19), (0.9, 256, 9, 28), (0.95, 256, 5, 51),
        ]
        for (threshold, numPerm, b, r) in expected {
            let bands = try LSHBands.optimal(threshold: threshold, numPerm: numPerm)
            XCTAssertEqual([bands.bands, bands.rows], [b, r], "threshold \(threshold), num_perm \(numPerm)")
        }
        // Other weights: _optimal_param(t, num_perm, w_fp, w_fn) in the same version.
        for (threshold, numPerm, fp, fn, b, r) in [(0.8, 128, 0.3, 0.7, 11, 11), (0.5, 128, 0.9, 0.1, 16, 8),
                                                   (0.9, 64, 0.2, 0.8, 4, 14)] {
            let bands = try LSHBands.optimal(threshold: threshold, numPerm: numPerm,
                                             falsePositiveWeight: fp, falseNegativeWeight: fn)
            XCTAssertEqual([bands.bands, bands.rows], [b, r], "threshold \(threshold), weights \(fp)/\(fn)")
        }
    }

    func testSameSeedGivesSameSignaturesAndAnswersOnAnyThreadCount() throws {
        let texts = BenchMinHash.documents(count: 300)
        let one = try MinHasher(seed: 7), again = try MinHasher(seed: 7), other = try MinHasher(seed: 8)
        XCTAssertEqual(one.signatures(of: texts, threads: 1), again.signatures(of: texts, threads: 2))
        XCTAssertNotEqual(one.signatures(of: texts, threads: 1), other.signatures(of: texts, threads: 1))
        XCTAssertEqual(one.signature(of: texts[5]), Array(one.signatures(of: texts, threads: 2)[(5 * 128)..<(6 * 128)]))
        var first = try NearDuplicateDetector(.init(seed: 7)), second = try NearDuplicateDetector(.init(seed: 7))
        XCTAssertEqual(first.add(texts, threads: 2), texts.map { second.add($0) })
    }

    func testTextsShorterThanAShingleHaveOneShingleAndEmptyTextsNone() throws {
        let shingles = try WordShingles(n: 5)
        XCTAssertEqual(shingles.hashSet(of: "two words").count, 1)
        XCTAssertEqual(shingles.hashSet(of: "Two, WORDS!"), shingles.hashSet(of: "two words"))
        XCTAssertEqual(shingles.hashSet(of: " ... ").count, 0)
        XCTAssertEqual(shingles.hashSet(of: "a b c d e f g").count, 3)
        XCTAssertEqual(shingles.hashSet(of: "a b c d e a b c d e").count, 5)
    }

    func testExactJoinFindsThePairsAnAllPairsComparisonFinds() throws {
        let shingles = try WordShingles(n: 3)
        let sets = BenchMinHash.documents(count: 300).map { Array(shingles.hashSet(of: $0)) }
        for threshold in [0.3, 0.8] {
            var expected = Set<UInt64>()
            let sorted = sets.map { $0.sorted() }
            for j in 0..<sets.count {
                for i in 0..<j where ExactJaccardJoin.jaccard(sorted[i], sorted[j]) >= threshold {
                    expected.insert(UInt64(i) << 32 | UInt64(j))
                }
            }
            XCTAssertFalse(expected.isEmpty)
            XCTAssertEqual(Set(ExactJaccardJoin.pairs(sets, threshold: threshold).keys), expected, "threshold \(threshold)")
        }
    }

    func testImpossibleSettingsAreRefusedWithTheValue() {
        XCTAssertThrowsError(try MinHasher(numPerm: 0)) { XCTAssertEqual($0 as? MinHashError, .invalidPermutationCount(0)) }
        XCTAssertThrowsError(try WordShingles(n: 0)) { XCTAssertEqual($0 as? MinHashError, .invalidShingleLength(0)) }
        XCTAssertThrowsError(try LSHBands.optimal(threshold: 1.5, numPerm: 128)) {
            XCTAssertEqual($0 as? MinHashError, .invalidThreshold(1.5))
        }
        XCTAssertThrowsError(try NearDuplicateDetector(.init(numPerm: 64, bands: try! LSHBands(bands: 9, rows: 13, numPerm: 128)))) {
            XCTAssertEqual($0 as? MinHashError, .invalidBanding(bands: 9, rows: 13, permutations: 64))
            XCTAssertTrue("\($0)".contains("64 permutations"))
        }
    }
}

import XCTest
@testable import Models

final class RetrievalMetricsTests: XCTestCase {
    /// O(N²) ranks with the documented rule: 1 + candidates scoring strictly higher than the true pair.
    private func naiveRanks(_ images: [Float], _ texts: [Float], n: Int, d: Int) -> (i2t: [Int32], t2i: [Int32]) {
        var score = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for k in 0..<d { s += Double(images[i * d + k]) * Double(texts[j * d + k]) }
            score[i * n + j] = s
        } }
        var i2t = [Int32](repeating: 1, count: n), t2i = [Int32](repeating: 1, count: n)
        for i in 0..<n { for j in 0..<n where j != i {
            if score[i * n + j] > score[i * n + i] { i2t[i] += 1 }
            if score[j * n + i] > score[i * n + i] { t2i[i] += 1 }
        } }
        return (i2t, t2i)
    }

    private func normalisedRandom(_ n: Int, _ d: Int, _ rng: inout SplitMix64RNG) -> [Float] {
        var x = (0..<(n * d)).map { _ in rng.normal() }
        for i in 0..<n {
            let norm = (0..<d).reduce(Float(0)) { $0 + x[i * d + $1] * x[i * d + $1] }.squareRoot()
            for k in 0..<d { x[i * d + k] /= norm }
        }
        return x
    }

    private func blockedRanks(_ images: [Float], _ texts: [Float], n: Int, d: Int,
                              tileRows: Int, tileColumns: Int) -> (i2t: [Int32], t2i: [Int32]) {
        images.withUnsafeBufferPointer { a in
            texts.withUnsafeBufferPointer { b in
                let r = RetrievalScores.ranks(imageEmbeddings: a, textEmbeddings: b, count: n, dimension: d,
                                              tileRows: tileRows, tileColumns: tileColumns)
                return (r.imageToText, r.textToImage)
            }
        }
    }

    func testRanksMatchNaiveOracleOnRandomEmbeddingsAcrossUnevenBlocks() {
        var rng = SplitMix64RNG(seed: 11)
        let n = 301, d = 24
        let images = normalisedRandom(n, d, &rng)
        var texts = normalisedRandom(n, d, &rng)
        for i in 0..<(n * d) { texts[i] = 0.6 * texts[i] + 0.4 * images[i] }
        let oracle = naiveRanks(images, texts, n: n, d: d)
        let blocked = blockedRanks(images, texts, n: n, d: d, tileRows: 37, tileColumns: 50)
        XCTAssertEqual(blocked.i2t, oracle.i2t)
        XCTAssertEqual(blocked.t2i, oracle.t2i)
        XCTAssertGreaterThan(oracle.i2t.filter { $0 == 1 }.count, 0)
        XCTAssertGreaterThan(oracle.i2t.filter { $0 > 10 }.count, 0)
    }

    func testPlantedTiesCountInFavourOfTheTrueMatch() {
        // Small integers over 4 are exact in Float, so every score is exact and ties are real ties.
        var rng = SplitMix64RNG(seed: 12)
        let n = 200, d = 8
        var images = (0..<(n * d)).map { _ in Float(rng.nextInt(below: 5) - 2) / 4 }
        var texts = (0..<(n * d)).map { _ in Float(rng.nextInt(below: 5) - 2) / 4 }
        for i in stride(from: 0, to: n, by: 3) {
            let j = (i + 7) % n
            for k in 0..<d { texts[j * d + k] = texts[i * d + k] }
        }
        for i in stride(from: 1, to: n, by: 5) {
            let j = (i + 11) % n
            for k in 0..<d { images[j * d + k] = images[i * d + k] }
        }
        let oracle = naiveRanks(images, texts, n: n, d: d)
        let blocked = blockedRanks(images, texts, n: n, d: d, tileRows: 64, tileColumns: 64)
        XCTAssertEqual(blocked.i2t, oracle.i2t)
        XCTAssertEqual(blocked.t2i, oracle.t2i)
        let identical = [Float](repeating: 0.5, count: n * d)
        let allTied = blockedRanks(identical, identical, n: n, d: d, tileRows: 50, tileColumns: 30)
        XCTAssertEqual(allTied.i2t, [Int32](repeating: 1, count: n))
        XCTAssertEqual(allTied.t2i, [Int32](repeating: 1, count: n))
    }

    func testResultDoesNotDependOnBlockSize() {
        var rng = SplitMix64RNG(seed: 13)
        let n = 257, d = 16
        let images = normalisedRandom(n, d, &rng), texts = normalisedRandom(n, d, &rng)
        let reference = blockedRanks(images, texts, n: n, d: d, tileRows: n, tileColumns: n)
        for (rows, columns) in [(1, 1), (2, 257), (16, 33), (100, 7), (256, 256), (128, 1024)] {
            let r = blockedRanks(images, texts, n: n, d: d, tileRows: rows, tileColumns: columns)
            XCTAssertEqual(r.i2t, reference.i2t, "tile \(rows)×\(columns)")
            XCTAssertEqual(r.t2i, reference.t2i, "tile \(rows)×\(columns)")
        }
    }

    func testPerfectlyAlignedEmbeddingsScoreFullRecall() {
        var rng = SplitMix64RNG(seed: 14)
        let n = 100, d = 128
        let x = normalisedRandom(n, d, &rng)
        let scores = x.withUnsafeBufferPointer { RetrievalScores.compute(imageEmbeddings: $0, textEmbeddings: $0, count: n, dimension: d) }
        XCTAssertEqual(scores.meanRecallAt1, 1)
        XCTAssertEqual(scores.imageToTextMeanRank, 1)
        XCTAssertEqual(scores.textToImageMedianRank, 1)
    }

    func testSummaryFromRanksMatchesHandComputedValues() {
        let scores = RetrievalScores(imageToTextRanks: [1, 2, 6, 11], textToImageRanks: [1, 1, 3, 20])
        XCTAssertEqual(scores.count, 4)
        XCTAssertEqual(scores.imageToTextR1, 0.25)
        XCTAssertEqual(scores.imageToTextR5, 0.5)
        XCTAssertEqual(scores.imageToTextR10, 0.75)
        XCTAssertEqual(scores.imageToTextMeanRank, 5)
        XCTAssertEqual(scores.imageToTextMedianRank, 4)
        XCTAssertEqual(scores.textToImageR1, 0.5)
        XCTAssertEqual(scores.textToImageMedianRank, 2)
        XCTAssertEqual(scores.meanRecallAt1, 0.375)
    }

    func testMedianRankOfOddCountIsTheMiddleRank() {
        let scores = RetrievalScores(imageToTextRanks: [9, 1, 4], textToImageRanks: [1, 1, 1])
        XCTAssertEqual(scores.imageToTextMedianRank, 4)
    }

    func testDictionaryUsesOpenCLIPMetricNames() {
        let names = Set(RetrievalScores(imageToTextRanks: [1], textToImageRanks: [1]).asDictionary.keys)
        XCTAssertEqual(names, ["image_to_text_R@1", "image_to_text_R@5", "image_to_text_R@10", "image_to_text_mean_rank",
                               "image_to_text_median_rank", "text_to_image_R@1", "text_to_image_R@5", "text_to_image_R@10",
                               "text_to_image_mean_rank", "text_to_image_median_rank", "mean_recall@1"])
    }

    func testFiftyThousandPairsUseTilesFarSmallerThanNSquared() {
        let tile = RetrievalScores.tileShape(count: 50_000)
        XCTAssertEqual(tile.rows, 128)
        XCTAssertEqual(tile.columns, 1024)
        XCTAssertLessThanOrEqual(tile.rows * tile.columns * MemoryLayout<Float>.size, 512 * 1024)
        XCTAssertEqual(RetrievalScores.tileShape(count: 100).rows, 100)
        XCTAssertEqual(RetrievalScores.tileShape(count: 100).columns, 100)
    }

    func testOpenBLASThreadCountIsRestoredAfterwards() {
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        BLAS.threads = 2
        let x: [Float] = [1, 0, 0, 1]
        _ = x.withUnsafeBufferPointer { RetrievalScores.compute(imageEmbeddings: $0, textEmbeddings: $0, count: 2, dimension: 2) }
        XCTAssertEqual(BLAS.threads, 2)
    }

    func testCodableRoundTrip() throws {
        let scores = RetrievalScores(imageToTextRanks: [1, 3], textToImageRanks: [2, 1])
        XCTAssertEqual(try JSONDecoder().decode(RetrievalScores.self, from: JSONEncoder().encode(scores)), scores)
    }
}

import XCTest
@testable import Models

final class LanguageModelMetricsTests: XCTestCase {
    func testLossPerplexityAndBitsPerByteFromTotals() {
        var metrics = LanguageModelMetrics()
        metrics.add(negativeLogLikelihood: 4 * log(8.0), tokens: 4, bytes: 8)
        XCTAssertEqual(metrics.meanTokenLoss, log(8.0), accuracy: 1e-12)
        XCTAssertEqual(metrics.perplexity, 8, accuracy: 1e-12)
        XCTAssertEqual(metrics.bitsPerByte, 1.5, accuracy: 1e-12)
    }

    func testPerTokenLossesAreSummed() {
        var metrics = LanguageModelMetrics()
        let losses: [Float] = [0.5, 1.5, 2, 4]
        losses.withUnsafeBufferPointer { metrics.add(tokenLosses: $0, bytes: 10) }
        XCTAssertEqual(metrics.tokenCount, 4)
        XCTAssertEqual(metrics.meanTokenLoss, 2, accuracy: 1e-12)
        XCTAssertEqual(metrics.bitsPerByte, 8 / (log(2.0) * 10), accuracy: 1e-12)
    }

    func testMergingAccumulatorsEqualsAccumulatingEverything() {
        var a = LanguageModelMetrics(), b = LanguageModelMetrics(), all = LanguageModelMetrics()
        a.add(negativeLogLikelihood: 3, tokens: 2, bytes: 7)
        b.add(negativeLogLikelihood: 5, tokens: 3, bytes: 9)
        all.add(negativeLogLikelihood: 3, tokens: 2, bytes: 7)
        all.add(negativeLogLikelihood: 5, tokens: 3, bytes: 9)
        a.merge(b)
        XCTAssertEqual(a, all)
    }

    func testEmptyMetricsAreZeroNotNaN() {
        let metrics = LanguageModelMetrics()
        XCTAssertEqual(metrics.meanTokenLoss, 0)
        XCTAssertEqual(metrics.perplexity, 1)
        XCTAssertEqual(metrics.bitsPerByte, 0)
    }

    func testDictionaryNames() {
        var metrics = LanguageModelMetrics()
        metrics.add(negativeLogLikelihood: 2, tokens: 1, bytes: 1)
        XCTAssertEqual(Set(metrics.asDictionary.keys), ["loss", "perplexity", "bits_per_byte", "tokens", "bytes"])
    }
}

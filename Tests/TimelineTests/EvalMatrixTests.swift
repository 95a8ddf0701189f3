import XCTest
@testable import Timeline

/// DESIGN §7's summaries on hand-made matrices.
final class EvalMatrixTests: XCTestCase {
    /// Three yearly steps; rows = model after step i, columns = eval data of year j.
    let recall = EvalMatrix(rows: ["2014", "2015", "2016"], columns: ["2014", "2015", "2016"],
                            values: [[0.50, 0.30, 0.20],
                                     [0.45, 0.60, 0.25],
                                     [0.40, 0.55, 0.70]], higherIsBetter: true)

    func testInDistributionIsTheMeanOfTheDiagonal() {
        XCTAssertEqual(recall.inDistribution!, (0.50 + 0.60 + 0.70) / 3, accuracy: 1e-12)
    }

    func testBackwardIsTheMeanBelowTheDiagonal() {
        XCTAssertEqual(recall.backward!, (0.45 + 0.40 + 0.55) / 3, accuracy: 1e-12)
    }

    func testForwardIsTheMeanAboveTheDiagonal() {
        XCTAssertEqual(recall.forward!, (0.30 + 0.20 + 0.25) / 3, accuracy: 1e-12)
    }

    func testMissingCellsAreLeftOutOfTheMeans() {
        var m = recall
        m.values[2][0] = nil
        XCTAssertEqual(m.backward!, (0.45 + 0.55) / 2, accuracy: 1e-12)
        let empty = EvalMatrix(rows: ["a"], columns: ["a"], values: [[nil]], higherIsBetter: true)
        XCTAssertNil(empty.inDistribution)
        XCTAssertNil(empty.backward)
    }

    func testForgettingIsTheDropSinceTheBestEarlierScore() {
        let f = recall.forgetting(row: 2)
        XCTAssertEqual(f[0]!, 0.50 - 0.40, accuracy: 1e-12)
        XCTAssertEqual(f[1]!, 0.60 - 0.55, accuracy: 1e-12)
        XCTAssertNil(f[2], "the row's own column is not an old slice")
    }

    func testForgettingOfALossIsARise() {
        let loss = EvalMatrix(rows: ["1", "2"], columns: ["1", "2"], values: [[3.0, 4.0], [3.5, 3.1]], higherIsBetter: false)
        XCTAssertEqual(loss.forgetting(row: 1)[0]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(loss.inDistribution!, (3.0 + 3.1) / 2, accuracy: 1e-12)
    }
}

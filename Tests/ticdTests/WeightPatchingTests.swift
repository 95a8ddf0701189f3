import XCTest
@testable import ticd

/// Patching's β search on constructed scores: it must pick the β that maximises the past-slice score, leave
/// exactly that mix in the weights, and fall back to β = 1 when there is nothing to score.
final class WeightPatchingTests: XCTestCase {
    func testPicksTheBetaThatMaximisesTheHeldOutScoreAndLeavesThatMix() throws {
        let old: [Float] = [0, 10, -4]
        var weights: [Float] = [1, 20, 4]
        let grid = (0...10).map { Double($0) / 10 }
        let choice = try weights.withUnsafeMutableBufferPointer { p in
            // Best where the first weight is 0.3: β = 0.3.
            try WeightPatching.choose(parameters: p, old: old, grid: grid, higherIsBetter: true) {
                -Double((p[0] - 0.3) * (p[0] - 0.3))
            }
        }
        XCTAssertEqual(choice.beta, 0.3, accuracy: 1e-9)
        XCTAssertEqual(choice.scores.count, grid.count)
        XCTAssertEqual(weights[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(weights[1], 13, accuracy: 1e-5)
        XCTAssertEqual(weights[2], -1.6, accuracy: 1e-5)
    }

    func testLowerIsBetterForPerplexityAndTiesGoToTheLargerBeta() throws {
        var weights: [Float] = [1]
        let lower = try weights.withUnsafeMutableBufferPointer { p in
            try WeightPatching.choose(parameters: p, old: [0], grid: [0, 0.5, 1], higherIsBetter: false) {
                Double(abs(p[0] - 0.5)) + 3
            }
        }
        XCTAssertEqual(lower.beta, 0.5)
        var flat: [Float] = [1]
        let tie = try flat.withUnsafeMutableBufferPointer { p in
            try WeightPatching.choose(parameters: p, old: [0], grid: [0, 0.5, 1], higherIsBetter: true) { 1 }
        }
        XCTAssertEqual(tie.beta, 1)
        XCTAssertEqual(flat, [1])
    }

    func testNoPastSliceMeansNoPatching() throws {
        var weights: [Float] = [2, 2]
        let choice = try weights.withUnsafeMutableBufferPointer { p in
            try WeightPatching.choose(parameters: p, old: [0, 0], grid: [0, 0.5], higherIsBetter: true) { nil }
        }
        XCTAssertEqual(choice.beta, 1)
        XCTAssertEqual(weights, [2, 2])
    }
}

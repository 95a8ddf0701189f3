import Foundation
import XCTest
@testable import Timeline

/// Steps, checkpoints and evaluation cells in the catalog, and the matrix assembled from them.
final class CatalogTrainingTests: XCTestCase {
    func catalog() throws -> (Catalog, Scratch) {
        let s = Scratch()
        try s.state.create()
        let c = try Catalog(path: s.state.catalogPath)
        for (label, first, last) in [("2014-2016", "2014-01", "2016-12"), ("2017", "2017-01", "2017-12"),
                                     ("2018", "2018-01", "2018-12")] {
            try c.savePlan("{}", stepLabel: label, first: Month(first)!, last: Month(last)!, policy: "sequential")
        }
        return (c, s)
    }

    func testStepStateAndComputeAreRecorded() throws {
        let (c, _) = try catalog()
        try c.setStepState(label: "2017", "trained", samplesSeen: 1000, flops: 2e12, seconds: 12.5)
        let step = try XCTUnwrap(c.steps().first { $0.label == "2017" })
        XCTAssertEqual(step.state, "trained")
        XCTAssertEqual(step.samplesSeen, 1000)
        XCTAssertEqual(step.flops, 2e12)
        XCTAssertEqual(try c.steps().map(\.label), ["2014-2016", "2017", "2018"])
        XCTAssertThrowsError(try c.setStepState(label: "1999", "trained"))
    }

    func testOnlyAnAcceptedCheckpointIsTheOneToWarmStartFrom() throws {
        let (c, _) = try catalog()
        let a = try c.addCheckpoint(stepLabel: "2014-2016", path: "checkpoints/a", sha256: nil)
        try c.acceptCheckpoint(id: a)
        _ = try c.addCheckpoint(stepLabel: "2017", path: "checkpoints/b", sha256: nil)
        XCTAssertEqual(try c.lastAcceptedCheckpoint()?.id, a, "a checkpoint not loaded back is never warm-started from")
    }

    func testMatrixHasOneRowPerTrainedStepAndNilForCellsNotEvaluated() throws {
        let (c, _) = try catalog()
        let first = try c.addCheckpoint(stepLabel: "2014-2016", path: "a", sha256: nil)
        try c.acceptCheckpoint(id: first)
        let second = try c.addCheckpoint(stepLabel: "2017", path: "b", sha256: nil)
        try c.acceptCheckpoint(id: second)
        try c.recordEval(EvalResult(checkpointID: first, sliceGroup: "2014-2016", metric: "mean_recall@1", value: 0.5, detailJSON: nil))
        try c.recordEval(EvalResult(checkpointID: first, sliceGroup: "2017", metric: "mean_recall@1", value: 0.2, detailJSON: nil))
        try c.recordEval(EvalResult(checkpointID: second, sliceGroup: "2014-2016", metric: "mean_recall@1", value: 0.4, detailJSON: "{}"))
        try c.recordEval(EvalResult(checkpointID: second, sliceGroup: "2017", metric: "mean_recall@1", value: 0.6, detailJSON: nil))
        try c.recordEval(EvalResult(checkpointID: second, sliceGroup: "2017", metric: "mean_recall@1", value: 0.7, detailJSON: nil))
        let m = try c.evalMatrix(higherIsBetter: true)
        XCTAssertEqual(m.rows, ["2014-2016", "2017"])
        XCTAssertEqual(m.columns, ["2014-2016", "2017", "2018"])
        XCTAssertEqual(m.values, [[0.5, 0.2, nil], [0.4, 0.7, nil]], "a re-evaluated cell replaces the old value")
        XCTAssertEqual(m.inDistribution!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(m.backward!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(m.forward!, 0.2, accuracy: 1e-12)
    }
}

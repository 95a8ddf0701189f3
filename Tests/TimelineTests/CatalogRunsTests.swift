import XCTest
@testable import Timeline

/// Runs in the catalog (schema v2): a catalog from before runs migrates its steps into `main`, and two runs keep
/// their steps, checkpoints and eval cells apart on the shared catalog.
final class CatalogRunsTests: XCTestCase {
    var path = ""

    override func setUpWithError() throws {
        path = NSTemporaryDirectory() + "ticd-runs-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite"
    }

    override func tearDown() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func testAVersionOneCatalogMigratesItsStepsCheckpointsAndCellsIntoMain() throws {
        do {
            let old = try Catalog(path: path, migrations: Array(CatalogSchema.migrations.prefix(1)))
            XCTAssertEqual(old.schemaVersion, 1)
            try old.database.execute("""
                INSERT INTO steps(id, label, first_slice, last_slice, state, policy, plan_json, created_at, samples_seen)
                    VALUES (7, '2014', '2014-01', '2014-12', 'evaluated', 'sequential', '{}', 100, 512);
                INSERT INTO checkpoints(id, step_id, path, accepted, created_at) VALUES (3, 7, 'checkpoints/a.ckpt', 1, 101);
                INSERT INTO eval_results(checkpoint_id, slice_group, metric, value, created_at)
                    VALUES (3, '2014', 'mean_recall@1', 0.5, 102);
                """)
        }
        let catalog = try Catalog(path: path)
        XCTAssertEqual(catalog.schemaVersion, CatalogSchema.latestVersion)
        let steps = try catalog.steps()
        XCTAssertEqual(steps.map(\.label), ["2014"])
        XCTAssertEqual(steps.first?.run, Run.main)
        XCTAssertEqual(steps.first?.samplesSeen, 512)
        XCTAssertEqual(try catalog.runs().map(\.name), [Run.main])
        XCTAssertEqual(try catalog.checkpoints().map(\.path), ["checkpoints/a.ckpt"])
        XCTAssertEqual(try catalog.evalMatrix(higherIsBetter: true).values, [[0.5]])
        XCTAssertEqual(try catalog.database.integer("SELECT count(*) FROM pragma_foreign_key_check"), 0)
        XCTAssertEqual(try catalog.database.integer("PRAGMA foreign_keys"), 1, "foreign keys back on after migrating")
    }

    func testTwoRunsKeepTheirStepsCheckpointsAndCellsApart() throws {
        let catalog = try Catalog(path: path)
        let jan = try XCTUnwrap(Month(year: 2014, month: 1)), dec = try XCTUnwrap(Month(year: 2014, month: 12))
        for (run, value) in [("a", 0.25), ("b", 0.75)] {
            try catalog.registerRun(run, configJSON: "{\"policy\": \"\(run)\"}")
            try catalog.savePlan("{\"run\": \"\(run)\"}", run: run, stepLabel: "2014", first: jan, last: dec, policy: run)
            let id = try catalog.addCheckpoint(run: run, stepLabel: "2014", path: "runs/\(run)/x.ckpt", sha256: nil)
            try catalog.acceptCheckpoint(id: id)
            try catalog.recordEval(EvalResult(checkpointID: id, sliceGroup: "2014", metric: "m", value: value, detailJSON: nil))
            try catalog.setStepState(run: run, label: "2014", "evaluated", samplesSeen: 10, methodJSON: "{\"beta\":0.5}")
        }
        XCTAssertEqual(try catalog.runs().map(\.name), ["a", "b"])
        XCTAssertEqual(try catalog.plan(run: "a", stepLabel: "2014"), "{\"run\": \"a\"}")
        XCTAssertEqual(try catalog.plan(run: "b", stepLabel: "2014"), "{\"run\": \"b\"}")
        XCTAssertNil(try catalog.plan(stepLabel: "2014"), "main has no such step")
        XCTAssertEqual(try catalog.evalMatrix(run: "a", higherIsBetter: true).values, [[0.25]])
        XCTAssertEqual(try catalog.evalMatrix(run: "b", higherIsBetter: true).values, [[0.75]])
        XCTAssertEqual(try catalog.checkpoints(run: "b").map(\.path), ["runs/b/x.ckpt"])
        XCTAssertEqual(try catalog.steps(run: "a").first?.methodJSON, "{\"beta\":0.5}")
        XCTAssertThrowsError(try catalog.registerRun("../escape", configJSON: nil))
        XCTAssertThrowsError(try catalog.setStepState(run: "c", label: "2014", "evaluated"))
    }
}

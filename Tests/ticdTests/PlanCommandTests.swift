import Foundation
import XCTest

/// `ticd plan` through the binary: the config contract (defaults, unknown keys) and the plan's JSON.
final class PlanCommandTests: TemporaryDirectoryTestCase {
    func write(_ json: String, to name: String) -> String {
        let path = root + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(json.utf8)))
        return path
    }

    func testUnknownConfigKeyIsAnErrorThatNamesIt() throws {
        let config = write("{\"state_dir\": \"\(root)/s\", \"polcy\": \"sequential\"}", to: "c.json")
        let r = try Ticd.run(["plan", "--config", config, "--step", "1"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unknown key \"polcy\""), r.stderr)
    }

    func testConfigThatIsNotJSONIsAnErrorThatSaysWhere() throws {
        // Found by `make fuzz` (config): any syntax error was only "not a JSON object", with no position.
        let config = write("{\n \"policy\": sequential}", to: "c.json")
        let r = try Ticd.run(["plan", "--config", config, "--step", "1"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(config + ": not valid JSON: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("at byte 13, found 's'"), r.stderr)
    }

    func testPlanJSONGivesPerSliceCountsSharesAndBudgetAndIsDeterministic() throws {
        let corpus = root + "/corpus"
        XCTAssertEqual(try Ticd.run(["corpus", "synthetic", "--out", corpus, "--kind", "text", "--years", "2014-2016",
                                     "--per-month", "20"]).status, 0)
        XCTAssertEqual(try Ticd.run(["ingest", "--state", root + "/s", corpus]).status, 0)
        let config = write("""
            {"state_dir": "\(root)/s", "task": "lm", "policy": "cumulative-all", "alpha": 0.5,
             "samples_per_step": 300, "step_unit": "year"}
            """, to: "c.json")
        let first = try Ticd.run(["plan", "--config", config, "--step", "3", "--json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let plan = try XCTUnwrap(Ticd.json(first.stdout))
        XCTAssertEqual(plan["budget"] as? Int, 300)
        XCTAssertEqual(plan["new_samples"] as? Int, 150)
        XCTAssertEqual(plan["old_samples"] as? Int, 150)
        let slices = try XCTUnwrap(plan["slices"] as? [String: Int])
        XCTAssertEqual(slices.values.reduce(0, +), 300)
        XCTAssertEqual(slices.filter { $0.key.hasPrefix("2016") }.values.reduce(0, +), 150)
        XCTAssertEqual(try Ticd.run(["plan", "--config", config, "--step", "3", "--json"]).stdout, first.stdout)
    }
}

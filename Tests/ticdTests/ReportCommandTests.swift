import Foundation
import XCTest
@testable import ticd

/// `ticd report` as a user runs it: the file it writes, repeated --compare, and its usage errors.
final class ReportCommandTests: TemporaryDirectoryTestCase {
    func testWritesAWellFormedReportInPlaceOfTheOldOne() throws {
        let this = try ReportRun.make(root: root, values: [[0.25, 0.125, nil], [0.5, 0.625, 0.0625]])
        let other = try ReportRun.make(root: root, name: "restart", policy: "restart", values: [[0.25, 0.125, 0.0625]])
        let out = root + "/out/report.html"
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: out))
        let result = try Ticd.run(["report", "--config", this.config.path, "--out", out, "--compare", other.config.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        let page = try ParsedPage(html)
        // This run's matrix (6 cells), then with a compared run each run's own heatmap: 6 again and 3.
        XCTAssertEqual(page.cells.count, 6 + 6 + 3)
        XCTAssertTrue(page.text.contains("restart"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/out"), ["report.html"],
                       "no temporary file is left beside it")
    }

    func testUsageErrorsExitTwo() throws {
        let run = try ReportRun.make(root: root, values: [])
        XCTAssertEqual(try Ticd.run(["report", "--config", run.config.path]).status, 2, "--out is required")
        XCTAssertEqual(try Ticd.run(["report", "--config", run.config.path, "--out", root + "/r.html", "stray.json"]).status, 2)
        let missing = root + "/nowhere.json"
        try JSONSerialization.data(withJSONObject: ["state_dir": root + "/nowhere"]).write(to: URL(fileURLWithPath: missing))
        let result = try Ticd.run(["report", "--config", missing, "--out", root + "/r.html"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("no catalog"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/nowhere"), "a report never creates a state dir")
    }

    func testAFlagMayRepeat() throws {
        let a = try Arguments(["--compare", "a.json", "--compare=b.json", "--out", "x"], valueFlags: ["compare", "out"])
        XCTAssertEqual(a.all("compare"), ["a.json", "b.json"])
        XCTAssertEqual(a.string("compare"), "b.json", "a single-valued read takes the last")
        XCTAssertEqual(a.all("config"), [])
    }
}

import Foundation
import XCTest

/// `ticd ingest`, `slices` and `shards` through the binary: the DESIGN §10 contracts, exit statuses, crash
/// recovery across processes and bounded memory.
final class IngestCommandTests: TemporaryDirectoryTestCase {
    func corpus(_ kind: String, years: String = "2015", perMonth: Int = 8, out: String? = nil,
                extra: [String] = []) throws -> String {
        let dir = out ?? root + "/corpus-\(kind)"
        let r = try Ticd.run(["corpus", "synthetic", "--out", dir, "--kind", kind, "--years", years,
                              "--per-month", String(perMonth), "--seed", "3"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return dir
    }

    func testIngestJSONLinesFollowTheContractAndExitThreeOnQuarantine() throws {
        let images = try corpus("image-text")
        let garbage = root + "/junk.jsonl.zst"
        XCTAssertTrue(FileManager.default.createFile(atPath: garbage, contents: Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })))
        let r = try Ticd.run(["ingest", "--state", root + "/state", "--json", images, garbage])
        XCTAssertEqual(r.status, 3, r.stderr)
        let objects = r.lines.compactMap(Ticd.json)
        XCTAssertEqual(objects.count, 13)
        for o in objects {
            for key in ["path", "outcome", "samples", "dropped", "slices"] { XCTAssertNotNil(o[key], "missing \(key) in \(o)") }
        }
        let junk = try XCTUnwrap(objects.first { ($0["path"] as? String) == garbage })
        XCTAssertEqual(junk["outcome"] as? String, "quarantined")
        XCTAssertNotNil(junk["reason"] as? String)
        XCTAssertEqual(objects.filter { $0["outcome"] as? String == "accepted" }.count, 12)

        let slices = try Ticd.run(["slices", "--state", root + "/state", "--json"])
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(slices.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 12)
        XCTAssertEqual(rows.first?["slice"] as? String, "2015-01")
        XCTAssertEqual(rows.map { ($0["train"] as! Int) + ($0["eval"] as! Int) }.reduce(0, +), 96)

        let shards = try Ticd.run(["shards", "--state", root + "/state", "--json"])
        let shardRows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shards.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(shardRows.count, 13)
        XCTAssertEqual(shardRows.filter { $0["state"] as? String == "quarantined" }.first?["reason"] != nil, true)
    }

    /// Every regular file under `dir` with its bytes, size and modification time.
    func snapshot(_ dir: String) throws -> [String: (Data, Int64, Int)] {
        var out: [String: (Data, Int64, Int)] = [:]
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: dir))
        while let relative = walker.nextObject() as? String {
            var st = stat()
            guard lstat(dir + "/" + relative, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            out[relative] = (try Data(contentsOf: URL(fileURLWithPath: dir + "/" + relative)), Int64(st.st_size),
                             st.st_mtim.tv_sec)
        }
        return out
    }

    /// Data loss guard: a user's corpus is never consumed by `ticd ingest`, accepted, duplicate or quarantined.
    func testIngestLeavesAReadOnlySourceDirectoryByteIdentical() throws {
        let source = try corpus("image-text", perMonth: 6)
        let garbage = source + "/2015-06/broken.tar"
        XCTAssertTrue(FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 7, count: 3000)))
        try FileManager.default.copyItem(atPath: source + "/2015-01", toPath: source + "/again")
        let before = try snapshot(source)
        XCTAssertGreaterThan(before.count, 13)
        // Read-only all the way down, as a mounted archive or someone else's corpus would be.
        for (relative, _) in before { chmod(source + "/" + relative, 0o444) }
        let dirs = try FileManager.default.subpathsOfDirectory(atPath: source).filter { before[$0] == nil } + [""]
        for d in dirs { chmod(source + "/" + d, 0o555) }
        defer { for d in dirs { chmod(source + "/" + d, 0o755) } }

        let r = try Ticd.run(["ingest", "--state", root + "/state", "--json", source])
        XCTAssertEqual(r.status, 3, r.stderr)
        let objects = r.lines.compactMap(Ticd.json)
        XCTAssertEqual(objects.filter { $0["outcome"] as? String == "accepted" }.count, 12)
        XCTAssertEqual(objects.filter { $0["outcome"] as? String == "quarantined" }.count, 1)
        XCTAssertGreaterThan(objects.filter { $0["outcome"] as? String == "duplicate" }.count, 0)
        for o in objects where o["outcome"] as? String != "duplicate" {
            XCTAssertEqual(o["stored"] as? String, "link", "one filesystem: a hard link, no copy: \(o)")
        }
        let after = try snapshot(source)
        XCTAssertEqual(Set(after.keys), Set(before.keys), "no source file may disappear")
        for (relative, (bytes, size, mtime)) in before {
            XCTAssertEqual(after[relative]?.0, bytes, relative)
            XCTAssertEqual(after[relative]?.1, size, relative)
            XCTAssertEqual(after[relative]?.2, mtime, relative)
        }
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(try Ticd.run(["slices", "--state", root + "/state", "--json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { ($0["train"] as! Int) + ($0["eval"] as! Int) }.reduce(0, +), 72)
    }

    func testMoveOptsInToConsumingTheSources() throws {
        let source = try corpus("text", perMonth: 3)
        let r = try Ticd.run(["ingest", "--state", root + "/state", "--move", "--json", source])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = r.lines.compactMap(Ticd.json)
        XCTAssertEqual(objects.count, 12)
        XCTAssertTrue(objects.allSatisfy { $0["stored"] as? String == "move" }, "\(objects)")
        XCTAssertEqual(try snapshot(source).count, 0, "every accepted shard left the source directory")
        XCTAssertEqual(try Ticd.run(["ingest", "--state", root + "/s2", "--move", "--keep", source]).status, 2)
    }

    func testReingestingIsANoOpAndExitsZero() throws {
        let text = try corpus("text", perMonth: 5)
        let copy = root + "/copy"
        try FileManager.default.copyItem(atPath: text, toPath: copy)
        XCTAssertEqual(try Ticd.run(["ingest", "--state", root + "/s", text]).status, 0)
        let before = try Ticd.run(["slices", "--state", root + "/s", "--json"]).stdout
        let again = try Ticd.run(["ingest", "--state", root + "/s", "--json", copy])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.lines.compactMap(Ticd.json).allSatisfy { $0["outcome"] as? String == "duplicate" })
        XCTAssertEqual(try Ticd.run(["slices", "--state", root + "/s", "--json"]).stdout, before)
    }

    func testAKilledIngestIsRepairedByTheNextRun() throws {
        for phase in ["after-begin", "after-move", "after-complete"] {
            let text = try corpus("text", perMonth: 4, out: root + "/c-\(phase)")
            let state = root + "/state-\(phase)"
            let crashed = try Ticd.run(["ingest", "--state", state, text], environment: ["TICD_CRASH_AT": phase])
            XCTAssertEqual(crashed.status, 70, "\(phase): \(crashed.stderr)")
            let resumed = try Ticd.run(["ingest", "--state", state, "--json", text])
            XCTAssertEqual(resumed.status, 0, "\(phase): \(resumed.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(try Ticd.run(["slices", "--state", state, "--json"]).stdout.utf8)) as! [[String: Any]]
            XCTAssertEqual(rows.count, 12, phase)
            XCTAssertEqual(rows.map { ($0["train"] as! Int) + ($0["eval"] as! Int) }.reduce(0, +), 48, "\(phase): every sample once")
        }
    }

    /// 10k-sample shards ingest in memory that does not grow with the shard.
    func testTenThousandSampleShardsIngestWithinBoundedRSS() throws {
        let small = try corpus("image-text", years: "2015", perMonth: 1000, out: root + "/small",
                               extra: ["--months", "1", "--image-size", "32"])
        let large = try corpus("image-text", years: "2016", perMonth: 10_000, out: root + "/large",
                               extra: ["--months", "1", "--image-size", "32"])
        let a = try Ticd.run(["ingest", "--state", root + "/rss-a", small + "/2015-01"])
        let b = try Ticd.run(["ingest", "--state", root + "/rss-b", large + "/2016-01"])
        XCTAssertEqual(a.status, 0, a.stderr); XCTAssertEqual(b.status, 0, b.stderr)
        let small1k = try XCTUnwrap(Self.peakRSSMiB(a.stderr)), large10k = try XCTUnwrap(Self.peakRSSMiB(b.stderr))
        print("peak RSS: 1k-sample shard \(small1k) MiB, 10k-sample shard \(large10k) MiB")
        XCTAssertLessThan(large10k, 128, "a 10k-sample shard must ingest in well under 128 MiB")
        XCTAssertLessThan(large10k - small1k, 24, "RSS must not grow with the number of samples")
    }

    /// The "peak RSS N MiB" figure of ingest's closing stderr line.
    static func peakRSSMiB(_ stderr: String) -> Int? {
        guard let range = stderr.range(of: "peak RSS ") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

import Foundation
import XCTest

/// `ticd corpus changelogs` through the binary: its options, its table, and that `ticd ingest` accepts every
/// shard it writes.
final class ChangelogCommandTests: TemporaryDirectoryTestCase {
    func testShardsFromAFixtureDocRootAreAllAcceptedByIngest() throws {
        let docs = root + "/doc", out = root + "/out"
        try ChangelogFixtures.gzip(ChangelogFixtures.debian(package: "foo", count: 30, words: ["systemd", "wayland", "rust"]),
                                   to: docs + "/foo/changelog.Debian.gz")
        try ChangelogFixtures.gzip(ChangelogParserTests.gnu, to: docs + "/foo/changelog.gz")
        try ChangelogFixtures.gzip(ChangelogParserTests.news, to: docs + "/bar/NEWS.gz")
        try ChangelogFixtures.write(Array(ChangelogParserTests.git.utf8), to: docs + "/bar/changelog")
        try ChangelogFixtures.write([0x1F, 0x8B, 0x08, 0x00, 0x01], to: docs + "/bad/changelog.gz")

        let r = try Ticd.run(["corpus", "changelogs", "--doc-root", docs, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("total 37 entries in "), r.stdout)
        XCTAssertTrue(r.lines.contains("2016       12"), r.stdout)
        XCTAssertTrue(r.stdout.contains("truncated 1"), r.stdout)
        XCTAssertTrue(r.stderr.contains(docs + "/bad/changelog.gz"), "the damaged file is named: \(r.stderr)")

        let shards = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".jsonl.zst") }.sorted()
        XCTAssertEqual(shards.count, 35)
        let ingest = try Ticd.run(["ingest", "--state", root + "/state", "--json"] + shards.map { out + "/" + $0 })
        XCTAssertEqual(ingest.status, 0, ingest.stdout + ingest.stderr)
        let objects = ingest.lines.compactMap(Ticd.json)
        XCTAssertEqual(objects.count, shards.count)
        XCTAssertTrue(objects.allSatisfy { $0["outcome"] as? String == "accepted" }, ingest.stdout)
        XCTAssertEqual(objects.map { $0["samples"] as? Int ?? 0 }.reduce(0, +), 37)
    }

    func testSinceAndUntilBoundTheYears() throws {
        let docs = root + "/doc", out = root + "/out"
        try ChangelogFixtures.gzip(ChangelogFixtures.debian(package: "foo", count: 36), to: docs + "/foo/changelog.Debian.gz")
        let r = try Ticd.run(["corpus", "changelogs", "--doc-root", docs, "--out", out, "--since", "2016", "--until", "2016"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines.prefix(2), ["year  entries", "2016       12"])
        XCTAssertTrue(r.stdout.contains("outside_years 24"), r.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted().first, "2016-01.jsonl.zst")
    }

    func testUsageErrors() throws {
        let noOut = try Ticd.run(["corpus", "changelogs", "--doc-root", root])
        XCTAssertEqual(noOut.status, 2)
        XCTAssertTrue(noOut.stderr.contains("missing --out"), noOut.stderr)
        let backwards = try Ticd.run(["corpus", "changelogs", "--out", root + "/o", "--since", "2020", "--until", "2019"])
        XCTAssertEqual(backwards.status, 2)
        XCTAssertTrue(backwards.stderr.contains("--since 2020 is after --until 2019"), backwards.stderr)
        let unknown = try Ticd.run(["corpus", "changelog", "--out", root + "/o"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("expected `changelogs` or `synthetic`"), unknown.stderr)
        let missingRoot = try Ticd.run(["corpus", "changelogs", "--out", root + "/o", "--doc-root", root + "/none"])
        XCTAssertEqual(missingRoot.status, 1)
        XCTAssertTrue(missingRoot.stderr.contains(root + "/none"), missingRoot.stderr)
    }
}

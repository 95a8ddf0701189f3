import Foundation
import XCTest
import Timeline
@testable import ticd

/// `ChangelogCorpus` on documentation roots written here: every format, damaged and odd files, symlinked
/// package directories, duplicates, masking, the year bounds and the time window.
final class ChangelogCorpusTests: TemporaryDirectoryTestCase {
    var docs: String { root + "/doc" }
    var out: String { root + "/out" }

    private func build(_ configure: (inout ChangelogCorpus) -> Void = { _ in }) throws -> (ChangelogSummary, [ChangelogProblem]) {
        var corpus = ChangelogCorpus(out: out)
        corpus.docRoot = docs
        configure(&corpus)
        var problems: [ChangelogProblem] = []
        let summary = try corpus.build { problems.append($0) }
        return (summary, problems)
    }

    private func allRecords() throws -> [[String: Any]] {
        try ChangelogFixtures.records(in: out).values.flatMap { $0 }
    }

    func testEveryFormatBecomesRecordsInMonthlyShards() throws {
        try ChangelogFixtures.gzip(ChangelogParserTests.debian, to: docs + "/foo/changelog.Debian.gz")
        try ChangelogFixtures.gzip(ChangelogParserTests.gnu, to: docs + "/foo/changelog.gz")
        try ChangelogFixtures.gzip(ChangelogParserTests.news, to: docs + "/foo/NEWS.gz")
        try ChangelogFixtures.write(Array(ChangelogParserTests.git.utf8), to: docs + "/bar/sub/ChangeLog")
        try ChangelogFixtures.write(Array("not a changelog".utf8), to: docs + "/bar/README")
        try ChangelogFixtures.write(Array("<html>2019-03-04</html>".utf8), to: docs + "/bar/changelog.html")

        let (summary, problems) = try build()
        XCTAssertEqual(problems, [])
        XCTAssertEqual(summary.filesRead, 4)
        XCTAssertEqual(summary.entriesBySource, [.debianChangelog: 2, .gnuChangelog: 3, .gitLog: 2, .news: 2])
        XCTAssertEqual(summary.entrySkips[.missingDate], 3, "Debian entry without trailer, commit without date, undated NEWS section")
        XCTAssertEqual(summary.entrySkips[.badDate], 2, "Debian `Fri 32 Foo 2005` and GNU 2019-02-30")
        XCTAssertEqual(summary.total, 9)
        XCTAssertEqual(summary.entriesByYear, [1997: 1, 2008: 1, 2018: 1, 2019: 5, 2020: 1])

        let shards = try ChangelogFixtures.records(in: out)
        XCTAssertEqual(Set(shards.keys), ["1997-03.jsonl.zst", "2008-01.jsonl.zst", "2018-01.jsonl.zst", "2019-01.jsonl.zst",
                                          "2019-03.jsonl.zst", "2020-05.jsonl.zst"])
        let march = try XCTUnwrap(shards["2019-03.jsonl.zst"])
        XCTAssertEqual(march.map { $0["timestamp"] as? String },
                       ["2019-03-04T11:00:00Z", "2019-03-04T11:00:00Z", "2019-03-04T12:00:00Z", "2019-03-04T12:00:00Z"],
                       "lines in time order")
        let debian = try XCTUnwrap(march.first { $0["source"] as? String == "debian-changelog" })
        XCTAssertEqual(debian["package"] as? String, "foo")
        XCTAssertEqual(debian["text"] as? String, "foo (1.2-1) unstable; urgency=medium\n\n* New upstream release.\n  - with systemd units.")
        let git = try XCTUnwrap(march.first { $0["source"] as? String == "git-log" })
        XCTAssertEqual(git["package"] as? String, "bar")
        XCTAssertEqual(git["text"] as? String, "Add wayland backend\n\nSigned-off-by: Jane Doe <email>", "address masked")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out).contains { $0.hasPrefix(".") || $0.hasSuffix(".tmp") },
                       "no temporary file left behind")
    }

    func testDamagedOddAndUnreadableFilesCostOnlyThemselves() throws {
        // 40 entries, cut in the middle of the compressed stream: the first ones survive.
        try ChangelogFixtures.gzip(ChangelogFixtures.debian(package: "cut", count: 40), to: docs + "/cut/changelog.Debian.gz")
        let gz = try XCTUnwrap(FileManager.default.contents(atPath: docs + "/cut/changelog.Debian.gz"))
        try ChangelogFixtures.write(Array(gz.prefix(gz.count / 2)), to: docs + "/cut/changelog.Debian.gz")
        // Not gzip at all.
        try ChangelogFixtures.write((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }, to: docs + "/junk/changelog.gz")
        // Latin-1 bytes in a plain NEWS file.
        try ChangelogFixtures.write(Array("Version 2.0 (2016-05-01)\n\n  Thanks to J".utf8) + [0xF6] + Array("rg.\n".utf8),
                                    to: docs + "/latin/NEWS")
        // A dangling symlink, and a file over the read limit.
        XCTAssertEqual(symlink(docs + "/nowhere", docs + "/latin/changelog.gz"), 0)
        try ChangelogFixtures.write(Array(ChangelogFixtures.debian(package: "big", count: 100).utf8), to: docs + "/big/changelog.Debian")

        let (summary, problems) = try build { $0.maxFileBytes = 8 << 10 }
        XCTAssertEqual(Set(problems.map(\.kind)), [.truncated, .corrupt, .unreadable, .tooLarge])
        XCTAssertTrue(problems.allSatisfy { !$0.path.isEmpty && !$0.detail.isEmpty })
        XCTAssertNotNil(problems.first { $0.kind == .truncated }?.offset, "where the damage was found")
        XCTAssertEqual(summary.fileProblems[.unreadable], 1)
        XCTAssertEqual(summary.entrySkips[.unfinished], 2, "the last entry of the cut and the capped file")

        let records = try allRecords()
        let byPackage = Dictionary(grouping: records, by: { $0["package"] as! String })
        XCTAssertGreaterThan(byPackage["cut"]?.count ?? 0, 5)
        XCTAssertLessThan(byPackage["cut"]?.count ?? 0, 40)
        XCTAssertGreaterThan(byPackage["big"]?.count ?? 0, 5)
        XCTAssertLessThan(byPackage["big"]?.count ?? 0, 100)
        XCTAssertEqual(byPackage["latin"]?.first?["text"] as? String, "Thanks to Jörg.")
        XCTAssertNil(byPackage["junk"])
    }

    func testSymlinkedPackageDirectoriesAndCopiesAreReadOnce() throws {
        try ChangelogFixtures.gzip(ChangelogFixtures.debian(package: "base", count: 12), to: docs + "/base/changelog.Debian.gz")
        XCTAssertEqual(symlink("base", docs + "/alias"), 0)
        XCTAssertEqual(symlink(docs + "/base", docs + "/base/loop"), 0, "a cycle must not hang the walk")
        try FileManager.default.copyItem(atPath: docs + "/base", toPath: docs + "/copy")

        let (summary, _) = try build()
        XCTAssertEqual(summary.aliasedPackages, 1)
        XCTAssertEqual(summary.filesRead, 2, "base and its copy; the alias and the loop lead to files already read")
        XCTAssertEqual(summary.total, 12)
        XCTAssertEqual(summary.entrySkips[.duplicate], 12, "the copy's entries are exact duplicates")
        XCTAssertTrue(try allRecords().allSatisfy { $0["package"] as? String == "base" }, "the real directory's name wins")
    }

    func testDuplicatesAcrossFormatsAndMaskedAddressesCollapse() throws {
        let news = """
            Version 1.0 (2019-03-04)

              Fixed the arm64 build.  Thanks, jane@example.org!

            Version 0.9 (2019-02-04)

              fixed the ARM64 build.
              Thanks, john@example.org!
            """
        try ChangelogFixtures.gzip(news, to: docs + "/one/NEWS.gz")
        let (summary, _) = try build()
        XCTAssertEqual(summary.total, 1)
        XCTAssertEqual(summary.entrySkips[.duplicate], 1, "same text once addresses are masked and blanks and case normalized")
        XCTAssertEqual(try allRecords().first?["text"] as? String, "Fixed the arm64 build.  Thanks, <email>!")
    }

    func testYearBoundsAndTimeWindow() throws {
        try ChangelogFixtures.gzip(ChangelogFixtures.debian(package: "span", count: 48), to: docs + "/span/changelog.Debian.gz")
        try ChangelogFixtures.gzip("1989-12-31  Too Early  <e@example.org>\n\n\t* x: Before 1990.\n", to: docs + "/old/ChangeLog.gz")

        let (bounded, _) = try build { $0.years = 2016...2017 }
        XCTAssertEqual(bounded.entriesByYear, [2016: 12, 2017: 12])
        XCTAssertEqual(bounded.entrySkips[.outsideYears], 24)
        XCTAssertEqual(bounded.entrySkips[.outOfRange], 1)
        XCTAssertEqual(Set(try ChangelogFixtures.records(in: out).keys).count, 24)

        try FileManager.default.removeItem(atPath: out)
        // "Now" in mid-2017: entries after now + 1 day are outside the window, as ingest would judge them.
        let (windowed, _) = try build { $0.window = TimeWindow(now: 1_498_867_200) }
        XCTAssertEqual(windowed.entriesByYear, [2015: 12, 2016: 12, 2017: 6])
        XCTAssertEqual(windowed.entrySkips[.outOfRange], 19)
    }

    func testOverlongEntriesAreCutAndEmptyOnesSkipped() throws {
        let body = (0..<3000).map { "\t* file\($0).c: Changed." }.joined(separator: "\n")
        try ChangelogFixtures.gzip("2019-03-04  A  <a@example.org>\n\n\(body)\n\n2019-03-05  B  <b@example.org>\n\n",
                                   to: docs + "/long/ChangeLog.gz")
        let (summary, _) = try build { $0.maxEntryBytes = 1000 }
        XCTAssertEqual(summary.entriesCut, 1)
        XCTAssertEqual(summary.entrySkips[.empty], 1)
        let text = try XCTUnwrap(try allRecords().first?["text"] as? String)
        XCTAssertLessThanOrEqual(text.utf8.count, 1000)
        XCTAssertTrue(text.hasSuffix("Changed."), "cut at a line end")
    }

    func testAnUnlistableRootIsAnErrorThatNamesIt() {
        XCTAssertThrowsError(try build { $0.docRoot = self.root + "/missing" }) { error in
            XCTAssertEqual((error as? ChangelogProblem)?.kind, .unreadable)
            XCTAssertTrue("\(error)".contains("/missing"))
        }
    }
}

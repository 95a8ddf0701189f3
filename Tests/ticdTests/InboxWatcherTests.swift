import Foundation
import Glibc
import XCTest
@testable import ticd

/// The watcher on a real directory with real inotify events.
final class InboxWatcherTests: TemporaryDirectoryTestCase {
    /// Writes in place with open(2): FileManager.createFile would write a temporary file and rename it in.
    private func write(_ path: String, _ text: String = "x") {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }, text.utf8.count)
        close(fd)
    }

    private func drain(_ watcher: InboxWatcher) throws {
        while try watcher.waitForEvents(timeout: 0.2) {}
    }

    func testRenamedInFilesAreCompleteAtOnceAndInPlaceFilesWaitForTheQuietPeriod() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600)
        write(root + "/outside/2014-01.jsonl")
        XCTAssertEqual(rename(root + "/outside/2014-01.jsonl", inbox + "/2014-01.jsonl"), 0)
        write(inbox + "/2014-02.jsonl")
        write(inbox + "/.2014-03.jsonl")
        write(inbox + "/2014-04.jsonl.tmp")
        write(inbox + "/notes.txt")
        try drain(watcher)
        let ready = watcher.completeShards()
        XCTAssertEqual(ready.map(\.path), [inbox + "/2014-01.jsonl"])
        XCTAssertEqual(ready.first?.reason, .renamedIn)
        XCTAssertEqual(watcher.pendingCount, 2, "2014-01 waits for ingest, 2014-02 for its quiet period")
        watcher.quietPeriod = 0
        XCTAssertEqual(Set(watcher.completeShards().map(\.path)), [inbox + "/2014-01.jsonl", inbox + "/2014-02.jsonl"])
    }

    func testAFileStillWrittenAfterItsRenameWaitsForTheQuietPeriod() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600)
        write(root + "/outside/keep")
        let fd = open(root + "/outside/2014-01.jsonl", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        XCTAssertEqual(Glibc.write(fd, "{", 1), 1)
        XCTAssertEqual(rename(root + "/outside/2014-01.jsonl", inbox + "/2014-01.jsonl"), 0)
        try drain(watcher)
        usleep(20_000)  // a later mtime, on file systems with coarse timestamps too
        XCTAssertEqual(Glibc.write(fd, "}", 1), 1, "the producer writes on through its descriptor")
        XCTAssertEqual(watcher.completeShards().map(\.path), [], "the rename vouched for one byte, the file has two")
        XCTAssertEqual(watcher.completeShards().map(\.path), [], "nor does it once the size settles")
        watcher.quietPeriod = 0
        XCTAssertEqual(watcher.completeShards().map(\.reason), [.quiet])
    }

    func testAFileIsARecentArrivalForTheWindowAfterItIsFirstSeenWhetherOrNotItCompletes() throws {
        let inbox = root + "/inbox"
        var now = 1_000_000.0
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600, wallClock: { now })
        XCTAssertFalse(watcher.hasRecentArrivals(within: 10), "an empty inbox")
        write(inbox + "/2014-01.jsonl")
        try drain(watcher)
        XCTAssertTrue(watcher.hasRecentArrivals(within: 10))
        now += 11
        XCTAssertFalse(watcher.hasRecentArrivals(within: 10), "still pending, but no longer a recent arrival")
        write(inbox + "/2014-02.jsonl")
        try drain(watcher)
        XCTAssertTrue(watcher.hasRecentArrivals(within: 10))
        watcher.ingested(inbox + "/2014-02.jsonl")
        XCTAssertFalse(watcher.hasRecentArrivals(within: 10), "taken")
    }

    func testAMarkerCompletesAShardWrittenInPlace() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600)
        write(inbox + "/run1/00000.tar")
        try drain(watcher)
        XCTAssertTrue(watcher.completeShards().isEmpty, "a new subdirectory is watched, its file is pending")
        write(inbox + "/run1/00000_stats.json", "{}")
        try drain(watcher)
        XCTAssertEqual(watcher.completeShards().map(\.reason), [.marker])
    }

    func testDataCompSizesJSONCompletesTheShardsItNames() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600)
        write(inbox + "/00000001.tar")
        write(inbox + "/00000002.tar")
        write(inbox + "/sizes.json", #"{"00000001": 3}"#)
        try drain(watcher)
        XCTAssertEqual(watcher.completeShards().map(\.path), [inbox + "/00000001.tar"])
    }

    func testRescanFindsFilesThatArrivedBeforeTheWatcher() throws {
        let inbox = root + "/inbox"
        write(inbox + "/2014/01/a.jsonl")
        let old = Date(timeIntervalSinceNow: -7200)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: inbox + "/2014/01/a.jsonl")
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 60)
        XCTAssertEqual(watcher.pendingCount, 0)
        watcher.rescan()
        XCTAssertEqual(watcher.completeShards().map(\.reason), [.quiet], "untouched for two hours")
    }

    func testAFailedIngestWaitsUntilTheFileChanges() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 0)
        write(inbox + "/a.jsonl")
        try drain(watcher)
        XCTAssertEqual(watcher.completeShards().count, 1)
        watcher.skipUntilChanged(inbox + "/a.jsonl")
        XCTAssertTrue(watcher.completeShards().isEmpty)
        write(inbox + "/a.jsonl", "changed content")
        try drain(watcher)
        XCTAssertEqual(watcher.completeShards().count, 1)
    }

    func testAFolderRenamedInCarriesCompleteShards() throws {
        let inbox = root + "/inbox"
        let watcher = try InboxWatcher(root: inbox, quietPeriod: 3600)
        write(root + "/staging/2015-01/00000.tar")
        write(root + "/staging/2015-01/00001.tar")
        XCTAssertEqual(rename(root + "/staging/2015-01", inbox + "/2015-01"), 0)
        try drain(watcher)
        XCTAssertEqual(watcher.completeShards().map(\.reason), [.renamedIn, .renamedIn])
    }
}

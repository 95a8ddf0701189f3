import Foundation
import XCTest
@testable import ticd

final class ShardCompletenessTests: XCTestCase {
    typealias O = ShardCompleteness.Observation

    func testIgnoredNamesFollowDesignSection2() {
        for name in [".hidden.tar", "a.tar.tmp", "a.jsonl.part", "a.tar~", ".~tmp~/a.tar", "x/.partial/a.tar"] {
            XCTAssertTrue(ShardCompleteness.isIgnored(relativePath: name), name)
        }
        for name in ["2014-01/00000.tar", "a.jsonl.zst", "dir.v2/b.jsonl.gz"] {
            XCTAssertFalse(ShardCompleteness.isIgnored(relativePath: name), name)
        }
    }

    func testOnlyShardFormatsAreCandidates() {
        XCTAssertTrue(ShardCompleteness.isShard("/in/00000.tar"))
        XCTAssertTrue(ShardCompleteness.isShard("/in/a.jsonl.zst"))
        XCTAssertFalse(ShardCompleteness.isShard("/in/00000_stats.json"))
        XCTAssertFalse(ShardCompleteness.isShard("/in/00000.parquet"))
    }

    func testMarkersAreImg2datasetStatsAndOkFiles() {
        XCTAssertEqual(ShardCompleteness.markerPaths(for: "/in/2014-01/00000.tar"),
                       ["/in/2014-01/00000_stats.json", "/in/2014-01/00000.ok", "/in/2014-01/00000.tar.ok"])
        XCTAssertEqual(ShardCompleteness.stem(of: "a.b.jsonl.zst"), "a.b")
    }

    func testSizesJSONNamesShardsWithOrWithoutExtension() {
        XCTAssertTrue(ShardCompleteness.sizesJSON(Data(#"{"00000001.tar": 10000}"#.utf8), names: "00000001.tar"))
        XCTAssertTrue(ShardCompleteness.sizesJSON(Data(#"{"00000001": 10000}"#.utf8), names: "00000001.tar"))
        XCTAssertFalse(ShardCompleteness.sizesJSON(Data(#"{"00000002": 1}"#.utf8), names: "00000001.tar"))
        XCTAssertFalse(ShardCompleteness.sizesJSON(Data("not json".utf8), names: "00000001.tar"))
    }

    func testRenameAndMarkerAdmitAtOnce() {
        let fresh = O(size: 10, mtime: 1000, renamedIn: true)
        XCTAssertEqual(ShardCompleteness.decide(previous: nil, current: fresh, hasMarker: false, now: 1000, quietPeriod: 60), .renamedIn)
        let inPlace = O(size: 10, mtime: 1000, renamedIn: false)
        XCTAssertEqual(ShardCompleteness.decide(previous: nil, current: inPlace, hasMarker: true, now: 1000, quietPeriod: 60), .marker)
    }

    func testARenameVouchesOnlyForTheBytesItBroughtIn() {
        let renamed = O(size: 10, mtime: 1000, renamedIn: true)
        XCTAssertEqual(ShardCompleteness.decide(previous: renamed, current: renamed, hasMarker: false, now: 1000, quietPeriod: 60),
                       .renamedIn)
        // Written through a descriptor opened before the rename: no IN_CLOSE_WRITE yet, but the size moved.
        let grown = O(size: 20, mtime: 1001, renamedIn: true)
        XCTAssertNil(ShardCompleteness.decide(previous: renamed, current: grown, hasMarker: false, now: 1001, quietPeriod: 60))
        let touched = O(size: 10, mtime: 1002, renamedIn: true)
        XCTAssertNil(ShardCompleteness.decide(previous: renamed, current: touched, hasMarker: false, now: 1002, quietPeriod: 60))
        // An empty file renamed in is a placeholder (Foundation's createFile writes one atomically).
        let empty = O(size: 0, mtime: 1000, renamedIn: true)
        XCTAssertNil(ShardCompleteness.decide(previous: nil, current: empty, hasMarker: false, now: 1000, quietPeriod: 60))
        XCTAssertEqual(ShardCompleteness.decide(previous: empty, current: empty, hasMarker: false, now: 1061, quietPeriod: 60),
                       .quiet, "still empty after the quiet period: ingest says so")
    }

    func testQuietPeriodNeedsAnOldMtimeAndAnUnchangedSize() {
        let now = 10_000.0
        let young = O(size: 10, mtime: now - 5, renamedIn: false)
        XCTAssertNil(ShardCompleteness.decide(previous: nil, current: young, hasMarker: false, now: now, quietPeriod: 60))
        let old = O(size: 10, mtime: now - 61, renamedIn: false)
        XCTAssertEqual(ShardCompleteness.decide(previous: nil, current: old, hasMarker: false, now: now, quietPeriod: 60), .quiet)
        // cp -p restores an old mtime while the size is still moving: wait for one more stable look.
        let grown = O(size: 20, mtime: now - 61, renamedIn: false)
        XCTAssertNil(ShardCompleteness.decide(previous: old, current: grown, hasMarker: false, now: now, quietPeriod: 60))
        XCTAssertEqual(ShardCompleteness.decide(previous: grown, current: grown, hasMarker: false, now: now, quietPeriod: 60), .quiet)
    }
}

import Foundation
import XCTest
@testable import Timeline

/// A crash between any two of ingest's durable steps leaves a state the next start repairs: no shard
/// half-registered, none lost, none counted twice.
final class IngestRecoveryTests: XCTestCase {
    struct Crash: Error {}

    func crash(at phase: Ingestor.Phase, sources: SourceHandling = .consume,
               shard make: (Scratch) throws -> String) throws -> (Scratch, String, IngestResult) {
        let s = Scratch()
        let path = try make(s)
        let first = try s.ingestor { $0.sources = sources }
        first.crashPoint = { if $0 == phase { throw Crash() } }
        XCTAssertThrowsError(try first.ingest(path: path), "the crash point \(phase) was never reached")
        let second = try Ingestor(state: s.state, options: first.options)
        try second.recover()
        let again = FileOps.exists(path) ? try second.ingest(path: path) : IngestResult(
            path: path, outcome: .duplicate, reason: nil, reasonCode: nil, sha256: nil, samples: 0, dropped: 0,
            duplicates: 0, slices: [:])
        return (s, path, again)
    }

    func testCrashDuringAcceptAtEveryPhaseIsRepaired() throws {
        for phase in [Ingestor.Phase.afterBegin, .afterMove, .afterComplete] {
            let (s, _, again) = try crash(at: phase) { try Fixtures.tar($0.path("2019-03/a.tar"), Fixtures.pairs(20)) }
            XCTAssertNotEqual(again.outcome, .quarantined, "\(phase)")
            let catalog = try Catalog(path: s.state.catalogPath)
            let shards = try catalog.shards()
            XCTAssertEqual(shards.count, 1, "\(phase): exactly one shard row")
            XCTAssertEqual(shards.first?.state, .ready, "\(phase)")
            XCTAssertEqual(try catalog.slices().map { $0.train + $0.eval }, [20], "\(phase): counted once")
            XCTAssertTrue(FileOps.exists(s.state.absolute(shards[0].storePath!)), "\(phase): bytes in the store")
            XCTAssertEqual(try catalog.integrityCheck(), "ok")
        }
    }

    func testACrashWhilePreservingSourcesNeverTouchesTheSource() throws {
        for phase in [Ingestor.Phase.afterBegin, .afterMove, .afterComplete] {
            var original: [UInt8] = []
            let (s, path, again) = try crash(at: phase, sources: .preserve) {
                let p = try Fixtures.tar($0.path("2019-03/a.tar"), Fixtures.pairs(20))
                original = Fixtures.bytes(p)
                return p
            }
            XCTAssertEqual(Fixtures.bytes(path), original, "\(phase): the source is as it was")
            XCTAssertNotEqual(again.outcome, .quarantined, "\(phase)")
            let catalog = try Catalog(path: s.state.catalogPath)
            XCTAssertEqual(try catalog.slices().map { $0.train + $0.eval }, [20], "\(phase): counted once")
        }
    }

    func testCrashDuringQuarantineAtEveryPhaseIsRepaired() throws {
        for phase in [Ingestor.Phase.afterQuarantineReason, .afterQuarantineMove] {
            let (s, path, again) = try crash(at: phase) { s in
                let p = s.path("bad.tar")
                Fixtures.write(Array(repeating: 0x41, count: 3000), to: p)
                return p
            }
            XCTAssertEqual(again.outcome, phase == .afterQuarantineReason ? .quarantined : .duplicate)
            let catalog = try Catalog(path: s.state.catalogPath)
            XCTAssertEqual(try catalog.quarantined().count, 1, "\(phase): one quarantine record")
            XCTAssertFalse(FileOps.exists(path), "\(phase)")
            let files = Ingestor.files(under: s.state.quarantine)
            XCTAssertEqual(files.filter { !$0.hasSuffix(".reason.json") }.count, 1, "\(phase): \(files)")
        }
    }

    func testOrphanStoreFileIsAdoptedAndTemporariesRemoved() throws {
        let s = Scratch()
        let ingestor = try s.ingestor()
        let path = try Fixtures.jsonl(s.path("o.jsonl"), Fixtures.jsonLines(10))
        let sha = try Ingestor.sha256(ofFile: path)
        let stored = s.state.absolute(s.state.storeRelativePath(sha256: sha, format: .jsonl))
        try FileOps.moveDurably(from: path, to: stored)
        Fixtures.write([1, 2, 3], to: FileOps.directory(of: stored) + "/.tmp-1-2")
        let report = try ingestor.recover()
        XCTAssertEqual(report.adopted, 1)
        XCTAssertEqual(report.temporariesRemoved, 1)
        XCTAssertEqual(try ingestor.catalog.shard(sha256: sha)?.state, .ready)
        XCTAssertTrue(FileOps.exists(stored))
        XCTAssertTrue(try ingestor.recover().isEmpty, "a second recovery finds nothing to do")
    }
}

import Foundation
import XCTest
import Replay
import Timeline
@testable import ticd

/// The CLIP side of `PlanLoader`: budget, draw counts, the eval split, determinism, resume and shutdown.
final class PlanLoaderTests: XCTestCase {
    /// One corpus for the whole class: ingesting it is most of the cost.
    static var shared: LoaderFixture?
    var fixture: LoaderFixture!

    override func setUpWithError() throws {
        if Self.shared == nil { Self.shared = try LoaderFixture(kind: .imageText) }
        fixture = Self.shared
    }

    override class func tearDown() { shared = nil }

    func testLoaderYieldsExactlyThePlansBudgetInFullBatchesAndOneShortLast() throws {
        let plan = try fixture.plan(budget: 250)
        let batches = try LoaderFixture.drain(try fixture.clipLoader(plan, batchSize: 16))
        XCTAssertEqual(batches.reduce(0) { $0 + $1.count }, 250)
        XCTAssertEqual(batches.count, 16)
        XCTAssertTrue(batches.dropLast().allSatisfy { $0.count == 16 })
        XCTAssertEqual(batches.last?.count, 250 % 16)
        for batch in batches {
            XCTAssertEqual(batch.images.count, batch.count * 3 * 8 * 8)
            XCTAssertEqual(batch.tokens.count, batch.count * 16)
            XCTAssertTrue(batch.images.allSatisfy { $0.isFinite && abs($0) < 3 })
        }
    }

    func testEachDrawIsTakenCountTimesFromMinOfCountAndAvailableSamples() throws {
        // 400 over about 2 × 100 train samples per year repeats old and new samples; 60 repeats none.
        for budget in [60, 400] {
            let plan = try fixture.plan(budget: budget)
            let names = try LoaderFixture.drain(try fixture.clipLoader(plan)).flatMap { fixture.names(in: $0) }
            var drawn: [String: [String]] = [:]
            for name in names {
                let origin = try XCTUnwrap(fixture.origins[name], "unknown sample \(name)")
                drawn["\(origin.shardID) \(origin.month)", default: []].append(name)
            }
            XCTAssertEqual(drawn.count, plan.draws.count)
            for draw in plan.draws {
                let got = drawn["\(draw.shardID) \(draw.slice)"] ?? []
                XCTAssertEqual(got.count, draw.count, "shard \(draw.shardID) \(draw.slice), budget \(budget)")
                XCTAssertEqual(Set(got).count, min(draw.count, draw.available))
            }
            XCTAssertTrue(plan.draws.contains { $0.count > $0.available } == (budget == 400))
        }
    }

    func testNoHeldOutSampleIsEverLoaded() throws {
        let plan = try fixture.plan(step: 2, policy: .oracle, budget: 300)
        var evalKeys: Set<String> = []
        for slice in try fixture.catalog.slices() {
            evalKeys.formUnion(try fixture.catalog.evalSamples(slice: slice.slice).map(\.key))
        }
        XCTAssertFalse(evalKeys.isEmpty, "the fixture holds samples out")
        var options = ScanOptions()
        options.evalFraction = fixture.evalFraction
        let names = try LoaderFixture.drain(try fixture.clipLoader(plan)).flatMap { fixture.names(in: $0) }
        XCTAssertEqual(names.count, 600)
        for name in names {
            let uid = try XCTUnwrap(fixture.origins[name]).uid
            XCTAssertFalse(evalKeys.contains(uid), "\(uid) is an eval sample")
            XCTAssertFalse(options.isHeldOut(key: uid), "\(uid) is held out")
        }
    }

    func testTwoLoadersOfOnePlanGiveIdenticalBatches() throws {
        let plan = try fixture.plan(budget: 200)
        let a = try LoaderFixture.drain(try fixture.clipLoader(plan))
        let b = try LoaderFixture.drain(try fixture.clipLoader(plan))
        XCTAssertEqual(a, b)
    }

    func testResumedLoaderGivesTheSameRemainingBatchesBitForBit() throws {
        let plan = try fixture.plan(budget: 300)
        let full = try LoaderFixture.drain(try fixture.clipLoader(plan))
        var rng = SystemRandomNumberGenerator()
        for done in [0, Int.random(in: 1..<full.count - 1, using: &rng), full.count - 1, full.count] {
            let loader = try fixture.clipLoader(plan, startingAt: LoaderCursor(batchesDone: done))
            let rest = try LoaderFixture.drain(loader)
            XCTAssertEqual(rest, Array(full[done...]), "resumed after \(done) batches")
            XCTAssertEqual(loader.cursor, LoaderCursor(batchesDone: full.count))
        }
    }

    func testCursorCountsTakenBatchesAndRoundTripsThroughJSON() throws {
        let loader = try fixture.clipLoader(try fixture.plan(budget: 100))
        _ = try loader.next()
        _ = try loader.next()
        XCTAssertEqual(loader.cursor.batchesDone, 2)
        let data = try JSONEncoder().encode(loader.cursor)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"batches_done":2}"#)
        XCTAssertEqual(try JSONDecoder().decode(LoaderCursor.self, from: data), loader.cursor)
    }

    func testDifferentSeedGivesADifferentOrder() throws {
        let a = try LoaderFixture.drain(try fixture.clipLoader(try fixture.plan(budget: 120, seed: 7)))
        let b = try LoaderFixture.drain(try fixture.clipLoader(try fixture.plan(budget: 120, seed: 8)))
        XCTAssertNotEqual(a.flatMap { fixture.names(in: $0) }, b.flatMap { fixture.names(in: $0) })
    }

    func testCancellingMidStreamReturnsPromptlyAndEndsTheStream() throws {
        let plan = try fixture.plan(budget: 200_000)
        let loader = try fixture.clipLoader(plan, batchSize: 8)
        XCTAssertNotNil(try loader.next())
        let start = Date()
        loader.cancel()
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertNil(try loader.next())
    }

    func testCancellingWhileTheFirstShardsAreScannedReturnsPromptly() throws {
        let loader = try fixture.clipLoader(try fixture.plan(budget: 200_000), batchSize: 8)
        let start = Date()
        loader.cancel()
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertNil(try loader.next())
    }

    func testReleasingALoaderMidStreamStopsItsThread() throws {
        let plan = try fixture.plan(budget: 200_000)
        var loader: PlanLoader<CLIPBatch>? = try fixture.clipLoader(plan, batchSize: 8)
        XCTAssertNotNil(try loader?.next())
        weak let released = loader
        let start = Date()
        loader = nil
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertNil(released, "the prefetch thread must not keep the loader alive")
    }

    func testCatalogEvalSampleScannedAsTrainIsRefused() throws {
        // With eval_fraction 0 the scanner calls ingest's held-out samples train; the catalog's eval rows catch it.
        let plan = try fixture.plan(step: 1, policy: .sequential, budget: 400)
        let loader = try fixture.clipLoader(plan, scanEvalFraction: 0)
        XCTAssertThrowsError(try LoaderFixture.drain(loader)) {
            let error = $0 as? LoaderError
            XCTAssertEqual(error?.kind, .heldOutSelected, "\($0)")
            XCTAssertNotNil(error?.index)
        }
    }

    func testEvalFractionOtherThanIngestsIsRefusedBeforeScanning() throws {
        XCTAssertThrowsError(try fixture.clipLoader(try fixture.plan(budget: 100), evalFraction: 0.05)) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .evalFractionMismatch, "\($0)")
        }
    }

    func testScanThatFindsFewerTrainSamplesThanIngestIsRefused() throws {
        let plan = try fixture.plan(step: 1, policy: .sequential, budget: 100)
        XCTAssertThrowsError(try LoaderFixture.drain(try fixture.clipLoader(plan, scanEvalFraction: 0.5))) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .trainCountMismatch, "\($0)")
        }
    }

    func testStoreFileChangedSinceIngestIsRefused() throws {
        let small = try LoaderFixture(kind: .imageText, samplesPerShard: 12)
        for shard in try small.catalog.shards() {
            let path = small.state.absolute(try XCTUnwrap(shard.storePath))
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let at = try XCTUnwrap(bytes.range(of: Data("photo".utf8)))
            bytes[at.lowerBound] = UInt8(ascii: "P")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        XCTAssertThrowsError(try LoaderFixture.drain(try small.clipLoader(try small.plan(budget: 30)))) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .storeFileChanged, "\($0)")
        }
    }

    func testCLIPLoaderRefusesTextShards() throws {
        let text = try LoaderFixture(kind: .text, samplesPerShard: 10)
        XCTAssertThrowsError(try text.clipLoader(try text.plan(budget: 20))) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .wrongKind)
        }
    }
}

import Dispatch
import Foundation
@testable import Timeline
import XCTest

final class CatalogTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("catalog.sqlite").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private let jan = Month(year: 2020, month: 1)!
    private let feb = Month(year: 2020, month: 2)!

    private func sample(_ key: String, slice: Month, index: Int) -> EvalSample {
        EvalSample(shardID: 0, index: index, slice: slice, key: key, text: "caption \(key)", member: "jpg",
                   offset: Int64(512 * index), length: 1000)
    }

    /// Begins and completes a shard with 90 train + `evalKeys.count` eval samples in January and 10 train in February.
    @discardableResult
    private func addReadyShard(_ catalog: Catalog, sha256: String, evalKeys: [String] = []) throws -> Int64 {
        let id = try catalog.beginShard(sha256: sha256, kind: .imageText, sourcePath: "/in/\(sha256).tar",
                                        storePath: "/store/\(sha256).tar", bytes: 4096)
        let samples = evalKeys.enumerated().map { sample($0.element, slice: jan, index: $0.offset * 7) }
        try catalog.completeShard(id: id, samples: 100 + evalKeys.count, dropped: 2, duplicates: 1,
                                  slices: [jan: SliceCount(train: 90, eval: evalKeys.count),
                                           feb: SliceCount(train: 10, eval: 0)],
                                  evalSamples: samples)
        return id
    }

    private func rows(_ catalog: Catalog, _ table: String) throws -> Int {
        try catalog.locked { try catalog.database.integer("SELECT count(*) FROM \(table)") }
    }

    // MARK: Opening and migrating

    func testFreshCatalogIsAtLatestVersionWithWALAndForeignKeys() throws {
        let catalog = try Catalog(path: path)
        XCTAssertEqual(catalog.schemaVersion, CatalogSchema.latestVersion)
        let journal = try catalog.database.prepare("PRAGMA journal_mode")
        XCTAssertTrue(try journal.step())
        XCTAssertEqual(journal.string(0), "wal")
        XCTAssertEqual(try catalog.database.integer("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try catalog.database.integer("PRAGMA application_id"), CatalogSchema.applicationID)
        XCTAssertEqual(try catalog.integrityCheck(), "ok")
    }

    func testReopeningAMigratedCatalogChangesNothing() throws {
        let schemaCookie: Int
        do {
            let catalog = try Catalog(path: path)
            try addReadyShard(catalog, sha256: "a")
            schemaCookie = try catalog.database.integer("PRAGMA schema_version")
        }
        let reopened = try Catalog(path: path)
        XCTAssertEqual(reopened.schemaVersion, CatalogSchema.latestVersion)
        XCTAssertEqual(try reopened.database.integer("PRAGMA schema_version"), schemaCookie)
        XCTAssertEqual(try reopened.shards().map(\.sha256), ["a"])
    }

    func testCatalogWithNewerSchemaIsRefusedWithUpgradeHint() throws {
        do {
            let catalog = try Catalog(path: path)
            try catalog.database.execute("PRAGMA user_version=\(CatalogSchema.latestVersion + 1)")
        }
        XCTAssertThrowsError(try Catalog(path: path)) { error in
            guard let error = error as? CatalogError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .schemaTooNew(found: CatalogSchema.latestVersion + 1,
                                                     supported: CatalogSchema.latestVersion))
            XCTAssertEqual(error.hint, "upgrade ticd")
            XCTAssertTrue(error.description.contains("upgrade ticd"), error.description)
            XCTAssertTrue(error.description.contains(path), error.description)
        }
    }

    func testFailingMigrationRollsBackToThePreviousVersion() throws {
        let broken = CatalogSchema.migrations + [
            "CREATE TABLE half_done(x); INSERT INTO half_done VALUES (1); INSERT INTO no_such_table VALUES (1);",
        ]
        XCTAssertThrowsError(try Catalog(path: path, migrations: broken)) { error in
            XCTAssertTrue("\(error)".contains("no_such_table"), "\(error)")
        }
        let catalog = try Catalog(path: path)
        XCTAssertEqual(catalog.schemaVersion, CatalogSchema.latestVersion)
        XCTAssertEqual(try catalog.database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0)
    }

    func testFailingFirstMigrationLeavesAnEmptyFile() throws {
        XCTAssertThrowsError(try Catalog(path: path, migrations: ["CREATE TABLE a(x); CREATE TABLE a(y);"]))
        let database = try SQLiteDatabase(path: path)
        XCTAssertEqual(try database.integer("PRAGMA user_version"), 0)
        XCTAssertEqual(try database.integer("PRAGMA application_id"), 0)
        XCTAssertEqual(try database.integer("SELECT count(*) FROM sqlite_master"), 0)
    }

    func testNonSQLiteFileIsNotACatalog() throws {
        try Data("not a database, just words\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Catalog(path: path)) { error in
            XCTAssertEqual((error as? CatalogError)?.kind, .notACatalog, "\(error)")
            XCTAssertNotNil((error as? CatalogError)?.hint)
        }
    }

    func testSQLiteDatabaseOfAnotherProgramIsNotACatalogAndIsLeftAlone() throws {
        do {
            let other = try SQLiteDatabase(path: path)
            try other.execute("CREATE TABLE photos(name TEXT)")
        }
        XCTAssertThrowsError(try Catalog(path: path)) { error in
            XCTAssertEqual((error as? CatalogError)?.kind, .notACatalog, "\(error)")
        }
        let other = try SQLiteDatabase(path: path)
        XCTAssertEqual(try other.integer("SELECT count(*) FROM sqlite_master"), 1)
        let journal = try other.prepare("PRAGMA journal_mode")
        XCTAssertTrue(try journal.step())
        XCTAssertEqual(journal.string(0), "delete", "not switched to WAL")
    }

    // MARK: Shards

    func testBegunShardIsIngestingWithItsPaths() throws {
        let catalog = try Catalog(path: path)
        let id = try catalog.beginShard(sha256: "abc", kind: .text, sourcePath: "/in/x.jsonl.zst",
                                        storePath: "/store/ab/abc.jsonl.zst", bytes: 123)
        let shard = try XCTUnwrap(catalog.shard(id: id))
        XCTAssertEqual(shard.state, .ingesting)
        XCTAssertEqual(shard.kind, .text)
        XCTAssertEqual(shard.sourcePath, "/in/x.jsonl.zst")
        XCTAssertEqual(shard.storePath, "/store/ab/abc.jsonl.zst")
        XCTAssertEqual(shard.bytes, 123)
        XCTAssertNil(shard.readyAt)
        XCTAssertEqual(shard.slices, [:])
    }

    func testBeginThenCompleteRoundTripsCountsSlicesAndEvalSamples() throws {
        let catalog = try Catalog(path: path)
        let id = try addReadyShard(catalog, sha256: "s1", evalKeys: ["k0", "k1", "k2"])

        let shard = try XCTUnwrap(catalog.shard(sha256: "s1"))
        XCTAssertEqual(shard.id, id)
        XCTAssertEqual(shard.state, .ready)
        XCTAssertEqual(shard.samples, 103)
        XCTAssertEqual(shard.train, 100)
        XCTAssertEqual(shard.eval, 3)
        XCTAssertEqual(shard.dropped, 2)
        XCTAssertEqual(shard.duplicates, 1)
        XCTAssertNotNil(shard.readyAt)
        XCTAssertEqual(shard.slices, [jan: SliceCount(train: 90, eval: 3), feb: SliceCount(train: 10, eval: 0)])

        let expected = ["k0", "k1", "k2"].enumerated().map { offset, key -> EvalSample in
            var s = sample(key, slice: jan, index: offset * 7)
            s.shardID = id
            return s
        }
        XCTAssertEqual(try catalog.evalSamples(slice: jan), expected)
        XCTAssertEqual(try catalog.evalSamples(slice: jan, limit: 2), Array(expected.prefix(2)))
        XCTAssertEqual(try catalog.evalSamples(slice: feb), [])
        XCTAssertEqual(try catalog.evalSampleIndices(shardID: id), [0, 7, 14])
        XCTAssertEqual(try catalog.evalCounts(), [jan: 3])
        XCTAssertEqual(try catalog.slices(), [SliceSummary(slice: jan, train: 90, eval: 3, shards: 1),
                                              SliceSummary(slice: feb, train: 10, eval: 0, shards: 1)])
    }

    func testCompletingAShardThatIsNotIngestingIsRefused() throws {
        let catalog = try Catalog(path: path)
        let id = try addReadyShard(catalog, sha256: "s1")
        XCTAssertThrowsError(try catalog.completeShard(id: id, samples: 1, dropped: 0, duplicates: 0,
                                                       slices: [:], evalSamples: [])) { error in
            XCTAssertEqual((error as? CatalogError)?.kind, .shardNotIngesting(id: id), "\(error)")
        }
        XCTAssertThrowsError(try catalog.completeShard(id: 999, samples: 1, dropped: 0, duplicates: 0,
                                                       slices: [:], evalSamples: []))
        XCTAssertEqual(try catalog.shard(id: id)?.samples, 100)
    }

    func testSecondShardWithTheSameSha256IsAConstraintViolation() throws {
        let catalog = try Catalog(path: path)
        try addReadyShard(catalog, sha256: "same")
        XCTAssertThrowsError(try catalog.beginShard(sha256: "same", kind: .imageText, sourcePath: "/in/copy.tar",
                                                    storePath: "/store/copy.tar", bytes: 1)) { error in
            XCTAssertEqual((error as? CatalogError)?.isConstraintViolation, true, "\(error)")
        }
        XCTAssertEqual(try catalog.shards().count, 1)
    }

    func testDuplicateEvalKeyInASliceRollsBackTheWholeCompletion() throws {
        let catalog = try Catalog(path: path)
        try addReadyShard(catalog, sha256: "first", evalKeys: ["dup"])
        let id = try catalog.beginShard(sha256: "second", kind: .imageText, sourcePath: "/in/2.tar",
                                        storePath: "/store/2.tar", bytes: 1)
        XCTAssertThrowsError(try catalog.completeShard(
            id: id, samples: 3, dropped: 0, duplicates: 0, slices: [jan: SliceCount(train: 1, eval: 2)],
            evalSamples: [sample("fresh", slice: jan, index: 0), sample("dup", slice: jan, index: 1)])) { error in
            XCTAssertEqual((error as? CatalogError)?.isConstraintViolation, true, "\(error)")
        }
        let shard = try XCTUnwrap(catalog.shard(id: id))
        XCTAssertEqual(shard.state, .ingesting)
        XCTAssertEqual(shard.slices, [:])
        XCTAssertEqual(try catalog.evalSampleIndices(shardID: id), [])
        XCTAssertEqual(try catalog.evalCounts(), [jan: 1])
    }

    func testEvalKeyExistsOnlyInTheSliceThatHoldsIt() throws {
        let catalog = try Catalog(path: path)
        try addReadyShard(catalog, sha256: "s", evalKeys: ["k"])
        XCTAssertTrue(try catalog.evalKeyExists(slice: jan, key: "k"))
        XCTAssertFalse(try catalog.evalKeyExists(slice: feb, key: "k"))
        XCTAssertFalse(try catalog.evalKeyExists(slice: jan, key: "other"))
    }

    func testSetSourcePathChangesOnlyThatShard() throws {
        let catalog = try Catalog(path: path)
        let a = try addReadyShard(catalog, sha256: "a")
        let b = try addReadyShard(catalog, sha256: "b")
        try catalog.setSourcePath(id: a, "/inbox/renamed.tar")
        XCTAssertEqual(try catalog.shard(id: a)?.sourcePath, "/inbox/renamed.tar")
        XCTAssertEqual(try catalog.shard(id: b)?.sourcePath, "/in/b.tar")
    }

    func testSameEvalKeyInDifferentSlicesIsAllowed() throws {
        let catalog = try Catalog(path: path)
        let id = try catalog.beginShard(sha256: "s", kind: .text, sourcePath: "/in/s.jsonl",
                                        storePath: "/store/s.jsonl", bytes: 1)
        try catalog.completeShard(id: id, samples: 2, dropped: 0, duplicates: 0,
                                  slices: [jan: SliceCount(train: 0, eval: 1), feb: SliceCount(train: 0, eval: 1)],
                                  evalSamples: [sample("k", slice: jan, index: 0), sample("k", slice: feb, index: 1)])
        XCTAssertEqual(try catalog.evalCounts(), [jan: 1, feb: 1])
    }

    func testDeletingAShardCascadesToSlicesAndEvalSamples() throws {
        let catalog = try Catalog(path: path)
        let gone = try addReadyShard(catalog, sha256: "gone", evalKeys: ["a", "b"])
        try addReadyShard(catalog, sha256: "kept", evalKeys: ["c"])
        try catalog.deleteShard(id: gone)
        XCTAssertNil(try catalog.shard(id: gone))
        XCTAssertEqual(try rows(catalog, "shard_slices"), 2)
        XCTAssertEqual(try rows(catalog, "eval_samples"), 1)
        XCTAssertEqual(try catalog.evalSampleIndices(shardID: gone), [])
        XCTAssertEqual(try catalog.slices().map(\.shards), [1, 1])
    }

    func testShardsAreOrderedByIdFilteredByStateAndCarryTheirSlices() throws {
        let catalog = try Catalog(path: path)
        let a = try addReadyShard(catalog, sha256: "a")
        let b = try catalog.beginShard(sha256: "b", kind: .text, sourcePath: "/in/b", storePath: "/store/b", bytes: 1)
        let c = try addReadyShard(catalog, sha256: "c")
        XCTAssertEqual(try catalog.shards().map(\.id), [a, b, c])
        let ready = try catalog.shards(state: .ready)
        XCTAssertEqual(ready.map(\.id), [a, c])
        XCTAssertTrue(ready.allSatisfy { $0.slices[self.jan] == SliceCount(train: 90, eval: 0) })
        XCTAssertEqual(try catalog.shards(state: .ingesting).map(\.id), [b])
        XCTAssertEqual(try catalog.shards(state: .quarantined), [])
    }

    func testSlicesCountOnlyReadyShards() throws {
        let catalog = try Catalog(path: path)
        try addReadyShard(catalog, sha256: "a", evalKeys: ["x"])
        try addReadyShard(catalog, sha256: "b", evalKeys: ["y"])
        _ = try catalog.beginShard(sha256: "c", kind: .imageText, sourcePath: "/in/c", storePath: "/store/c", bytes: 1)
        XCTAssertEqual(try catalog.slices(), [SliceSummary(slice: jan, train: 180, eval: 2, shards: 2),
                                              SliceSummary(slice: feb, train: 20, eval: 0, shards: 2)])
    }

    func testSliceRowsExistOnlyForReadyShards() throws {
        let catalog = try Catalog(path: path)
        let ingesting = try catalog.beginShard(sha256: "i", kind: .text, sourcePath: "/in/i", storePath: "/store/i",
                                               bytes: 1)
        let ready = try addReadyShard(catalog, sha256: "r")
        try catalog.locked {
            XCTAssertThrowsError(try catalog.database.execute(
                "INSERT INTO shard_slices VALUES (\(ingesting), '2020-01', 1, 0)")) { error in
                XCTAssertEqual((error as? CatalogError)?.isConstraintViolation, true, "\(error)")
            }
            XCTAssertThrowsError(try catalog.database.execute(
                "UPDATE shards SET state = 'quarantined' WHERE id = \(ready)")) { error in
                XCTAssertEqual((error as? CatalogError)?.isConstraintViolation, true, "\(error)")
            }
        }
        XCTAssertEqual(try catalog.shard(id: ready)?.state, .ready)
    }

    // MARK: Quarantine

    func testQuarantineOfAnUnseenShardAddsAQuarantinedShardRow() throws {
        let catalog = try Catalog(path: path)
        try catalog.recordQuarantine(sha256: "bad", kind: .imageText, sourcePath: "/in/bad.tar",
                                     quarantinePath: "/q/bad.tar", bytes: 10, reasonCode: "truncated",
                                     reason: "ends inside a member", samples: 3, dropped: 1)
        let record = try XCTUnwrap(catalog.quarantined().first)
        XCTAssertEqual(record.sha256, "bad")
        XCTAssertEqual(record.sourcePath, "/in/bad.tar")
        XCTAssertEqual(record.quarantinePath, "/q/bad.tar")
        XCTAssertEqual(record.reasonCode, "truncated")
        XCTAssertEqual(record.reason, "ends inside a member")
        let shard = try XCTUnwrap(catalog.shard(sha256: "bad"))
        XCTAssertEqual(shard.state, .quarantined)
        XCTAssertNil(shard.storePath)
        XCTAssertEqual(shard.reasonCode, "truncated")
        XCTAssertEqual(shard.samples, 3)
        XCTAssertEqual(shard.dropped, 1)
    }

    func testQuarantineWithoutHashOrKindAddsNoShardRow() throws {
        let catalog = try Catalog(path: path)
        try catalog.recordQuarantine(sha256: nil, kind: nil, sourcePath: "/in/unreadable", quarantinePath: "/q/u",
                                     bytes: 0, reasonCode: "io", reason: "EACCES", samples: 0, dropped: 0)
        try catalog.recordQuarantine(sha256: "h", kind: nil, sourcePath: "/in/weird.bin", quarantinePath: "/q/w",
                                     bytes: 5, reasonCode: "unsupported", reason: "unknown extension",
                                     samples: 0, dropped: 0)
        XCTAssertEqual(try catalog.quarantined().map(\.sourcePath), ["/in/unreadable", "/in/weird.bin"])
        XCTAssertEqual(try catalog.shards(), [])
    }

    func testQuarantineOfAnIngestingShardMarksItQuarantined() throws {
        let catalog = try Catalog(path: path)
        let id = try catalog.beginShard(sha256: "h", kind: .text, sourcePath: "/in/h.jsonl",
                                        storePath: "/store/h.jsonl", bytes: 9)
        try catalog.recordQuarantine(sha256: "h", kind: .text, sourcePath: "/in/h.jsonl", quarantinePath: "/q/h.jsonl",
                                     bytes: 9, reasonCode: "no_timestamp", reason: "no time field", samples: 0,
                                     dropped: 4)
        let shard = try XCTUnwrap(catalog.shard(id: id))
        XCTAssertEqual(shard.state, .quarantined)
        XCTAssertNil(shard.storePath)
        XCTAssertEqual(shard.reasonCode, "no_timestamp")
        XCTAssertEqual(shard.dropped, 4)
    }

    func testQuarantineOfAReadyShardsHashLeavesTheReadyShardAlone() throws {
        let catalog = try Catalog(path: path)
        let id = try addReadyShard(catalog, sha256: "h")
        try catalog.recordQuarantine(sha256: "h", kind: .imageText, sourcePath: "/in/again.tar",
                                     quarantinePath: "/q/again.tar", bytes: 1, reasonCode: "io", reason: "x",
                                     samples: 0, dropped: 0)
        XCTAssertEqual(try catalog.shard(id: id)?.state, .ready)
        XCTAssertEqual(try catalog.quarantined().count, 1)
    }

    // MARK: Metadata

    func testMetaRoundTripsAndOverwrites() throws {
        let catalog = try Catalog(path: path)
        XCTAssertNil(try catalog.meta("seed"))
        try catalog.setMeta("seed", "1")
        try catalog.setMeta("seed", "2")
        XCTAssertEqual(try catalog.meta("seed"), "2")
    }

    // MARK: Concurrency, scale and durability

    func testConcurrentUseFromManyThreadsIsSafe() throws {
        let catalog = try Catalog(path: path)
        let failures = NSLock()
        var errors: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                for n in 0..<25 {
                    try self.addReadyShard(catalog, sha256: "w\(worker)-\(n)", evalKeys: ["w\(worker)-\(n)"])
                    _ = try catalog.slices()
                    try catalog.setMeta("last-\(worker)", "\(n)")
                    _ = try catalog.shards(state: .ready)
                }
            } catch {
                failures.lock(); errors.append(error); failures.unlock()
            }
        }
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(try catalog.slices(), [SliceSummary(slice: jan, train: 200 * 90, eval: 200, shards: 200),
                                              SliceSummary(slice: feb, train: 200 * 10, eval: 0, shards: 200)])
        XCTAssertEqual(try catalog.evalCounts(), [jan: 200])
        XCTAssertEqual(try catalog.meta("last-7"), "24")
        XCTAssertEqual(try catalog.integrityCheck(), "ok")
    }

    func testSlicesOverHundredThousandShardsAnswersWellUnderASecond() throws {
        let catalog = try Catalog(path: path)
        let shardCount = 100_000
        let months = 180
        let insertStart = Date()
        try catalog.locked {
            let database = catalog.database
            try database.transaction {
                let shard = try database.prepare("""
                    INSERT INTO shards(id, sha256, kind, source_path, store_path, bytes, state, samples, train,
                                       eval, created_at, ready_at)
                    VALUES (?1, ?2, 'image-text', ?3, ?3, 1000000, ?4, 2000, 1980, 20, 0, 0)
                    """)
                let slice = try database.prepare("INSERT INTO shard_slices VALUES (?, ?, ?, ?)")
                for id in 1...shardCount {
                    shard.reset()
                    try shard.bind(1, id)
                    try shard.bind(2, String(id, radix: 16))
                    try shard.bind(3, "/store/\(id).tar")
                    try shard.bind(4, id % 50 == 0 ? "ingesting" : "ready")
                    try shard.step()
                    if id % 50 == 0 { continue }
                    let first = Month(index: 2010 * 12 + id % months)
                    for (offset, count) in [(0, SliceCount(train: 1500, eval: 15)), (1, SliceCount(train: 480, eval: 5))] {
                        slice.reset()
                        try slice.bind(1, id)
                        try slice.bind(2, first.adding(months: offset).description)
                        try slice.bind(3, count.train)
                        try slice.bind(4, count.eval)
                        try slice.step()
                    }
                }
            }
        }
        let insertSeconds = Date().timeIntervalSince(insertStart)

        var best = Double.infinity
        var summary: [SliceSummary] = []
        for _ in 0..<3 {
            let start = Date()
            summary = try catalog.slices()
            best = min(best, Date().timeIntervalSince(start))
        }
        print(String(format: "catalog: inserted %d shards (2 slices each) in %.2f s; slices() best of 3: %.1f ms",
                     shardCount, insertSeconds, best * 1000))
        XCTAssertEqual(summary.count, months + 1)
        XCTAssertEqual(summary.reduce(0) { $0 + $1.train }, (shardCount - shardCount / 50) * 1980)
        XCTAssertLessThan(best, 0.5)
    }

    func testManyOpenCloseCyclesLeaveTheFileIntact() throws {
        for cycle in 0..<40 {
            let catalog = try Catalog(path: path)
            try addReadyShard(catalog, sha256: "cycle-\(cycle)", evalKeys: ["e\(cycle)"])
            try catalog.setMeta("cycles", "\(cycle + 1)")
        }
        let catalog = try Catalog(path: path)
        XCTAssertEqual(try catalog.integrityCheck(), "ok")
        XCTAssertEqual(try catalog.shards().count, 40)
        XCTAssertEqual(try catalog.meta("cycles"), "40")
    }
}

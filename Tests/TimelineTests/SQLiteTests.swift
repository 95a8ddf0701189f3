import Foundation
@testable import Timeline
import XCTest

final class SQLiteTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func openDatabase() throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("test.sqlite").path)
        try database.execute("CREATE TABLE IF NOT EXISTS t(a, b)")
        return database
    }

    private func count(_ database: SQLiteDatabase) throws -> Int {
        try database.integer("SELECT count(*) FROM t")
    }

    private struct Boom: Error {}

    func testBoundValuesOfEveryTypeReadBackUnchanged() throws {
        let database = try openDatabase()
        try database.execute("CREATE TABLE v(i, big, d, s, empty, blob, emptyBlob, none)")
        let insert = try database.prepare("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        try insert.bind(1, 42)
        try insert.bind(2, Int64.max)
        try insert.bind(3, 2.5)
        try insert.bind(4, "caption — with ünïcode\0and a NUL")
        try insert.bind(5, "")
        try insert.bind(6, [0, 1, 255] as [UInt8])
        try insert.bind(7, [] as [UInt8])
        try insert.bindNull(8)
        XCTAssertFalse(try insert.step())

        let row = try database.prepare("SELECT * FROM v")
        XCTAssertTrue(try row.step())
        XCTAssertEqual(row.int(0), 42)
        XCTAssertEqual(row.int64(1), Int64.max)
        XCTAssertEqual(row.double(2), 2.5)
        XCTAssertEqual(row.string(3), "caption — with ünïcode\0and a NUL")
        XCTAssertEqual(row.string(4), "")
        XCTAssertFalse(row.isNull(4))
        XCTAssertEqual(row.blob(5), [0, 1, 255])
        XCTAssertEqual(row.blob(6), [])
        XCTAssertTrue(row.isNull(7))
        XCTAssertNil(row.string(7))
        XCTAssertNil(row.blob(7))
        XCTAssertFalse(try row.step())
    }

    func testNilOptionalBindsNull() throws {
        let database = try openDatabase()
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?)")
        try insert.bind(1, nil as String?)
        try insert.bind(2, nil as Int64?)
        try insert.step()
        XCTAssertEqual(try database.integer("SELECT count(*) FROM t WHERE a IS NULL AND b IS NULL"), 1)
    }

    func testResetStatementRunsAgainWithNewBindings() throws {
        let database = try openDatabase()
        let insert = try database.prepare("INSERT INTO t VALUES (?, 0)")
        for value in 0..<10 {
            insert.reset()
            try insert.bind(1, value)
            try insert.step()
        }
        XCTAssertEqual(try database.integer("SELECT sum(a) FROM t"), 45)
    }

    func testTransactionCommitsWhatTheBodyWrote() throws {
        let database = try openDatabase()
        let id = try database.transaction {
            try database.execute("INSERT INTO t VALUES (1, 2)")
            return database.lastInsertRowID
        }
        XCTAssertEqual(id, 1)
        XCTAssertEqual(try count(database), 1)
    }

    func testRolledBackTransactionLeavesNothing() throws {
        let database = try openDatabase()
        XCTAssertThrowsError(try database.transaction(durable: true) {
            try database.execute("INSERT INTO t VALUES (1, 2)")
            try database.execute("CREATE TABLE u(x)")
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try count(database), 0)
        XCTAssertEqual(try database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'u'"), 0)
        try database.transaction { try database.execute("INSERT INTO t VALUES (3, 4)") }
        XCTAssertEqual(try count(database), 1, "the connection is usable after a rollback")
    }

    func testNestedTransactionRollsBackOnlyItsOwnWork() throws {
        let database = try openDatabase()
        try database.transaction {
            try database.execute("INSERT INTO t VALUES (1, 1)")
            XCTAssertThrowsError(try database.transaction {
                try database.execute("INSERT INTO t VALUES (2, 2)")
                throw Boom()
            })
        }
        XCTAssertEqual(try database.integer("SELECT group_concat(a) FROM t"), 1)
    }

    func testDurableTransactionRestoresTheSynchronousSetting() throws {
        let database = try openDatabase()
        try database.execute("PRAGMA synchronous=NORMAL")
        try database.transaction(durable: true) {
            XCTAssertEqual(try database.integer("PRAGMA synchronous"), 2, "FULL while the transaction commits")
            try database.execute("INSERT INTO t VALUES (1, 1)")
        }
        XCTAssertEqual(try database.integer("PRAGMA synchronous"), 1)
    }

    func testFailedStepErrorCarriesCodeMessageSQLAndPath() throws {
        let database = try openDatabase()
        try database.execute("CREATE TABLE u(x UNIQUE)")
        try database.execute("INSERT INTO u VALUES (1)")
        let insert = try database.prepare("INSERT INTO u\n    VALUES (?)")
        try insert.bind(1, 1)
        XCTAssertThrowsError(try insert.step()) { error in
            guard let error = error as? CatalogError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .sqlite)
            XCTAssertTrue(error.isConstraintViolation)
            XCTAssertEqual(error.code, 2067, "SQLITE_CONSTRAINT_UNIQUE")
            XCTAssertEqual(error.sql, "INSERT INTO u VALUES (?)")
            XCTAssertTrue(error.message.contains("UNIQUE constraint failed: u.x"), error.message)
            XCTAssertTrue(error.description.contains(database.path), error.description)
        }
    }

    func testSyntaxErrorIsThrownByPrepare() throws {
        let database = try openDatabase()
        XCTAssertThrowsError(try database.prepare("SELEC 1")) { error in
            XCTAssertTrue("\(error)".contains("syntax error"), "\(error)")
        }
    }

    func testFileOfAnotherFormatIsReportedAsNotACatalog() throws {
        let path = directory.appendingPathComponent("notes.txt").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let database = try SQLiteDatabase(path: path)
        XCTAssertThrowsError(try database.execute("PRAGMA user_version")) { error in
            XCTAssertEqual((error as? CatalogError)?.kind, .notACatalog, "\(error)")
        }
    }
}

import CSQLite

/// Why a catalog operation failed: what SQLite said, the statement, and the database file, plus a hint
/// when the user can fix it.
public struct CatalogError: Error, CustomStringConvertible {
    /// What went wrong, as a value callers can switch on.
    public enum Kind: Equatable {
        /// A SQLite call failed; `code` and `message` say why.
        case sqlite
        /// The file's schema is newer than this build understands.
        case schemaTooNew(found: Int, supported: Int)
        /// The file is not a SQLite database, or a SQLite database that is not a ticd catalog.
        case notACatalog
        /// `completeShard` was asked to finish a shard that is missing or not in state `ingesting`.
        case shardNotIngesting(id: Int64)
        /// A stored value this build cannot read (an unknown state, kind or slice text).
        case badValue
    }

    public var kind: Kind
    /// SQLite's extended result code (`SQLITE_OK` when the error did not come from SQLite).
    public var code: Int32
    /// `sqlite3_errmsg`, or the reason for errors that did not come from SQLite.
    public var message: String
    /// The statement that failed, whitespace collapsed and shortened.
    public var sql: String?
    /// The database file.
    public var path: String

    /// Creates an error; `sql` is stored with whitespace collapsed and cut to 200 characters.
    public init(_ kind: Kind, code: Int32 = SQLITE_OK, message: String, sql: String? = nil, path: String) {
        self.kind = kind; self.code = code; self.message = message; self.path = path
        self.sql = sql.map(CatalogError.trimmed)
    }

    /// What the user can do about it, when there is something.
    public var hint: String? {
        switch kind {
        case .schemaTooNew: return "upgrade ticd"
        case .notACatalog: return "point --state at a ticd state directory, or move this file away"
        default: return nil
        }
    }

    /// True for UNIQUE, NOT NULL, CHECK and FOREIGN KEY violations (`SQLITE_CONSTRAINT`).
    public var isConstraintViolation: Bool { code & 0xff == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "catalog \(path): "
        switch kind {
        case .schemaTooNew(let found, let supported):
            text += "schema version \(found) is newer than the newest this build knows (\(supported))"
        default:
            text += message
        }
        if code != SQLITE_OK { text += " (sqlite \(code): \(String(cString: sqlite3_errstr(code))))" }
        if let sql { text += " in `\(sql)`" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    private static func trimmed(_ sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        let flat = words.joined(separator: " ")
        return flat.count > 200 ? String(flat.prefix(200)) + "…" : flat
    }
}

/// One connection to a SQLite database file. Every `sqlite3_*` call of ticd lives in this file.
///
/// The handle is opened serialized (`SQLITE_OPEN_FULLMUTEX`), but a transaction belongs to the connection,
/// not to a thread: callers that share one connection across threads serialize whole operations
/// themselves (`Catalog` does, with its lock).
public final class SQLiteDatabase {
    /// The file this connection opened.
    public let path: String
    fileprivate let handle: OpaquePointer

    /// Opens (creating if needed) a database file, with a 5 s busy timeout and extended result codes.
    /// - Throws: `CatalogError` when the file cannot be opened.
    /// - Note: C counterpart `sqlite3_open_v2(path, &db, READWRITE|CREATE|FULLMUTEX, nil)`.
    public init(path: String) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw CatalogError(.sqlite, code: rc, message: message, path: path)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5_000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more SQL statements that return no rows.
    /// - Throws: `CatalogError` naming the statement.
    /// - Note: C counterpart `sqlite3_exec`.
    public func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc, sql: sql) }
    }

    /// Compiles one SQL statement.
    /// - Throws: `CatalogError` for a syntax error or a missing table or column.
    /// - Note: C counterpart `sqlite3_prepare_v2`.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw error(rc == SQLITE_OK ? SQLITE_MISUSE : rc, sql: sql)
        }
        return SQLiteStatement(database: self, handle: statement, sql: sql)
    }

    /// Runs `body` inside a transaction: `BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` when `body` throws.
    ///
    /// Inside another transaction of this connection it becomes a savepoint, so helpers compose; the
    /// outermost transaction alone decides durability.
    /// - Parameters:
    ///   - durable: commit with `PRAGMA synchronous=FULL`, so the commit survives power loss; otherwise
    ///     WAL's `NORMAL` keeps the file consistent but may lose the latest commits.
    ///   - body: the work; its error is rethrown after the rollback.
    /// - Returns: what `body` returns.
    /// - Throws: `body`'s error, or `CatalogError` from BEGIN/COMMIT.
    public func transaction<T>(durable: Bool = false, _ body: () throws -> T) throws -> T {
        if sqlite3_get_autocommit(handle) == 0 {
            try execute("SAVEPOINT nested")
            do {
                let result = try body()
                try execute("RELEASE nested")
                return result
            } catch {
                try? execute("ROLLBACK TO nested")
                try? execute("RELEASE nested")
                throw error
            }
        }
        if durable {
            let previous = try integer("PRAGMA synchronous")
            try execute("PRAGMA synchronous=FULL")
            defer { try? execute("PRAGMA synchronous=\(previous)") }
            return try run(body)
        }
        return try run(body)
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // After some errors (e.g. SQLITE_FULL) SQLite has already rolled back; then ROLLBACK would fail.
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Rows changed by the latest INSERT, UPDATE or DELETE. C counterpart `sqlite3_changes64`.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Rowid of the latest successful INSERT. C counterpart `sqlite3_last_insert_rowid`.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The first column of the first row of a query (0 when there is no row), for PRAGMAs and counts.
    /// - Throws: `CatalogError` naming the query.
    public func integer(_ sql: String) throws -> Int {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int(0) : 0
    }

    fileprivate func error(_ code: Int32, sql: String?) -> CatalogError {
        let message = String(cString: sqlite3_errmsg(handle))
        // SQLite reports a file of some other format only once it first reads the header.
        let kind: CatalogError.Kind = code & 0xff == SQLITE_NOTADB ? .notACatalog : .sqlite
        return CatalogError(kind, code: code, message: message, sql: sql, path: path)
    }
}

/// A compiled SQL statement: bind parameters by 1-based index, step through rows, read columns by
/// 0-based index. Finalized when released.
public final class SQLiteStatement {
    private let database: SQLiteDatabase
    private let handle: OpaquePointer
    /// The statement's SQL, as given to `prepare`.
    public let sql: String

    fileprivate init(database: SQLiteDatabase, handle: OpaquePointer, sql: String) {
        self.database = database; self.handle = handle; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds an integer, or NULL for nil. C counterpart `sqlite3_bind_int64`.
    public func bind(_ index: Int, _ value: Int64?) throws {
        guard let value else { return try bindNull(index) }
        try check(sqlite3_bind_int64(handle, Int32(index), value))
    }

    /// Binds an integer, or NULL for nil. C counterpart `sqlite3_bind_int64`.
    public func bind(_ index: Int, _ value: Int?) throws {
        try bind(index, value.map(Int64.init))
    }

    /// Binds a double, or NULL for nil. C counterpart `sqlite3_bind_double`.
    public func bind(_ index: Int, _ value: Double?) throws {
        guard let value else { return try bindNull(index) }
        try check(sqlite3_bind_double(handle, Int32(index), value))
    }

    /// Binds UTF-8 text (copied), or NULL for nil. C counterpart `sqlite3_bind_text64(…, SQLITE_TRANSIENT, SQLITE_UTF8)`.
    public func bind(_ index: Int, _ value: String?) throws {
        guard var value else { return try bindNull(index) }
        let rc = value.withUTF8 { utf8 -> Int32 in
            // A nil pointer would bind NULL, so the empty string needs a real one.
            guard let base = utf8.baseAddress else {
                return sqlite3_bind_text(handle, Int32(index), "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text64(handle, Int32(index), $0, UInt64(utf8.count), transient, UInt8(SQLITE_UTF8))
            }
        }
        try check(rc)
    }

    /// Binds bytes (copied), or NULL for nil. C counterpart `sqlite3_bind_blob64(…, SQLITE_TRANSIENT)`.
    public func bind(_ index: Int, _ value: [UInt8]?) throws {
        guard let value else { return try bindNull(index) }
        let rc = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return sqlite3_bind_zeroblob(handle, Int32(index), 0) }
            return sqlite3_bind_blob64(handle, Int32(index), base, UInt64(bytes.count), transient)
        }
        try check(rc)
    }

    /// Binds NULL. C counterpart `sqlite3_bind_null`.
    public func bindNull(_ index: Int) throws {
        try check(sqlite3_bind_null(handle, Int32(index)))
    }

    /// Advances to the next row.
    /// - Returns: true when a row is ready to read, false when the statement has finished.
    /// - Throws: `CatalogError` (constraint violations, busy, I/O) naming the statement.
    /// - Note: C counterpart `sqlite3_step`.
    @discardableResult
    public func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw database.error(rc, sql: sql)
        }
    }

    /// Rewinds the statement so it can run again; bindings are kept. C counterpart `sqlite3_reset`.
    public func reset() {
        // sqlite3_reset repeats the error of the last step, which `step` has already thrown.
        sqlite3_reset(handle)
    }

    /// True when the column of the current row is NULL. C counterpart `sqlite3_column_type`.
    public func isNull(_ column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

    /// The column as an integer (0 for NULL). C counterpart `sqlite3_column_int64`.
    public func int64(_ column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }

    /// The column as an integer (0 for NULL). C counterpart `sqlite3_column_int64`.
    public func int(_ column: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(column))) }

    /// The column as a double (0 for NULL). C counterpart `sqlite3_column_double`.
    public func double(_ column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }

    /// The column as UTF-8 text, nil for NULL. C counterpart `sqlite3_column_text`.
    public func string(_ column: Int) -> String? {
        guard let text = sqlite3_column_text(handle, Int32(column)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The first 16 hex digits of a text column as a number, read in place (no String per row); 0 for NULL
    /// or a column that does not start with 16 hex digits. For keys taken from sha256 columns.
    public func hexPrefix64(_ column: Int) -> UInt64 {
        guard let text = sqlite3_column_text(handle, Int32(column)),
              sqlite3_column_bytes(handle, Int32(column)) >= 16 else { return 0 }
        var value: UInt64 = 0
        for i in 0..<16 {
            let c = text[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: return 0
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// The column as bytes, nil for NULL. C counterpart `sqlite3_column_blob`.
    public func blob(_ column: Int) -> [UInt8]? {
        if isNull(column) { return nil }
        guard let bytes = sqlite3_column_blob(handle, Int32(column)) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, Int32(column)))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK { throw database.error(rc, sql: sql) }
    }
}

/// Tells SQLite to copy bound text and blobs before the bind call returns (`SQLITE_TRANSIENT`).
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

extension SQLiteDatabase {
    /// sqlite3_libversion()
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

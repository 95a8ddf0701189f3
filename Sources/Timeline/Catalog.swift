import Foundation

/// The catalog of a state directory (`catalog.sqlite`): one row per shard and per (shard, slice), eval-split
/// samples, quarantined files, and key/value metadata. Safe to share between threads: every method runs
/// under one lock, on one SQLite connection in WAL mode.
///
/// Writes that record accepted or rejected data commit durably (`synchronous=FULL`); the rest rely on WAL's
/// consistency.
public final class Catalog: @unchecked Sendable {
    /// The catalog file.
    public let path: String
    /// The connection; code outside this file touches it only inside `locked`.
    let database: SQLiteDatabase
    // Recursive, so catalog methods added in other files may call the public ones while holding it.
    private let lock = NSRecursiveLock()

    /// Opens the catalog at `path`, creating the file if needed, in WAL mode with foreign keys on, and
    /// migrates it to the newest schema.
    /// - Throws: `CatalogError`: `.notACatalog` for a file of another kind, `.schemaTooNew` (hint: upgrade
    ///   ticd) for one written by a newer build, `.sqlite` when the file cannot be opened or migrated.
    public convenience init(path: String) throws {
        try self.init(path: path, migrations: CatalogSchema.migrations)
    }

    /// Opens with a given migration list; tests use it to inject a failing migration.
    init(path: String, migrations: [String]) throws {
        self.path = path
        database = try SQLiteDatabase(path: path)
        try CatalogSchema.open(database, migrations: migrations)
        schemaVersion = try database.integer("PRAGMA user_version")
    }

    /// Runs `body` while holding the catalog's lock, so it may use `database` freely.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The file's schema version (`PRAGMA user_version`) once opened and migrated.
    public let schemaVersion: Int

    // MARK: Shards

    private static let shardColumns = """
        id, sha256, kind, source_path, store_path, bytes, state, reason_code, reason,
        samples, train, eval, dropped, duplicates, created_at, ready_at
        """

    /// The shard with this content hash, if the catalog has seen it (in any state).
    public func shard(sha256: String) throws -> ShardRecord? {
        try locked { try shards(where: "sha256 = ?", binding: { try $0.bind(1, sha256) }).first }
    }

    /// The shard with this id, if it exists.
    public func shard(id: Int64) throws -> ShardRecord? {
        try locked { try shards(where: "id = ?", binding: { try $0.bind(1, id) }).first }
    }

    /// How many shards are in each state, without loading them (the daemon's status and metrics ask often).
    public func shardCounts() throws -> [ShardState: Int] {
        try locked {
            let query = try database.prepare("SELECT state, count(*) FROM shards GROUP BY state")
            var counts: [ShardState: Int] = [:]
            while try query.step() {
                if let state = query.string(0).flatMap(ShardState.init(rawValue:)) { counts[state] = query.int(1) }
            }
            return counts
        }
    }

    /// All shards, or those in one state, ordered by id, with their per-slice counts.
    public func shards(state: ShardState? = nil) throws -> [ShardRecord] {
        try locked {
            guard let state else { return try shards(where: nil, binding: { _ in }) }
            return try shards(where: "state = ?", binding: { try $0.bind(1, state.rawValue) })
        }
    }

    /// Records a shard whose file is in the store and whose samples are about to be counted.
    ///
    /// Commits durably, so a crash leaves an `ingesting` row that start-up repair can find.
    /// - Returns: the new shard id.
    /// - Throws: `CatalogError` with `isConstraintViolation` when the sha256 is already cataloged.
    public func beginShard(sha256: String, kind: ShardKind, sourcePath: String, storePath: String,
                           bytes: Int64) throws -> Int64 {
        try locked {
            try database.transaction(durable: true) {
                let insert = try database.prepare("""
                    INSERT INTO shards(sha256, kind, source_path, store_path, bytes, state, created_at)
                    VALUES (?, ?, ?, ?, ?, 'ingesting', ?)
                    """)
                try insert.bind(1, sha256)
                try insert.bind(2, kind.rawValue)
                try insert.bind(3, sourcePath)
                try insert.bind(4, storePath)
                try insert.bind(5, bytes)
                try insert.bind(6, Catalog.now())
                try insert.step()
                return database.lastInsertRowID
            }
        }
    }

    /// Marks an `ingesting` shard ready, with its per-slice counts and its eval samples, in one durable
    /// transaction: either all of it is recorded or none.
    /// - Parameters:
    ///   - samples: samples accepted (train + eval).
    ///   - dropped: bad samples dropped; `duplicates`: duplicate samples skipped.
    ///   - slices: per-slice train/eval counts; the shard's train and eval totals are their sums.
    ///   - evalSamples: the held-out samples; they are stored under `id`, whatever their `shardID` says.
    /// - Throws: `CatalogError` `.shardNotIngesting` when `id` is missing or not ingesting; a constraint
    ///   violation when an eval sample's (slice, key) is already cataloged. Nothing is written then.
    public func completeShard(id: Int64, samples: Int, dropped: Int, duplicates: Int, slices: [Month: SliceCount],
                              evalSamples: [EvalSample]) throws {
        try locked {
            try database.transaction(durable: true) {
                let update = try database.prepare("""
                    UPDATE shards SET state = 'ready', samples = ?, train = ?, eval = ?, dropped = ?,
                        duplicates = ?, ready_at = ?
                    WHERE id = ? AND state = 'ingesting'
                    """)
                try update.bind(1, samples)
                try update.bind(2, slices.values.reduce(0) { $0 + $1.train })
                try update.bind(3, slices.values.reduce(0) { $0 + $1.eval })
                try update.bind(4, dropped)
                try update.bind(5, duplicates)
                try update.bind(6, Catalog.now())
                try update.bind(7, id)
                try update.step()
                guard database.changes == 1 else {
                    throw CatalogError(.shardNotIngesting(id: id), message: "shard \(id) is not being ingested",
                                       path: path)
                }

                let slice = try database.prepare("INSERT INTO shard_slices(shard_id, slice, train, eval) VALUES (?, ?, ?, ?)")
                for (month, count) in slices.sorted(by: { $0.key < $1.key }) {
                    slice.reset()
                    try slice.bind(1, id)
                    try slice.bind(2, month.description)
                    try slice.bind(3, count.train)
                    try slice.bind(4, count.eval)
                    try slice.step()
                }

                let sample = try database.prepare("""
                    INSERT INTO eval_samples(shard_id, sample_index, slice, "key", text, member, "offset", length)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for eval in evalSamples {
                    sample.reset()
                    try sample.bind(1, id)
                    try sample.bind(2, eval.index)
                    try sample.bind(3, eval.slice.description)
                    try sample.bind(4, eval.key)
                    try sample.bind(5, eval.text)
                    try sample.bind(6, eval.member)
                    try sample.bind(7, eval.offset)
                    try sample.bind(8, eval.length)
                    try sample.step()
                }
            }
        }
    }

    /// Records a rejected shard, durably: a quarantine row, and when the shard's sha256 and kind are known, a
    /// shards row in state `quarantined` so the same file is not ingested again.
    ///
    /// A shard already `ingesting` under that sha256 becomes `quarantined` (its store path cleared); a
    /// `ready` or `quarantined` one is left as it is.
    public func recordQuarantine(sha256: String?, kind: ShardKind?, sourcePath: String, quarantinePath: String,
                                 bytes: Int64, reasonCode: String, reason: String, samples: Int,
                                 dropped: Int) throws {
        try locked {
            try database.transaction(durable: true) {
                let now = Catalog.now()
                let row = try database.prepare("""
                    INSERT INTO quarantine(sha256, source_path, quarantine_path, reason_code, reason, at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                try row.bind(1, sha256)
                try row.bind(2, sourcePath)
                try row.bind(3, quarantinePath)
                try row.bind(4, reasonCode)
                try row.bind(5, reason)
                try row.bind(6, now)
                try row.step()

                guard let sha256, let kind else { return }
                let upsert = try database.prepare("""
                    INSERT INTO shards(sha256, kind, source_path, store_path, bytes, state, reason_code, reason,
                                       samples, dropped, created_at)
                    VALUES (?1, ?2, ?3, NULL, ?4, 'quarantined', ?5, ?6, ?7, ?8, ?9)
                    ON CONFLICT(sha256) DO UPDATE SET state = 'quarantined', store_path = NULL,
                        reason_code = ?5, reason = ?6, samples = ?7, dropped = ?8
                    WHERE state = 'ingesting'
                    """)
                try upsert.bind(1, sha256)
                try upsert.bind(2, kind.rawValue)
                try upsert.bind(3, sourcePath)
                try upsert.bind(4, bytes)
                try upsert.bind(5, reasonCode)
                try upsert.bind(6, reason)
                try upsert.bind(7, samples)
                try upsert.bind(8, dropped)
                try upsert.bind(9, now)
                try upsert.step()
            }
        }
    }

    /// Records where a shard came from, e.g. when start-up repair adopts a file found in the store.
    public func setSourcePath(id: Int64, _ sourcePath: String) throws {
        try locked {
            let update = try database.prepare("UPDATE shards SET source_path = ? WHERE id = ?")
            try update.bind(1, sourcePath)
            try update.bind(2, id)
            try update.step()
        }
    }

    /// Deletes a shard with its slice rows and eval samples (by cascade). Quarantine rows stay, as history.
    public func deleteShard(id: Int64) throws {
        try locked {
            try database.transaction(durable: true) {
                let delete = try database.prepare("DELETE FROM shards WHERE id = ?")
                try delete.bind(1, id)
                try delete.step()
            }
        }
    }

    // MARK: Slices and eval samples

    /// Train/eval totals and the number of ready shards per slice, ordered by slice.
    ///
    /// Only ready shards have slice rows (the schema's triggers enforce it), so this is one scan of a
    /// covering index.
    public func slices() throws -> [SliceSummary] {
        try locked {
            let query = try database.prepare(
                "SELECT slice, sum(train), sum(eval), count(*) FROM shard_slices GROUP BY slice ORDER BY slice")
            var result: [SliceSummary] = []
            while try query.step() {
                result.append(SliceSummary(slice: try month(query, 0), train: query.int(1),
                                           eval: query.int(2), shards: query.int(3)))
            }
            return result
        }
    }

    /// The number of eval samples per slice.
    public func evalCounts() throws -> [Month: Int] {
        try locked {
            let query = try database.prepare("SELECT slice, count(*) FROM eval_samples GROUP BY slice")
            var result: [Month: Int] = [:]
            while try query.step() { result[try month(query, 0)] = query.int(1) }
            return result
        }
    }

    /// The eval samples of a slice in the order they were cataloged, so the first `limit` stay the same as
    /// later shards add more.
    public func evalSamples(slice: Month, limit: Int? = nil) throws -> [EvalSample] {
        try locked {
            let query = try database.prepare("""
                SELECT shard_id, sample_index, slice, "key", text, member, "offset", length
                FROM eval_samples WHERE slice = ? ORDER BY id LIMIT ?
                """)
            try query.bind(1, slice.description)
            try query.bind(2, limit ?? -1)
            var result: [EvalSample] = []
            while try query.step() {
                result.append(EvalSample(shardID: query.int64(0), index: query.int(1), slice: try month(query, 2),
                                         key: query.string(3) ?? "", text: query.string(4) ?? "",
                                         member: query.string(5), offset: query.int64(6), length: query.int64(7)))
            }
            return result
        }
    }

    /// True when `slice` already holds an eval sample with this key, so ingest can skip it rather than fail
    /// the shard's completion on the (slice, key) uniqueness.
    public func evalKeyExists(slice: Month, key: String) throws -> Bool {
        try locked {
            let query = try database.prepare(#"SELECT 1 FROM eval_samples WHERE slice = ? AND "key" = ?"#)
            try query.bind(1, slice.description)
            try query.bind(2, key)
            return try query.step()
        }
    }

    /// Scan-order positions of a shard's eval samples, ascending: the samples training must skip.
    public func evalSampleIndices(shardID: Int64) throws -> [Int] {
        try locked {
            let query = try database.prepare(
                "SELECT sample_index FROM eval_samples WHERE shard_id = ? ORDER BY sample_index")
            try query.bind(1, shardID)
            var result: [Int] = []
            while try query.step() { result.append(query.int(0)) }
            return result
        }
    }

    // MARK: Quarantine, metadata, health

    /// Every quarantine row, oldest first.
    public func quarantined() throws -> [QuarantineRecord] {
        try locked {
            let query = try database.prepare(
                "SELECT sha256, source_path, quarantine_path, reason_code, reason, at FROM quarantine ORDER BY id")
            var result: [QuarantineRecord] = []
            while try query.step() {
                result.append(QuarantineRecord(sha256: query.string(0), sourcePath: query.string(1) ?? "",
                                               quarantinePath: query.string(2) ?? "", reasonCode: query.string(3) ?? "",
                                               reason: query.string(4) ?? "", at: query.int64(5)))
            }
            return result
        }
    }

    /// The metadata value stored under `key`, if any.
    public func meta(_ key: String) throws -> String? {
        try locked {
            let query = try database.prepare(#"SELECT value FROM meta WHERE "key" = ?"#)
            try query.bind(1, key)
            return try query.step() ? query.string(0) : nil
        }
    }

    /// Stores `value` under `key`, replacing any earlier value.
    public func setMeta(_ key: String, _ value: String) throws {
        try locked {
            let upsert = try database.prepare(
                #"INSERT INTO meta("key", value) VALUES (?, ?) ON CONFLICT("key") DO UPDATE SET value = excluded.value"#)
            try upsert.bind(1, key)
            try upsert.bind(2, value)
            try upsert.step()
        }
    }

    /// "ok" when `PRAGMA quick_check` finds the file sound, otherwise its findings, one per line.
    public func integrityCheck() throws -> String {
        try locked {
            let query = try database.prepare("PRAGMA quick_check")
            var lines: [String] = []
            while try query.step() { lines.append(query.string(0) ?? "") }
            return lines.joined(separator: "\n")
        }
    }

    // MARK: Reading rows

    /// Shards matching `condition`, ordered by id, with their slice rows from one more query.
    private func shards(where condition: String?, binding: (SQLiteStatement) throws -> Void) throws -> [ShardRecord] {
        let filter = condition.map { " WHERE " + $0 } ?? ""
        let query = try database.prepare("SELECT \(Catalog.shardColumns) FROM shards\(filter) ORDER BY id")
        try binding(query)
        var records: [ShardRecord] = []
        while try query.step() { records.append(try shard(from: query)) }
        // Only ready shards have slice rows.
        guard records.contains(where: { $0.state == .ready }) else { return records }

        let single = records.count == 1
        let slices = try database.prepare("SELECT shard_id, slice, train, eval FROM shard_slices"
                                              + (single ? " WHERE shard_id = ?" : "") + " ORDER BY shard_id, slice")
        if single { try slices.bind(1, records[0].id) }
        // Both lists are in id order, so one merge pass pairs them without a lookup table.
        var at = 0
        while try slices.step() {
            let id = slices.int64(0)
            while at < records.count && records[at].id < id { at += 1 }
            if at == records.count { break }
            if records[at].id == id {
                records[at].slices[try month(slices, 1)] = SliceCount(train: slices.int(2), eval: slices.int(3))
            }
        }
        return records
    }

    private func shard(from row: SQLiteStatement) throws -> ShardRecord {
        guard let kind = ShardKind(rawValue: row.string(2) ?? ""), let state = ShardState(rawValue: row.string(6) ?? "")
        else {
            throw CatalogError(.badValue, message: "shard \(row.int64(0)) has kind \(row.string(2) ?? "NULL") "
                                   + "and state \(row.string(6) ?? "NULL")", sql: row.sql, path: path)
        }
        return ShardRecord(id: row.int64(0), sha256: row.string(1) ?? "", kind: kind, sourcePath: row.string(3) ?? "",
                           storePath: row.string(4), bytes: row.int64(5), state: state, reasonCode: row.string(7),
                           reason: row.string(8), samples: row.int(9), train: row.int(10), eval: row.int(11),
                           dropped: row.int(12), duplicates: row.int(13), createdAt: row.int64(14),
                           readyAt: row.isNull(15) ? nil : row.int64(15), slices: [:])
    }

    private func month(_ row: SQLiteStatement, _ column: Int) throws -> Month {
        guard let text = row.string(column), let month = Month(text) else {
            throw CatalogError(.badValue, message: "slice \(row.string(column) ?? "NULL") is not YYYY-MM",
                               sql: row.sql, path: path)
        }
        return month
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

/// The catalog's schema as an ordered list of migrations. Migration n (1-based) takes the file from
/// `PRAGMA user_version` n−1 to n; each runs in its own durable transaction, so a failure leaves the file
/// at the last version that completed. Append new migrations; never edit one that has shipped.
enum CatalogSchema {
    /// `PRAGMA application_id` of a ticd catalog ("ticd" in ASCII), so `file(1)` and ticd can tell it apart
    /// from other SQLite files.
    static let applicationID = 0x7469_6364

    static let migrations: [String] = [
        // v1: one row per shard and per (shard, slice); per-sample rows only for the eval split.
        """
        CREATE TABLE shards(
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK(kind IN ('image-text','text')),
            source_path TEXT NOT NULL,
            store_path TEXT,
            bytes INTEGER NOT NULL,
            state TEXT NOT NULL CHECK(state IN ('ingesting','ready','quarantined')),
            reason_code TEXT,
            reason TEXT,
            samples INTEGER NOT NULL DEFAULT 0,
            train INTEGER NOT NULL DEFAULT 0,
            eval INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            ready_at INTEGER);
        CREATE TABLE shard_slices(
            shard_id INTEGER NOT NULL REFERENCES shards(id) ON DELETE CASCADE,
            slice TEXT NOT NULL,            -- YYYY-MM
            train INTEGER NOT NULL,
            eval INTEGER NOT NULL,
            PRIMARY KEY(shard_id, slice)) WITHOUT ROWID;
        -- Covers the per-slice sums, so slices() reads the index alone.
        CREATE INDEX shard_slices_by_slice ON shard_slices(slice, train, eval);
        -- Slice rows exist only for ready shards, so per-slice totals need no join with shards (a join
        -- costs one shards lookup per row: seconds at 1M shards).
        CREATE TRIGGER shard_slices_need_a_ready_shard BEFORE INSERT ON shard_slices
        WHEN (SELECT state FROM shards WHERE id = NEW.shard_id) IS NOT 'ready'
        BEGIN SELECT RAISE(ABORT, 'shard_slices rows belong to ready shards'); END;
        CREATE TRIGGER ready_shards_with_slices_stay_ready BEFORE UPDATE OF state ON shards
        WHEN OLD.state = 'ready' AND NEW.state IS NOT 'ready'
            AND EXISTS (SELECT 1 FROM shard_slices WHERE shard_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'a ready shard with slice rows cannot change state'); END;
        CREATE TABLE eval_samples(
            id INTEGER PRIMARY KEY,
            shard_id INTEGER NOT NULL REFERENCES shards(id) ON DELETE CASCADE,
            sample_index INTEGER NOT NULL,  -- position in the shard's scan order
            slice TEXT NOT NULL,
            "key" TEXT NOT NULL,
            text TEXT NOT NULL,             -- caption or document
            member TEXT,                    -- e.g. "jpg" for the image member
            "offset" INTEGER NOT NULL,      -- image data in the stored tar, or the line in the decompressed stream
            length INTEGER NOT NULL,
            UNIQUE(slice, "key"));
        CREATE INDEX eval_samples_by_shard ON eval_samples(shard_id, sample_index);
        CREATE TABLE quarantine(
            id INTEGER PRIMARY KEY,
            sha256 TEXT,
            source_path TEXT NOT NULL,
            quarantine_path TEXT NOT NULL,
            reason_code TEXT NOT NULL,
            reason TEXT NOT NULL,
            at INTEGER NOT NULL);
        CREATE TABLE steps(
            id INTEGER PRIMARY KEY,
            label TEXT UNIQUE NOT NULL,
            first_slice TEXT NOT NULL,
            last_slice TEXT NOT NULL,
            state TEXT NOT NULL,
            policy TEXT,
            plan_json TEXT,
            created_at INTEGER,
            finished_at INTEGER,
            samples_seen INTEGER,
            flops REAL,
            seconds REAL);
        CREATE TABLE checkpoints(
            id INTEGER PRIMARY KEY,
            step_id INTEGER REFERENCES steps(id),
            path TEXT NOT NULL,
            sha256 TEXT,
            accepted INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL);
        CREATE TABLE eval_results(
            checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
            slice_group TEXT NOT NULL,
            metric TEXT NOT NULL,
            value REAL,
            detail_json TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY(checkpoint_id, slice_group));
        CREATE TABLE meta(
            "key" TEXT PRIMARY KEY,
            value TEXT NOT NULL);
        """,
        // v2: runs. One state directory holds any number of named runs (DESIGN §11); a step belongs to one run,
        // and its checkpoints and eval cells follow it. Existing steps become the run `main`. The steps table is
        // rebuilt (its label was unique on its own), which the migration runner does with foreign keys off.
        """
        CREATE TABLE runs(
            name TEXT PRIMARY KEY,
            config_json TEXT,
            created_at INTEGER NOT NULL);
        CREATE TABLE steps_v2(
            id INTEGER PRIMARY KEY,
            run TEXT NOT NULL DEFAULT 'main',
            label TEXT NOT NULL,
            first_slice TEXT NOT NULL,
            last_slice TEXT NOT NULL,
            state TEXT NOT NULL,
            policy TEXT,
            plan_json TEXT,
            created_at INTEGER,
            finished_at INTEGER,
            samples_seen INTEGER,
            flops REAL,
            seconds REAL,
            method_json TEXT,
            UNIQUE(run, label));
        INSERT INTO steps_v2(id, run, label, first_slice, last_slice, state, policy, plan_json, created_at,
                             finished_at, samples_seen, flops, seconds)
            SELECT id, 'main', label, first_slice, last_slice, state, policy, plan_json, created_at, finished_at,
                   samples_seen, flops, seconds FROM steps;
        DROP TABLE steps;
        ALTER TABLE steps_v2 RENAME TO steps;
        INSERT INTO runs(name, config_json, created_at)
            SELECT 'main', NULL, coalesce(min(created_at), 0) FROM steps HAVING count(*) > 0;
        """,
    ]

    /// The version a file has once every migration this build knows has run.
    static var latestVersion: Int { migrations.count }

    /// Checks that `database` is a catalog this build can use, switches it to WAL and migrates it.
    ///
    /// Nothing is written to a file that turns out not to be a catalog, or to be newer than this build.
    /// - Parameter migrations: the list to apply; tests inject broken ones.
    /// - Throws: `CatalogError` `.notACatalog`, `.schemaTooNew`, or the failing migration's error
    ///   (that migration rolled back).
    static func open(_ database: SQLiteDatabase, migrations: [String] = migrations) throws {
        let found = try database.transaction {
            try identify(database, supported: migrations.count)
        }
        // Off while migrating: a migration that rebuilds a table (SQLite's documented way to change a constraint)
        // must not cascade through the rows that reference it. Checked once the migrations have run.
        try database.execute("PRAGMA foreign_keys=OFF")
        let journal = try database.prepare("PRAGMA journal_mode=WAL")
        guard try journal.step(), journal.string(0) == "wal" else {
            throw CatalogError(.sqlite, message: "cannot switch to WAL (journal_mode is \(journal.string(0) ?? "?"))",
                               sql: journal.sql, path: database.path)
        }
        journal.reset()
        try database.execute("PRAGMA synchronous=NORMAL")
        for (index, sql) in migrations.enumerated() where index + 1 > found {
            try database.transaction(durable: true) {
                // Another process may have migrated since `identify` looked.
                guard try database.integer("PRAGMA user_version") <= index else { return }
                try database.execute(sql)
                if index == 0 { try database.execute("PRAGMA application_id=\(applicationID)") }
                try database.execute("PRAGMA user_version=\(index + 1)")
                let dangling = try database.integer("SELECT count(*) FROM pragma_foreign_key_check")
                guard dangling == 0 else {
                    throw CatalogError(.sqlite, message: "migration to version \(index + 1) left \(dangling) rows "
                                           + "whose references point nowhere", path: database.path)
                }
            }
        }
        try database.execute("PRAGMA foreign_keys=ON")
    }

    /// The file's schema version, after checking it is a ticd catalog (or an empty file) not newer than
    /// `supported`.
    private static func identify(_ database: SQLiteDatabase, supported: Int) throws -> Int {
        let version = try database.integer("PRAGMA user_version")
        let application = try database.integer("PRAGMA application_id")
        let tables = try database.integer("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        if application != applicationID && (application != 0 || version != 0 || tables != 0) {
            throw CatalogError(.notACatalog,
                               message: "a SQLite database of another program (application_id \(application), "
                                   + "user_version \(version), \(tables) tables)",
                               path: database.path)
        }
        if version > supported {
            throw CatalogError(.schemaTooNew(found: version, supported: supported),
                               message: "schema version \(version) is newer than \(supported)", path: database.path)
        }
        return version
    }
}

import Foundation

/// The train samples one ready shard holds in one slice: what replay plans over. Eval counts are left out
/// on purpose, so a plan built from these can never reach a held-out sample.
public struct ShardSliceCount: Equatable, Sendable {
    /// The shard's catalog id.
    public var shardID: Int64
    public var slice: Month
    /// Train samples of the shard in the slice.
    public var train: Int
    /// The first 64 bits of the shard's sha256. Ids follow arrival order; this follows content, so where
    /// shards of one slice tie for a rounded-off sample, the same data gets the same plan however it arrived.
    public var contentKey: UInt64

    public init(shardID: Int64, slice: Month, train: Int, contentKey: UInt64 = 0) {
        self.shardID = shardID; self.slice = slice; self.train = train; self.contentKey = contentKey
    }
}

extension Catalog {
    /// Train counts per (ready shard, slice) for every slice up to and including `last`, ordered by slice,
    /// then shard id, each with the shard's content key. Rows with no train samples are left out.
    ///
    /// A scan of the covering index `shard_slices_by_slice` with one `shards` lookup per row for the sha256
    /// (slice rows exist only for ready shards: the schema's triggers enforce it).
    /// - Throws: `CatalogError` (`.badValue` for a stored slice that is not YYYY-MM).
    public func trainCounts(through last: Month) throws -> [ShardSliceCount] {
        try locked {
            let query = try database.prepare("""
                SELECT ss.shard_id, ss.slice, ss.train, s.sha256 FROM shard_slices ss JOIN shards s ON s.id = ss.shard_id
                WHERE ss.slice <= ? AND ss.train > 0 ORDER BY ss.slice, ss.shard_id
                """)
            try query.bind(1, last.description)
            var rows: [ShardSliceCount] = []
            var text = ""
            var month = Month(index: 0)
            while try query.step() {
                // Rows come grouped by slice, so the text is parsed once per slice; short strings like
                // "2019-03" are stored inline, so reading one per row allocates nothing.
                let slice = query.string(1) ?? ""
                if slice != text || rows.isEmpty {
                    guard let parsed = Month(slice) else {
                        throw CatalogError(.badValue, message: "slice \(slice) is not YYYY-MM", sql: query.sql,
                                           path: path)
                    }
                    text = slice
                    month = parsed
                }
                rows.append(ShardSliceCount(shardID: query.int64(0), slice: month, train: query.int(2),
                                            contentKey: query.hexPrefix64(3)))
            }
            return rows
        }
    }

    /// Stores the plan of a step in the `steps` table, creating the row (state `planned`) or replacing the
    /// plan, slices and policy of an existing one while keeping its state. Commits durably, because a
    /// resumed step must find the plan it started with.
    /// - Parameters:
    ///   - json: the plan as encoded by the planner.
    ///   - stepLabel: the step group's label, e.g. "2014-2016"; unique per step.
    ///   - first, last: the step group's first and last month.
    ///   - policy: the replay policy's name, e.g. "cumulative-exp".
    /// - Throws: `CatalogError`.
    public func savePlan(_ json: String, run: String = Run.main, stepLabel: String, first: Month, last: Month,
                         policy: String) throws {
        try locked {
            try database.transaction(durable: true) {
                let upsert = try database.prepare("""
                    INSERT INTO steps(run, label, first_slice, last_slice, state, policy, plan_json, created_at)
                    VALUES (?7, ?1, ?2, ?3, 'planned', ?4, ?5, ?6)
                    ON CONFLICT(run, label) DO UPDATE SET first_slice = ?2, last_slice = ?3, policy = ?4,
                        plan_json = ?5
                    """)
                try upsert.bind(7, run)
                try upsert.bind(1, stepLabel)
                try upsert.bind(2, first.description)
                try upsert.bind(3, last.description)
                try upsert.bind(4, policy)
                try upsert.bind(5, json)
                try upsert.bind(6, Int64(Date().timeIntervalSince1970))
                try upsert.step()
            }
        }
    }

    /// The stored plan of the step with this label, or nil when there is no such step or it has no plan.
    /// - Throws: `CatalogError`.
    public func plan(run: String = Run.main, stepLabel: String) throws -> String? {
        try locked {
            let query = try database.prepare("SELECT plan_json FROM steps WHERE label = ?1 AND run = ?2")
            try query.bind(1, stepLabel)
            try query.bind(2, run)
            return try query.step() ? query.string(0) : nil
        }
    }
}

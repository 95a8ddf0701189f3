/// What `ticd ingest` does with the settings a user can change (DESIGN §10 flags and config keys).
public struct IngestOptions: Sendable {
    public var scan = ScanOptions()
    /// At most this many held-out samples are kept per slice (`eval_per_slice`).
    public var evalPerSlice = 1000
    /// A shard whose share of bad samples is over this is quarantined whole.
    public var badSampleThreshold = 0.5
    /// Copy shards into the store and leave the originals, instead of moving them.
    public var keepSource = false

    public init() {}
}

/// The outcome of one shard, as `ticd ingest --json` prints it (DESIGN §10).
public enum IngestOutcome: String, Codable, Sendable {
    case accepted, duplicate, quarantined
}

/// One shard's result: one JSON object per line of `ticd ingest --json`.
public struct IngestResult: Codable, Equatable, Sendable {
    public var path: String
    public var outcome: IngestOutcome
    public var reason: String?
    public var reasonCode: String?
    public var sha256: String?
    public var samples: Int
    public var dropped: Int
    public var duplicates: Int
    /// Samples per slice (train + held out) that the shard added.
    public var slices: [String: Int]

    enum CodingKeys: String, CodingKey {
        case path, outcome, reason, reasonCode = "reason_code", sha256, samples, dropped, duplicates, slices
    }
}

/// What start-up recovery repaired.
public struct RecoveryReport: Equatable, Sendable {
    /// Shards whose catalog row was half-written and were finished from the store copy.
    public var completed = 0
    /// Half-registered rows whose file never reached the store; the source is still where it was.
    public var rolledBack = 0
    /// Store files without a row (a crash between the move and the commit), now registered.
    public var adopted = 0
    /// Quarantined files whose row was missing, now recorded.
    public var quarantineRecorded = 0
    /// Leftover temporary files removed.
    public var temporariesRemoved = 0

    public var isEmpty: Bool { self == RecoveryReport() }
}

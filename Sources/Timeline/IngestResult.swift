/// What `ticd ingest` does with the settings a user can change (DESIGN §10 flags and config keys).
public struct IngestOptions: Sendable {
    public var scan = ScanOptions()
    /// At most this many held-out samples are kept per slice (`eval_per_slice`).
    public var evalPerSlice = 1000
    /// A shard whose share of bad samples is over this is quarantined whole.
    public var badSampleThreshold = 0.5
    /// What ingest does to the file it was given. `preserve` (the default, and `ticd ingest` without
    /// `--move`) never removes or changes a source; `consume` moves it in, as the daemon does with its inbox.
    public var sources = SourceHandling.preserve

    public init() {}
}

/// Whether ingest may take a source file away from where it was.
public enum SourceHandling: Sendable {
    /// Hard-link the source into the state directory when on the same filesystem, else copy it; the source
    /// stays byte-identical where it was.
    case preserve
    /// Rename the source in (copy, then remove, across filesystems); duplicates are removed too. Only for a
    /// directory that exists to be consumed, such as the daemon's inbox.
    case consume
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
    /// How the file reached the store or quarantine; nil when nothing was placed (a duplicate).
    public var stored: FileOps.StoredHow?

    enum CodingKeys: String, CodingKey {
        case path, outcome, reason, reasonCode = "reason_code", sha256, samples, dropped, duplicates, slices, stored
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

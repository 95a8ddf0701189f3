/// Where a shard is in its life: `ingesting` → `ready` | `quarantined`.
public enum ShardState: String, Sendable {
    case ingesting, ready, quarantined
}

/// What a shard holds: WebDataset image-text pairs or jsonl documents.
public enum ShardKind: String, Codable, Sendable {
    case imageText = "image-text"
    case text
}

/// Samples of one shard (or of all shards) in one slice, split into train and held-out eval.
public struct SliceCount: Equatable, Sendable {
    public var train: Int
    public var eval: Int

    public init(train: Int, eval: Int) {
        self.train = train; self.eval = eval
    }
}

/// One catalog row per shard, with its per-slice counts.
public struct ShardRecord: Equatable, Sendable {
    /// The catalog's id for the shard (rowid; stable, never reused while the row exists).
    public var id: Int64
    /// Hex SHA-256 of the file's bytes: the shard's identity for dedup.
    public var sha256: String
    public var kind: ShardKind
    /// The path the shard was ingested from.
    public var sourcePath: String
    /// Its path in the store; nil for a quarantined shard.
    public var storePath: String?
    /// File size.
    public var bytes: Int64
    public var state: ShardState
    /// The quarantine reason code (`ShardError.Kind`'s raw value) and text, for quarantined shards.
    public var reasonCode: String?
    public var reason: String?
    /// Samples accepted, and their train/eval split (sums over `slices`).
    public var samples: Int
    public var train: Int
    public var eval: Int
    /// Samples dropped as bad, and skipped as duplicates.
    public var dropped: Int
    public var duplicates: Int
    /// Unix seconds when the row was created, and when the shard became ready.
    public var createdAt: Int64
    public var readyAt: Int64?
    public var slices: [Month: SliceCount]
}

/// One held-out sample: enough to find its caption/document and image again without rescanning the shard.
public struct EvalSample: Equatable, Sendable {
    public var shardID: Int64
    /// Position of the sample in the shard's scan order.
    public var index: Int
    public var slice: Month
    /// The WebDataset key or record id; unique within a slice.
    public var key: String
    /// The caption (image-text) or the document (text).
    public var text: String
    /// The image member's extension, e.g. "jpg"; nil for text shards.
    public var member: String?
    /// Byte offset of the image data in the stored tar, or of the line in the decompressed stream.
    public var offset: Int64
    public var length: Int64

    public init(shardID: Int64, index: Int, slice: Month, key: String, text: String, member: String?,
                offset: Int64, length: Int64) {
        self.shardID = shardID; self.index = index; self.slice = slice; self.key = key; self.text = text
        self.member = member; self.offset = offset; self.length = length
    }
}

/// Totals of one slice over all ready shards: the row of `ticd slices --json`.
public struct SliceSummary: Equatable, Sendable {
    public var slice: Month
    public var train: Int
    public var eval: Int
    /// Ready shards with samples in this slice.
    public var shards: Int

    public init(slice: Month, train: Int, eval: Int, shards: Int) {
        self.slice = slice; self.train = train; self.eval = eval; self.shards = shards
    }
}

/// One rejected shard: where it went and why.
public struct QuarantineRecord: Equatable, Sendable {
    /// Nil when the file could not be read far enough to hash it.
    public var sha256: String?
    public var sourcePath: String
    public var quarantinePath: String
    /// `ShardError.Kind`'s raw value, e.g. "truncated".
    public var reasonCode: String
    public var reason: String
    /// Unix seconds.
    public var at: Int64
}

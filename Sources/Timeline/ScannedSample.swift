/// One usable sample of a shard, as the scanner hands it to ingest or to the training loader.
public struct ScannedSample {
    /// Position in the shard's scan order, counting every sample including dropped ones, so an index stays
    /// valid however the filtering rules change.
    public let index: Int
    /// The split key: `uid` (or `id`) when the record has one, else a hash of the content.
    public let key: String
    public let month: Month
    /// The caption (image-text) or the document (text).
    public let text: String
    /// The decoded image (possibly DCT-downscaled), for image-text shards scanned with decoding on.
    public let image: RGBImage?
    /// Where the encoded image lives in the shard file (tar data offset and size), for image-text shards.
    public let imageOffset: Int64
    public let imageLength: Int64
    public let imageExtension: String?
    /// 1-based line, for text shards.
    public let line: Int?
    /// True when the key hashes into the held-out split. Such a sample never trains.
    public let heldOut: Bool
}

/// What a whole-shard scan found.
public struct ScanSummary {
    public var sha256 = ""
    public var bytes: Int64 = 0
    /// Every sample seen, usable or not.
    public var samples = 0
    /// Usable samples handed to the caller.
    public var usable = 0
    /// Samples dropped for a problem (bad image, no caption, bad JSON, ...), duplicates excluded.
    public var dropped = 0
    public var duplicates = 0
    public var problems: [SampleProblem.Kind: Int] = [:]
    /// The first few problems, for the reason text of a quarantined shard and for logs.
    public var examples: [SampleProblem] = []
    /// Tar members that were skipped (`__index__`, no extension, repeated extension).
    public var skippedMembers = 0

    mutating func record(_ problem: SampleProblem) {
        if problem.kind == .duplicate { duplicates += 1 } else { dropped += 1 }
        problems[problem.kind, default: 0] += 1
        if examples.count < 5 { examples.append(problem) }
    }

    /// Share of samples dropped for a problem; duplicates are not bad data and do not count.
    public var badShare: Double { samples == 0 ? 0 : Double(dropped) / Double(samples) }

    /// "3 bad_image, 1 no_caption" — the problem counts, most frequent first.
    public var problemSummary: String {
        problems.filter { $0.key != .duplicate }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
    }
}

/// The file formats a shard can have, told apart by the file name's ending.
public enum ShardFormat: String, CaseIterable, Sendable {
    /// A WebDataset tar of image-text pairs (img2dataset, DataComp).
    case tar
    /// JSON lines, one document per line (DCLM).
    case jsonl
    /// JSON lines compressed with zstd (`.jsonl.zst` or `.jsonl.zstd`).
    case jsonlZstd = "jsonl.zst"
    /// JSON lines compressed with gzip (DCLM-Pool, TiC-LM).
    case jsonlGzip = "jsonl.gz"

    /// The format named by a path's ending, or nil when it is none of ours.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map { $0.lowercased() } ?? ""
        if name.hasSuffix(".tar") { self = .tar }
        else if name.hasSuffix(".jsonl") { self = .jsonl }
        else if name.hasSuffix(".jsonl.zst") || name.hasSuffix(".jsonl.zstd") { self = .jsonlZstd }
        else if name.hasSuffix(".jsonl.gz") { self = .jsonlGzip }
        else { return nil }
    }

    public var kind: ShardKind { self == .tar ? .imageText : .text }

    /// The ending a stored copy gets, so the store stays readable by other tools.
    public var fileExtension: String { rawValue }

    /// The endings `ticd ingest DIR` and the inbox watcher pick up.
    public static let recognisedEndings = [".tar", ".jsonl", ".jsonl.zst", ".jsonl.zstd", ".jsonl.gz"]
}

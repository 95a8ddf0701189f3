/// Why a whole shard is refused. Every value names the file, where in it the problem was found, and why;
/// its `description` is the line a log, a quarantine reason file and an HTTP error body carry.
public struct ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A stable, machine-readable reason code (the `reason_code` of a quarantine reason file).
    public enum Kind: String, Sendable, Codable {
        case io                                   // open/read/rename failed (errno in detail)
        case empty                                // zero bytes
        case truncated                            // ends inside a tar header/member, zstd frame, gzip stream
        case corrupt                              // bad tar checksum, invalid compressed data, garbage
        case unsafeMember = "unsafe_member"       // traversal, absolute path, link, device, fifo
        case tooLarge = "too_large"               // a member or header over its cap
        case unsupported                          // unknown extension or format
        case noTimestamp = "no_timestamp"         // no time field in any sample and none in the path
        case noSamples = "no_samples"             // readable, but not one usable sample
        case tooManyBadSamples = "too_many_bad_samples"  // bad-sample share over the threshold
    }

    public var kind: Kind
    /// The shard's path as given to ingest.
    public var path: String
    /// Byte offset in the file (for compressed text: in the compressed file) where the problem was found.
    public var offset: Int64?
    /// 1-based line number in the decompressed text, for jsonl shards.
    public var line: Int?
    /// Human-readable reason, e.g. "tar header checksum mismatch (stored 0o7721, computed 0o7713)".
    public var detail: String

    public init(_ kind: Kind, path: String, offset: Int64? = nil, line: Int? = nil, detail: String) {
        self.kind = kind; self.path = path; self.offset = offset; self.line = line; self.detail = detail
    }

    public var description: String {
        var at = ""
        if let line { at += " line \(line)" }
        if let offset { at += " offset \(offset)" }
        return "\(path):\(at.isEmpty ? "" : at + ":") \(kind.rawValue): \(detail)"
    }
}

/// Why one sample inside an otherwise good shard is dropped. The shard survives while the share of
/// dropped samples stays under the ingest threshold.
public struct SampleProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Codable {
        case noCaption = "no_caption"             // image without .txt, json.caption or json.text
        case noText = "no_text"                   // jsonl record without a string "text"
        case missingImage = "missing_image"       // caption without an image member
        case badImage = "bad_image"               // undecodable jpeg/png
        case imageTooLarge = "image_too_large"    // declared width*height over the pixel cap
        case unsupportedImage = "unsupported_image"  // webp and other formats we do not decode
        case badJSON = "bad_json"                 // syntax error in a record or a .json member
        case recordTooLong = "record_too_long"    // a jsonl line over the record cap
        case badTimestamp = "bad_timestamp"       // a time field present but unparseable
        case timestampOutOfRange = "timestamp_out_of_range"  // outside [1990-01, now + 1 day]
        case noTimestamp = "no_timestamp"         // no time field and no month in the shard path
        case duplicate                            // same key or content as an earlier sample in the slice
    }

    public var kind: Kind
    /// The sample's key (WebDataset key, or uid), when known.
    public var key: String?
    /// 1-based line number, for jsonl records.
    public var line: Int?
    public var detail: String

    public init(_ kind: Kind, key: String? = nil, line: Int? = nil, detail: String) {
        self.kind = kind; self.key = key; self.line = line; self.detail = detail
    }

    public var description: String {
        var at = ""
        if let key { at += " key \(key)" }
        if let line { at += " line \(line)" }
        return "\(kind.rawValue)\(at.isEmpty ? "" : " (" + at.dropFirst() + ")"): \(detail)"
    }
}

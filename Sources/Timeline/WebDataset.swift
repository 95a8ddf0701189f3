/// One WebDataset sample: the contiguous tar members that share a key.
public struct WebDatasetSample: Equatable, Sendable {
    /// Directory + "/" + basename up to its first dot, as webdataset's `base_plus_ext` splits it
    /// ("train/000001.seg.png" → "train/000001").
    public let key: String
    /// Members by extension: the basename after its first dot, lowercased ("jpg", "txt", "json", "seg.png").
    public let members: [String: TarMember]
    /// Offset of the first member's first header block.
    public let headerOffset: Int64
}

/// Groups the members of a WebDataset tar into samples, as webdataset's `group_by_keys` does.
///
/// A key that comes back after another key starts a new sample; deduplication downstream flags it. Metadata
/// members (basename starting with "__"), names without an extension and a repeated extension within one sample
/// are skipped and counted in `skippedMembers`; the first of a repeated extension wins.
public final class WebDatasetReader {
    public let maxSampleBytes: Int
    /// Members read but not placed in any sample.
    public private(set) var skippedMembers = 0

    private let tar: TarReader
    private var lookahead: (key: String, ext: String, member: TarMember)?

    /// - Parameters:
    ///   - tar: the shard's members.
    ///   - maxSampleBytes: cap on the summed data of one sample's members.
    public init(_ tar: TarReader, maxSampleBytes: Int = 128 << 20) {
        self.tar = tar
        self.maxSampleBytes = maxSampleBytes
    }

    /// The next sample, or nil at the end of the shard.
    /// - Throws: `ShardError.tooLarge` when one sample's members exceed `maxSampleBytes`; any `TarReader` error.
    public func next() throws -> WebDatasetSample? {
        guard let first = try lookahead ?? nextKeyed() else { return nil }
        lookahead = nil
        var members = [first.ext: first.member]
        var bytes = first.member.size
        while let item = try nextKeyed() {
            guard item.key == first.key else {
                lookahead = item
                break
            }
            if members[item.ext] != nil {
                skippedMembers += 1
                continue
            }
            bytes += item.member.size
            guard bytes <= maxSampleBytes else {
                throw ShardError(.tooLarge, path: tar.path, offset: first.member.headerOffset,
                                 detail: "sample '\(first.key)' has over \(maxSampleBytes) bytes in its members")
            }
            members[item.ext] = item.member
        }
        return WebDatasetSample(key: first.key, members: members, headerOffset: first.member.headerOffset)
    }

    /// The next member with a key and an extension; skips and counts the others.
    private func nextKeyed() throws -> (key: String, ext: String, member: TarMember)? {
        while let member = try tar.next() {
            let name = member.name.utf8
            let slash = name.lastIndex(of: UInt8(ascii: "/"))
            let baseStart = slash.map { name.index(after: $0) } ?? name.startIndex
            let base = name[baseStart...]
            guard !base.starts(with: "__".utf8),
                  let dot = base.firstIndex(of: UInt8(ascii: ".")), dot != baseStart,
                  name.index(after: dot) != name.endIndex else {
                skippedMembers += 1
                continue
            }
            if member.size > maxSampleBytes {
                throw ShardError(.tooLarge, path: tar.path, offset: member.headerOffset,
                                 detail: "member '\(member.name)' has \(member.size) bytes, over the sample cap "
                                 + "of \(maxSampleBytes)")
            }
            let key = String(decoding: name[..<dot], as: UTF8.self)
            let ext = String(decoding: name[name.index(after: dot)...], as: UTF8.self).lowercased()
            return (key, ext, member)
        }
        return nil
    }
}

/// Caps that keep one hostile tar member from exhausting memory.
public struct TarLimits: Equatable, Sendable {
    /// Largest member data loaded into memory, in bytes.
    public var maxMemberBytes: Int = 64 << 20
    /// Largest pax extended header or GNU long-name record, in bytes.
    public var maxPaxHeaderBytes: Int = 1 << 20

    public init(maxMemberBytes: Int = 64 << 20, maxPaxHeaderBytes: Int = 1 << 20) {
        self.maxMemberBytes = maxMemberBytes
        self.maxPaxHeaderBytes = maxPaxHeaderBytes
    }
}

/// One regular file read from a tar archive, with its data in memory.
public struct TarMember: Equatable, Sendable {
    /// The resolved name: pax `path` > GNU 'L' long name > ustar prefix + "/" + name, with leading "./" removed.
    public let name: String
    /// Data length in bytes (`data.count`).
    public let size: Int
    /// The header's typeflag: '0', NUL (old v7 archives) or '7' (contiguous file, read as regular).
    public let typeflag: UInt8
    /// Offset of the first header block belonging to this member, including its pax 'x' or GNU 'L' headers, so
    /// a reader positioned there reads this member again.
    public let headerOffset: Int64
    /// Byte offset of the data in the tar file.
    public let dataOffset: Int64
    public let data: [UInt8]
}

/// Reads the regular files of a tar archive one at a time, front to back, holding at most one member in memory.
///
/// Reads v7, POSIX ustar, GNU (long names 'L'/'K', base-256 numbers) and pax ('x', 'g') archives. Directories
/// are skipped; links, devices, FIFOs and names that could escape a directory are refused, because ingest never
/// needs them and a shard carrying them is hostile or broken. The counterpart is Python's `tarfile` in stream
/// mode (`r|`) restricted to regular files, as webdataset uses it.
public final class TarReader {
    /// The shard's path, used in errors.
    public let path: String
    public let limits: TarLimits

    private let stream: ByteStream
    private let buffer: UnsafeMutableRawBufferPointer
    private var bufferStart = 0
    private var bufferEnd = 0
    private var streamEnded = false
    /// File offset of `buffer[bufferStart]`, i.e. of the next byte not yet consumed.
    private var offset: Int64 = 0
    private var finished = false
    private var failure: ShardError?

    /// Extended-header state that applies to the next entry only.
    private struct Pending {
        var firstHeaderOffset: Int64?
        var paxPath: [UInt8]?
        var paxSize: Int64?
        var longName: [UInt8]?
        var isEmpty: Bool { firstHeaderOffset == nil }
    }

    /// Starts reading an archive at the stream's current position.
    /// - Parameters:
    ///   - stream: the archive's bytes.
    ///   - path: the shard's path, for errors.
    ///   - limits: caps on member and extended-header sizes.
    public init(_ stream: ByteStream, path: String, limits: TarLimits = TarLimits()) {
        self.stream = stream
        self.path = path
        self.limits = limits
        buffer = .allocate(byteCount: 256 << 10, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The next regular file, or nil at a clean end of the archive. After a throw, every later call throws the
    /// same error.
    /// - Throws: `ShardError` — `.empty` (zero bytes), `.truncated` (ends inside a header, member data, padding, or
    ///   after an extended header), `.corrupt` (checksum mismatch, malformed number or pax record, anything but zero
    ///   bytes after the end-of-archive blocks),
    ///   `.unsafeMember` (absolute or ".." name, NUL in name, empty name, link, device, FIFO), `.unsupported`
    ///   (GNU sparse, unknown typeflag), `.tooLarge` (member or extended header over `limits`); or the stream's own
    ///   `ShardError`.
    public func next() throws -> TarMember? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            let member = try readMember()
            if member == nil { finished = true }
            return member
        } catch let error as ShardError {
            failure = error
            throw error
        }
    }

    private func readMember() throws -> TarMember? {
        var pending = Pending()
        while true {
            let headerOffset = offset
            let available = try ensureAvailable(512)
            if available == 0 {
                if offset == 0 { throw ShardError(.empty, path: path, offset: 0, detail: "zero bytes") }
                guard pending.isEmpty else {
                    throw ShardError(.truncated, path: path, offset: offset,
                                     detail: "ends after an extended header, before the member it describes")
                }
                // Every tar writer (GNU tar, Python's tarfile, webdataset) ends with zero blocks; a file that
                // stops at a member boundary without them was cut short, and accepting it would lose samples.
                throw ShardError(.truncated, path: path, offset: offset,
                                 detail: "ends after a complete member but without the end-of-archive zero blocks")
            }
            guard available == 512 else {
                throw ShardError(.truncated, path: path, offset: offset,
                                 detail: "ends inside a header block (\(available) of 512 bytes)")
            }
            let block = UnsafeRawBufferPointer(rebasing: buffer[bufferStart..<bufferStart + 512])
            if isZero(block) {
                guard pending.isEmpty else {
                    throw ShardError(.corrupt, path: path, offset: offset,
                                     detail: "end-of-archive block right after an extended header")
                }
                consume(512)
                return try readEndOfArchive(firstZeroBlockAt: headerOffset)
            }
            let header = try Header(block, path: path, offset: headerOffset)
            consume(512)
            if pending.firstHeaderOffset == nil { pending.firstHeaderOffset = headerOffset }

            switch header.typeflag {
            case UInt8(ascii: "x"):
                let records = try readExtendedData(header, what: "pax extended header", at: headerOffset)
                try parsePax(records, at: headerOffset, into: &pending)
            case UInt8(ascii: "g"):
                _ = try readExtendedData(header, what: "pax global header", at: headerOffset)
                if pending.paxPath == nil, pending.paxSize == nil, pending.longName == nil {
                    pending.firstHeaderOffset = nil
                }
            case UInt8(ascii: "L"):
                var name = try readExtendedData(header, what: "GNU long name", at: headerOffset)
                while name.last == 0 { name.removeLast() }
                pending.longName = name
            case UInt8(ascii: "K"):
                _ = try readExtendedData(header, what: "GNU long link name", at: headerOffset)
            case UInt8(ascii: "5"):
                // A directory has no data blocks whatever its size field says: GNU tar and Python's tarfile (the
                // reader webdataset uses) read the next block as a header, so skipping `size` bytes hid members.
                _ = try resolveName(header, pending, at: headerOffset, isDirectory: true)
                pending = Pending()
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                // v7 archives had no directory typeflag: a trailing slash marked one.
                let rawName = pending.paxPath ?? pending.longName ?? header.nameBytes
                let isOldDirectory = header.typeflag == 0 && rawName.last == UInt8(ascii: "/")
                let name = try resolveName(header, pending, at: headerOffset, isDirectory: isOldDirectory)
                if isOldDirectory {
                    try skipData(pending.paxSize ?? header.size, name: name, at: headerOffset)
                    pending = Pending()
                    continue
                }
                return try readRegular(name: name, header: header, pending: pending)
            default:
                throw refusal(header, pending, at: headerOffset)
            }
        }
    }

    /// After one zero block: a second zero block, or the end of the file, ends the archive.
    private func readEndOfArchive(firstZeroBlockAt zeroOffset: Int64) throws -> TarMember? {
        let available = try ensureAvailable(512)
        let block = UnsafeRawBufferPointer(rebasing: buffer[bufferStart..<bufferStart + available])
        if isZero(block) {
            try readZeroTail(endBlocksAt: zeroOffset)
            return nil
        }
        if available < 512 {
            throw ShardError(.truncated, path: path, offset: offset,
                             detail: "ends inside a header block (\(available) of 512 bytes) after a zero block")
        }
        throw ShardError(.corrupt, path: path, offset: zeroOffset,
                         detail: "a lone zero block is followed by more headers")
    }

    /// Reads the rest of the file, which may hold nothing but zero bytes (writers pad the archive to their record
    /// size). Members after the end blocks — two archives concatenated, or a member blanked by damage — would be
    /// read by nobody, so the shard is refused instead of losing them silently.
    private func readZeroTail(endBlocksAt zeroOffset: Int64) throws {
        while true {
            let available = try ensureAvailable(buffer.count)
            guard available > 0 else { return }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[bufferStart..<bufferStart + available])
            if let k = chunk.firstIndex(where: { $0 != 0 }) {
                throw ShardError(.corrupt, path: path, offset: offset + Int64(k),
                                 detail: "data after the end-of-archive zero blocks at offset \(zeroOffset) "
                                     + "(concatenated archives or a damaged member): it would never be read")
            }
            consume(available)
        }
    }

    private func readRegular(name: String, header: Header, pending: Pending) throws -> TarMember {
        let headerOffset = pending.firstHeaderOffset ?? offset - 512
        let size = pending.paxSize ?? header.size
        guard size <= Int64(limits.maxMemberBytes) else {
            throw ShardError(.tooLarge, path: path, offset: headerOffset,
                             detail: "member '\(name)' has \(size) bytes, over the cap of \(limits.maxMemberBytes)")
        }
        let dataOffset = offset
        let data = try readData(count: Int(size), what: "the data of member '\(name)'")
        try skipPadding(after: Int64(size), what: "member '\(name)'")
        return TarMember(name: name, size: data.count, typeflag: header.typeflag,
                         headerOffset: headerOffset, dataOffset: dataOffset, data: data)
    }

    /// Reads the data of a pax or GNU long-name header, bounded by `maxPaxHeaderBytes`.
    private func readExtendedData(_ header: Header, what: String, at headerOffset: Int64) throws -> [UInt8] {
        guard header.size <= Int64(limits.maxPaxHeaderBytes) else {
            throw ShardError(.tooLarge, path: path, offset: headerOffset,
                             detail: "\(what) has \(header.size) bytes, over the cap of \(limits.maxPaxHeaderBytes)")
        }
        let data = try readData(count: Int(header.size), what: "a \(what)")
        try skipPadding(after: header.size, what: "a \(what)")
        return data
    }

    /// Parses "LEN key=value\n" records, where LEN counts the whole record in decimal.
    private func parsePax(_ records: [UInt8], at headerOffset: Int64, into pending: inout Pending) throws {
        func malformed(_ why: String, _ at: Int) -> ShardError {
            ShardError(.corrupt, path: path, offset: headerOffset, detail: "malformed pax record at byte \(at): \(why)")
        }
        var i = 0
        while i < records.count {
            var length = 0
            var j = i
            while j < records.count, records[j] >= UInt8(ascii: "0"), records[j] <= UInt8(ascii: "9") {
                length = length * 10 + Int(records[j] - UInt8(ascii: "0"))
                guard length <= records.count else { throw malformed("length overruns the header", i) }
                j += 1
            }
            guard j > i, j < records.count, records[j] == UInt8(ascii: " ") else {
                throw malformed("expected a decimal length and a space", i)
            }
            let end = i + length
            guard end <= records.count, end - 1 > j, records[end - 1] == UInt8(ascii: "\n") else {
                throw malformed("length \(length) does not end at a newline", i)
            }
            let keyValue = records[(j + 1)..<(end - 1)]
            guard let equals = keyValue.firstIndex(of: UInt8(ascii: "=")), equals > keyValue.startIndex else {
                throw malformed("no key=value", i)
            }
            let key = String(decoding: keyValue[..<equals], as: UTF8.self)
            let value = Array(keyValue[(equals + 1)...])
            switch key {
            case "path":
                pending.paxPath = value.isEmpty ? nil : value
            case "size":
                guard !value.isEmpty, value.count <= 18,
                      value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                    throw malformed("size is not a decimal number", i)
                }
                pending.paxSize = Int64(String(decoding: value, as: UTF8.self))
            default:
                if key.hasPrefix("GNU.sparse.") {
                    throw ShardError(.unsupported, path: path, offset: headerOffset,
                                     detail: "GNU sparse file (pax record \(key))")
                }
            }
            i = end
        }
    }

    /// The member's resolved name, refused when it could escape the extraction directory.
    private func resolveName(_ header: Header, _ pending: Pending, at headerOffset: Int64,
                             isDirectory: Bool) throws -> String {
        let raw = pending.paxPath ?? pending.longName ?? header.nameBytes
        let shown = display(raw)
        func unsafe(_ why: String) -> ShardError {
            ShardError(.unsafeMember, path: path, offset: headerOffset, detail: "member '\(shown)': \(why)")
        }
        guard !raw.contains(0) else { throw unsafe("name contains a NUL byte") }
        guard !raw.isEmpty else { throw unsafe("empty name") }
        guard raw.first != UInt8(ascii: "/") else { throw unsafe("absolute path") }
        let components = raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.elementsEqual("..".utf8) }) else {
            throw unsafe("'..' path component")
        }
        var name = raw[...]
        while name.starts(with: "./".utf8) { name = name.dropFirst(2) }
        if isDirectory {
            while name.last == UInt8(ascii: "/") { name = name.dropLast() }
        } else {
            guard !name.isEmpty, !name.elementsEqual(".".utf8) else { throw unsafe("empty name") }
            guard name.last != UInt8(ascii: "/") else { throw unsafe("regular file name ends with '/'") }
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// The error for an entry that is neither a regular file, a directory nor an extended header.
    private func refusal(_ header: Header, _ pending: Pending, at headerOffset: Int64) -> ShardError {
        let raw = pending.paxPath ?? pending.longName ?? header.nameBytes
        let kind: String
        switch header.typeflag {
        case UInt8(ascii: "1"): kind = "hard link"
        case UInt8(ascii: "2"): kind = "symbolic link"
        case UInt8(ascii: "3"): kind = "character device"
        case UInt8(ascii: "4"): kind = "block device"
        case UInt8(ascii: "6"): kind = "FIFO"
        case UInt8(ascii: "S"):
            return ShardError(.unsupported, path: path, offset: headerOffset,
                              detail: "member '\(display(raw))': GNU sparse file (typeflag 'S')")
        default:
            let flag = header.typeflag >= 0x20 && header.typeflag < 0x7F
                ? "'\(Character(Unicode.Scalar(header.typeflag)))'" : "0x\(String(header.typeflag, radix: 16))"
            return ShardError(.unsupported, path: path, offset: headerOffset,
                              detail: "member '\(display(raw))': unknown typeflag \(flag)")
        }
        return ShardError(.unsafeMember, path: path, offset: headerOffset,
                          detail: "member '\(display(raw))': \(kind)")
    }

    /// A name as it appears in an error: lossy UTF-8 with NUL bytes shown as "\0".
    private func display(_ raw: [UInt8]) -> String {
        var out = ""
        for part in raw.split(separator: 0, omittingEmptySubsequences: false) {
            if !out.isEmpty || part.startIndex > 0 { out += "\\0" }
            out += String(decoding: part, as: UTF8.self)
        }
        return out
    }

    // MARK: Buffered input

    /// Fills the buffer until `count` bytes are available or the stream ends.
    /// - Returns: the bytes available, at most `count`; less only at the end of the stream.
    private func ensureAvailable(_ count: Int) throws -> Int {
        while bufferEnd - bufferStart < count, !streamEnded {
            if bufferStart > 0, buffer.count - bufferStart < count {
                let live = bufferEnd - bufferStart
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + bufferStart, byteCount: live)
                bufferStart = 0
                bufferEnd = live
            }
            let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[bufferEnd...]))
            if n == 0 { streamEnded = true } else { bufferEnd += n }
        }
        return min(count, bufferEnd - bufferStart)
    }

    private func consume(_ count: Int) {
        bufferStart += count
        offset += Int64(count)
        if bufferStart == bufferEnd { bufferStart = 0; bufferEnd = 0 }
    }

    /// Reads exactly `count` bytes; large reads bypass the buffer and land in the result directly.
    private func readData(count: Int, what: String) throws -> [UInt8] {
        let start = offset
        return try [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
            let out = UnsafeMutableRawBufferPointer(destination)
            var filled = 0
            while filled < count {
                let buffered = bufferEnd - bufferStart
                if buffered > 0 {
                    let take = min(buffered, count - filled)
                    (out.baseAddress! + filled).copyMemory(from: buffer.baseAddress! + bufferStart, byteCount: take)
                    consume(take)
                    filled += take
                    continue
                }
                if streamEnded { break }
                if count - filled >= buffer.count / 2 {
                    let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: out[filled..<count]))
                    if n == 0 { streamEnded = true } else { filled += n; offset += Int64(n) }
                } else {
                    _ = try ensureAvailable(count - filled)
                }
            }
            initialized = filled
            guard filled == count else {
                throw ShardError(.truncated, path: path, offset: offset,
                                 detail: "ends inside \(what), which starts at offset \(start): "
                                 + "got \(filled) of \(count) bytes")
            }
        }
    }

    /// Discards `count` bytes of data that no caller needs (directory payloads).
    private func skipData(_ count: Int64, name: String, at headerOffset: Int64) throws {
        try skip(count, what: "the data of '\(name)' (header at offset \(headerOffset))")
        try skipPadding(after: count, what: "'\(name)'")
    }

    private func skipPadding(after size: Int64, what: String) throws {
        let padding = (512 - size % 512) % 512
        try skip(padding, what: "the padding after \(what)")
    }

    private func skip(_ count: Int64, what: String) throws {
        var remaining = count
        while remaining > 0 {
            let available = try ensureAvailable(Int(min(remaining, Int64(buffer.count))))
            guard available > 0 else {
                throw ShardError(.truncated, path: path, offset: offset,
                                 detail: "ends inside \(what): \(remaining) of \(count) bytes missing")
            }
            consume(available)
            remaining -= Int64(available)
        }
    }

    private func isZero(_ block: UnsafeRawBufferPointer) -> Bool {
        block.allSatisfy { $0 == 0 }
    }
}

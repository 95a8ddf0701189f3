import Foundation

/// Writes a tar archive of ustar headers, for tests, the synthetic corpus and benchmarks.
///
/// Names and link names over 100 bytes get a pax 'x' record (`path`, `linkpath`) or, with `.gnu`, a GNU
/// ././@LongLink 'L'/'K' record; sizes of 8 GiB and more use GNU base-256. Names are written exactly as given,
/// so tests can build hostile shards (traversal names, links, devices). The counterpart is Python's
/// `tarfile.open(mode="w")` with `format=PAX_FORMAT` or `GNU_FORMAT`.
public final class TarWriter {
    /// How a name longer than the 100-byte ustar field is recorded.
    public enum LongNameStyle: Sendable {
        /// A pax extended header ('x') with a `path` or `linkpath` record (POSIX.1-2001).
        case pax
        /// A GNU ././@LongLink header ('L' for names, 'K' for link names), as `tar --format=gnu` writes.
        case gnu
    }

    public let path: String
    public let longNames: LongNameStyle
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var finished = false

    /// Creates (or truncates) the archive file.
    /// - Parameters:
    ///   - path: where to write.
    ///   - longNames: how names over 100 bytes are recorded.
    /// - Throws: `ShardError.io` when the file cannot be created.
    public init(path: String, longNames: LongNameStyle = .pax) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ShardError(.io, path: path, detail: "cannot create tar file")
        }
        self.path = path
        self.longNames = longNames
        self.handle = handle
        pending.reserveCapacity(1 << 20)
    }

    deinit { try? handle.close() }

    /// Appends a regular file (typeflag '0', mode 0644).
    /// - Throws: `ShardError.io` when writing fails.
    public func add(name: String, data: [UInt8], mtime: Int64 = 0) throws {
        try write(name: name, typeflag: UInt8(ascii: "0"), linkName: "", data: data, mtime: mtime)
    }

    /// Appends an entry of any type, with the name as given; for hostile test shards (symlinks, devices,
    /// traversal names, unknown typeflags).
    /// - Throws: `ShardError.io` when writing fails.
    public func addEntry(name: String, typeflag: UInt8, linkName: String = "", data: [UInt8] = []) throws {
        try write(name: name, typeflag: typeflag, linkName: linkName, data: data, mtime: 0)
    }

    /// Writes the two zero blocks that end an archive and closes the file.
    /// - Throws: `ShardError.io` when writing or closing fails.
    public func finish() throws {
        guard !finished else { return }
        pending.append(contentsOf: repeatElement(0, count: 1024))
        try flush()
        do { try handle.close() } catch {
            throw ShardError(.io, path: path, detail: "close failed: \(error)")
        }
        finished = true
    }

    private func write(name: String, typeflag: UInt8, linkName: String, data: [UInt8], mtime: Int64) throws {
        let nameBytes = Array(name.utf8), linkBytes = Array(linkName.utf8)
        let longName = nameBytes.count > 100, longLink = linkBytes.count > 100
        switch longNames {
        case .pax where longName || longLink:
            var records: [UInt8] = []
            if longName { records += paxRecord(key: "path", value: nameBytes) }
            if longLink { records += paxRecord(key: "linkpath", value: linkBytes) }
            appendEntry(name: Array("././@PaxHeader".utf8), typeflag: UInt8(ascii: "x"), link: [], data: records,
                        mtime: mtime)
        case .gnu:
            if longLink {
                appendEntry(name: Array("././@LongLink".utf8), typeflag: UInt8(ascii: "K"), link: [],
                            data: linkBytes + [0], mtime: 0)
            }
            if longName {
                appendEntry(name: Array("././@LongLink".utf8), typeflag: UInt8(ascii: "L"), link: [],
                            data: nameBytes + [0], mtime: 0)
            }
        default:
            break
        }
        appendHeader(name: Array(nameBytes.prefix(100)), typeflag: typeflag, link: Array(linkBytes.prefix(100)),
                     size: data.count, mtime: mtime)
        // Large payloads go straight to the file rather than through a second copy in `pending`.
        if data.count >= 1 << 16 {
            try flush()
            try writeOut(data)
        } else {
            pending += data
        }
        pending.append(contentsOf: repeatElement(0, count: (512 - data.count % 512) % 512))
        if pending.count >= 1 << 20 { try flush() }
    }

    /// One "LEN key=value\n" record; LEN counts its own digits.
    private func paxRecord(key: String, value: [UInt8]) -> [UInt8] {
        let body = 1 + key.utf8.count + 1 + value.count + 1
        var length = body + 1
        while String(length).utf8.count + body != length { length = String(length).utf8.count + body }
        return Array("\(length) \(key)=".utf8) + value + [UInt8(ascii: "\n")]
    }

    private func appendEntry(name: [UInt8], typeflag: UInt8, link: [UInt8], data: [UInt8], mtime: Int64) {
        appendHeader(name: name, typeflag: typeflag, link: link, size: data.count, mtime: mtime)
        pending += data
        pending.append(contentsOf: repeatElement(0, count: (512 - data.count % 512) % 512))
    }

    private func appendHeader(name: [UInt8], typeflag: UInt8, link: [UInt8], size: Int, mtime: Int64) {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<name.count, with: name)
        let isDirectory = typeflag == UInt8(ascii: "5")
        putOctal(&header, 100, 8, isDirectory ? 0o755 : 0o644)
        putOctal(&header, 108, 8, 0)
        putOctal(&header, 116, 8, 0)
        putNumber(&header, 124, 12, Int64(size))
        putNumber(&header, 136, 12, mtime)
        header[156] = typeflag
        header.replaceSubrange(157..<157 + link.count, with: link)
        let magic: [UInt8] = longNames == .gnu ? Array("ustar  \0".utf8) : Array("ustar\u{0}00".utf8)
        header.replaceSubrange(257..<265, with: magic)
        header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: " "), count: 8))
        let sum = header.reduce(0) { $0 + Int($1) }
        let checksum = Array(String(sum, radix: 8).utf8)
        header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: "0"), count: 6 - checksum.count)
                               + checksum + [0, UInt8(ascii: " ")])
        pending += header
    }

    /// Octal digits, zero-padded, then a NUL, filling `width` bytes.
    private func putOctal(_ header: inout [UInt8], _ at: Int, _ width: Int, _ value: Int64) {
        let digits = Array(String(value, radix: 8).utf8)
        header.replaceSubrange(at..<at + width, with: repeatElement(UInt8(ascii: "0"), count: width - 1 - digits.count)
                               + digits + [0])
    }

    /// Octal when it fits in `width - 1` digits, else GNU base-256 (0x80, then the value big-endian).
    private func putNumber(_ header: inout [UInt8], _ at: Int, _ width: Int, _ value: Int64) {
        if value >= 0, value < Int64(1) << (3 * (width - 1)) {
            putOctal(&header, at, width, value)
            return
        }
        header[at] = value < 0 ? 0xFF : 0x80
        for i in 1..<width {
            let shift = 8 * (width - 1 - i)
            header[at + i] = shift >= 64 ? (value < 0 ? 0xFF : 0) : UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try writeOut(pending)
        pending.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ bytes: [UInt8]) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw ShardError(.io, path: path, detail: "write failed: \(error)")
        }
    }
}

import Foundation

#if _endian(big)
#error("checkpoint tensors are the host's float32 bytes; a big-endian host needs byte swapping in CheckpointFile")
#endif

/// Reads and writes ticd checkpoint files.
///
/// Layout, all integers little-endian:
///
///     0   magic "TICDCKPT"                      8 bytes
///     8   format version (UInt32, currently 1)
///     12  reserved (UInt32, 0)
///     16  file size in bytes (UInt64)
///     24  JSON header length H (UInt64)
///     32  JSON header (H bytes)
///         tensor table: count (UInt32), then per tensor: name length (UInt32), UTF-8 name, rank (UInt32),
///         dimensions (UInt64 each), data offset from the file start (UInt64), element count (UInt64)
///         zero padding; each tensor's float32 data starts at a multiple of 64 bytes
///     S-12 CRC-32 of bytes 0..<S-12 (UInt32)
///     S-8  file size again (UInt64)
///
/// The magic, version, size fields and the trailer keep their places in every format version, so any
/// ticd can tell damage (size, checksum) from a newer format (version) before reading anything else.
public enum CheckpointFile {
    /// The format version this ticd writes and reads.
    public static let version: UInt32 = 1
    static let magic: [UInt8] = Array("TICDCKPT".utf8)
    static let preludeSize = 32
    static let trailerSize = 12
    static let alignment = 64

    /// Writes a checkpoint durably: to `path.tmp`, fsync, rename over `path`, fsync the directory. A crash at
    /// any point leaves either the old file or the new one under `path`, never a partial one.
    /// - Parameters:
    ///   - path: the final file name.
    ///   - header: JSON (config, tokenizer, step, slice, plan cursor, RNG, schedule) — any Codable encoded.
    ///   - tensors: named float32 tensors; names must be unique and shapes must match the value counts.
    /// - Throws: `CheckpointError.io` naming the failed system call, `.tensorShapeMismatch` or `.malformed`
    ///   for inconsistent tensors (nothing is written then).
    public static func write(to path: String, header: Data, tensors: [CheckpointTensor]) throws {
        try write(to: path, header: header, tensors: tensors, fileSystem: PosixFileSystem())
    }

    /// Writes a checkpoint from tensors viewed in place, without copying them; otherwise the same as
    /// `write(to:header:tensors:)` with `CheckpointTensor`s (the bytes on disk are identical).
    public static func write(to path: String, header: Data, tensors: [CheckpointTensorView]) throws {
        try write(to: path, header: header, tensors: tensors, fileSystem: PosixFileSystem())
    }

    static func write(to path: String, header: Data, tensors: [CheckpointTensor], fileSystem: some FileSystem) throws {
        let entries = tensors.map { Entry(name: $0.name, shape: $0.shape, count: $0.values.count) }
        try write(to: path, header: header, entries: entries, fileSystem: fileSystem) { index, emit in
            try tensors[index].values.withUnsafeBytes { try emit($0) }
        }
    }

    static func write(to path: String, header: Data, tensors: [CheckpointTensorView],
                      fileSystem: some FileSystem) throws {
        let entries = tensors.map { Entry(name: $0.name, shape: $0.shape, count: $0.values.count) }
        try write(to: path, header: header, entries: entries, fileSystem: fileSystem) { index, emit in
            try emit(UnsafeRawBufferPointer(tensors[index].values))
        }
    }

    /// Reads a checkpoint after checking magic, size, checksum and version, in that order; nothing is returned
    /// from a file that fails any check.
    /// - Returns: the JSON header as written and the tensors by name.
    /// - Throws: `CheckpointError` — `.notACheckpoint`, `.truncated`, `.checksumMismatch`, `.unknownVersion`,
    ///   `.malformed`, or `.io`.
    public static func read(from path: String) throws -> (header: Data, tensors: [String: CheckpointTensor]) {
        let bytes = try PosixFileSystem().readAll(path)
        return try bytes.withUnsafeBytes { raw in
            try verify(raw, path: path)
            return try parse(raw, path: path)
        }
    }

    /// Checks that a checkpoint's config equals the run's config.
    /// - Throws: `CheckpointError.configMismatch` naming every differing key as a dotted path
    ///   (e.g. "model.width", "layers[2]").
    public static func requireMatchingConfig<C: Codable & Equatable>(_ expected: C, found: C, path: String) throws {
        guard expected != found else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var keys: [String] = []
        if let a = try? JSONSerialization.jsonObject(with: encoder.encode(expected), options: [.fragmentsAllowed]),
           let b = try? JSONSerialization.jsonObject(with: encoder.encode(found), options: [.fragmentsAllowed]) {
            differingKeys(a, b, path: "", into: &keys)
        }
        throw CheckpointError.configMismatch(path: path, keys: keys.isEmpty ? ["(whole config)"] : keys)
    }

    // MARK: - Writing

    private struct Entry {
        var name: String
        var shape: [Int]
        var count: Int
    }

    private static func alignUp(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }

    private static func write(to path: String, header: Data, entries: [Entry], fileSystem: some FileSystem,
                              tensorBytes: (Int, (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        var names = Set<String>()
        for entry in entries {
            guard names.insert(entry.name).inserted else {
                throw CheckpointError.malformed(path: path, offset: 0, reason: "duplicate tensor name \(entry.name)")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }), entry.shape.reduce(1, *) == entry.count else {
                throw CheckpointError.tensorShapeMismatch(name: entry.name, expected: entry.shape, found: [entry.count])
            }
        }
        var table = LittleEndianBytes()
        table.append(UInt32(entries.count))
        let tableSize = 4 + entries.reduce(0) { $0 + 4 + $1.name.utf8.count + 4 + 8 * $1.shape.count + 16 }
        var offsets: [Int] = []
        var dataEnd = preludeSize + header.count + tableSize
        for entry in entries {
            let offset = alignUp(dataEnd)
            offsets.append(offset)
            dataEnd = offset + entry.count * MemoryLayout<Float>.size
            table.append(UInt32(entry.name.utf8.count))
            table.bytes.append(contentsOf: entry.name.utf8)
            table.append(UInt32(entry.shape.count))
            for dimension in entry.shape { table.append(UInt64(dimension)) }
            table.append(UInt64(offset))
            table.append(UInt64(entry.count))
        }
        let fileSize = dataEnd + trailerSize

        var prelude = LittleEndianBytes()
        prelude.bytes.append(contentsOf: magic)
        prelude.append(version)
        prelude.append(UInt32(0))
        prelude.append(UInt64(fileSize))
        prelude.append(UInt64(header.count))

        let tmp = path + ".tmp"
        let fd = try fileSystem.create(tmp)
        var open = true
        do {
            var out = ChecksummingWriter(fd: fd, path: tmp, fileSystem: fileSystem)
            try out.write(prelude.bytes)
            try header.withUnsafeBytes { try out.write($0) }
            try out.write(table.bytes)
            for index in entries.indices {
                try out.pad(to: offsets[index])
                try tensorBytes(index) { try out.write($0) }
            }
            var trailer = LittleEndianBytes()
            trailer.append(out.crc.value)
            trailer.append(UInt64(fileSize))
            try out.write(trailer.bytes, updatingChecksum: false)
            try out.flush()
            guard out.written == fileSize else {
                throw CheckpointError.malformed(path: tmp, offset: out.written,
                                                reason: "wrote \(out.written) bytes, planned \(fileSize)")
            }
            try fileSystem.sync(fd, path: tmp)
            open = false
            try fileSystem.close(fd, path: tmp)
            try fileSystem.rename(tmp, to: path)
        } catch {
            if open { try? fileSystem.close(fd, path: tmp) }
            fileSystem.remove(tmp)
            throw error
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        try fileSystem.syncDirectory(directory.isEmpty ? "/" : directory)
    }

    /// Integers appended little-endian to a byte array.
    private struct LittleEndianBytes {
        var bytes: [UInt8] = []
        mutating func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Buffers small writes, passes large ones straight to write(2), and checksums everything it writes.
    private struct ChecksummingWriter<F: FileSystem> {
        let fd: Int32
        let path: String
        let fileSystem: F
        var crc = CRC32()
        var written = 0
        var buffer: [UInt8] = []

        init(fd: Int32, path: String, fileSystem: F) {
            self.fd = fd
            self.path = path
            self.fileSystem = fileSystem
            buffer.reserveCapacity(1 << 16)
        }

        mutating func write(_ bytes: [UInt8], updatingChecksum: Bool = true) throws {
            try bytes.withUnsafeBytes { try write($0, updatingChecksum: updatingChecksum) }
        }

        mutating func write(_ bytes: UnsafeRawBufferPointer, updatingChecksum: Bool = true) throws {
            if updatingChecksum { crc.update(bytes) }
            written += bytes.count
            if bytes.count >= 1 << 16 {
                try flush()
                try writeAll(bytes)
            } else {
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 16 { try flush() }
            }
        }

        mutating func pad(to offset: Int) throws {
            if offset > written { try write([UInt8](repeating: 0, count: offset - written)) }
        }

        mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Repeats short writes until every byte is out; a write that makes no progress is an error.
        private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = try fileSystem.write(fd, UnsafeRawBufferPointer(rebasing: bytes[done...]), path: path)
                guard n > 0 else {
                    throw CheckpointError.io(path: path, operation: "write (no progress)", errno: EIO)
                }
                done += n
            }
        }
    }

    // MARK: - Reading

    private static func verify(_ raw: UnsafeRawBufferPointer, path: String) throws {
        let count = raw.count
        let magicBytes = min(count, magic.count)
        guard magic[0..<magicBytes].elementsEqual(raw[0..<magicBytes]) else {
            throw CheckpointError.notACheckpoint(path: path)
        }
        let minimum = preludeSize + trailerSize
        guard count >= 24 else {
            throw CheckpointError.truncated(path: path, expectedBytes: minimum, actualBytes: count)
        }
        let recorded = Int(clamping: load(UInt64.self, raw, at: 16))
        let trailerSizeField = count >= minimum ? Int(clamping: load(UInt64.self, raw, at: count - 8)) : -1
        // A file whose trailer still states its length is whole, so a wrong front size field is damage
        // (reported by the checksum below), not truncation.
        if recorded != count && trailerSizeField != count {
            throw CheckpointError.truncated(path: path, expectedBytes: max(recorded, minimum), actualBytes: count)
        }
        guard count >= minimum else {
            throw CheckpointError.truncated(path: path, expectedBytes: minimum, actualBytes: count)
        }
        let stored = load(UInt32.self, raw, at: count - trailerSize)
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(count - trailerSize)]))
        guard stored == computed, recorded == count, trailerSizeField == count else {
            throw CheckpointError.checksumMismatch(path: path, stored: stored, computed: computed)
        }
        let found = load(UInt32.self, raw, at: 8)
        guard found == version else {
            throw CheckpointError.unknownVersion(path: path, found: found, supported: version)
        }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, path: String) throws
        -> (header: Data, tensors: [String: CheckpointTensor]) {
        let end = raw.count - trailerSize
        var cursor = 24
        func take(_ bytes: Int, _ what: String) throws -> Int {
            guard bytes >= 0, bytes <= end - cursor else {
                throw CheckpointError.malformed(path: path, offset: cursor, reason: "\(what) runs past the data")
            }
            defer { cursor += bytes }
            return cursor
        }
        let headerLength = Int(clamping: load(UInt64.self, raw, at: try take(8, "header length")))
        let header = Data(raw[try take(headerLength, "JSON header")..<cursor])
        let tensorCount = Int(load(UInt32.self, raw, at: try take(4, "tensor count")))
        var tensors: [String: CheckpointTensor] = [:]
        for _ in 0..<tensorCount {
            let nameLength = Int(load(UInt32.self, raw, at: try take(4, "name length")))
            let nameStart = try take(nameLength, "tensor name")
            let name = String(decoding: raw[nameStart..<cursor], as: UTF8.self)
            let rank = Int(load(UInt32.self, raw, at: try take(4, "rank")))
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(clamping: load(UInt64.self, raw, at: try take(8, "dimension")))) }
            let offset = Int(clamping: load(UInt64.self, raw, at: try take(8, "data offset")))
            let elements = Int(clamping: load(UInt64.self, raw, at: try take(8, "element count")))
            let product = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard shape.allSatisfy({ $0 >= 0 }), product == elements, offset % alignment == 0,
                  offset >= cursor, offset <= end, elements <= (end - offset) / 4 else {
                throw CheckpointError.malformed(path: path, offset: cursor,
                                                reason: "tensor \(name): bad shape, offset or count")
            }
            guard tensors[name] == nil else {
                throw CheckpointError.malformed(path: path, offset: nameStart, reason: "duplicate tensor name \(name)")
            }
            let values = [Float](unsafeUninitializedCapacity: elements) { buffer, initialized in
                if elements > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!)
                        .copyMemory(from: raw.baseAddress! + offset, byteCount: elements * 4)
                }
                initialized = elements
            }
            tensors[name] = CheckpointTensor(name: name, shape: shape, values: values)
        }
        return (header, tensors)
    }

    @inline(__always)
    private static func load<T: FixedWidthInteger>(_ type: T.Type, _ raw: UnsafeRawBufferPointer, at offset: Int) -> T {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Collects dotted paths where two decoded JSON values differ.
    private static func differingKeys(_ a: Any, _ b: Any, path: String, into keys: inout [String]) {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            for key in Set(x.keys).union(y.keys).sorted() {
                let child = path.isEmpty ? key : path + "." + key
                guard let u = x[key], let v = y[key] else { keys.append(child); continue }
                differingKeys(u, v, path: child, into: &keys)
            }
        } else if let x = a as? [Any], let y = b as? [Any], x.count == y.count {
            for index in x.indices { differingKeys(x[index], y[index], path: "\(path)[\(index)]", into: &keys) }
        } else if canonicalJSON(a) != canonicalJSON(b) {
            keys.append(path.isEmpty ? "(whole config)" : path)
        }
    }

    private static func canonicalJSON(_ value: Any) -> Data? {
        try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
    }
}

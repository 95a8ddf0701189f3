import Foundation
import Timeline
import XCTest

/// A ByteStream over a byte array that hands out at most `chunk` bytes per read, to exercise refills.
final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private let chunk: Int
    private var position = 0

    init(_ bytes: [UInt8], chunk: Int = .max) {
        self.bytes = bytes
        self.chunk = chunk
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, chunk, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}

/// A ByteStream over a file, for tests until the module's FileStream is available here.
final class TestFileStream: ByteStream {
    private let handle: FileHandle
    private let path: String

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ShardError(.io, path: path, detail: "cannot open")
        }
        self.handle = handle
        self.path = path
    }

    deinit { try? handle.close() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let data: Data?
        do { data = try handle.read(upToCount: buffer.count) } catch {
            throw ShardError(.io, path: path, detail: "read failed: \(error)")
        }
        guard let data, !data.isEmpty else { return 0 }
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), count: data.count)
        return data.count
    }
}

/// Temporary files for one test, removed when it ends.
final class TarScratch {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "tartest-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func file(_ name: String) -> String { directory + "/" + name }

    /// Writes a tar with `build` and returns its bytes.
    func tar(longNames: TarWriter.LongNameStyle = .pax, _ build: (TarWriter) throws -> Void) throws -> [UInt8] {
        let path = file(UUID().uuidString + ".tar")
        let writer = try TarWriter(path: path, longNames: longNames)
        try build(writer)
        try writer.finish()
        return try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Every member of an archive, or the error that stopped reading.
func tarMembers(_ bytes: [UInt8], limits: TarLimits = TarLimits(), chunk: Int = .max) throws -> [TarMember] {
    let reader = TarReader(MemoryStream(bytes, chunk: chunk), path: "test.tar", limits: limits)
    var members: [TarMember] = []
    while let member = try reader.next() { members.append(member) }
    return members
}

/// Asserts that reading throws a ShardError of `kind` and returns it.
@discardableResult
func assertTarError(_ kind: ShardError.Kind, file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Void) -> ShardError? {
    do {
        try body()
        XCTFail("expected ShardError .\(kind.rawValue), got success", file: file, line: line)
    } catch let error as ShardError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected ShardError .\(kind.rawValue), got \(error)", file: file, line: line)
    }
    return nil
}

/// Deterministic bytes for member contents.
func tarTestBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// Rewrites the header block at `offset` with `edit`, then recomputes its checksum.
func patchTarHeader(_ bytes: inout [UInt8], at offset: Int, _ edit: (inout [UInt8]) -> Void) {
    var header = Array(bytes[offset..<offset + 512])
    edit(&header)
    header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: " "), count: 8))
    let sum = header.reduce(0) { $0 + Int($1) }
    let digits = Array(String(sum, radix: 8).utf8)
    header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: "0"), count: 6 - digits.count) + digits
                           + [0, UInt8(ascii: " ")])
    bytes.replaceSubrange(offset..<offset + 512, with: header)
}

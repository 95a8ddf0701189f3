import Foundation
import XCTest
import Timeline

/// Helpers for the byte-stream, compression, hashing and line-reader tests.
enum StreamsTestSupport {
    /// A fresh directory under the system temporary directory, removed when the test ends.
    static func temporaryDirectory(for test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "ticd-streams-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Deterministic pseudo-random bytes (SplitMix64), so a failure reproduces.
    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// Compressible text shaped like DCLM's JSON lines.
    static func jsonLines(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        let words = ["time", "model", "river", "the", "data", "of", "and", "month", "slice", "replay", "a", "clip"]
        var text = ""
        for i in 0..<count {
            let length = Int(generator.next() % 40) + 5
            let body = (0..<length).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
            text += "{\"id\":\(i),\"text\":\"\(body)\",\"url\":\"https://example.org/\(generator.next() % 100000)\"}\n"
        }
        return Array(text.utf8)
    }

    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Reads `stream` to its end in reads of `readBytes`.
    static func drain(_ stream: ByteStream, readBytes: Int = 64 << 10) throws -> [UInt8] {
        var result = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: readBytes)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { return result }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// The `ShardError` that `body` throws, failing the test when it throws nothing or something else.
    static func shardError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ShardError? {
        do {
            try body()
            XCTFail("expected a ShardError, got success", file: file, line: line)
        } catch let error as ShardError {
            return error
        } catch {
            XCTFail("expected a ShardError, got \(error)", file: file, line: line)
        }
        return nil
    }

    struct SplitMix64 {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// An in-memory stream that hands out its bytes in reads of the sizes `readSizes` yields, so tests can
    /// force every chunk boundary.
    final class MemoryStream: ByteStream {
        private let bytes: [UInt8]
        private var position = 0
        private var readSizes: () -> Int

        init(_ bytes: [UInt8], readSizes: @escaping () -> Int = { Int.max }) {
            self.bytes = bytes
            self.readSizes = readSizes
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = min(buffer.count, bytes.count - position, max(1, readSizes()))
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
            position += n
            return n
        }
    }

    /// A stream of `count` copies of `byte` followed by `tail`, made on the fly so a huge line costs no memory.
    final class RepeatedByteStream: ByteStream {
        private var remaining: Int
        private let byte: UInt8
        private let tail: MemoryStream

        init(byte: UInt8, count: Int, then tail: [UInt8]) {
            self.byte = byte; self.remaining = count; self.tail = MemoryStream(tail)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            guard remaining > 0 else { return try tail.read(into: buffer) }
            let n = min(buffer.count, remaining)
            memset(buffer.baseAddress!, Int32(byte), n)
            remaining -= n
            return n
        }
    }
}

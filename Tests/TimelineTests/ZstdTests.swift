import XCTest
@testable import Timeline

final class ZstdTests: XCTestCase {
    private typealias Support = StreamsTestSupport

    private func compress(_ bytes: [UInt8], in directory: String, name: String = "shard.jsonl.zst",
                          frameBytes: Int? = nil) throws -> String {
        let path = directory + "/" + name
        let writer = try ZstdWriter(path: path, frameBytes: frameBytes)
        try writer.write(bytes)
        try writer.finish()
        return path
    }

    private func decompress(_ compressed: [UInt8], readBytes: Int = 64 << 10) throws -> [UInt8] {
        try Support.drain(ZstdDecompressStream(Support.MemoryStream(compressed), path: "mem.zst"), readBytes: readBytes)
    }

    func testRoundTripThroughFileGivesTheOriginalBytes() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let original = Support.jsonLines(count: 5000, seed: 1)
        let path = try compress(original, in: directory)
        let file = try FileStream(path: path)
        XCTAssertEqual(try Support.drain(ZstdDecompressStream(file, path: path)), original)
        XCTAssertLessThan(file.size, Int64(original.count / 3))
    }

    func testTinyReadBuffersStillGiveTheOriginalBytes() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let original = Support.jsonLines(count: 300, seed: 2)
        let compressed = try Support.readFile(try compress(original, in: directory))
        XCTAssertEqual(try decompress(compressed, readBytes: 7), original)
    }

    func testMultiFrameFileDecodesEveryFrame() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let original = Support.jsonLines(count: 3000, seed: 3)
        let compressed = try Support.readFile(try compress(original, in: directory, frameBytes: 10_000))
        let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        let frames = (0...(compressed.count - 4)).filter { Array(compressed[$0..<$0 + 4]) == magic }.count
        XCTAssertGreaterThanOrEqual(frames, original.count / 10_000)
        XCTAssertEqual(try decompress(compressed), original)
    }

    func testConcatenatedFilesDecodeAsOneStream() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let a = Support.jsonLines(count: 100, seed: 4), b = Support.jsonLines(count: 100, seed: 5)
        let joined = try Support.readFile(try compress(a, in: directory, name: "a.zst"))
            + Support.readFile(try compress(b, in: directory, name: "b.zst"))
        XCTAssertEqual(try decompress(joined), a + b)
    }

    func testTruncatedInputThrowsTruncatedWithCompressedOffset() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let compressed = try Support.readFile(try compress(Support.jsonLines(count: 2000, seed: 6), in: directory))
        for cut in [1, 3, 4, 6, 12, compressed.count / 3, compressed.count / 2, compressed.count - 4, compressed.count - 1] {
            let error = Support.shardError { _ = try decompress(Array(compressed[0..<cut])) }
            XCTAssertEqual(error?.kind, .truncated, "cut at \(cut): \(String(describing: error))")
            XCTAssertEqual(error?.offset, Int64(cut), "cut at \(cut)")
            XCTAssertEqual(error?.path, "mem.zst")
        }
    }

    func testFlippedBytesNeverCrashOrYieldWrongData() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let original = Support.jsonLines(count: 400, seed: 7)
        let compressed = try Support.readFile(try compress(original, in: directory, frameBytes: 8000))
        var generator = Support.SplitMix64(seed: 8)
        var failures = 0
        for trial in 0..<200 {
            var damaged = compressed
            let position = Int(generator.next() % UInt64(damaged.count))
            damaged[position] ^= UInt8(truncatingIfNeeded: generator.next() % 255 + 1)
            do {
                let output = try decompress(damaged)
                XCTAssertEqual(output, original, "trial \(trial) flipped \(position) silently")
            } catch let error as ShardError {
                XCTAssert([.corrupt, .truncated].contains(error.kind), "trial \(trial): \(error)")
                XCTAssertLessThanOrEqual(error.offset ?? -1, Int64(damaged.count))
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 180)
    }

    func testBinaryGarbageThrowsCorruptWithZstdReason() {
        let error = Support.shardError { _ = try decompress(Support.randomBytes(count: 4096, seed: 9)) }
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssertTrue(error?.detail.hasPrefix("zstd: ") ?? false, String(describing: error))
        XCTAssertNotNil(error?.offset)
    }

    func testErrorIsThrownAgainOnTheNextRead() throws {
        let stream = ZstdDecompressStream(Support.MemoryStream(Support.randomBytes(count: 100, seed: 10)), path: "g")
        var buffer = [UInt8](repeating: 0, count: 16)
        let first = Support.shardError { _ = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) } }
        let second = Support.shardError { _ = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) } }
        XCTAssertEqual(first, second)
    }

    func testZeroByteFileGivesZeroBytes() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let path = directory + "/empty.zst"
        try Support.writeFile([], to: path)
        XCTAssertEqual(try Support.drain(ZstdDecompressStream(try FileStream(path: path), path: path)), [])
    }

    func testWriterWithNoInputWritesOneEmptyFrame() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let compressed = try Support.readFile(try compress([], in: directory))
        XCTAssertGreaterThan(compressed.count, 0)
        XCTAssertEqual(try decompress(compressed), [])
    }
}

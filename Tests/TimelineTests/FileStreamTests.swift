import XCTest
@testable import Timeline

final class FileStreamTests: XCTestCase {
    private typealias Support = StreamsTestSupport

    func testReadsTheWholeFileAndCountsBytes() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let content = Support.randomBytes(count: 300_001, seed: 1)
        try Support.writeFile(content, to: directory + "/a.bin")
        let stream = try FileStream(path: directory + "/a.bin")
        XCTAssertEqual(stream.size, 300_001)
        XCTAssertEqual(try Support.drain(stream, readBytes: 4096), content)
        XCTAssertEqual(stream.bytesRead, 300_001)
    }

    func testHashingStreamGivesSHA256OfBytesReadSoFar() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let content = Support.randomBytes(count: 100_000, seed: 2)
        try Support.writeFile(content, to: directory + "/a.bin")
        let stream = try FileStream(path: directory + "/a.bin", hashing: true)
        var buffer = [UInt8](repeating: 0, count: 1000)
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }, 1000)
        XCTAssertEqual(stream.sha256Hex(), SHA256.hexDigest(of: Array(content[0..<1000])))
        _ = try Support.drain(stream)
        XCTAssertEqual(stream.sha256Hex(), SHA256.hexDigest(of: content))
    }

    func testStreamWithoutHashingHasNoDigest() throws {
        let directory = try Support.temporaryDirectory(for: self)
        try Support.writeFile([1, 2, 3], to: directory + "/a.bin")
        XCTAssertNil(try FileStream(path: directory + "/a.bin").sha256Hex())
    }

    func testMissingFileThrowsIOErrorWithErrnoText() {
        let error = Support.shardError { _ = try FileStream(path: "/nonexistent/ticd/shard.tar") }
        XCTAssertEqual(error?.kind, .io)
        XCTAssertEqual(error?.path, "/nonexistent/ticd/shard.tar")
        XCTAssertEqual(error?.detail, "open failed: No such file or directory")
    }

    func testReadingADirectoryThrowsIOError() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let stream = try FileStream(path: directory)
        let error = Support.shardError { _ = try Support.drain(stream) }
        XCTAssertEqual(error?.kind, .io)
        XCTAssertEqual(error?.detail, "read failed: Is a directory")
    }
}

final class ReadAheadStreamTests: XCTestCase {
    private typealias Support = StreamsTestSupport

    func testReadsTheWholeFileInOrderWithItsDigest() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let content = Support.randomBytes(count: 50_001, seed: 3)
        try Support.writeFile(content, to: directory + "/a.bin")
        let stream = ReadAheadStream(try FileStream(path: directory + "/a.bin", hashing: true), chunks: 3, chunkBytes: 4096)
        XCTAssertEqual(try Support.drain(stream, readBytes: 1000), content)
        XCTAssertEqual(stream.sha256Hex(), SHA256.hexDigest(of: content))
    }

    /// A consumer that stops partway (the training loader abandoning a shard on a pause) must be able to drop the
    /// stream: libdispatch traps when a semaphore is freed below the value it was created with.
    func testAStreamDroppedPartwayThroughReleasesCleanly() throws {
        let directory = try Support.temporaryDirectory(for: self)
        try Support.writeFile(Support.randomBytes(count: 100_000, seed: 4), to: directory + "/a.bin")
        for readFirst in [0, 10, 5000] {
            var stream: ReadAheadStream? = ReadAheadStream(try FileStream(path: directory + "/a.bin"), chunks: 4,
                                                           chunkBytes: 4096)
            var buffer = [UInt8](repeating: 0, count: readFirst)
            if readFirst > 0 { _ = try buffer.withUnsafeMutableBytes { try stream!.read(into: $0) } }
            usleep(20_000)
            stream = nil
            XCTAssertNil(stream)
        }
    }
}

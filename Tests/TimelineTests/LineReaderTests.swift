import XCTest
@testable import Timeline

final class LineReaderTests: XCTestCase {
    private typealias Support = StreamsTestSupport

    /// Every line as (number, text), with `.tooLong` written as "<too long: N>".
    private func lines(_ reader: LineReader) throws -> [(Int, String)] {
        var result: [(Int, String)] = []
        while let line = try reader.next() {
            switch line {
            case let .record(bytes, number): result.append((number, String(decoding: bytes, as: UTF8.self)))
            case let .tooLong(number, bytes): result.append((number, "<too long: \(bytes)>"))
            }
        }
        return result
    }

    private func lines(of text: String, maxLineBytes: Int = 8 << 20, chunkBytes: Int = 1 << 20,
                       readSizes: @escaping () -> Int = { Int.max }) throws -> [(Int, String)] {
        let stream = Support.MemoryStream(Array(text.utf8), readSizes: readSizes)
        return try lines(LineReader(stream, path: "t.jsonl", maxLineBytes: maxLineBytes, chunkBytes: chunkBytes))
    }

    private func assertLines(_ actual: [(Int, String)], _ expected: [(Int, String)],
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.0), expected.map(\.0), "numbers", file: file, line: line)
        XCTAssertEqual(actual.map(\.1), expected.map(\.1), "texts", file: file, line: line)
    }

    func testCRLFLineEndingsAreStripped() throws {
        assertLines(try lines(of: "a\r\nbb\r\n"), [(1, "a"), (2, "bb")])
    }

    func testOnlyOneTrailingCarriageReturnIsStripped() throws {
        assertLines(try lines(of: "a\r\r\nb\rc\n"), [(1, "a\r"), (2, "b\rc")])
    }

    func testFinalLineWithoutNewlineCounts() throws {
        assertLines(try lines(of: "a\nlast"), [(1, "a"), (2, "last")])
    }

    func testBlankAndWhitespaceLinesAreSkippedButNumbered() throws {
        assertLines(try lines(of: "\n  \t\r\na\n\r\n \nb\n\n"), [(3, "a"), (6, "b")])
    }

    func testEmptyStreamHasNoLines() throws {
        assertLines(try lines(of: ""), [])
    }

    func testLineExactlyAtTheCapIsARecord() throws {
        let atCap = String(repeating: "x", count: 64)
        assertLines(try lines(of: atCap + "\n" + atCap, maxLineBytes: 64, chunkBytes: 10),
                    [(1, atCap), (2, atCap)])
    }

    func testLineOneOverTheCapIsTooLong() throws {
        let over = String(repeating: "x", count: 65)
        assertLines(try lines(of: over + "\nok\n" + over, maxLineBytes: 64, chunkBytes: 10),
                    [(1, "<too long: 65>"), (2, "ok"), (3, "<too long: 65>")])
        assertLines(try lines(of: over + "\nok\n", maxLineBytes: 64, chunkBytes: 1000),
                    [(1, "<too long: 65>"), (2, "ok")])
    }

    func testHugeLineIsSkippedWithBoundedMemoryAndTheNextLineIsRead() throws {
        let huge = 64 << 20, cap = 8 << 20, chunk = 1 << 20
        let stream = Support.RepeatedByteStream(byte: 0x61, count: huge, then: Array("\n{\"text\":\"next\"}\n".utf8))
        let reader = LineReader(stream, path: "huge.jsonl", maxLineBytes: cap, chunkBytes: chunk)
        guard case let .tooLong(number, bytes)? = try reader.next() else { return XCTFail("expected .tooLong") }
        XCTAssertEqual(number, 1)
        XCTAssertEqual(bytes, huge)
        XCTAssertLessThanOrEqual(reader.bufferCapacity, cap + chunk)
        guard case let .record(next, number: 2)? = try reader.next() else { return XCTFail("expected line 2") }
        XCTAssertEqual(String(decoding: next, as: UTF8.self), "{\"text\":\"next\"}")
        XCTAssertNil(try reader.next())
        XCTAssertLessThanOrEqual(reader.bufferCapacity, cap + chunk)
    }

    func testLinesStraddlingTinyChunksAreWhole() throws {
        let text = "first line\n{\"text\":\"second\"}\r\n\nthird"
        for chunk in 1...8 {
            assertLines(try lines(of: text, chunkBytes: chunk),
                        [(1, "first line"), (2, "{\"text\":\"second\"}"), (4, "third")])
        }
    }

    func testRandomChunkAndReadSizesGiveIdenticalLines() throws {
        let text = String(decoding: Support.jsonLines(count: 500, seed: 3), as: UTF8.self)
            + "\n\r\n  \nshort\r\n" + String(repeating: "z", count: 900) + "\nend"
        let reference = try lines(of: text, maxLineBytes: 800)
        XCTAssertEqual(reference.count, 500 + 3)
        var generator = Support.SplitMix64(seed: 4)
        for _ in 0..<30 {
            let chunk = Int(generator.next() % 300) + 1
            var readGenerator = Support.SplitMix64(seed: generator.next())
            assertLines(try lines(of: text, maxLineBytes: 800, chunkBytes: chunk,
                                  readSizes: { Int(readGenerator.next() % 50) + 1 }), reference)
        }
    }

    func testStreamErrorGainsTheLineNumberReached() throws {
        let compressed = Support.randomBytes(count: 64, seed: 5)
        let reader = LineReader(ZstdDecompressStream(Support.MemoryStream(compressed), path: "bad.zst"), path: "bad.zst")
        let error = Support.shardError { _ = try reader.next() }
        XCTAssertEqual(error?.line, 1)
    }

    func testLinesOfAGzipStreamAreReadInOrder() throws {
        let directory = try Support.temporaryDirectory(for: self)
        let original = Support.jsonLines(count: 2000, seed: 6)
        let writer = try GzipWriter(path: directory + "/a.jsonl.gz", frameBytes: 50_000)
        try writer.write(original)
        try writer.finish()
        let file = try FileStream(path: directory + "/a.jsonl.gz")
        let reader = LineReader(GzipDecompressStream(file, path: file.path), path: file.path, chunkBytes: 4096)
        let expected = String(decoding: original, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(try lines(reader).map(\.1), expected)
    }
}

import XCTest
@testable import Models

final class CheckpointFileTests: XCTestCase {
    private struct ModelConfig: Codable, Equatable {
        var width: Int
        var layers: Int
        var text: TextConfig
    }

    private struct TextConfig: Codable, Equatable {
        var context: Int
        var vocabulary: Int
    }

    private struct Header: Codable, Equatable {
        var config: ModelConfig
        var step: Int
        var optimizerStep: Int
        var rng: SplitMix64RNG
        var schedule: LRScheduleKind
    }

    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "ckpt-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func put(_ data: Data, _ file: String) throws {
        try data.write(to: URL(fileURLWithPath: file))
    }

    private func smallCheckpoint(at file: String) throws {
        let header = try JSONEncoder().encode(["step": 3])
        try CheckpointFile.write(to: file, header: header, tensors: [
            CheckpointTensor(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            CheckpointTensor(name: "logit_scale", shape: [], values: [2.6592]),
        ])
    }

    private func assertReadFails(_ file: String, _ check: (CheckpointError) -> Bool, _ message: String,
                                 line: UInt = #line) {
        do {
            _ = try CheckpointFile.read(from: file)
            XCTFail("read succeeded: \(message)", line: line)
        } catch let error as CheckpointError {
            XCTAssertTrue(check(error), "\(message): got \(error)", line: line)
        } catch {
            XCTFail("unexpected error \(error)", line: line)
        }
    }

    func testRoundTripIsBitExactIncludingOptimizerAndRNGState() throws {
        var rng = SplitMix64RNG(seed: 42)
        let count = 5000
        var parameters = (0..<count).map { _ in rng.normal() }
        parameters[0] = -0.0
        parameters[1] = .nan
        parameters[2] = Float(bitPattern: 0x7FC0_1234)
        parameters[3] = .infinity
        parameters[4] = .leastNonzeroMagnitude
        let optimizer = AdamW(parameterCount: count, config: .clip)
        let gradients = (0..<count).map { _ in rng.normal() }
        parameters.withUnsafeMutableBufferPointer {
            optimizer.step(parameters: $0.baseAddress!, gradients: gradients, decayMask: [10..<count], lr: 1e-3)
        }
        let header = Header(config: ModelConfig(width: 128, layers: 4, text: TextConfig(context: 32, vocabulary: 4096)),
                            step: 17, optimizerStep: optimizer.t, rng: rng, schedule: .arCosine)
        let file = path("step_0017.ckpt")
        try parameters.withUnsafeBufferPointer { values in
            try CheckpointFile.write(to: file, header: try JSONEncoder().encode(header),
                                     tensors: [CheckpointTensorView(name: "params", shape: [50, 100], values: values)]
                                        + optimizer.stateTensors())
        }

        let loaded = try CheckpointFile.read(from: file)
        let loadedHeader = try JSONDecoder().decode(Header.self, from: loaded.header)
        XCTAssertEqual(loadedHeader, header)
        XCTAssertEqual(loaded.tensors["params"]?.shape, [50, 100])
        XCTAssertEqual(loaded.tensors["params"]?.values.map(\.bitPattern), parameters.map(\.bitPattern))
        let restored = AdamW(parameterCount: count, config: .clip)
        try restored.restore(t: loadedHeader.optimizerStep, tensors: loaded.tensors)
        XCTAssertEqual(restored.t, 1)
        XCTAssertEqual(Array(restored.m).map(\.bitPattern), Array(optimizer.m).map(\.bitPattern))
        XCTAssertEqual(Array(restored.v).map(\.bitPattern), Array(optimizer.v).map(\.bitPattern))
        var continued = loadedHeader.rng
        XCTAssertEqual(continued.next(), rng.next())
    }

    func testWritingFromViewsAndFromArraysGivesIdenticalFiles() throws {
        let values: [Float] = (0..<100).map { Float($0) / 7 }
        try CheckpointFile.write(to: path("arrays"), header: Data("{}".utf8),
                                 tensors: [CheckpointTensor(name: "w", shape: [10, 10], values: values)])
        try values.withUnsafeBufferPointer {
            try CheckpointFile.write(to: path("views"), header: Data("{}".utf8),
                                     tensors: [CheckpointTensorView(name: "w", shape: [10, 10], values: $0)])
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path("arrays")), FileManager.default.contents(atPath: path("views")))
    }

    func testEmptyTensorsAndEmptyTensorListRoundTrip() throws {
        try CheckpointFile.write(to: path("none"), header: Data("{}".utf8), tensors: [CheckpointTensor]())
        XCTAssertEqual(try CheckpointFile.read(from: path("none")).tensors.count, 0)
        try CheckpointFile.write(to: path("zero"), header: Data(), tensors: [CheckpointTensor(name: "z", shape: [0, 4], values: [])])
        XCTAssertEqual(try CheckpointFile.read(from: path("zero")).tensors["z"], CheckpointTensor(name: "z", shape: [0, 4], values: []))
    }

    func testTruncationAtEveryLengthIsReportedWithExpectedAndActualSize() throws {
        let file = path("full")
        try smallCheckpoint(at: file)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: file))
        let cut = path("cut")
        for length in 0..<bytes.count {
            try put(bytes.prefix(length), cut)
            assertReadFails(cut, { error in
                guard case .truncated(_, let expected, let actual) = error else { return false }
                return actual == length && (length < 24 || expected == bytes.count)
            }, "cut at \(length)")
        }
    }

    func testFlippedByteAnywhereAfterMagicIsAChecksumMismatch() throws {
        let file = path("full")
        try smallCheckpoint(at: file)
        let bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: file)))
        let damaged = path("damaged")
        for position in 8..<bytes.count {
            var copy = bytes
            copy[position] ^= 0xFF
            try put(Data(copy), damaged)
            assertReadFails(damaged, { if case .checksumMismatch = $0 { return true } else { return false } },
                            "byte \(position) flipped")
        }
    }

    func testFlippedMagicByteIsNotACheckpoint() throws {
        let file = path("full")
        try smallCheckpoint(at: file)
        var bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: file)))
        bytes[3] ^= 0xFF
        try put(Data(bytes), file)
        assertReadFails(file, { $0 == .notACheckpoint(path: file) }, "bad magic")
    }

    func testOtherFileIsNotATicdCheckpoint() throws {
        let file = path("config.json")
        try put(Data(#"{"width": 128, "layers": 4, "heads": 4}"#.utf8), file)
        assertReadFails(file, { $0.description.contains("not a ticd checkpoint") }, "JSON file")
    }

    func testUnknownVersionSaysUpgradeOrRecreate() throws {
        let file = path("future")
        try smallCheckpoint(at: file)
        var bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: file)))
        bytes[8] = 2
        let crc = CRC32.checksum(Array(bytes[0..<(bytes.count - 12)]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 12)..<(bytes.count - 8), with: $0) }
        try put(Data(bytes), file)
        assertReadFails(file, { error in
            error == .unknownVersion(path: file, found: 2, supported: 1)
                && error.description.contains("version 2, this ticd reads 1")
                && error.description.contains("upgrade ticd or re-create the checkpoint")
        }, "version 2")
    }

    func testConfigMismatchNamesEachDifferingKey() {
        let expected = ModelConfig(width: 128, layers: 4, text: TextConfig(context: 32, vocabulary: 4096))
        let found = ModelConfig(width: 256, layers: 4, text: TextConfig(context: 32, vocabulary: 8192))
        XCTAssertThrowsError(try CheckpointFile.requireMatchingConfig(expected, found: found, path: "epoch_latest.ckpt")) { error in
            XCTAssertEqual(error as? CheckpointError, .configMismatch(path: "epoch_latest.ckpt", keys: ["text.vocabulary", "width"]))
            XCTAssertTrue("\(error)".contains("text.vocabulary, width"))
        }
    }

    func testMatchingConfigPasses() throws {
        let config = ModelConfig(width: 128, layers: 4, text: TextConfig(context: 32, vocabulary: 4096))
        try CheckpointFile.requireMatchingConfig(config, found: config, path: "x")
    }

    func testWriteReplacesOldFileAndLeavesNoTemporaryBehind() throws {
        let file = path("epoch_latest")
        try smallCheckpoint(at: file)
        try CheckpointFile.write(to: file, header: Data("{\"step\":4}".utf8),
                                 tensors: [CheckpointTensor(name: "b", shape: [1], values: [9])])
        let loaded = try CheckpointFile.read(from: file)
        XCTAssertEqual(String(decoding: loaded.header, as: UTF8.self), "{\"step\":4}")
        XCTAssertEqual(Array(loaded.tensors.keys), ["b"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["epoch_latest"])
    }

    func testLeftoverTemporaryFromACrashedWriteNeitherShadowsNorBlocks() throws {
        let file = path("epoch_latest")
        try smallCheckpoint(at: file)
        try put(Data("half a checkp".utf8), file + ".tmp")
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["a"]?.values, [1, 2, 3, 4, 5, 6])
        try smallCheckpoint(at: file)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".tmp"))
    }

    func testFailedWriteKeepsThePreviousCheckpoint() throws {
        let file = path("epoch_latest")
        try smallCheckpoint(at: file)
        XCTAssertThrowsError(try CheckpointFile.write(to: file, header: Data(), tensors: [
            CheckpointTensor(name: "a", shape: [1], values: [1]), CheckpointTensor(name: "a", shape: [1], values: [2]),
        ]))
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["a"]?.values, [1, 2, 3, 4, 5, 6])
    }

    func testShapeThatDoesNotMatchValueCountIsRejected() {
        XCTAssertThrowsError(try CheckpointFile.write(to: path("bad"), header: Data(),
                                                      tensors: [CheckpointTensor(name: "w", shape: [2, 2], values: [1, 2, 3])])) { error in
            XCTAssertEqual(error as? CheckpointError, .tensorShapeMismatch(name: "w", expected: [2, 2], found: [3]))
        }
    }

    func testMissingFileIsAnIOErrorNamingThePath() {
        let file = path("absent")
        assertReadFails(file, { $0 == .io(path: file, operation: "open", errno: ENOENT) && $0.description.contains(file) }, "absent")
    }

    func testTruncationMessageSaysExpectedAndActualBytes() {
        let error = CheckpointError.truncated(path: "/s/step_0003_2019.ckpt", expectedBytes: 1000, actualBytes: 600)
        XCTAssertTrue(error.description.contains("1000"))
        XCTAssertTrue(error.description.contains("600"))
        XCTAssertTrue(error.description.contains("/s/step_0003_2019.ckpt"))
    }
}

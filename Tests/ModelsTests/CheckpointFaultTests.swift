import XCTest
@testable import Models

/// Checkpoint writes under injected system-call failures.
final class CheckpointFaultTests: XCTestCase {
    /// The real file system, except for one chosen failure; a "crash" also skips the cleanup.
    private final class FaultyFileSystem: CheckpointFile.FileSystem {
        let real = CheckpointFile.PosixFileSystem()
        var failing: String?
        var failure: Int32 = EIO
        var crashes = false
        var maxBytesPerWrite = Int.max

        private func check(_ operation: String, _ path: String) throws {
            if failing == operation { throw CheckpointError.io(path: path, operation: operation, errno: failure) }
        }

        func create(_ path: String) throws -> Int32 {
            try check("open", path)
            return try real.create(path)
        }

        func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
            try check("write", path)
            return try real.write(fd, UnsafeRawBufferPointer(rebasing: bytes.prefix(maxBytesPerWrite)), path: path)
        }

        func sync(_ fd: Int32, path: String) throws {
            try check("fsync", path)
            try real.sync(fd, path: path)
        }

        func close(_ fd: Int32, path: String) throws {
            try real.close(fd, path: path)
        }

        func rename(_ source: String, to destination: String) throws {
            try check("rename", destination)
            try real.rename(source, to: destination)
        }

        func syncDirectory(_ path: String) throws {
            try check("fsync directory", path)
            try real.syncDirectory(path)
        }

        func remove(_ path: String) {
            if !crashes { real.remove(path) }
        }

        func readAll(_ path: String) throws -> [UInt8] {
            try real.readAll(path)
        }
    }

    private var directory: String!
    private var file: String { directory + "/epoch_latest" }
    private let old = [CheckpointTensor(name: "w", shape: [3], values: [1, 2, 3])]
    private let new = [CheckpointTensor(name: "w", shape: [2, 2], values: [4, 5, 6, 7])]

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "ckpt-faults-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try CheckpointFile.write(to: file, header: Data("{}".utf8), tensors: old)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeNew(with fileSystem: FaultyFileSystem) throws {
        try CheckpointFile.write(to: file, header: Data("{}".utf8), tensors: new, fileSystem: fileSystem)
    }

    func testShortWritesStillProduceTheSameFile() throws {
        let reference = directory + "/reference"
        try CheckpointFile.write(to: reference, header: Data("{}".utf8), tensors: new)
        let fileSystem = FaultyFileSystem()
        fileSystem.maxBytesPerWrite = 7
        try writeNew(with: fileSystem)
        XCTAssertEqual(FileManager.default.contents(atPath: file), FileManager.default.contents(atPath: reference))
    }

    func testNoSpaceDuringWriteKeepsThePreviousCheckpointAndRemovesTheTemporary() throws {
        let fileSystem = FaultyFileSystem()
        fileSystem.failing = "write"
        fileSystem.failure = ENOSPC
        XCTAssertThrowsError(try writeNew(with: fileSystem)) { error in
            XCTAssertEqual(error as? CheckpointError, .io(path: file + ".tmp", operation: "write", errno: ENOSPC))
        }
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["w"], old[0])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".tmp"))
    }

    func testFsyncFailureKeepsThePreviousCheckpoint() throws {
        let fileSystem = FaultyFileSystem()
        fileSystem.failing = "fsync"
        XCTAssertThrowsError(try writeNew(with: fileSystem))
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["w"], old[0])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".tmp"))
    }

    func testCrashBeforeRenameLeavesThePreviousCheckpointUnderTheRealName() throws {
        let fileSystem = FaultyFileSystem()
        fileSystem.failing = "rename"
        fileSystem.crashes = true
        XCTAssertThrowsError(try writeNew(with: fileSystem))
        XCTAssertTrue(FileManager.default.fileExists(atPath: file + ".tmp"))
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["w"], old[0])
        try writeNew(with: FaultyFileSystem())
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["w"], new[0])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".tmp"))
    }

    func testDirectoryFsyncFailureIsReportedEvenThoughTheRenameHappened() throws {
        let fileSystem = FaultyFileSystem()
        fileSystem.failing = "fsync directory"
        XCTAssertThrowsError(try writeNew(with: fileSystem)) { error in
            XCTAssertEqual(error as? CheckpointError, .io(path: directory, operation: "fsync directory", errno: EIO))
        }
        XCTAssertEqual(try CheckpointFile.read(from: file).tensors["w"], new[0])
    }
}

import Foundation
import XCTest

/// A test case with a fresh temporary directory, `root`, removed after each test.
class TemporaryDirectoryTestCase: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "ticd-\(type(of: self))-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }
}

import Foundation
import XCTest
@testable import Timeline

/// Builders for the shards ingest tests feed in: small, generated per test, in a temporary directory.
final class Scratch {
    let root: String

    init(_ name: String = #function) {
        root = NSTemporaryDirectory() + "ticd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var state: StateDirectory { StateDirectory(root + "/state") }

    func path(_ name: String) -> String {
        let full = root + "/inbox/" + name
        try? FileManager.default.createDirectory(atPath: FileOps.directory(of: full), withIntermediateDirectories: true)
        return full
    }

    func ingestor(_ configure: (inout IngestOptions) -> Void = { _ in }) throws -> Ingestor {
        var options = IngestOptions()
        options.scan.evalFraction = 0.1
        // The scratch "inbox" is consumed, as the daemon's is; tests of `.preserve` configure it.
        options.sources = .consume
        configure(&options)
        let ingestor = try Ingestor(state: state, options: options)
        try ingestor.recover()
        return ingestor
    }
}

/// One image-text sample as a test writes it.
struct TestPair {
    var key: String
    var caption: String? = "a red circle"
    var timestamp: String? = "2019-03-14T10:00:00Z"
    var image: [UInt8]? = nil
    var imageExtension = "png"
    var json: String? = nil
}

enum Fixtures {
    /// A small PNG whose pixels depend on `seed`, so every sample's content differs.
    static func png(seed: Int, size: Int = 16) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 31 &+ seed &* 97 &+ (i >> 3) &* seed) }
        return try! PNGEncoder.encode(RGBImage(width: size, height: size, pixels: pixels))
    }

    static func jpeg(seed: Int, size: Int = 32) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: (i / 3) &* 7 &+ seed &* 13) }
        return JPEGEncoder.encode(RGBImage(width: size, height: size, pixels: pixels), quality: 90)
    }

    /// A WebDataset tar of `pairs`; returns its path.
    @discardableResult
    static func tar(_ path: String, _ pairs: [TestPair], longNames: TarWriter.LongNameStyle = .pax) throws -> String {
        let w = try TarWriter(path: path, longNames: longNames)
        for (i, p) in pairs.enumerated() {
            try w.add(name: "\(p.key).\(p.imageExtension)", data: p.image ?? png(seed: i))
            if let c = p.caption { try w.add(name: "\(p.key).txt", data: Array(c.utf8)) }
            if let json = p.json {
                try w.add(name: "\(p.key).json", data: Array(json.utf8))
            } else if let t = p.timestamp {
                try w.add(name: "\(p.key).json", data: Array("{\"uid\":\"\(p.key)\",\"timestamp\":\"\(t)\"}".utf8))
            }
        }
        try w.finish()
        return path
    }

    /// `n` good pairs in March 2019, keys k00000...
    static func pairs(_ n: Int, prefix: String = "k", timestamp: String = "2019-03-14T10:00:00Z") -> [TestPair] {
        (0..<n).map { TestPair(key: String(format: "%@%05d", prefix, $0), caption: "caption \(prefix) \($0)", timestamp: timestamp) }
    }

    /// JSON lines for `n` DCLM-like documents.
    static func jsonLines(_ n: Int, date: String = "2020-07-02T11:00:00Z", prefix: String = "doc") -> [String] {
        (0..<n).map { "{\"text\":\"\(prefix) number \($0) about things\",\"url\":\"https://e.org/\($0)\",\"metadata\":{\"WARC-Date\":\"\(date)\"}}" }
    }

    @discardableResult
    static func jsonl(_ path: String, _ lines: [String]) throws -> String {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    static func zst(_ path: String, _ lines: [String], frameBytes: Int? = nil) throws -> String {
        let w = try ZstdWriter(path: path, level: 3, frameBytes: frameBytes)
        try w.write(Array((lines.joined(separator: "\n") + "\n").utf8))
        try w.finish()
        return path
    }

    @discardableResult
    static func gz(_ path: String, _ lines: [String]) throws -> String {
        let w = try GzipWriter(path: path)
        try w.write(Array((lines.joined(separator: "\n") + "\n").utf8))
        try w.finish()
        return path
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path)!) }

    static func write(_ bytes: [UInt8], to path: String) {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), path)
    }
}

import Foundation
import XCTest
import Timeline

/// Builds documentation roots laid out like `/usr/share/doc` for the changelog corpus tests, and reads
/// the shards a run wrote.
enum ChangelogFixtures {
    /// A Debian changelog of `count` distinct entries, one a month from January 2015 on; entry `k`
    /// mentions `words[k % words.count]`.
    static func debian(package: String, count: Int, words: [String] = ["systemd"]) -> String {
        (0..<count).map { k in
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][k % 12]
            return """
                \(package) (1.\(k)-1) unstable; urgency=medium

                  * Change number \(k) of \(package), about \(words[k % words.count]).
                  * Reported by someone\(k)@example.org.

                 -- Jane Doe <jane@example.org>  Mon, 0\(1 + k % 9) \(month) \(2015 + k / 12) 10:00:00 +0000

                """
        }.reversed().joined(separator: "\n")
    }

    static func gzip(_ text: String, to path: String) throws {
        try gzip(Array(text.utf8), to: path)
    }

    static func gzip(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let writer = try GzipWriter(path: path)
        try writer.write(bytes)
        try writer.finish()
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    /// Every record of every `*.jsonl.zst` shard under `dir`, by shard name.
    static func records(in dir: String) throws -> [String: [[String: Any]]] {
        var out: [String: [[String: Any]]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".jsonl.zst") {
            let path = dir + "/" + name
            let stream = ZstdDecompressStream(try FileStream(path: path), path: path)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
                if n == 0 { break }
                bytes += buffer[..<n]
            }
            out[name] = try bytes.split(separator: 0x0A).map {
                try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
            }
        }
        return out
    }
}

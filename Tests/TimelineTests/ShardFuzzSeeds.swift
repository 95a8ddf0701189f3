import Foundation
@testable import Timeline

/// Valid shards to start from, built with the ingest test fixtures.
enum ShardSeeds {
    static func tars() throws -> [[UInt8]] {
        let scratch = Scratch()
        func built(_ name: String, _ pairs: [TestPair], _ style: TarWriter.LongNameStyle = .pax) throws -> [UInt8] {
            Fixtures.bytes(try Fixtures.tar(scratch.path(name), pairs, longNames: style))
        }
        let deep = String(repeating: "a-rather-long-directory/", count: 5)
        let jpegs = (0..<3).map {
            TestPair(key: "j\($0)", caption: nil, image: Fixtures.jpeg(seed: $0), imageExtension: "jpg",
                     json: "{\"caption\":\"a photo \($0)\",\"timestamp\":1552557600,\"uid\":\"j\($0)\"}")
        }
        let years = (0..<3).map {
            TestPair(key: "y\($0)", json: "{\"caption\":\"year \($0)\",\"year\":2018,\"month\":\($0 + 1)}")
        }
        // A directory entry, an __index__ member, a seg.png extension, and no time (the path's month decides).
        let path = scratch.path("dirs.tar")
        let w = try TarWriter(path: path)
        try w.addEntry(name: "train/", typeflag: UInt8(ascii: "5"))
        try w.add(name: "__index__", data: Array("train/0001\n".utf8))
        for k in 1...3 {
            try w.add(name: "train/000\(k).png", data: Fixtures.png(seed: 10 + k))
            try w.add(name: "train/000\(k).txt", data: Array("caption number \(k)".utf8))
            try w.add(name: "train/000\(k).seg.png", data: Fixtures.png(seed: 20 + k, size: 8))
        }
        try w.finish()
        return [
            try built("pairs.tar", Fixtures.pairs(4)),
            try built("jpegs.tar", jpegs),
            try built("gnu.tar", Fixtures.pairs(3).map { TestPair(key: deep + $0.key, caption: $0.caption) }, .gnu),
            try built("pax.tar", Fixtures.pairs(3, prefix: "p").map { TestPair(key: deep + $0.key, caption: $0.caption) }),
            try built("years.tar", years),
            Fixtures.bytes(path),
        ]
    }

    /// JSON-lines texts: DCLM-like records, every time field, escapes, blank and CRLF lines, no final newline.
    static func texts() -> [[UInt8]] {
        let varied = [
            #"{"text":"caf\u00e9 \ud83d\ude00 line","uid":"u1","timestamp":"2019-03-14T10:00:00+01:00"}"#,
            #"{"text":"numbers","id":"i2","timestamp":1552557600,"extra":[1,2.5e3,-0.1,true,false,null,{"a":{"b":[]}}]}"#,
            "",
            #"{"text":"year only","year":2018,"month":6}"#,
            #"{"text":"millis","timestamp":1552557600123}"#,
            #"{"text":"date","date":"2020-02-29"}"#,
            #"{"text":"no time at all: the path's month"}"#,
            #"{"text":"escaped \"quotes\" \\ and \/ and \t","url":"https://e.org/x","metadata":{"WARC-Date":"2013-05-18T05:10:33Z"}}"#,
            "   ",
            #"{"text":"Ünïcödé ничего 中文","timestamp":"2021-12-31 23:59:60.5Z"}"#,
        ]
        return [
            Array((Fixtures.jsonLines(6).joined(separator: "\n") + "\n").utf8),
            Array((varied.joined(separator: "\n") + "\n").utf8),
            Array(varied.joined(separator: "\r\n").utf8),
        ]
    }

    /// `text` compressed, in `pieces` zstd frames or gzip members.
    static func compress(_ text: [UInt8], as format: ShardFormat, pieces: Int) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "ticd-fuzz-compress-\(getpid()).\(format.rawValue)"
        defer { unlink(path) }
        let frame = pieces > 1 ? max(1, text.count / pieces) : nil
        if format == .jsonlZstd {
            let w = try ZstdWriter(path: path, level: 3, frameBytes: frame)
            try w.write(text)
            try w.finish()
        } else {
            let w = try GzipWriter(path: path, frameBytes: frame)
            try w.write(text)
            try w.finish()
        }
        return Fixtures.bytes(path)
    }

    /// The decompressed text of a shard the scanner read without an error.
    static func decompress(_ bytes: [UInt8], _ format: ShardFormat) throws -> [UInt8] {
        let stream: ByteStream
        switch format {
        case .jsonlZstd: stream = ZstdDecompressStream(MemoryStream(bytes), path: "oracle")
        case .jsonlGzip: stream = GzipDecompressStream(MemoryStream(bytes), path: "oracle")
        default: return bytes
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while case let n = try chunk.withUnsafeMutableBytes({ try stream.read(into: $0) }), n > 0 { out += chunk[..<n] }
        return out
    }
}

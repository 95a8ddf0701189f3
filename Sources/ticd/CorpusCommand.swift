import Foundation
import Models
import Timeline

/// `ticd corpus synthetic --out DIR --kind image-text|text [--years A-B] [--seed S] [--per-month N]`;
/// `ticd corpus changelogs ...` is `ChangelogsCommand`.
///
/// Writes one shard per month the way producers do: image-text as WebDataset tars under `YYYY-MM/` with an
/// img2dataset-style `_stats.json` marker, text as `YYYY-MM.jsonl.zst`. Every file is written to a temporary
/// name and renamed in, so a watcher never sees half a shard.
enum CorpusCommand {
    static func run(_ args: [String]) throws -> Int32 {
        if args.first == "changelogs" { return try ChangelogsCommand.run(Array(args.dropFirst())) }
        guard args.first == "synthetic" else {
            throw UsageError("corpus: expected `changelogs` or `synthetic`")
        }
        let a = try Arguments(Array(args.dropFirst()), valueFlags: ["out", "kind", "years", "seed", "per-month", "image-size", "months"])
        let out = try a.require("out")
        let (first, last) = try years(a.string("years") ?? "2014-2016")
        let seed = UInt64(try a.int("seed") ?? 0)
        let perMonth = try a.int("per-month") ?? 64
        var corpus = SyntheticCorpus(out: out, firstYear: first, lastYear: last, seed: seed, perMonth: perMonth,
                                     imageSize: try a.int("image-size") ?? 64)
        corpus.monthLimit = try a.int("months")
        switch a.string("kind") ?? "image-text" {
        case "image-text": try corpus.writeImageText { print($0) }
        case "text": try corpus.writeText { print($0) }
        case let other: throw UsageError("--kind must be image-text or text, not \(other)")
        }
        return 0
    }

    static func years(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard (1...2).contains(parts.count), let first = parts.first, let last = parts.last, first <= last else {
            throw UsageError("--years expects YYYY or YYYY-YYYY, got \(text)")
        }
        return (first, last)
    }
}

/// Writes the synthetic corpora; also used by the demo and the benchmarks.
struct SyntheticCorpus {
    let out: String
    let firstYear: Int
    let lastYear: Int
    let seed: UInt64
    let perMonth: Int
    var imageSize = 64
    /// Only the first N months of the range (tests and benchmarks that need one big shard).
    var monthLimit: Int?

    var months: [Month] {
        let all = (firstYear...lastYear).flatMap { y in (1...12).map { Month(year: y, month: $0)! } }
        return monthLimit.map { Array(all.prefix($0)) } ?? all
    }

    /// One tar per month; returns nothing, reports each file through `progress`.
    func writeImageText(progress: (String) -> Void) throws {
        let world = SyntheticWorld(firstYear: firstYear)
        for month in months {
            var rng = SplitMix64RNG(seed: seed &* 0x100000001B3 ^ UInt64(month.index))
            let dir = "\(out)/\(month)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let final = "\(dir)/shard-00000.tar", tmp = "\(dir)/.shard-00000.tar.tmp"
            let writer = try TarWriter(path: tmp)
            for i in 0..<perMonth {
                let (image, caption) = world.sample(year: month.year, size: imageSize, rng: &rng)
                let key = String(format: "%05d%04d", month.index % 100_000, i)
                let day = 1 + rng.nextInt(below: 28)
                let stamp = String(format: "%04d-%02d-%02dT%02d:%02d:00Z", month.year, month.month, day,
                                   rng.nextInt(below: 24), rng.nextInt(below: 60))
                try writer.add(name: "\(key).png", data: try PNGEncoder.encode(image))
                try writer.add(name: "\(key).txt", data: Array(caption.utf8))
                try writer.add(name: "\(key).json", data: Array(jsonLine(SampleMeta(key: key, caption: caption, timestamp: stamp)).utf8))
            }
            try writer.finish()
            try FileOps.writeDurably(Data(jsonLine(Stats(count: perMonth, successes: perMonth)).utf8),
                                     to: "\(dir)/shard-00000_stats.json")
            guard rename(tmp, final) == 0 else { throw ShardError(.io, path: tmp, detail: "rename failed") }
            progress(final)
        }
    }

    /// One `YYYY-MM.jsonl.zst` per month.
    func writeText(progress: (String) -> Void) throws {
        let text = SyntheticText(firstYear: firstYear)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for month in months {
            var rng = SplitMix64RNG(seed: seed &* 0x100000001B3 ^ UInt64(month.index) ^ 0x5445_5854)
            let final = "\(out)/\(month).jsonl.zst", tmp = "\(out)/.\(month).jsonl.zst.tmp"
            let writer = try ZstdWriter(path: tmp)
            for i in 0..<perMonth {
                let day = 1 + rng.nextInt(below: 28)
                let record = TextRecord(text: text.document(year: month.year, rng: &rng),
                                        url: "https://example.org/\(month)/\(i)",
                                        timestamp: String(format: "%04d-%02d-%02dT12:00:00Z", month.year, month.month, day))
                try writer.write(Array((jsonLine(record) + "\n").utf8))
            }
            try writer.finish()
            guard rename(tmp, final) == 0 else { throw ShardError(.io, path: tmp, detail: "rename failed") }
            progress(final)
        }
    }

    private struct SampleMeta: Encodable { let key: String; let caption: String; let timestamp: String }
    private struct Stats: Encodable { let count: Int; let successes: Int }
    private struct TextRecord: Encodable { let text: String; let url: String; let timestamp: String }
}

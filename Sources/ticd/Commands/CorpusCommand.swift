import Foundation
import Timeline

/// `ticd corpus synthetic --out DIR --kind image-text|text [--years A-B] [--seed S] [--per-month N]
/// [--image-size PX] [--months N]`;
/// `ticd corpus changelogs ...` is `ChangelogsCommand`.
///
/// Writes one shard per month the way producers do (see `SyntheticCorpus`): image-text as img2dataset's
/// `YYYY-MM/00000.tar` with its `00000_stats.json` marker, text as `YYYY-MM.jsonl.zst`.
enum CorpusCommand {
    static func run(_ args: [String]) throws -> Int32 {
        if args.first == "changelogs" { return try ChangelogsCommand.run(Array(args.dropFirst())) }
        guard args.first == "synthetic" else {
            throw UsageError("corpus: expected `changelogs` or `synthetic`")
        }
        let a = try Arguments(Array(args.dropFirst()), valueFlags: ["out", "kind", "years", "seed", "per-month", "image-size", "months"])
        let out = try a.require("out")
        let (first, last) = try years(a.string("years") ?? "2014-2016")
        let seed = try a.int("seed") ?? 0
        let perMonth = try a.int("per-month") ?? 64
        let imageSize = try a.int("image-size") ?? 64
        let months = try a.int("months")
        guard seed >= 0 else { throw UsageError("--seed must not be negative, got \(seed)") }
        guard perMonth >= 0 else { throw UsageError("--per-month must not be negative, got \(perMonth)") }
        guard (1...4096).contains(imageSize) else {
            throw UsageError("--image-size must be within 1...4096 pixels, got \(imageSize)")
        }
        guard months.map({ $0 >= 0 }) != false else { throw UsageError("--months must not be negative") }
        var corpus = SyntheticCorpus(out: out, firstYear: first, lastYear: last, seed: UInt64(seed), perMonth: perMonth,
                                     imageSize: imageSize)
        corpus.monthLimit = months
        switch a.string("kind") ?? "image-text" {
        case "image-text": try corpus.writeImageText { print($0) }
        case "text": try corpus.writeText { print($0) }
        case let other: throw UsageError("--kind must be image-text or text, not \(other)")
        }
        return 0
    }

    /// `YYYY` or `YYYY-YYYY`, within the years ingest accepts (DESIGN §2: 1990 to now).
    static func years(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard (1...2).contains(parts.count), let first = parts.first, let last = parts.last, first <= last else {
            throw UsageError("--years expects YYYY or YYYY-YYYY, got \(text)")
        }
        let window = TimeWindow()
        let allowed = window.earliest.year...Month(unixSeconds: window.latestUnixSeconds).year
        guard allowed.contains(first), allowed.contains(last) else {
            throw UsageError("--years \(text) lies outside \(allowed.lowerBound)-\(allowed.upperBound), the years ingest accepts")
        }
        return (first, last)
    }
}

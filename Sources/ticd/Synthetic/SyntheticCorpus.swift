import Foundation
import Models
import Timeline

/// Writes the synthetic corpora of `ticd corpus synthetic`; the demo, the benchmarks and the tests use it too.
///
/// Image-text months are written the way img2dataset writes a shard: `OUT/YYYY-MM/00000.tar` holding
/// `KEY.png`, `KEY.txt` and `KEY.json` per sample, then `OUT/YYYY-MM/00000_stats.json`, the marker that says
/// the shard is complete. Text months are `OUT/YYYY-MM.jsonl.zst`. Every file is written under a temporary
/// name and renamed in, so a watcher never sees half a shard. The output depends only on the arguments: the
/// same arguments give byte-identical files, and each seed gives different samples of the same world.
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

    /// One tar and its `_stats.json` per month; reports each tar's path through `progress`.
    /// - Throws: `ShardError.io` when a file cannot be written or renamed, `SampleProblem` if PNG encoding fails.
    func writeImageText(progress: (String) -> Void) throws {
        let world = SyntheticWorld(firstYear: firstYear)
        for month in months {
            var rng = generator(for: month, stream: 0)
            let dir = "\(out)/\(month)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let final = "\(dir)/00000.tar", tmp = "\(dir)/.00000.tar.tmp"
            let writer = try TarWriter(path: tmp)
            for i in 0..<perMonth {
                let sample = world.sample(month: month, size: imageSize, rng: &rng)
                let key = String(format: "%05d%04d", month.index % 100_000, i)
                let stamp = Self.timestamp(in: month, rng: &rng)
                let mtime = SampleTime.unixSeconds(rfc3339: Substring(stamp)) ?? 0
                let meta = SampleMeta(key: key, caption: sample.caption, timestamp: stamp, width: imageSize,
                                      height: imageSize, shape: sample.scene.shape.rawValue,
                                      colour: sample.scene.colour.name, texture: sample.scene.texture.rawValue,
                                      count: sample.scene.count, position: sample.scene.position.rawValue)
                try writer.add(name: "\(key).png", data: try PNGEncoder.encode(sample.image), mtime: mtime)
                try writer.add(name: "\(key).txt", data: Array(sample.caption.utf8), mtime: mtime)
                try writer.add(name: "\(key).json", data: Array(jsonLine(meta).utf8), mtime: mtime)
            }
            try writer.finish()
            try FileOps.publish(tmp, as: final)
            try FileOps.writeDurably(Data(jsonLine(Stats(shardOf: month, count: perMonth)).utf8),
                                     to: "\(dir)/00000_stats.json")
            progress(final)
        }
    }

    /// One `YYYY-MM.jsonl.zst` per month; reports each file's path through `progress`.
    /// - Throws: `ShardError.io` when a file cannot be written or renamed.
    func writeText(progress: (String) -> Void) throws {
        let text = SyntheticText(firstYear: firstYear)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for month in months {
            var rng = generator(for: month, stream: 0x5445_5854)
            let final = "\(out)/\(month).jsonl.zst", tmp = "\(out)/.\(month).jsonl.zst.tmp"
            let writer = try ZstdWriter(path: tmp)
            for i in 0..<perMonth {
                let record = TextRecord(text: text.document(month: month, rng: &rng),
                                        url: "https://example.org/\(month)/\(i)",
                                        timestamp: Self.timestamp(in: month, rng: &rng))
                try writer.write(Array((jsonLine(record) + "\n").utf8))
            }
            try writer.finish()
            try FileOps.publish(tmp, as: final)
            progress(final)
        }
    }

    /// The random stream of one month: a function of the seed, the month and the corpus kind only.
    private func generator(for month: Month, stream: UInt64) -> SplitMix64RNG {
        SplitMix64RNG(seed: seed &* 0x100000001B3 ^ UInt64(month.index) ^ stream)
    }

    /// A time inside the month (days 1-28), RFC 3339 in UTC.
    private static func timestamp(in month: Month, rng: inout SplitMix64RNG) -> String {
        String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", month.year, month.month, 1 + rng.nextInt(below: 28),
               rng.nextInt(below: 24), rng.nextInt(below: 60), rng.nextInt(below: 60))
    }

    private struct SampleMeta: Encodable {
        let key: String
        let caption: String
        let timestamp: String
        var status = "success"
        let width: Int
        let height: Int
        let shape: String
        let colour: String
        let texture: String
        let count: Int
        let position: String
    }

    /// img2dataset's per-shard stats. The times are fixed, not measured, so the file is reproducible: the
    /// shard is "downloaded" at the first instant after its month, at 100 samples a second.
    private struct Stats: Encodable {
        let count: Int
        let successes: Int
        let failedToDownload = 0
        let failedToResize = 0
        let duration: Double
        let startTime: Double
        let endTime: Double
        let statusDict: [String: Int]

        init(shardOf month: Month, count: Int) {
            let start = Double(SampleTime.unixSeconds(rfc3339: Substring(month.adding(months: 1).description)) ?? 0)
            self.count = count; successes = count
            duration = Double(count) / 100; startTime = start; endTime = start + duration
            statusDict = ["success": count]
        }

        enum CodingKeys: String, CodingKey {
            case count, successes, failedToDownload = "failed_to_download", failedToResize = "failed_to_resize"
            case duration, startTime = "start_time", endTime = "end_time", statusDict = "status_dict"
        }
    }

    private struct TextRecord: Encodable { let text: String; let url: String; let timestamp: String }
}

import Foundation
import Timeline

/// Collects JSON lines by month and writes them as `DIR/YYYY-MM.jsonl.zst`, each to a dotted temporary
/// name first and renamed in, so an inbox watcher never sees half a shard (DESIGN §2).
///
/// Lines are held in memory until `write`: a corpus spans hundreds of months, and a zstd encoder per month
/// would cost more memory than the text itself (tens of MB on a full `/usr/share/doc`).
struct MonthlyShards {
    private var lines: [Month: [(seconds: Int64, order: Int, line: [UInt8])]] = [:]
    private var added = 0

    mutating func add(_ line: String, at seconds: Int64) {
        lines[Month(unixSeconds: seconds), default: []].append((seconds, added, Array((line + "\n").utf8)))
        added += 1
    }

    var months: [Month] { lines.keys.sorted() }

    /// Writes every month's shard, its lines in time order (ties in the order added).
    /// - Returns: the paths written, in month order.
    /// - Throws: `ShardError` `.io` when a shard cannot be written or renamed.
    func write(to dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var written: [String] = []
        for month in months {
            let final = "\(dir)/\(month).jsonl.zst", tmp = "\(dir)/.\(month).jsonl.zst.tmp"
            do {
                let writer = try ZstdWriter(path: tmp)
                for entry in lines[month]!.sorted(by: { ($0.seconds, $0.order) < ($1.seconds, $1.order) }) {
                    try writer.write(entry.line)
                }
                try writer.finish()
            } catch {
                unlink(tmp)
                throw error
            }
            try FileOps.publish(tmp, as: final)
            written.append(final)
        }
        return written
    }
}

import Foundation
import Timeline

/// When a file in the inbox is a whole shard (DESIGN §2): renamed in, or a producer's marker says so, or it has
/// kept its size and mtime for the quiet period. Pure rules over what the watcher saw, so they test alone.
enum ShardCompleteness {
    /// What the watcher knows about one candidate file.
    struct Observation: Equatable {
        var size: Int64
        /// Seconds since 1970 (the file's mtime).
        var mtime: Double
        /// It arrived by `rename(2)` within the filesystem, which is atomic: its bytes were all there before.
        var renamedIn: Bool
    }

    /// Why a candidate counts as complete, for the log line.
    enum Reason: String, Equatable {
        case renamedIn = "renamed in"
        case marker = "completion marker"
        case quiet = "quiet period"
    }

    /// Names producers give files that are still being written, and folders of them (`.~tmp~/`).
    static func isIgnored(relativePath: String) -> Bool {
        relativePath.split(separator: "/").contains { component in
            component.hasPrefix(".") || component.hasSuffix(".tmp") || component.hasSuffix(".part")
                || component.hasSuffix("~")
        }
    }

    /// Whether a path names a shard at all (markers, parquet side files and the like are not).
    static func isShard(_ path: String) -> Bool { ShardFormat(path: path) != nil }

    /// The marker files that would declare `path` complete: img2dataset's `NAME_stats.json`, `NAME.ok`, and
    /// `FILE.ok` beside it. DataComp's `sizes.json` is checked separately because it names many shards.
    static func markerPaths(for path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let file = (path as NSString).lastPathComponent
        let stem = stem(of: file)
        return [directory + "/" + stem + "_stats.json", directory + "/" + stem + ".ok", path + ".ok"]
    }

    /// The file name without its shard extension (`00000.tar` → `00000`, `a.jsonl.zst` → `a`).
    static func stem(of file: String) -> String {
        for ext in [".jsonl.zstd", ".jsonl.zst", ".jsonl.gz", ".jsonl", ".tar"] where file.hasSuffix(ext) {
            return String(file.dropLast(ext.count))
        }
        return file
    }

    /// Whether a DataComp-style `sizes.json` (an object keyed by shard name, with or without extension) names
    /// the file.
    static func sizesJSON(_ data: Data, names file: String) -> Bool {
        sizesJSONKeys(data).map { names(file, in: $0) } ?? false
    }

    /// The top-level keys of a `sizes.json`, or nil when it is not a JSON object.
    static func sizesJSONKeys(_ data: Data) -> Set<String>? {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]).map { Set($0.keys) }
    }

    /// Whether `keys` (of a `sizes.json`) name the file, with or without its extension.
    static func names(_ file: String, in keys: Set<String>) -> Bool {
        keys.contains(file) || keys.contains(stem(of: file))
    }

    /// A rename vouches for the bytes it brought in: not for an empty file (a placeholder about to be filled),
    /// and not once the size or mtime has moved since the rename was seen (someone is writing through a
    /// descriptor opened before it; IN_CLOSE_WRITE only comes at the close).
    static func vouchedByRename(previous: Observation?, current: Observation) -> Bool {
        guard current.renamedIn || previous?.renamedIn == true, current.size > 0 else { return false }
        guard let previous, previous.renamedIn else { return true }
        return previous.size == current.size && previous.mtime == current.mtime
    }

    /// Decides whether the candidate is complete now.
    ///
    /// - Parameters:
    ///   - previous: what was recorded before this look, if anything.
    ///   - current: a fresh `stat` of the file.
    ///   - hasMarker: whether a completion marker names it.
    ///   - now: wall-clock seconds since 1970.
    ///   - quietPeriod: seconds the size and mtime must have stayed put.
    /// - Returns: the reason it is complete, or nil to keep waiting.
    static func decide(previous: Observation?, current: Observation, hasMarker: Bool, now: Double,
                       quietPeriod: Double) -> Reason? {
        if vouchedByRename(previous: previous, current: current) { return .renamedIn }
        if hasMarker { return .marker }
        // A size change since the last look means a writer is still at it, whatever the mtime says (cp -p
        // restores an old mtime only when it finishes).
        if let previous, previous.size != current.size { return nil }
        return now - current.mtime >= quietPeriod ? .quiet : nil
    }
}

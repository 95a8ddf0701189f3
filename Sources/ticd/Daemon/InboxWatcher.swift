import Foundation
import Glibc
import Timeline

/// Watches the inbox tree with inotify and hands out shards once they are complete (DESIGN §2).
///
/// inotify is the fast path; the truth is the directory itself: a rescan on start, every `rescanInterval`
/// seconds and whenever the kernel's event queue overflows picks up whatever events missed. Subdirectories
/// (img2dataset writes `00000.tar` under one folder per run) are watched as they appear.
final class InboxWatcher {
    let root: String
    var quietPeriod: Double

    private let inotify: Inotify
    private var directories: [Int32: String] = [:]
    private var candidates: [String: ShardCompleteness.Observation] = [:]
    /// Files left in place by ingest (an error, or no permission to remove them): skipped until their size or
    /// mtime changes, so one such file does not spin the loop.
    private var failed: [String: ShardCompleteness.Observation] = [:]
    /// When each candidate was first seen (wall-clock seconds).
    private var firstSeen: [String: Double] = [:]
    private let wallClock: () -> Double

    /// - Throws: `InotifyError` when inotify is unavailable; the inbox itself is created if missing.
    init(root: String, quietPeriod: Double, wallClock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.quietPeriod = quietPeriod
        self.wallClock = wallClock
        inotify = try Inotify()
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        try addWatch(self.root)
    }

    /// Files waiting to become complete or to be ingested; not those skipped until they change.
    var pendingCount: Int { candidates.keys.filter { failed[$0] == nil }.count }

    /// Whether a file first seen less than `seconds` ago still waits (to become complete or to be ingested).
    /// Months can complete out of order — a later one renamed in or marked while an earlier one sits out its
    /// quiet period — so the daemon plans no new step while one has just arrived. A file still written to after
    /// that (a slow producer) no longer holds anything up.
    func hasRecentArrivals(within seconds: Double) -> Bool {
        let now = wallClock()
        return candidates.keys.contains { failed[$0] == nil && now - (firstSeen[$0] ?? now) < seconds }
    }

    private func record(_ path: String, _ observation: ShardCompleteness.Observation) {
        candidates[path] = observation
        if firstSeen[path] == nil { firstSeen[path] = wallClock() }
    }

    private func forget(_ path: String) {
        candidates[path] = nil
        firstSeen[path] = nil
    }

    /// Walks the whole tree: watches every directory and records every shard file as a candidate.
    func rescan() {
        walk(root, renamedIn: false)
    }

    /// Waits up to `timeout` seconds for inotify events and records what they say.
    /// - Returns: true when something arrived (a new candidate, a marker, a directory), so the caller looks
    ///   for complete shards again.
    func waitForEvents(timeout: Double) throws -> Bool {
        let events = try inotify.read(timeout: timeout)
        for event in events {
            if event.overflowed {
                rescan()
                continue
            }
            guard let directory = directories[event.watch] else { continue }
            if event.watchGone {
                directories[event.watch] = nil
                continue
            }
            guard !event.name.isEmpty, !ShardCompleteness.isIgnored(relativePath: event.name) else { continue }
            let path = directory + "/" + event.name
            if event.isDirectory {
                if event.created || event.movedIn {
                    try? addWatch(path)
                    walk(path, renamedIn: event.movedIn)
                }
                continue
            }
            guard ShardCompleteness.isShard(path) else { continue }
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            // A write after a rename means someone is changing the file in place: the rename no longer vouches.
            record(path, observation(status, renamedIn: event.movedIn))
        }
        return !events.isEmpty
    }

    /// The candidates that are complete now, in path order (monthly names sort by time), each with the rule
    /// that admitted it; files that vanished are dropped.
    func completeShards() -> [(path: String, reason: ShardCompleteness.Reason)] {
        var ready: [(String, ShardCompleteness.Reason)] = []
        // Each directory's sizes.json is read and parsed once per look, not once per waiting shard beside it.
        var sizesFiles: [String: Set<String>?] = [:]
        for path in candidates.keys.sorted() {
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                forget(path)
                continue
            }
            let previous = candidates[path]!
            var current = observation(status, renamedIn: previous.renamedIn)
            if let bad = failed[path] {
                current.renamedIn = false
                if bad.size == current.size && bad.mtime == current.mtime { continue }
                failed[path] = nil
            }
            if let reason = ShardCompleteness.decide(previous: previous, current: current, hasMarker: hasMarker(path, sizesFiles: &sizesFiles),
                                                     now: wallClock(), quietPeriod: quietPeriod) {
                ready.append((path, reason))
            } else {
                // Written to since the rename was seen: from now on only a marker or the quiet period admit it.
                if current.size != previous.size || current.mtime != previous.mtime { current.renamedIn = false }
                candidates[path] = current
            }
        }
        return ready
    }

    /// The shard was handed to ingest and is gone from the inbox (stored, quarantined or a duplicate).
    func ingested(_ path: String) {
        forget(path)
    }

    /// Ingest failed with an error, or could not remove the file: wait for it to change before trying again.
    func skipUntilChanged(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { forget(path); return }
        failed[path] = observation(status, renamedIn: false)
        candidates[path] = observation(status, renamedIn: false)
    }

    private func hasMarker(_ path: String, sizesFiles: inout [String: Set<String>?]) -> Bool {
        if ShardCompleteness.markerPaths(for: path).contains(where: FileOps.exists) { return true }
        let sizes = (path as NSString).deletingLastPathComponent + "/sizes.json"
        if sizesFiles[sizes] == nil {
            sizesFiles[sizes] = .some(FileManager.default.contents(atPath: sizes).flatMap(ShardCompleteness.sizesJSONKeys))
        }
        guard let keys = sizesFiles[sizes] ?? nil else { return false }
        return ShardCompleteness.names((path as NSString).lastPathComponent, in: keys)
    }

    /// Watches every directory under `directory` and records its shard files. A file already recorded keeps
    /// its observation unless this walk vouches for it: a folder renamed in carries files that were complete
    /// before the rename.
    private func walk(_ directory: String, renamedIn: Bool) {
        var stack = [directory]
        while let current = stack.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: current) else { continue }
            for name in names where !ShardCompleteness.isIgnored(relativePath: name) {
                let path = current + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                if status.st_mode & S_IFMT == S_IFDIR {
                    if !directories.values.contains(path) { try? addWatch(path) }
                    stack.append(path)
                } else if status.st_mode & S_IFMT == S_IFREG, ShardCompleteness.isShard(path),
                          candidates[path] == nil || renamedIn {
                    record(path, observation(status, renamedIn: renamedIn))
                }
            }
        }
    }

    private func addWatch(_ path: String) throws {
        let wd = try inotify.watch(directory: path)
        directories[wd] = path
    }

    private func observation(_ status: stat, renamedIn: Bool) -> ShardCompleteness.Observation {
        ShardCompleteness.Observation(size: Int64(status.st_size),
                                      mtime: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9,
                                      renamedIn: renamedIn)
    }
}

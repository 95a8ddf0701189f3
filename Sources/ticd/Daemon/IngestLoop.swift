import Foundation
import Timeline

/// The daemon's ingest side, on a thread of its own: waits on inotify, rescans on a timer, and ingests every
/// shard the completeness rules admit, one at a time, while a step may be training on the other thread.
final class IngestLoop {
    private let watcher: InboxWatcher
    private let ingestor: Ingestor
    private let control: DaemonControl
    private let log: DaemonLog
    private let beat: () -> Void
    private let settings: () -> (quietPeriod: Double, rescanInterval: Double, kind: ShardKind)
    private let pollInterval: Double

    /// - Parameters:
    ///   - settings: read each turn, so a SIGHUP reload of the quiet period or rescan interval takes effect.
    ///   - pollInterval: the longest inotify wait, so the heartbeat and timers run on a silent inbox.
    init(watcher: InboxWatcher, ingestor: Ingestor, control: DaemonControl, log: DaemonLog, pollInterval: Double,
         settings: @escaping () -> (quietPeriod: Double, rescanInterval: Double, kind: ShardKind),
         beat: @escaping () -> Void) {
        self.watcher = watcher; self.ingestor = ingestor; self.control = control; self.log = log
        self.pollInterval = pollInterval; self.settings = settings; self.beat = beat
        // A large shard takes minutes to read: beat through it, and give it up on a stop (it stays in the
        // inbox, untouched, and is read again on the next start).
        ingestor.progress = { [control] _ in
            beat()
            if control.isStopping { throw Stopped() }
        }
    }

    /// Thrown from the ingestor's progress callback when the daemon stops mid-read.
    private struct Stopped: Error {}

    func run() {
        var lastRescan = Date.distantPast
        while !control.isStopping {
            beat()
            let current = settings()
            watcher.quietPeriod = current.quietPeriod
            if Date().timeIntervalSince(lastRescan) >= current.rescanInterval {
                watcher.rescan()
                lastRescan = Date()
            }
            // Wake at least every pollInterval, and sooner while a quiet period is running out.
            let pendingWait = min(pollInterval, max(0.05, current.quietPeriod / 4))
            // A file this young may be an earlier month still sitting out its quiet period: it becomes complete
            // by then, and the look after that (pendingWait later) takes it up.
            let arrivalWindow = current.quietPeriod + 2 * pendingWait
            let ready = watcher.completeShards()
            control.update {
                $0.queuedShards = ready.count
                $0.pendingShards = watcher.pendingCount
                $0.shardsJustArrived = watcher.hasRecentArrivals(within: arrivalWindow)
            }
            for (done, (path, reason)) in ready.enumerated() {
                guard !control.isStopping else { break }
                ingest(path, reason: reason, kind: current.kind)
                beat()
                // pendingCount walks every candidate: once per batch, not once per shard of a large backlog.
                control.update { $0.queuedShards = ready.count - done - 1 }
            }
            control.update {
                $0.queuedShards = 0
                $0.pendingShards = watcher.pendingCount
                $0.shardsJustArrived = watcher.hasRecentArrivals(within: arrivalWindow)
            }
            do {
                let wait = watcher.pendingCount > 0 ? pendingWait : pollInterval
                _ = try watcher.waitForEvents(timeout: wait)
            } catch {
                log.log(.err, "inbox watch: \(error); rescanning")
                control.recordError("\(error)")
                lastRescan = .distantPast
                Thread.sleep(forTimeInterval: pollInterval)
            }
        }
    }

    private func ingest(_ path: String, reason: ShardCompleteness.Reason, kind: ShardKind) {
        if let format = ShardFormat(path: path), format.kind != kind {
            log.log(.warning, "\(path) holds \(format.kind.rawValue) data but this daemon trains on \(kind.rawValue); "
                    + "left in the inbox")
            watcher.skipUntilChanged(path)
            return
        }
        let root = watcher.root + "/"
        control.update { $0.ingesting = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path }
        defer { control.update { $0.ingesting = nil } }
        do {
            let result = try ingestor.ingest(path: path)
            control.count {
                $0.shardsByOutcome[result.outcome.rawValue, default: 0] += 1
                if result.outcome == .accepted {
                    $0.samplesIngested += result.samples
                    $0.lastAcceptedAt = Date()
                }
            }
            let slices = result.slices.keys.sorted()
            let fields = slices.isEmpty ? [:] : ["TICD_SLICE": slices.joined(separator: ",")]
            switch result.outcome {
            case .accepted:
                log.log(.info, "accepted \(path) (\(reason.rawValue)): \(result.samples) samples, \(result.dropped) dropped",
                        fields: fields)
            case .duplicate:
                log.log(.info, "duplicate \(path): \(result.reason ?? "already ingested")", fields: fields)
            case .quarantined:
                // The reason names the file already; the rule that admitted it tells a producer's cut-off write
                // (taken at the quiet period) from a shard that was broken when it arrived.
                log.log(.warning, "quarantined \(result.reason ?? path) (taken as complete: \(reason.rawValue))",
                        fields: fields)
            }
            if FileOps.exists(path) {
                // Taken (or known already) but not removable: its directory lacks group write for ticd.
                log.log(.warning, "\(path) was ingested but could not be removed from the inbox (its directory is not "
                        + "writable by ticd; producers should create subdirectories group-writable, umask 002); "
                        + "it is skipped until it changes")
                watcher.skipUntilChanged(path)
            } else {
                watcher.ingested(path)
            }
        } catch is Stopped {
            log.log(.notice, "stopped while reading \(path); it stays in the inbox and is read again on the next start")
        } catch {
            log.log(.err, "ingest \(path): \(error); left in place until it changes")
            control.recordError("ingest \(path): \(error)")
            control.count { $0.ingestErrors += 1 }
            watcher.skipUntilChanged(path)
        }
    }
}

import Foundation

/// What the daemon is doing, as one value (STYLE: "one loop, visible state"). `/v0/status` answers it and
/// systemd's `STATUS=` line is its `summary`.
///
/// Training and ingest run side by side, so the value has the work loop's phase and, beside it, the shard
/// being ingested; both change only through `DaemonStatusBoard`.
struct DaemonState: Equatable {
    enum Phase: Equatable {
        /// Repairing what the last run left (before READY=1).
        case starting
        case idle
        /// `step` of `steps` known step groups; `batch` of `batches` in it.
        case training(step: Int, steps: Int, label: String, batch: Int, batches: Int)
        /// Scoring a checkpoint: the step just trained (`step` of `steps`), or an older one on groups that
        /// arrived since (`step` 0).
        case evaluating(step: Int, steps: Int, label: String)
        /// Training is held by `POST /v0/pause`; ingest goes on.
        case paused
        case stopping

        var name: String {
            switch self {
            case .starting: return "starting"
            case .idle: return "idle"
            case .training: return "training"
            case .evaluating: return "evaluating"
            case .paused: return "paused"
            case .stopping: return "stopping"
            }
        }
    }

    var phase: Phase = .starting
    /// The inbox file being ingested now, relative to the inbox (img2dataset names every shard `00000.tar`,
    /// so the folder is the informative part).
    var ingesting: String?
    /// Complete shards waiting for ingest plus files still being written.
    var pendingShards = 0
    /// Complete shards the ingest loop has taken up and not finished (the one being read included). A new
    /// step waits for them: they may hold months of its group.
    var queuedShards = 0
    /// A shard arrived less than a quiet period ago and is not ingested yet. A new step waits for it: months can
    /// complete out of order (a later one renamed in while an earlier one sits out its quiet period).
    var shardsJustArrived = false
    /// The step group that is complete but waits for the inbox (the two fields above), for the status line.
    var stepWaitingForInbox: String?

    /// The state without its batch counter: a change here is news at once, a new batch number only progress.
    var coarse: DaemonState {
        var copy = self
        if case let .training(step, steps, label, _, batches) = phase {
            copy.phase = .training(step: step, steps: steps, label: label, batch: 0, batches: batches)
        }
        return copy
    }

    /// One line for `systemctl status` and the log: "training step 2/3 (2015) batch 40/64; ingesting x.tar".
    var summary: String {
        var text: String
        switch phase {
        case let .training(step, steps, label, batch, batches):
            text = "training step \(step)/\(steps) (\(label)) " + (batches > 0 ? "batch \(batch)/\(batches)" : "preparing")
        case let .evaluating(step, steps, label):
            text = step > 0 ? "evaluating step \(step)/\(steps) (\(label))" : "evaluating the \(label) checkpoint"
        default:
            text = phase.name
        }
        if let stepWaitingForInbox { text += "; \(stepWaitingForInbox) waits for the inbox to settle" }
        if let ingesting { text += "; ingesting \(ingesting)" }
        if pendingShards > 0 { text += "; \(pendingShards) shard\(pendingShards == 1 ? "" : "s") pending" }
        return text
    }
}

import Foundation
import Timeline

/// `GET /metrics`: the Prometheus text exposition format (version 0.0.4), every name prefixed `ticd_`.
struct MetricsExposition {
    private var lines: [String] = []

    /// Adds one metric family: its HELP and TYPE lines, then one sample per label set.
    mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [([String: String], Double)]) {
        lines.append("# HELP ticd_\(name) \(help)")
        lines.append("# TYPE ticd_\(name) \(type)")
        for (labels, value) in samples {
            let labelText = labels.isEmpty ? "" : "{" + labels.sorted { $0.key < $1.key }
                .map { "\($0.key)=\"\(MetricsExposition.escape($0.value))\"" }.joined(separator: ",") + "}"
            lines.append("ticd_\(name)\(labelText) \(MetricsExposition.format(value))")
        }
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Every family ticd exports, from the catalog and the daemon's counters.
    static func render(task: String, run: String, catalog: Catalog, control: DaemonControl, blasCore: String, blasThreads: Int,
                       startedAt: Date) throws -> String {
        var m = MetricsExposition()
        let state = control.state
        let counts = control.counts
        var byState: [String: Double] = [:]
        for (state, count) in try catalog.shardCounts() { byState[state.rawValue] = Double(count) }
        m.family("shards", "gauge", "Shards in the catalog by state.",
                 byState.keys.sorted().map { (["state": $0], byState[$0]!) })
        m.family("shards_ingested_total", "counter", "Shards ingested since the daemon started, by outcome.",
                 ["accepted", "duplicate", "quarantined"].map { (["outcome": $0], Double(counts.shardsByOutcome[$0] ?? 0)) })
        m.family("shards_quarantined_total", "counter", "Shards in quarantine (catalog total).",
                 [([:], byState[ShardState.quarantined.rawValue] ?? 0)])
        m.family("ingest_errors_total", "counter", "Ingest attempts that failed with an error since start.",
                 [([:], Double(counts.ingestErrors))])
        let slices = try catalog.slices()
        m.family("samples", "gauge", "Samples in the catalog by split.",
                 [(["split": "train"], Double(slices.reduce(0) { $0 + $1.train })),
                  (["split": "eval"], Double(slices.reduce(0) { $0 + $1.eval }))])
        m.family("slices", "gauge", "Months with data.", [([:], Double(slices.count))])
        m.family("pending_shards", "gauge", "Inbox files waiting to be complete or ingested.",
                 [([:], Double(state.pendingShards))])
        let steps = try catalog.steps(run: run)
        m.family("steps", "gauge", "Training steps by state.",
                 Dictionary(grouping: steps, by: \.state).sorted { $0.key < $1.key }
                    .map { (["state": $0.key], Double($0.value.count)) })
        var current = 0.0, batch = 0.0, batches = 0.0
        if case let .training(step, _, _, b, n) = state.phase { current = Double(step); batch = Double(b); batches = Double(n) }
        if case let .evaluating(step, _, _) = state.phase { current = Double(step) }
        m.family("current_step", "gauge", "The step being trained or evaluated (0 when none).", [([:], current)])
        m.family("training_batch", "gauge", "Batches done in the current step, and its total.",
                 [(["of": "done"], batch), (["of": "total"], batches)])
        m.family("training_samples_per_second", "gauge", "Training throughput of the last batch.",
                 [([:], counts.trainingSamplesPerSecond ?? 0)])
        m.family("training_loss", "gauge", "Loss of the last training batch.", [([:], counts.lastLoss ?? .nan)])
        m.family("phase", "gauge", "1 for the daemon's current phase.",
                 ["starting", "idle", "training", "evaluating", "paused", "stopping"].map {
                     (["phase": $0], $0 == state.phase.name ? 1 : 0)
                 })
        let headline = HeadlineMetric(task: task)
        let matrix = try catalog.evalMatrix(run: run, higherIsBetter: headline.higherIsBetter)
        if let last = matrix.rows.indices.last {
            m.family("eval_metric", "gauge", "The newest checkpoint's score on each slice group.",
                     matrix.columns.indices.compactMap { j in
                         matrix.values[last][j].map { (["metric": headline.name, "step": matrix.rows[last],
                                                        "slice_group": matrix.columns[j]], $0) }
                     })
        }
        m.family("steps_trained_total", "counter", "Steps trained since the daemon started.",
                 [([:], Double(counts.stepsTrained))])
        m.family("eval_cells_total", "counter", "Evaluation cells computed since the daemon started.",
                 [([:], Double(counts.cellsEvaluated))])
        m.family("blas_info", "gauge", "The OpenBLAS kernel and thread count in use.",
                 [(["core": blasCore, "threads": String(blasThreads)], 1)])
        m.family("start_time_seconds", "gauge", "Unix time the daemon started.", [([:], startedAt.timeIntervalSince1970.rounded())])
        return m.text
    }
}

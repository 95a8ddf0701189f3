import Foundation
import Models
import Replay
import Timeline

/// Scores one checkpoint on the held-out split of every step group and stores the cells (DESIGN §7).
/// Past and future groups alike: a group that arrives later is filled in by `ticd eval --backfill`.
enum EvaluationPass {
    /// The detail key that records how many held-out samples the catalog had for the group at scoring time.
    static let heldOutKey = "held_out_samples"

    /// Held-out samples the catalog has for a group's months.
    static func heldOut(_ group: StepGroup, in slices: [SliceSummary]) -> Int {
        slices.filter { $0.slice >= group.first && $0.slice <= group.last }.reduce(0) { $0 + $1.eval }
    }

    /// The cells ("checkpoint id/group label") scored on other than the held-out samples the catalog has now.
    static func staleCells(_ results: [EvalResult], slices: [SliceSummary], groups: [StepGroup]) -> Set<String> {
        let now = Dictionary(groups.map { ($0.label, heldOut($0, in: slices)) }, uniquingKeysWith: { a, _ in a })
        var stale: Set<String> = []
        for result in results {
            guard let count = now[result.sliceGroup], let json = result.detailJSON,
                  let detail = try? JSONDecoder().decode([String: Double].self, from: Data(json.utf8)),
                  let then = detail[heldOutKey] else { continue }
            if Int(then) != count { stale.insert("\(result.checkpointID)/\(result.sliceGroup)") }
        }
        return stale
    }

    /// Evaluates `checkpoint` on each of `groups` whose cell is missing (or on all, with `redo`).
    /// - Parameter shouldStop: polled between cells, so a stop (SIGTERM) waits for one cell, not the whole pass.
    /// - Returns: the number of cells written.
    @discardableResult
    static func run(checkpoint: CheckpointRecord, groups: [StepGroup], catalog: Catalog, state: StateDirectory,
                    redo: Bool = false, shouldStop: () -> Bool = { false },
                    log: (String) -> Void = { _ in }) throws -> Int {
        let done = Set(try catalog.evalResults(checkpointID: checkpoint.id).map(\.sliceGroup))
        let todo = groups.filter { redo || !done.contains($0.label) }
        guard !todo.isEmpty else { return 0 }
        let (header, tensors) = try TrainingCheckpoint.read(state.absolute(checkpoint.path))
        var scorer: (HeldOutSplit) throws -> CellScore
        if let clip = header.clip {
            let model = try CLIPModel(config: clip, seed: 0)
            try model.loadParameters(tensors)
            let evaluation = CLIPEvaluation(model: model, tokenizer: header.tokenizer)
            scorer = { try evaluation.score($0) }
        } else if let gpt = header.gpt {
            let model = try GPTModel(config: gpt, seed: 0)
            try model.loadParameters(tensors)
            let evaluation = LanguageModelEvaluation(model: model, tokenizer: header.tokenizer)
            scorer = { evaluation.score($0) }
        } else {
            throw ConfigError(path: checkpoint.path, detail: "the checkpoint names neither a CLIP nor a GPT config")
        }
        let slices = try catalog.slices()
        var written = 0
        for group in todo where !shouldStop() {
            let split = try HeldOutSplit(catalog: catalog, state: state, first: group.first, last: group.last)
            let cell = try scorer(split)
            var metrics = cell.detail
            // What the catalog held out for the group when it was scored: more arriving later (a late shard, or a
            // group trained early on request) makes the cell stale, and the daemon scores it again.
            metrics[EvaluationPass.heldOutKey] = Double(heldOut(group, in: slices))
            let detail = String(decoding: try JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys]),
                                as: UTF8.self)
            try catalog.recordEval(EvalResult(checkpointID: checkpoint.id, sliceGroup: group.label, metric: cell.metric,
                                              value: cell.headline, detailJSON: detail))
            log("eval \(checkpoint.stepLabel) on \(group.label): \(cell.metric) "
                + (cell.headline.map { String(format: "%.4f", $0) } ?? "n/a") + " over \(cell.samples) samples")
            written += 1
        }
        return written
    }
}

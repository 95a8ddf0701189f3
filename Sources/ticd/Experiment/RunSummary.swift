import Foundation
import Replay
import Timeline

/// One run's answer to "which update strategy keeps the model best on old and new slices, for what compute"
/// (DESIGN §11): TiC's summaries of its matrix, the newest model on the newest slice, the compute it spent and
/// the replay data it keeps. `results.json` holds one per policy; `GET /v0/runs` lists them.
struct RunSummary: Encodable, Equatable {
    struct Compute: Encodable, Equatable {
        /// Training samples (LM: context rows) seen, summed over steps.
        var samplesSeen: Int
        /// Forward+backward FLOPs of training, plus the method's extra passes (LwF's teacher, EWC's Fisher,
        /// patching's β search).
        var flops: Double
        var wallS: Double

        enum CodingKeys: String, CodingKey { case samplesSeen = "samples_seen", flops, wallS = "wall_s" }
    }

    /// One evaluated step: its row's summaries and its own compute.
    struct Step: Encodable, Equatable {
        var step: String
        var id: Double?
        var backward: Double?
        var forward: Double?
        var samplesSeen: Int?
        var flops: Double?
        var wallS: Double?
        /// The method's record of the step (extra FLOPs; patching's β), when it has one.
        var method: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case step, id, backward, forward, samplesSeen = "samples_seen", flops, wallS = "wall_s", method
        }
    }

    var run: String
    var policy: String
    var task: String
    var metric: String
    var higherIsBetter: Bool
    var id: Double?
    var backward: Double?
    var forward: Double?
    /// The last model's score on the newest slice group it was evaluated on.
    var finalNewest: Double?
    var compute: Compute
    /// Bytes of stored shards the policy's buffer holds after its last step (its replay share of the store:
    /// samples kept × the store's mean bytes per sample).
    var storageBytes: Int64?
    var rows: [String]
    var columns: [String]
    var matrix: [[Double?]]
    var steps: [Step]

    enum CodingKeys: String, CodingKey {
        case run, policy, task, metric, higherIsBetter = "higher_is_better", id, backward, forward
        case finalNewest = "final_newest", compute, storageBytes = "storage_bytes", rows, columns, matrix, steps
    }

    /// The summary of the run `config` names: its robustness rows (the same per-step numbers as
    /// `/v0/robustness`) with the totals of its compute.
    static func build(config: TicdConfig, catalog: Catalog) throws -> RunSummary {
        let metric = HeadlineMetric(task: config.task)
        let m = try catalog.evalMatrix(run: config.run, higherIsBetter: metric.higherIsBetter)
        let rows = try RobustnessReport.build(task: config.task, catalog: catalog, run: config.run).checkpoints
        let methods = Dictionary(try catalog.steps(run: config.run).map { ($0.label, $0.methodJSON) },
                                 uniquingKeysWith: { a, _ in a })
        let steps = rows.map { row in
            Step(step: row.step, id: row.id, backward: row.backward, forward: row.forward,
                 samplesSeen: row.compute.samplesSeen, flops: row.compute.flops, wallS: row.compute.seconds,
                 method: (methods[row.step] ?? nil).flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) })
        }
        let last = rows.last?.compute
        let compute = Compute(samplesSeen: last?.cumulativeSamples ?? 0, flops: last?.cumulativeFlops ?? 0,
                              wallS: last?.cumulativeSeconds ?? 0)
        let finalNewest = m.values.last.flatMap { last in last.indices.last { last[$0] != nil }.map { last[$0]! } }
        return RunSummary(run: config.run, policy: config.policyLabel, task: config.task, metric: metric.name,
                          higherIsBetter: metric.higherIsBetter, id: m.inDistribution, backward: m.backward,
                          forward: m.forward, finalNewest: finalNewest, compute: compute,
                          storageBytes: try storageBytes(config: config, catalog: catalog, lastStep: m.rows.last),
                          rows: m.rows, columns: m.columns, matrix: m.values, steps: steps)
    }

    /// Every run of the state directory; a run with a stored config is described by it, the base config's own
    /// run (and `main` of a catalog from before runs) by `base`.
    static func all(base: TicdConfig, catalog: Catalog) throws -> [RunSummary] {
        var names = try catalog.runs()
        if !names.contains(where: { $0.name == base.run }), !(try catalog.steps(run: base.run)).isEmpty {
            names.insert(Run(name: base.run, configJSON: nil, createdAt: 0), at: 0)
        }
        return try names.map { try build(config: try config(of: $0, base: base), catalog: catalog) }
    }

    /// The config a run was registered with, or `base` renamed to the run when none was stored.
    static func config(of run: Run, base: TicdConfig) throws -> TicdConfig {
        guard let json = run.configJSON else {
            var renamed = base
            renamed.run = run.name
            return renamed
        }
        var config = try TicdConfig.parse(Data(json.utf8), path: "run \(run.name)")
        config.run = run.name
        config.stateDir = base.stateDir
        return config
    }

    /// Samples the last plan keeps (old groups' buffer plus the new step's own data) times the store's mean
    /// bytes per sample of the task's kind.
    private static func storageBytes(config: TicdConfig, catalog: Catalog, lastStep: String?) throws -> Int64? {
        guard let lastStep, let json = try catalog.plan(run: config.run, stepLabel: lastStep),
              let plan = try? StepPlan(jsonData: Data(json.utf8)) else { return nil }
        var kept = plan.keep
        for (slice, count) in plan.available where Month(slice).map({ $0 >= plan.first && $0 <= plan.last }) == true {
            kept[slice] = max(kept[slice] ?? 0, count)
        }
        let shards = try catalog.shards(state: .ready).filter { $0.kind == config.shardKind }
        let samples = shards.reduce(0) { $0 + $1.samples }
        guard samples > 0 else { return nil }
        let perSample = Double(shards.reduce(Int64(0)) { $0 + $1.bytes }) / Double(samples)
        return Int64((Double(kept.values.reduce(0, +)) * perSample).rounded())
    }
}

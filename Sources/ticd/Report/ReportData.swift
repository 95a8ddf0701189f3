import Foundation
import Models
import Timeline

/// Everything one report page shows, read in one pass from a run's config and catalog and from the runs it
/// is compared with. It is kept apart from the HTML so `ticd report` and the daemon's `GET /v0/report` render
/// the same page from the same snapshot, and so tests can check the numbers without parsing markup.
struct ReportData {
    /// One run in the compute-versus-quality chart and the summary table.
    struct Run {
        /// The legend's name: the policy, plus the state directory's name when two runs share a policy.
        var label: String
        var policy: String
        var stateDir: String
        var summary: EvalCommand.Summary
        /// One point per evaluated step, in step order.
        var points: [ComputePoint]
        /// The run's matrix and per-step summaries, for its own heatmap when runs are compared.
        var detail: RunSummary
    }

    /// A run's compute and quality after one evaluated step.
    struct ComputePoint {
        var step: String
        /// Samples trained on through this step, summed over the run's steps; nil when this step has no count.
        var samplesSeen: Int?
        /// Training FLOPs through this step; nil when this step has no count.
        var flops: Double?
        /// Training seconds through this step.
        var seconds: Double?
        /// The mean of this step's row over the slice groups trained on so far (its own and every earlier one):
        /// how good the model is on everything it has seen, the quantity replay policies trade compute for.
        var quality: Double?
    }

    var task: String
    var metric: String
    var higherIsBetter: Bool
    var policy: String
    /// Replay and schedule settings in one line: alpha, buffer size, samples per step, step unit.
    var settings: String
    /// The model's sizes in one line.
    var model: String
    var configPath: String
    var stateDir: String
    var generatedAt: Date
    /// E[i][j], its summaries and each evaluated step's compute, exactly as `ticd eval --json` gives them.
    var evaluation: EvalCommand.Output
    /// Every planned step with its state and compute, evaluated or not.
    var steps: [StepRecord]
    /// Samples per month in the catalog, train and held-out eval.
    var slices: [SliceSummary]
    /// This run first, then each compared run in the order given.
    var runs: [Run]

    /// Whether charts show the metric on a log scale: perplexity is exp(loss), so its logarithm is the loss, and
    /// a few far-off slice groups (months whose words the model never saw) would otherwise flatten the rest.
    var logarithmic: Bool { metric == "perplexity" }

    /// False until some checkpoint has been scored on some slice group.
    var hasEvaluations: Bool { evaluation.matrix.contains { $0.contains { $0 != nil } } }

    /// Gathers the report of the run `config` describes, whose catalog is `catalog`, compared with the runs
    /// of `compare` (other state directories trained on the same task, such as other replay policies).
    /// - Throws: `ConfigError` naming a compared config whose task differs from this run's (their metrics
    ///   could not share an axis) or whose state directory has no catalog; catalog and model-config errors.
    static func load(config: TicdConfig, catalog: Catalog, compare: [TicdConfig]) throws -> ReportData {
        let evaluation = try EvalCommand.matrix(config: config, catalog: catalog)
        var runs = [try run(config: config, catalog: catalog, evaluation: evaluation)]
        for other in compare {
            guard other.task == config.task else {
                throw ConfigError(path: other.path, detail: "task \"\(other.task)\" differs from the report's task "
                                  + "\"\(config.task)\" (\(config.path)); compared runs must share a metric")
            }
            guard FileOps.exists(other.state.catalogPath) else {
                throw ConfigError(path: other.path, detail: "state_dir \(other.stateDir) has no catalog to compare with")
            }
            let otherCatalog = try Catalog(path: other.state.catalogPath)
            runs.append(try run(config: other, catalog: otherCatalog,
                                evaluation: try EvalCommand.matrix(config: other, catalog: otherCatalog)))
        }
        let policies = runs.map(\.policy)
        for i in runs.indices where policies.filter({ $0 == runs[i].policy }).count > 1 {
            runs[i].label += " (\(URL(fileURLWithPath: runs[i].stateDir).lastPathComponent))"
        }
        // Runs still alike (/a/state and /b/state, or a config compared with itself) are told apart by number.
        let labels = runs.map(\.label)
        for i in runs.indices where labels.filter({ $0 == labels[i] }).count > 1 {
            runs[i].label += " #\(i + 1)"
        }
        return ReportData(task: config.task, metric: evaluation.metric, higherIsBetter: HeadlineMetric(task: config.task).higherIsBetter,
                          policy: config.policyLabel, settings: settings(config), model: try modelSummary(config),
                          configPath: config.path, stateDir: config.stateDir, generatedAt: Date(),
                          evaluation: evaluation, steps: try catalog.steps(run: config.run), slices: try catalog.slices(), runs: runs)
    }

    /// One run's summary and its cumulative compute and quality at each evaluated step: the rows of
    /// `/v0/robustness`, so the chart and the socket agree.
    private static func run(config: TicdConfig, catalog: Catalog, evaluation: EvalCommand.Output) throws -> Run {
        let points = try RobustnessReport.build(task: config.task, catalog: catalog, run: config.run).checkpoints.map { row in
            ComputePoint(step: row.step, samplesSeen: row.compute.samplesSeen.map { _ in row.compute.cumulativeSamples },
                         flops: row.compute.flops.map { _ in row.compute.cumulativeFlops },
                         seconds: row.compute.seconds.map { _ in row.compute.cumulativeSeconds }, quality: row.trainedMean)
        }
        return Run(label: config.run == Timeline.Run.main ? config.policyLabel : config.run, policy: config.policyLabel,
                   stateDir: config.stateDir,
                   summary: evaluation.summary, points: points,
                   detail: try RunSummary.build(config: config, catalog: catalog))
    }

    private static func settings(_ config: TicdConfig) -> String {
        let alpha: String
        switch config.alpha {
        case .fixed(let share): alpha = String(format: "%g", share)
        case .pool: alpha = "pool"
        case .inverseT: alpha = "1/t"
        }
        return "alpha \(alpha), buffer \(ReportFormat.count(config.bufferSize)), "
            + "\(ReportFormat.count(config.samplesPerStep)) samples per step, step unit \(config.stepUnit.text), "
            + "batch \(config.batchSize), lr \(config.lr) (\(config.lrSchedule))"
    }

    private static func modelSummary(_ config: TicdConfig) throws -> String {
        if config.task == "clip" {
            let m = try config.modelConfig(CLIPConfig.self)
            return "CLIP: image \(m.imageSize) px, patch \(m.patchSize), vision width \(m.visionWidth) × \(m.visionLayers) layers "
                + "(\(m.visionHeads) heads); text context \(m.contextLength), vocab \(m.vocabSize), width \(m.textWidth) × "
                + "\(m.textLayers) layers (\(m.textHeads) heads); embed \(m.embedDim); "
                + "\(ReportFormat.si(m.flopsPerSample()))FLOP per training sample"
        }
        let m = try config.modelConfig(GPTConfig.self)
        return "GPT: context \(m.contextLength), vocab \(m.vocabSize), width \(m.width) × \(m.layers) layers (\(m.heads) heads); "
            + "\(ReportFormat.si(m.flopsPerSample()))FLOP per training sequence"
    }
}

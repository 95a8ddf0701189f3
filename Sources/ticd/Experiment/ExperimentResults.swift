import Foundation
import Timeline

/// `results.json` and `results.md` of an experiment (DESIGN §11): every policy's summary, compute and storage,
/// and its per-step matrix.
struct ExperimentResults: Encodable {
    let task: String
    let metric: String
    let higherIsBetter: Bool
    let quick: Bool
    let baseConfig: String
    let stateDir: String
    /// Run summaries by policy name.
    let policies: [String: RunSummary]
    /// The policies in the order they were given.
    let order: [String]

    enum CodingKeys: String, CodingKey {
        case task, metric, higherIsBetter = "higher_is_better", quick, baseConfig = "base_config", stateDir = "state_dir"
        case policies, order
    }

    static func build(plan: ExperimentPlan, configs: [TicdConfig], catalog: Catalog) throws -> ExperimentResults {
        var policies: [String: RunSummary] = [:]
        for config in configs { policies[config.run] = try RunSummary.build(config: config, catalog: catalog) }
        let metric = HeadlineMetric(task: plan.base.task)
        return ExperimentResults(task: plan.base.task, metric: metric.name, higherIsBetter: metric.higherIsBetter,
                                 quick: plan.quick, baseConfig: plan.base.path, stateDir: plan.base.stateDir,
                                 policies: policies, order: configs.map(\.run))
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The table of TiC's strategy comparison: one row per policy.
    func markdown() -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        func si(_ v: Double) -> String { ReportFormat.si(v) }
        var lines = [
            "| policy | ID | backward | forward | final newest | samples seen | FLOPs | wall s | storage MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in order {
            guard let r = policies[name] else { continue }
            lines.append("| \(name) | \(f(r.id)) | \(f(r.backward)) | \(f(r.forward)) | \(f(r.finalNewest)) | "
                         + "\(r.compute.samplesSeen) | \(si(r.compute.flops)) | \(String(format: "%.1f", r.compute.wallS)) | "
                         + "\(r.storageBytes.map { String(format: "%.2f", Double($0) / 1e6) } ?? "-") |")
        }
        let better = higherIsBetter ? "higher" : "lower"
        return "\(metric) (\(better) is better) on \(task == "clip" ? "image-text retrieval" : "held-out text")"
            + (quick ? ", quick variant" : "") + "\n\n" + lines.joined(separator: "\n") + "\n"
    }
}

import Foundation
import Timeline

/// `GET /v0/robustness`: how each checkpoint holds up across time, answered from the catalog without running
/// a model. The HTML report's compute-versus-quality chart is drawn from the same rows. Per checkpoint (row i of E): its in-distribution score E[i][i], backward and forward transfer over
/// its row, the newest slice group's score against the mean on the groups it trained on, how much each older
/// group has been forgotten since its best, and the compute spent.
struct RobustnessReport: Encodable {
    struct Newest: Encodable {
        let sliceGroup: String
        let score: Double
        /// `score` minus the row's `trained_mean`: negative for recall (or positive for perplexity) when the
        /// model ages.
        let gap: Double?

        enum CodingKeys: String, CodingKey { case sliceGroup = "slice_group", score, gap }
    }

    struct Compute: Encodable {
        let samplesSeen: Int?
        let flops: Double?
        let seconds: Double?
        /// Through this step, over every step so far.
        let cumulativeSamples: Int
        let cumulativeFlops: Double
        let cumulativeSeconds: Double

        enum CodingKeys: String, CodingKey {
            case samplesSeen = "samples_seen", flops, seconds, cumulativeSamples = "cumulative_samples"
            case cumulativeFlops = "cumulative_flops", cumulativeSeconds = "cumulative_seconds"
        }
    }

    struct Row: Encodable {
        let step: String
        let index: Int
        let checkpoint: String?
        let id: Double?
        let backward: Double?
        let forward: Double?
        /// Mean of E[i][j] over the groups up to and including the step's own: quality on what it has seen.
        let trainedMean: Double?
        let newest: Newest?
        /// Per older group: its best score by any checkpoint up to this one minus this one's (positive = forgotten).
        let forgetting: [String: Double]
        let compute: Compute

        enum CodingKeys: String, CodingKey {
            case step, index, checkpoint, id, backward, forward, trainedMean = "trained_mean", newest, forgetting, compute
        }
    }

    struct Summary: Encodable {
        let id: Double?
        let backward: Double?
        let forward: Double?
    }

    let task: String
    let metric: String
    let higherIsBetter: Bool
    let columns: [String]
    let checkpoints: [Row]
    let summary: Summary
    /// Every run of the state directory, when it holds more than one (DESIGN §11): the policies side by side.
    var runs: [RunSummary]?

    enum CodingKeys: String, CodingKey {
        case task, metric, higherIsBetter = "higher_is_better", columns, checkpoints, summary, runs
    }

    static func build(task: String, catalog: Catalog, run: String = Run.main) throws -> RobustnessReport {
        let metric = HeadlineMetric(task: task)
        let m = try catalog.evalMatrix(run: run, higherIsBetter: metric.higherIsBetter)
        let steps = Dictionary(try catalog.steps(run: run).map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        let checkpoints = try catalog.checkpoints(run: run).filter(\.accepted)
        var cumulativeSamples = 0, cumulativeFlops = 0.0, cumulativeSeconds = 0.0
        var rows: [Row] = []
        for (i, label) in m.rows.enumerated() {
            let values = m.values[i]
            let own = m.columns.firstIndex(of: label) ?? i
            func mean(_ js: [Int]) -> Double? {
                let xs = js.compactMap { values[$0] }
                return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
            }
            let trainedMean = values.isEmpty ? nil : mean(Array(0...min(own, values.count - 1)))
            let newest = values.indices.last { values[$0] != nil }.map { j in
                Newest(sliceGroup: m.columns[j], score: values[j]!, gap: trainedMean.map { values[j]! - $0 })
            }
            var forgetting: [String: Double] = [:]
            for (j, drop) in m.forgetting(row: i).enumerated() {
                if let drop { forgetting[m.columns[j]] = drop }
            }
            let step = steps[label]
            cumulativeSamples += step?.samplesSeen ?? 0
            cumulativeFlops += step?.flops ?? 0
            cumulativeSeconds += step?.seconds ?? 0
            rows.append(Row(step: label, index: i + 1,
                            checkpoint: checkpoints.last { $0.stepLabel == label }?.path,
                            id: own < values.count ? values[own] : nil,
                            backward: mean(Array(0..<min(own, values.count))),
                            forward: own + 1 < values.count ? mean(Array((own + 1)..<values.count)) : nil,
                            trainedMean: trainedMean, newest: newest, forgetting: forgetting,
                            compute: Compute(samplesSeen: step?.samplesSeen, flops: step?.flops, seconds: step?.seconds,
                                             cumulativeSamples: cumulativeSamples, cumulativeFlops: cumulativeFlops,
                                             cumulativeSeconds: cumulativeSeconds)))
        }
        return RobustnessReport(task: task, metric: metric.name, higherIsBetter: metric.higherIsBetter,
                                columns: m.columns, checkpoints: rows,
                                summary: Summary(id: m.inDistribution, backward: m.backward, forward: m.forward))
    }
}

import Foundation
import Timeline

/// `ticd eval --config FILE [--run NAME] [--json] [--backfill]`: the evaluation matrix E[i][j] with TiC's summaries, the
/// compute of each step and every cell's metrics (DESIGN §10). `--backfill` first scores every accepted
/// checkpoint on the step groups it has not seen yet, such as a year that arrived after it was trained.
enum EvalCommand {
    struct Output: Encodable {
        let task: String
        let metric: String
        let rows: [String]
        let columns: [String]
        let matrix: [[Double?]]
        let summary: Summary
        let compute: [Compute]
        let detail: [String: [String: [String: Double]]]
    }

    struct Summary: Encodable {
        let id: Double?
        let backward: Double?
        let forward: Double?
    }

    struct Compute: Encodable {
        let step: String
        let samplesSeen: Int?
        let flops: Double?
        let seconds: Double?

        enum CodingKeys: String, CodingKey {
            case step, samplesSeen = "samples_seen", flops, seconds
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "run"], boolFlags: ["json", "backfill"])
        let config = try TicdConfig.load(a)
        let state = config.state
        let catalog = try Catalog(path: state.catalogPath)
        if a.flag("backfill") {
            let groups = config.stepGroups(months: try catalog.slices().map(\.slice))
            for checkpoint in try catalog.checkpoints(run: config.run) where checkpoint.accepted {
                try EvaluationPass.run(checkpoint: checkpoint, groups: groups, catalog: catalog, state: state,
                                       log: printError)
            }
        }
        let output = try matrix(config: config, catalog: catalog)
        if a.flag("json") {
            print(jsonLine(output))
        } else {
            printTable(output)
        }
        return 0
    }

    static func matrix(config: TicdConfig, catalog: Catalog) throws -> Output {
        let metric = HeadlineMetric(task: config.task)
        let m = try catalog.evalMatrix(run: config.run, higherIsBetter: metric.higherIsBetter)
        let steps = try catalog.steps(run: config.run)
        let byID = Dictionary(uniqueKeysWithValues: try catalog.checkpoints(run: config.run).map { ($0.id, $0.stepLabel) })
        var detail: [String: [String: [String: Double]]] = [:]
        for r in try catalog.evalResults(run: config.run) {
            guard let row = byID[r.checkpointID], let json = r.detailJSON,
                  let cell = try? JSONDecoder().decode([String: Double].self, from: Data(json.utf8)) else { continue }
            detail[row, default: [:]][r.sliceGroup] = cell
        }
        return Output(task: config.task, metric: metric.name, rows: m.rows, columns: m.columns,
                      matrix: m.values, summary: Summary(id: m.inDistribution, backward: m.backward, forward: m.forward),
                      compute: steps.filter { m.rows.contains($0.label) }.map {
                          Compute(step: $0.label, samplesSeen: $0.samplesSeen, flops: $0.flops, seconds: $0.seconds)
                      }, detail: detail)
    }

    static func printTable(_ o: Output) {
        print("E[step][eval] — \(o.metric) (\(HeadlineMetric(task: o.task).higherIsBetter ? "higher" : "lower") is better)")
        print("trained on".padding(toLength: 14, withPad: " ", startingAt: 0)
              + o.columns.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        for (i, row) in o.rows.enumerated() {
            print(row.padding(toLength: 14, withPad: " ", startingAt: 0) + o.matrix[i].map {
                ($0.map { String(format: "%.4f", $0) } ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0)
            }.joined())
        }
        let f = { (v: Double?) in v.map { String(format: "%.4f", $0) } ?? "-" }
        print("in-distribution \(f(o.summary.id))   backward \(f(o.summary.backward))   forward \(f(o.summary.forward))")
    }
}

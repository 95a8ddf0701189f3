import Foundation
import Models
import Replay
import Timeline

/// `ticd train --config FILE [--until-step N] [--json]`: runs every pending step in the foreground — plan,
/// train (resuming a step that was stopped), checkpoint, evaluate — then stops (DESIGN §10). A step is
/// pending once a later month has arrived, or when `--until-step` asks for it explicitly. Progress goes to
/// stderr; `--json` prints one object per finished step on stdout.
enum TrainCommand {
    struct StepLine: Encodable {
        let step: Int
        let label: String
        let state: String
        let samplesSeen: Int?
        let flops: Double?
        let seconds: Double?

        enum CodingKeys: String, CodingKey {
            case step, label, state, samplesSeen = "samples_seen", flops, seconds
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "run", "until-step"], boolFlags: ["json"])
        let config = try TicdConfig.load(a)
        let untilStep = try a.int("until-step")
        let state = config.state
        guard FileManager.default.fileExists(atPath: state.catalogPath) else {
            throw UsageError("no catalog at \(state.catalogPath); ingest some shards first")
        }
        try state.create()
        let lock = try StateLock(state: state, holder: "ticd train")
        defer { withExtendedLifetime(lock) {} }
        let catalog = try Catalog(path: state.catalogPath)
        try config.requireOneKind(in: catalog)
        BLAS.threads = config.threads
        let months = try catalog.slices().map(\.slice)
        guard let latest = months.max() else { throw UsageError("the catalog holds no ready shard") }
        let groups = config.stepGroups(months: months)
        let stop = SignalQueue([SIGINT, SIGTERM])
        let runner = StepRunner(config: config, catalog: catalog, state: state, groups: groups,
                                shouldStop: { stop.latest != nil })
        for group in groups {
            let asked = untilStep.map { group.index <= $0 } ?? false
            guard asked || StepGrouping.isComplete(group, latestMonth: latest) else { break }
            if let until = untilStep, group.index > until { break }
            switch try runner.run(group) {
            case .done:
                if a.flag("json"), let step = try catalog.steps().first(where: { $0.label == group.label }) {
                    print(jsonLine(StepLine(step: group.index, label: step.label, state: step.state,
                                            samplesSeen: step.samplesSeen, flops: step.flops, seconds: step.seconds)))
                }
            case .stopped(let batches):
                printError("ticd train: stopped by signal after batch \(batches) of step \(group.index) (\(group.label)); "
                           + "the step resumes from its checkpoint on the next start")
                return 0
            case .evaluationStopped:
                printError("ticd train: stopped by signal while evaluating step \(group.index) (\(group.label)); "
                           + "the missing cells are scored on the next start")
                return 0
            }
        }
        return 0
    }
}

import Foundation
import Replay
import Timeline

/// `ticd plan --config FILE --step N [--json] [--fresh]`: what step N trains on — per-slice counts, the
/// new/old share and the budget (DESIGN §10). A plan already stored in the catalog for that step (the one a
/// started step trains and resumes on) is shown as stored; `--fresh` computes it from the catalog as it is now.
enum PlanCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "run", "step"], boolFlags: ["json", "fresh"])
        let config = try TicdConfig.load(a)
        guard let step = try a.int("step") else { throw UsageError("missing --step") }
        let state = config.state
        guard FileManager.default.fileExists(atPath: state.catalogPath) else {
            throw UsageError("no catalog at \(state.catalogPath); ingest some shards first")
        }
        let catalog = try Catalog(path: state.catalogPath)
        let (plan, stored) = try resolve(step: step, config: config, catalog: catalog, fresh: a.flag("fresh"))
        if a.flag("json") {
            print(String(decoding: try plan.jsonData(), as: UTF8.self))
            return 0
        }
        print("step \(plan.step) (\(plan.label)), policy \(plan.policy.rawValue), init \(plan.initialization.rawValue)"
              + (stored ? ", stored plan" : ", computed from the catalog now"))
        print(String(format: "budget %d: %d new (%.1f%%), %d old (%.1f%%), buffer %d", plan.budget, plan.newSamples,
                     plan.newShare * 100, plan.oldSamples, plan.oldShare * 100, plan.bufferSize))
        print("slice        drawn  available  repeats    keep  droppable")
        for slice in plan.slices.keys.sorted() {
            print(slice.padding(toLength: 8, withPad: " ", startingAt: 0)
                  + String(format: "%10d %10d %8.2f %7d %10d", plan.slices[slice] ?? 0, plan.available[slice] ?? 0,
                           plan.upsampling[slice] ?? 1, plan.keep[slice] ?? 0, plan.droppable[slice] ?? 0))
        }
        print("\(plan.draws.count) shard draws")
        return 0
    }

    /// Step N's plan: the stored one a started step trains on, unless `fresh`, else computed from the catalog
    /// now. Serves `ticd plan` and `GET /v0/plan?step=N`.
    static func resolve(step: Int, config: TicdConfig, catalog: Catalog, fresh: Bool) throws -> (plan: StepPlan, stored: Bool) {
        let plan = try Planner.plan(step: step, catalog: catalog, unit: config.stepUnit,
                                    firstStepUntil: config.firstStepUntil, config: config.replay)
        if !fresh, let json = try catalog.plan(run: config.run, stepLabel: plan.label) {
            return (try StepPlan(jsonData: Data(json.utf8)), true)
        }
        return (plan, false)
    }
}

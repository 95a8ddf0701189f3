import XCTest
import Timeline
@testable import Replay

/// Small hand-made inputs whose plans can be worked out on paper.
enum PlanFixtures {
    /// One shard per year, in January, starting 2015: shard i + 1 holds `trains[i]` train samples.
    static func yearly(_ trains: [Int]) throws -> (groups: [StepGroup], input: PlanInput) {
        let rows = trains.enumerated().map { i, train in
            ShardSliceCount(shardID: Int64(i + 1), slice: Month(year: 2015 + i, month: 1)!, train: train)
        }
        let input = try PlanInput(rows)
        let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
        return (groups, input)
    }

    static func config(_ policy: ReplayPolicyName, alpha: Alpha = .fixed(0.5), buffer: Int = 800,
                       budget: Int = 1_000, seed: UInt64 = 7) -> ReplayConfig {
        ReplayConfig(policy: policy, alpha: alpha, bufferSize: buffer, samplesPerStep: budget, seed: seed)
    }

    /// Draws per year of a plan over `yearly` input, oldest first.
    static func drawnPerYear(_ plan: StepPlan, years: Int) -> [Int] {
        (0..<years).map { plan.slices[Month(year: 2015 + $0, month: 1)!.description] ?? 0 }
    }

    /// Samples held per year (what the draws come from), oldest first.
    static func heldPerYear(_ plan: StepPlan, years: Int) -> [Int] {
        (0..<years).map { plan.available[Month(year: 2015 + $0, month: 1)!.description] ?? 0 }
    }
}

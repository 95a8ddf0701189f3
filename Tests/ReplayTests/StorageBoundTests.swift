import XCTest
import Timeline
@testable import Replay

final class StorageBoundTests: XCTestCase {
    func testSequentialMarksAllOldDataDroppable() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 2_000, 3_000])
        let plan = try Planner.plan(step: 3, groups: groups, counts: input, config: PlanFixtures.config(.sequential))
        XCTAssertEqual(plan.keep, ["2015-01": 0, "2016-01": 0, "2017-01": 3_000])
        XCTAssertEqual(plan.droppable, ["2015-01": 1_000, "2016-01": 2_000, "2017-01": 0])
    }

    func testCumulativeAllRestartAndOracleKeepEverything() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 2_000, 3_000])
        for policy in [ReplayPolicyName.cumulativeAll, .restart, .oracle] {
            let plan = try Planner.plan(step: 3, groups: groups, counts: input, config: PlanFixtures.config(policy))
            XCTAssertEqual(plan.droppable, ["2015-01": 0, "2016-01": 0, "2017-01": 0], policy.rawValue)
        }
    }

    func testCumulativeExpKeepsOnlyItsBufferOfOldSteps() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 1_000, 1_000, 1_000])
        let plan = try Planner.plan(step: 4, groups: groups, counts: input,
                                    config: PlanFixtures.config(.cumulativeExp, buffer: 800))
        XCTAssertEqual(plan.keep, ["2015-01": 100, "2016-01": 200, "2017-01": 400, "2018-01": 1_000])
        XCTAssertEqual(plan.droppable, ["2015-01": 900, "2016-01": 800, "2017-01": 600, "2018-01": 0])
    }

    func testReservoirKeepsItsShareOfTheBuffer() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 3_000, 500])
        let plan = try Planner.plan(step: 3, groups: groups, counts: input,
                                    config: PlanFixtures.config(.reservoir, buffer: 800))
        XCTAssertEqual(plan.keep, ["2015-01": 200, "2016-01": 600, "2017-01": 500])
    }

    func testWhatALaterStepDrawsFromIsNeverMoreThanWhatAnEarlierStepKept() throws {
        // Uneven shards in uneven months, so the per-shard rounding is exercised.
        var rows: [ShardSliceCount] = []
        var id: Int64 = 0
        for year in 2015...2021 {
            for month in 1...12 where (year + month) % 3 != 0 {
                for k in 0..<(1 + (year * month) % 4) {
                    id += 1
                    rows.append(ShardSliceCount(shardID: id, slice: Month(year: year, month: month)!,
                                                train: 50 + (k * 37 + month * 11 + year) % 90))
                }
            }
        }
        let input = try PlanInput(rows)
        let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
        for policy in [ReplayPolicyName.cumulativeExp, .cumulativeEqual, .reservoir, .sequential] {
            let config = PlanFixtures.config(policy, alpha: .pool, buffer: 997, budget: 5_000)
            for step in 2..<groups.count {
                let now = try Planner.plan(step: step, groups: groups, counts: input, config: config)
                for later in (step + 1)...groups.count {
                    let next = try Planner.plan(step: later, groups: groups, counts: input, config: config)
                    for (slice, held) in next.available {
                        guard let kept = now.keep[slice] else { continue }
                        XCTAssertLessThanOrEqual(held, kept, "\(policy) step \(step)→\(later) \(slice)")
                    }
                }
                for (slice, kept) in now.keep {
                    XCTAssertEqual(kept + now.droppable[slice]!, input.total(of: Month(slice)!))
                }
            }
        }
    }
}

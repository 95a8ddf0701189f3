import XCTest
import Timeline
@testable import Replay

final class ApportionmentTests: XCTestCase {
    func testLargestRemainderGivesLeftoversToTheLargestFractions() {
        // 7 over 3:5:2 → 2.1, 3.5, 1.4: floors 2, 3, 1 and the one left to the .5.
        XCTAssertEqual(Planner.apportion(7, over: [3, 5, 2]), [2, 4, 1])
    }

    func testLargestRemainderTiesGoToTheLowerIndex() {
        // 5 over 1:2:7 → 0.5, 1, 3.5: the tie between .5s goes to index 0.
        XCTAssertEqual(Planner.apportion(5, over: [1, 2, 7]), [1, 1, 3])
        XCTAssertEqual(Planner.apportion(2, over: [1, 1, 1]), [1, 1, 0])
    }

    func testApportionHandlesTiCScaleProductsWithoutOverflow() {
        let parts = Planner.apportion(16_625_664_000, over: [12_000_000_000, 700_000_000, 1])
        XCTAssertEqual(parts.reduce(0, +), 16_625_664_000)
        XCTAssertEqual(parts, [15_709_288_818, 916_375_181, 1])
    }

    func testQuotaIsSpreadOverMonthsByTrainCountTiesToTheEarlierMonth() throws {
        let rows = ["2019-01", "2019-02", "2019-03"].enumerated().map { i, month in
            ShardSliceCount(shardID: Int64(i + 1), slice: Month(month)!, train: 100)
        }
        let input = try PlanInput(rows)
        let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
        let plan = try Planner.plan(step: 1, groups: groups, counts: input,
                                    config: PlanFixtures.config(.sequential, budget: 10))
        XCTAssertEqual(plan.slices, ["2019-01": 4, "2019-02": 3, "2019-03": 3])
    }

    func testMonthQuotaIsSpreadOverShardsByTrainCountTiesToTheLowerShardID() throws {
        let month = Month("2019-01")!
        let rows = [30, 10, 20].map { ShardSliceCount(shardID: Int64($0), slice: month, train: 100) }
            + [ShardSliceCount(shardID: 40, slice: month, train: 700)]
        let input = try PlanInput(rows)
        let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
        let plan = try Planner.plan(step: 1, groups: groups, counts: input,
                                    config: PlanFixtures.config(.sequential, budget: 25))
        // 25 over 100:100:100:700 → 2.5, 2.5, 2.5, 17.5: floors 2, 2, 2, 17; of the four tied halves, the
        // two samples left go to shards 10 and 20.
        XCTAssertEqual(plan.draws.map(\.shardID), [10, 20, 30, 40])
        XCTAssertEqual(plan.draws.map(\.count), [3, 3, 2, 17])
    }

    func testDrawsRepeatSamplesWhenTheQuotaExceedsWhatIsAvailable() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000])
        let plan = try Planner.plan(step: 1, groups: groups, counts: input,
                                    config: PlanFixtures.config(.sequential, budget: 2_500))
        XCTAssertEqual(plan.draws, [ShardDraw(shardID: 1, slice: Month("2015-01")!, count: 2_500, available: 1_000)])
        XCTAssertEqual(plan.upsampling, ["2015-01": 2.5])
    }

    func testOldDrawsRepeatWhenTheBufferIsSmallerThanTheirShare() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 1_000])
        let plan = try Planner.plan(step: 2, groups: groups, counts: input,
                                    config: PlanFixtures.config(.cumulativeExp, buffer: 100, budget: 1_000))
        // cumulative-exp holds B/2 = 50 of the one old step; its 500 draws repeat each held sample 10 times.
        XCTAssertEqual(plan.available["2015-01"], 50)
        XCTAssertEqual(plan.slices["2015-01"], 500)
        XCTAssertEqual(plan.upsampling, ["2015-01": 10])
    }

    func testNoSliceRepeatsWhenEverythingFits() throws {
        let (groups, input) = try PlanFixtures.yearly([1_000, 1_000])
        let plan = try Planner.plan(step: 2, groups: groups, counts: input, config: PlanFixtures.config(.cumulativeAll))
        XCTAssertEqual(plan.upsampling, [:])
    }
}

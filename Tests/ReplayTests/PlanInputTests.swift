import XCTest
import Timeline
@testable import Replay

final class PlanInputTests: XCTestCase {
    private let jan = Month("2019-01")!, feb = Month("2019-02")!

    func testRowsAreLaidOutBySliceThenShardWhateverTheirOrder() throws {
        let input = try PlanInput([ShardSliceCount(shardID: 9, slice: feb, train: 4),
                                   ShardSliceCount(shardID: 5, slice: jan, train: 3),
                                   ShardSliceCount(shardID: 2, slice: feb, train: 6)])
        XCTAssertEqual(input.months, [jan, feb])
        XCTAssertEqual(input.monthTotals, [3, 10])
        XCTAssertEqual(input.shardIDs, [5, 2, 9])
        XCTAssertEqual(input.runStarts, [0, 1, 3])
    }

    func testRowsWithoutTrainSamplesAreSkipped() throws {
        let input = try PlanInput([ShardSliceCount(shardID: 1, slice: jan, train: 0),
                                   ShardSliceCount(shardID: 1, slice: feb, train: 2)])
        XCTAssertEqual(input.months, [feb])
        XCTAssertEqual(input.total(of: jan), 0)
    }

    func testARowGivenTwiceIsBadInput() {
        XCTAssertThrowsError(try PlanInput([ShardSliceCount(shardID: 1, slice: jan, train: 2),
                                            ShardSliceCount(shardID: 1, slice: jan, train: 2)])) { error in
            guard case .badInput = error as? ReplayError else { return XCTFail("\(error)") }
        }
    }

    func testCountsInAMonthNoGroupCoversAreBadInput() throws {
        let input = try PlanInput([ShardSliceCount(shardID: 1, slice: jan, train: 2)])
        let groups = [StepGroup(index: 1, label: "2020", first: Month("2020-01")!, last: Month("2020-12")!)]
        XCTAssertThrowsError(try Planner.plan(step: 1, groups: groups, counts: input,
                                              config: PlanFixtures.config(.sequential))) { error in
            guard case .badInput = error as? ReplayError else { return XCTFail("\(error)") }
        }
    }

    func testSlicesAfterTheStepAreIgnored() throws {
        let (groups, input) = try PlanFixtures.yearly([100, 200, 300])
        let plan = try Planner.plan(step: 2, groups: groups, counts: input, config: PlanFixtures.config(.cumulativeAll))
        XCTAssertNil(plan.slices["2017-01"])
        XCTAssertNil(plan.keep["2017-01"])
    }
}

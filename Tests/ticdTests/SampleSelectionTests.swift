import XCTest
import Replay
import Timeline
@testable import ticd

/// `SampleSelection`: StepPlan's draw contract (a seeded permutation prefix, cycled) and its checks
/// against the catalog.
final class SampleSelectionTests: XCTestCase {
    let slice = Month(year: 2016, month: 3)!

    func testPermutationPrefixDoesNotDependOnItsLength() {
        let long = SampleSelection.order(seed: 7, shardKey: 4, slice: slice, train: 500, prefix: 400)
        let short = SampleSelection.order(seed: 7, shardKey: 4, slice: slice, train: 500, prefix: 37)
        XCTAssertEqual(Array(long[..<37]), short)
        XCTAssertEqual(Set(long).count, 400)
        XCTAssertTrue(long.allSatisfy { (0..<500).contains($0) })
    }

    func testPermutationDependsOnSeedShardAndSlice() {
        let base = SampleSelection.order(seed: 7, shardKey: 4, slice: slice, train: 200, prefix: 50)
        XCTAssertNotEqual(base, SampleSelection.order(seed: 8, shardKey: 4, slice: slice, train: 200, prefix: 50))
        XCTAssertNotEqual(base, SampleSelection.order(seed: 7, shardKey: 5, slice: slice, train: 200, prefix: 50))
        XCTAssertNotEqual(base, SampleSelection.order(seed: 7, shardKey: 4, slice: slice.adding(months: 1),
                                                      train: 200, prefix: 50))
    }

    func testDrawTakesCountSamplesFromMinOfCountAndAvailableCycling() {
        for (count, available) in [(10, 40), (40, 40), (97, 40), (1, 1), (5, 1)] {
            let draw = ShardDraw(shardID: 2, slice: slice, count: count, available: available)
            let times = SampleSelection.Slice(draw: draw, train: 60).multiplicities(seed: 3, shardKey: 1)
            XCTAssertEqual(times.count, 60)
            XCTAssertEqual(times.reduce(0) { $0 + Int($1) }, count, "count \(count) available \(available)")
            XCTAssertEqual(times.filter { $0 > 0 }.count, min(count, available))
            let most = times.max()!, least = times.filter { $0 > 0 }.min()!
            XCTAssertLessThanOrEqual(most - least, 1, "cycling spreads repeats evenly")
        }
    }

    func testSmallerDrawOfTheSameSliceIsASubsetOfALargerOne() {
        let small = SampleSelection.Slice(draw: ShardDraw(shardID: 2, slice: slice, count: 12, available: 30), train: 60)
        let large = SampleSelection.Slice(draw: ShardDraw(shardID: 2, slice: slice, count: 30, available: 30), train: 60)
        let a = small.multiplicities(seed: 9, shardKey: 1), b = large.multiplicities(seed: 9, shardKey: 1)
        XCTAssertTrue(zip(a, b).allSatisfy { $0 == 0 || $1 > 0 })
    }

    func testPlanDrawingFromAnUnknownShardIsRefused() throws {
        let fixture = try LoaderFixture(kind: .imageText, samplesPerShard: 12)
        var plan = try fixture.plan(budget: 40)
        plan.draws[0].shardID = 999
        XCTAssertThrowsError(try SampleSelection(plan: plan, catalog: fixture.catalog, state: fixture.state)) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .unknownShard)
        }
    }

    func testDrawClaimingMoreThanTheSlicesTrainSamplesIsRefused() throws {
        let fixture = try LoaderFixture(kind: .imageText, samplesPerShard: 12)
        var plan = try fixture.plan(budget: 40)
        plan.draws[0].available = 10_000
        XCTAssertThrowsError(try SampleSelection(plan: plan, catalog: fixture.catalog, state: fixture.state)) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .drawExceedsTrain)
        }
    }

    func testSelectionCoversEveryDrawOfThePlanByShard() throws {
        let fixture = try LoaderFixture(kind: .imageText, samplesPerShard: 12)
        let plan = try fixture.plan(budget: 40)
        let selection = try SampleSelection(plan: plan, catalog: fixture.catalog, state: fixture.state)
        XCTAssertEqual(selection.shards.map(\.sha256), selection.shards.map(\.sha256).sorted(), "content order, not arrival order")
        XCTAssertEqual(selection.shards.flatMap { $0.slices.map(\.draw) }.sorted { ($0.shardID, $0.slice) < ($1.shardID, $1.slice) },
                       plan.draws.filter { $0.count > 0 }.sorted { ($0.shardID, $0.slice) < ($1.shardID, $1.slice) })
    }
}

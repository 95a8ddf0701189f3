import XCTest
import Timeline
@testable import Replay

final class CatalogPlanningTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Catalogs a ready shard with per-slice (train, eval) counts and one eval sample per eval count.
    @discardableResult
    static func addShard(_ catalog: Catalog, name: String, slices: [String: (train: Int, eval: Int)]) throws -> Int64 {
        let id = try catalog.beginShard(sha256: name + String(repeating: "0", count: 64 - name.count), kind: .text,
                                        sourcePath: "/inbox/\(name).jsonl", storePath: "store/\(name)", bytes: 100)
        var counts: [Month: SliceCount] = [:]
        var evals: [EvalSample] = []
        for (slice, count) in slices {
            let month = Month(slice)!
            counts[month] = SliceCount(train: count.train, eval: count.eval)
            for k in 0..<count.eval {
                evals.append(EvalSample(shardID: id, index: k, slice: month, key: "\(name)-\(slice)-\(k)",
                                        text: "held out", member: nil, offset: Int64(k), length: 1))
            }
        }
        let total = slices.values.reduce(0) { $0 + $1.train + $1.eval }
        try catalog.completeShard(id: id, samples: total, dropped: 0, duplicates: 0, slices: counts, evalSamples: evals)
        return id
    }

    func testTrainCountsReadReadyShardsBySliceThenShardThroughTheLastMonth() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        let a = try Self.addShard(catalog, name: "a", slices: ["2019-02": (5, 0), "2019-01": (10, 2)])
        let b = try Self.addShard(catalog, name: "b", slices: ["2019-01": (7, 1), "2019-03": (0, 4), "2019-04": (9, 0)])
        _ = try catalog.beginShard(sha256: String(repeating: "c", count: 64), kind: .text, sourcePath: "/inbox/c",
                                   storePath: "store/c", bytes: 1)
        try catalog.recordQuarantine(sha256: String(repeating: "d", count: 64), kind: .text, sourcePath: "/inbox/d",
                                     quarantinePath: "quarantine/d", bytes: 1, reasonCode: "corrupt", reason: "bad",
                                     samples: 0, dropped: 0)

        let rows = try catalog.trainCounts(through: Month("2019-03")!)
        // Each row carries the first 64 bits of its shard's sha256 ("a000…", "b000…").
        XCTAssertEqual(rows, [ShardSliceCount(shardID: a, slice: Month("2019-01")!, train: 10, contentKey: 0xA << 60),
                              ShardSliceCount(shardID: b, slice: Month("2019-01")!, train: 7, contentKey: 0xB << 60),
                              ShardSliceCount(shardID: a, slice: Month("2019-02")!, train: 5, contentKey: 0xA << 60)])
        XCTAssertEqual(try catalog.trainCounts(through: Month("2018-12")!), [])
    }

    func testSavedPlanRoundTripsThroughTheStepsTable() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        try Self.addShard(catalog, name: "a", slices: ["2015-03": (100, 5)])
        try Self.addShard(catalog, name: "b", slices: ["2016-07": (300, 5)])
        let input = try PlanInput(catalog: catalog, through: Month("2016-12")!)
        let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
        let plan = try Planner.plan(step: 2, groups: groups, counts: input,
                                    config: PlanFixtures.config(.cumulativeExp, alpha: .pool, buffer: 50))
        let json = String(decoding: try plan.jsonData(), as: UTF8.self)

        try catalog.savePlan(json, stepLabel: plan.label, first: plan.first, last: plan.last, policy: plan.policy.rawValue)
        let stored = try XCTUnwrap(try catalog.plan(stepLabel: "2016"))
        XCTAssertEqual(stored, json)
        XCTAssertEqual(try StepPlan(jsonData: Data(stored.utf8)), plan)
    }

    func testPlanningFromTheCatalogGroupsItsSlicesAndReadsThroughTheStep() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        try Self.addShard(catalog, name: "a", slices: ["2014-06": (100, 0), "2016-02": (50, 0)])
        try Self.addShard(catalog, name: "b", slices: ["2017-03": (200, 4), "2018-01": (70, 0)])
        let config = PlanFixtures.config(.cumulativeAll, alpha: .pool, budget: 350)
        let plan = try Planner.plan(step: 2, catalog: catalog, unit: .year, firstStepUntil: Month("2016-12")!,
                                    config: config)
        XCTAssertEqual(plan.label, "2017")
        XCTAssertEqual(plan.slices, ["2014-06": 100, "2016-02": 50, "2017-03": 200])
        XCTAssertNil(plan.keep["2018-01"])
        XCTAssertThrowsError(try Planner.plan(step: 4, catalog: catalog, unit: .year,
                                              firstStepUntil: Month("2016-12")!, config: config))
    }

    func testSavingAPlanAgainReplacesIt() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        let first = Month("2017-01")!, last = Month("2017-12")!
        try catalog.savePlan("{\"v\":1}", stepLabel: "2017", first: first, last: last, policy: "sequential")
        try catalog.savePlan("{\"v\":2}", stepLabel: "2017", first: first, last: last, policy: "cumulative-all")
        XCTAssertEqual(try catalog.plan(stepLabel: "2017"), "{\"v\":2}")
    }

    func testPlanOfAnUnknownStepIsNil() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        XCTAssertNil(try catalog.plan(stepLabel: "2099"))
    }

    func testEvalCountsNeverEnterAPlan() throws {
        // Two catalogs with the same train counts and very different held-out samples plan identically.
        let few = try Catalog(path: directory + "/few.sqlite")
        let many = try Catalog(path: directory + "/many.sqlite")
        try Self.addShard(few, name: "a", slices: ["2015-01": (40, 0), "2015-02": (60, 1)])
        try Self.addShard(few, name: "b", slices: ["2016-05": (80, 0)])
        try Self.addShard(many, name: "a", slices: ["2015-01": (40, 30), "2015-02": (60, 90)])
        try Self.addShard(many, name: "b", slices: ["2016-05": (80, 70), "2016-06": (0, 50)])
        let last = Month("2016-12")!
        XCTAssertEqual(try few.trainCounts(through: last), try many.trainCounts(through: last))

        for policy in ReplayPolicyName.allCases {
            var plans: [Data] = []
            for catalog in [few, many] {
                let input = try PlanInput(catalog: catalog, through: last)
                let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
                let plan = try Planner.plan(step: 2, groups: groups, counts: input,
                                            config: PlanFixtures.config(policy, alpha: .pool, buffer: 30,
                                                                        budget: 500))
                XCTAssertNil(plan.slices["2016-06"], "an eval-only slice is drawn from under \(policy)")
                for draw in plan.draws {
                    let train = try catalog.shard(id: draw.shardID)?.slices[draw.slice]?.train ?? 0
                    XCTAssertLessThanOrEqual(draw.available, train, "\(policy)")
                }
                plans.append(try plan.jsonData())
            }
            XCTAssertEqual(plans[0], plans[1], policy.rawValue)
        }
    }

    func testPlanCheckRejectsADrawClaimingMoreThanTheTrainSamples() throws {
        let (groups, input) = try PlanFixtures.yearly([100])
        var plan = try Planner.plan(step: 1, groups: groups, counts: input, config: PlanFixtures.config(.sequential))
        // As if the 5 eval samples of the shard had been counted as available.
        plan.draws[0].available = 105
        plan.available["2015-01"] = 105
        XCTAssertThrowsError(try Planner.check(plan, against: input)) { error in
            guard case .drawExceedsAvailable(let shard, let slice, _, let available, _) = error as? ReplayError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(shard, 1)
            XCTAssertEqual(slice, "2015-01")
            XCTAssertEqual(available, 100)
        }
    }

    func testPlanCheckRejectsADrawBeyondItsRepeats() throws {
        let (groups, input) = try PlanFixtures.yearly([100])
        var plan = try Planner.plan(step: 1, groups: groups, counts: input,
                                    config: PlanFixtures.config(.sequential, budget: 250))
        plan.draws[0].count = 301
        XCTAssertThrowsError(try Planner.check(plan, against: input))
    }

    func testPlanCheckRejectsADrawOfAShardTheInputDoesNotHave() throws {
        let (groups, input) = try PlanFixtures.yearly([100])
        var plan = try Planner.plan(step: 1, groups: groups, counts: input, config: PlanFixtures.config(.sequential))
        plan.draws[0].shardID = 2
        XCTAssertThrowsError(try Planner.check(plan, against: input))
    }

    func testBenchmarkPlansEveryPolicyOverASyntheticCatalog() throws {
        let rows = try PlanBenchmark.run(shards: 3_000, bufferSize: 500_000, samplesPerStep: 1_000_000)
        XCTAssertEqual(rows.map(\.policy), ReplayPolicyName.allCases)
        for row in rows {
            XCTAssertEqual(row.shards, 3_000)
            XCTAssertGreaterThan(row.draws, 0)
            XCTAssertGreaterThan(row.jsonBytes, 0)
        }
    }
}

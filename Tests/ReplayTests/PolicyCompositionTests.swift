import XCTest
import Timeline
@testable import Replay

final class PolicyCompositionTests: XCTestCase {
    private func plan(_ policy: ReplayPolicyName, step: Int, trains: [Int] = [1_000, 1_000, 1_000, 1_000, 1_000],
                      alpha: Alpha = .fixed(0.5), buffer: Int = 800, budget: Int = 1_000) throws -> StepPlan {
        let (groups, input) = try PlanFixtures.yearly(trains)
        return try Planner.plan(step: step, groups: groups, counts: input,
                                config: PlanFixtures.config(policy, alpha: alpha, buffer: buffer, budget: budget))
    }

    func testSequentialDrawsOnlyTheNewStep() throws {
        let p = try plan(.sequential, step: 3)
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 5), [0, 0, 1_000, 0, 0])
        XCTAssertEqual(p.newShare, 1)
        XCTAssertEqual(p.oldShare, 0)
    }

    func testCumulativeAllSpreadsTheOldShareOverAllOldSamples() throws {
        let p = try plan(.cumulativeAll, step: 4, trains: [1_000, 2_000, 3_000, 4_000])
        // α = 0.5: 500 new; 500 old in proportion 1000:2000:3000 → 83.3/166.7/250 → 83, 167, 250.
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 4), [83, 167, 250, 500])
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 4), [1_000, 2_000, 3_000, 4_000])
    }

    func testCumulativeExpAtStepFourHolds400_200_100() throws {
        let p = try plan(.cumulativeExp, step: 4, buffer: 800)
        // B/2 = 400 from 2017 (t−1), B/4 = 200 from 2016, B/8 = 100 from 2015; the last 100 of B is unused.
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 3), [100, 200, 400])
        // 500 old draws over 100:200:400 = 71.4/142.9/285.7; largest remainder gives the two spare to 2016, 2017.
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 4), [71, 143, 286, 500])
    }

    func testCumulativeExpAtStepFiveHolds400_200_100_50() throws {
        let p = try plan(.cumulativeExp, step: 5, buffer: 800)
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 4), [50, 100, 200, 400])
    }

    func testCumulativeExpGivesHalfTheBufferToASingleOldStep() throws {
        let p = try plan(.cumulativeExp, step: 2, buffer: 800)
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 1), [400])
    }

    func testCumulativeExpHoldsNoMoreThanAnOldStepHas() throws {
        let p = try plan(.cumulativeExp, step: 4, trains: [50, 1_000, 1_000, 1_000], buffer: 800)
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 3), [50, 200, 400])
    }

    func testCumulativeEqualHoldsBOverTMinusOneFromEachOldStep() throws {
        let p = try plan(.cumulativeEqual, step: 4, buffer: 800)
        // 800 / 3 = 266 r 2: the two extra samples go to the oldest steps.
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 3), [267, 267, 266])
        XCTAssertEqual(p.oldSamples, 500)
    }

    func testReservoirHoldsAUniformSampleOfSizeBOverAllOldSamples() throws {
        let p = try plan(.reservoir, step: 3, trains: [1_000, 3_000, 500], buffer: 800)
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 2), [200, 600])
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 3), [125, 375, 500])
    }

    func testReservoirHoldsEverythingWhileOldDataFitsTheBuffer() throws {
        let p = try plan(.reservoir, step: 2, trains: [300, 1_000], buffer: 800)
        XCTAssertEqual(PlanFixtures.heldPerYear(p, years: 1), [300])
    }

    func testAlphaHalfSplitsTheBudgetEvenly() throws {
        let p = try plan(.cumulativeAll, step: 2, alpha: .fixed(0.5))
        XCTAssertEqual(p.newSamples, 500)
        XCTAssertEqual(p.oldSamples, 500)
        XCTAssertEqual(p.newShare, 0.5)
    }

    func testAlphaPoolIsUniformOverNewAndHeldOldSamples() throws {
        let p = try plan(.cumulativeExp, step: 3, alpha: .pool, buffer: 800)
        // 1000 new and 600 held (B/2 = 400 from t−1, B/4 = 200 from t−2): new share 1000/1600 of 1000 = 625.
        XCTAssertEqual(p.newSamples, 625)
        XCTAssertEqual(p.oldSamples, 375)
        XCTAssertEqual(p.newShare, 0.625)
    }

    func testAlphaInverseTGivesTheNewStepOneOverT() throws {
        let p = try plan(.cumulativeAll, step: 4, alpha: .inverseT)
        XCTAssertEqual(p.newSamples, 250)
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 4), [250, 250, 250, 250])
    }

    func testFirstStepTakesEverythingFromNewDataWhateverAlpha() throws {
        let p = try plan(.cumulativeAll, step: 1, alpha: .fixed(0.2))
        XCTAssertEqual(p.newSamples, 1_000)
    }

    func testRestartTrainsOnAllDataSoFarWithBudgetCFromRandomInit() throws {
        let p = try plan(.restart, step: 3, trains: [1_000, 1_000, 2_000], alpha: .fixed(0.9))
        XCTAssertEqual(p.budget, 1_000)
        XCTAssertEqual(p.initialization, .random)
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 3), [250, 250, 500])
    }

    func testOracleTrainsOnAllDataSoFarWithBudgetTTimesCFromRandomInit() throws {
        let p = try plan(.oracle, step: 3, trains: [1_000, 1_000, 2_000])
        XCTAssertEqual(p.budget, 3_000)
        XCTAssertEqual(p.initialization, .random)
        XCTAssertEqual(PlanFixtures.drawnPerYear(p, years: 3), [750, 750, 1_500])
    }

    func testWarmPoliciesStartFromTheLastCheckpoint() throws {
        for policy in [ReplayPolicyName.sequential, .cumulativeAll, .cumulativeExp, .cumulativeEqual, .reservoir] {
            XCTAssertEqual(try plan(policy, step: 2).initialization, .warm, policy.rawValue)
        }
    }

    func testStepWithoutNewDataDrawsEverythingFromOldData() throws {
        let p = try plan(.cumulativeAll, step: 2, trains: [1_000, 0, 1_000])
        XCTAssertEqual(p.newSamples, 0)
        XCTAssertEqual(p.oldSamples, 1_000)
    }

    func testSequentialStepWithoutDataHasNothingToTrain() throws {
        XCTAssertThrowsError(try plan(.sequential, step: 2, trains: [1_000, 0, 1_000])) { error in
            XCTAssertEqual(error as? ReplayError, .nothingToTrain(step: 2, label: "2016", policy: "sequential"))
        }
    }

    func testStepOutsideTheGroupsIsAnError() throws {
        XCTAssertThrowsError(try plan(.sequential, step: 6)) { error in
            XCTAssertEqual(error as? ReplayError, .stepOutOfRange(step: 6, steps: 5))
        }
    }

    func testZeroBudgetIsABadConfig() throws {
        XCTAssertThrowsError(try plan(.sequential, step: 1, budget: 0)) { error in
            guard case .badConfig(let key, _) = error as? ReplayError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "samples_per_step")
        }
    }

    func testDrawsAlwaysAddUpToTheBudget() throws {
        for policy in ReplayPolicyName.allCases {
            for alpha in [Alpha.fixed(0.5), .pool, .inverseT] {
                let p = try plan(policy, step: 4, trains: [333, 1_001, 77, 2_500, 9], alpha: alpha, buffer: 501,
                                 budget: 997)
                XCTAssertEqual(p.draws.reduce(0) { $0 + $1.count }, p.budget, "\(policy) \(alpha)")
                XCTAssertEqual(p.slices.values.reduce(0, +), p.budget, "\(policy) \(alpha)")
            }
        }
    }
}

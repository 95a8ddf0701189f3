import XCTest
@testable import Models

final class ScheduleTests: XCTestCase {
    func testCosineWarmupRisesLinearlyToPeak() {
        let lr = LRSchedule.warmupCosine(peak: 1e-3, warmup: 10, total: 110)
        for step in 0..<10 { XCTAssertEqual(lr(step), 1e-3 * Float(step + 1) / 10, accuracy: 1e-9) }
    }

    func testCosineStartsAtPeakHalvesAtMidpointAndEndsAtFloor() {
        let lr = LRSchedule.warmupCosine(peak: 1e-3, warmup: 10, total: 110, floor: 1e-4)
        XCTAssertEqual(lr(10), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(lr(60), 1e-4 + 0.5 * 9e-4, accuracy: 1e-9)
        XCTAssertEqual(lr(35), 1e-4 + Float(0.5 * (1 + cos(Double.pi / 4))) * 9e-4, accuracy: 1e-9)
        XCTAssertEqual(lr(110), 1e-4)
        XCTAssertEqual(lr(500), 1e-4)
    }

    func testCosineWithoutFloorDecaysToZero() {
        let lr = LRSchedule.warmupCosine(peak: 2, warmup: 0, total: 4)
        XCTAssertEqual(lr(0), 2, accuracy: 1e-6)
        XCTAssertEqual(lr(2), 1, accuracy: 1e-6)
        XCTAssertEqual(lr(4), 0)
    }

    func testConstantWarmsUpThenHolds() {
        let lr = LRSchedule.constant(0.5, warmup: 4)
        XCTAssertEqual([0, 1, 2, 3, 4, 1000].map(lr), [0.125, 0.25, 0.375, 0.5, 0.5, 0.5])
        XCTAssertEqual(LRSchedule.constant(0.5)(0), 0.5)
    }

    func testRsqrtDecaysAsInverseSquareRootAfterWarmup() {
        let lr = LRSchedule.rsqrt(peak: 1, warmup: 100, cooldown: 100, total: 10_000)
        XCTAssertEqual(lr(49), 0.5, accuracy: 1e-7)
        XCTAssertEqual(lr(100), 1, accuracy: 1e-7)
        XCTAssertEqual(lr(400), 0.5, accuracy: 1e-7)
        XCTAssertEqual(lr(2500), 0.2, accuracy: 1e-7)
    }

    func testRsqrtCoolsDownLinearlyToZeroAtTotal() {
        let lr = LRSchedule.rsqrt(peak: 1, warmup: 100, cooldown: 100, total: 2600)
        XCTAssertEqual(lr(2499), Float((100.0 / 2499.0).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(lr(2500), 0.2, accuracy: 1e-7)
        XCTAssertEqual(lr(2550), 0.1, accuracy: 1e-7)
        XCTAssertEqual(lr(2599), 0.002, accuracy: 1e-7)
        XCTAssertEqual(lr(2600), 0)
        XCTAssertEqual(lr(9999), 0)
    }

    func testARMetaPeaksForFirstFourRounds() {
        let peaks = (0..<4).map { LRSchedule.arMetaPeak(round: $0, eta0: 1e-3, etaEnd: 1e-4) }
        XCTAssertEqual(peaks[0], 1e-3, accuracy: 1e-10)
        XCTAssertEqual(peaks[1], 5.5e-4, accuracy: 1e-10)
        XCTAssertEqual(peaks[2], 1e-4 + 0.25 * 9e-4, accuracy: 1e-10)
        XCTAssertEqual(peaks[3], 1e-4 + Float(0.5 * (1 - 0.5.squareRoot())) * 9e-4, accuracy: 1e-10)
    }

    func testScheduleKindUsesConfigSpellings() throws {
        XCTAssertEqual(LRScheduleKind(rawValue: "ar-cosine"), .arCosine)
        XCTAssertEqual(String(decoding: try JSONEncoder().encode([LRScheduleKind.rsqrt, .cosine]), as: UTF8.self),
                       #"["rsqrt","cosine"]"#)
    }
}

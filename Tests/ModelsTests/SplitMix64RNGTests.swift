import XCTest
@testable import Models

final class SplitMix64RNGTests: XCTestCase {
    func testFirstOutputsMatchReferenceSplitMix64() {
        var rng = SplitMix64RNG(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testStateRoundTripsThroughJSONAndContinuesTheSameSequence() throws {
        var rng = SplitMix64RNG(seed: 0xFFFF_FFFF_FFFF_FFF0)
        _ = rng.normal()
        let restored = try JSONDecoder().decode(SplitMix64RNG.self, from: JSONEncoder().encode(rng))
        XCTAssertEqual(restored, rng)
        var a = rng, b = restored
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
    }

    func testFloatsAreInUnitInterval() {
        var rng = SplitMix64RNG(seed: 1)
        for _ in 0..<10_000 {
            let x = rng.nextFloat()
            XCTAssertTrue(x >= 0 && x < 1)
        }
    }

    func testNormalSamplesHaveRequestedMeanAndDeviation() {
        var rng = SplitMix64RNG(seed: 2)
        let samples = (0..<100_000).map { _ in Double(rng.normal(mean: 1, standardDeviation: 0.02)) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        XCTAssertEqual(mean, 1, accuracy: 0.001)
        XCTAssertEqual(variance.squareRoot(), 0.02, accuracy: 0.0005)
    }

    func testNextIntStaysBelowBoundAndHitsEveryValue() {
        var rng = SplitMix64RNG(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let x = rng.nextInt(below: 7)
            XCTAssertTrue((0..<7).contains(x))
            seen.insert(x)
        }
        XCTAssertEqual(seen.count, 7)
    }

    func testShuffleIsAPermutationFixedBySeed() {
        var a = SplitMix64RNG(seed: 4), b = SplitMix64RNG(seed: 4)
        var x = Array(0..<100), y = Array(0..<100)
        a.shuffle(&x)
        b.shuffle(&y)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, Array(0..<100))
        XCTAssertEqual(x.sorted(), Array(0..<100))
    }
}

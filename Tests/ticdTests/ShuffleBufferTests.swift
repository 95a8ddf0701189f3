import XCTest
@testable import ticd

/// `ShuffleBuffer`: bounded, loses and duplicates nothing, and its order is fixed by the seed.
final class ShuffleBufferTests: XCTestCase {
    func order(seed: UInt64, capacity: Int, count: Int) -> [Int] {
        var buffer = ShuffleBuffer<Int>(capacity: capacity, seed: seed)
        var out: [Int] = []
        for i in 0..<count {
            if let leaving = buffer.push(i) { out.append(leaving) }
            XCTAssertEqual(out.count, max(0, i + 1 - capacity), "holds at most \(capacity)")
        }
        while let leaving = buffer.pop() { out.append(leaving) }
        return out
    }

    func testEveryElementLeavesOnceInASeededOrder() {
        let a = order(seed: 1, capacity: 16, count: 200)
        XCTAssertEqual(a.sorted(), Array(0..<200))
        XCTAssertNotEqual(a, Array(0..<200))
        XCTAssertEqual(a, order(seed: 1, capacity: 16, count: 200))
        XCTAssertNotEqual(a, order(seed: 2, capacity: 16, count: 200))
    }

    func testStreamShorterThanTheBufferIsStillShuffled() {
        let a = order(seed: 3, capacity: 64, count: 20)
        XCTAssertEqual(a.sorted(), Array(0..<20))
        XCTAssertNotEqual(a, Array(0..<20))
    }
}

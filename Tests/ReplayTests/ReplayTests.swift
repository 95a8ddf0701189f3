import XCTest
@testable import Replay

final class ReplayNamesTests: XCTestCase {
    func testPolicyNamesMatchTiC() {
        XCTAssertEqual(ReplayPolicyName(rawValue: "cumulative-exp"), .cumulativeExp)
    }
}

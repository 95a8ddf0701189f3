import XCTest
@testable import Timeline

final class MonthTests: XCTestCase {
    func testParsesAndPrintsYearMonth() {
        XCTAssertEqual(Month("2019-03")?.description, "2019-03")
        XCTAssertNil(Month("2019-13"))
        XCTAssertNil(Month("19-03"))
    }

    func testMonthOfUnixTime() {
        XCTAssertEqual(Month(unixSeconds: 0), Month(year: 1970, month: 1))
        XCTAssertEqual(Month(unixSeconds: 951_782_400), Month(year: 2000, month: 2)) // 2000-02-29
        XCTAssertEqual(Month(unixSeconds: 951_868_799), Month(year: 2000, month: 2))
        XCTAssertEqual(Month(unixSeconds: 951_868_800), Month(year: 2000, month: 3))
        XCTAssertEqual(Month(unixSeconds: -1), Month(year: 1969, month: 12))
    }
}

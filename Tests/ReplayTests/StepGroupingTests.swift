import XCTest
import Timeline
@testable import Replay

final class StepGroupingTests: XCTestCase {
    private func m(_ text: String) -> Month { Month(text)! }

    private func summary(_ groups: [StepGroup]) -> [String] {
        groups.map { "\($0.index) \($0.label) \($0.first)..\($0.last)" }
    }

    func testYearUnitGroupsCalendarYearsStartingAtTheEarliestMonth() {
        let groups = StepGrouping.groups(months: [m("2016-05"), m("2014-03"), m("2015-07")], unit: .year,
                                         firstStepUntil: nil)
        XCTAssertEqual(summary(groups), ["1 2014 2014-03..2014-12", "2 2015 2015-01..2015-12",
                                         "3 2016 2016-01..2016-12"])
    }

    func testFirstStepUntilMergesTheEarlyYearsIntoTheFirstStep() {
        let months = [m("2014-03"), m("2015-01"), m("2016-12"), m("2017-02"), m("2019-06")]
        let groups = StepGrouping.groups(months: months, unit: .year, firstStepUntil: m("2016-12"))
        XCTAssertEqual(summary(groups), ["1 2014-2016 2014-03..2016-12", "2 2017 2017-01..2017-12",
                                         "3 2018 2018-01..2018-12", "4 2019 2019-01..2019-12"])
    }

    func testYearGroupsIncludeYearsWithoutData() {
        let groups = StepGrouping.groups(months: [m("2014-01"), m("2016-01")], unit: .year, firstStepUntil: nil)
        XCTAssertEqual(groups.map(\.label), ["2014", "2015", "2016"])
    }

    func testFirstStepUntilInMidYearLeavesAPartialYearNext() {
        let groups = StepGrouping.groups(months: [m("2014-01"), m("2016-09")], unit: .year,
                                         firstStepUntil: m("2016-06"))
        XCTAssertEqual(summary(groups), ["1 2014-01..2016-06 2014-01..2016-06", "2 2016-07..2016-12 2016-07..2016-12"])
    }

    func testMonthUnitGivesOneGroupPerMonthIncludingEmptyMonths() {
        let groups = StepGrouping.groups(months: [m("2019-01"), m("2019-03")], unit: .month, firstStepUntil: nil)
        XCTAssertEqual(summary(groups), ["1 2019-01 2019-01..2019-01", "2 2019-02 2019-02..2019-02",
                                         "3 2019-03 2019-03..2019-03"])
    }

    func testMonthUnitWithFirstStepUntilLabelsTheMergedYears() {
        let groups = StepGrouping.groups(months: [m("2014-01"), m("2017-02")], unit: .month,
                                         firstStepUntil: m("2016-12"))
        XCTAssertEqual(groups.map(\.label), ["2014-2016", "2017-01", "2017-02"])
    }

    func testMonthsThreeGroupsRunsOfThreeMonthsLabelledAsRanges() {
        let groups = StepGrouping.groups(months: [m("2019-01"), m("2019-05"), m("2019-07")], unit: .months(3),
                                         firstStepUntil: nil)
        XCTAssertEqual(summary(groups), ["1 2019-01..2019-03 2019-01..2019-03", "2 2019-04..2019-06 2019-04..2019-06",
                                         "3 2019-07..2019-09 2019-07..2019-09"])
    }

    func testMonthsThreeAfterFirstStepUntilCountFromTheMonthAfterIt() {
        let groups = StepGrouping.groups(months: [m("2014-05"), m("2017-04")], unit: .months(3),
                                         firstStepUntil: m("2016-12"))
        XCTAssertEqual(summary(groups), ["1 2014-2016 2014-05..2016-12", "2 2017-01..2017-03 2017-01..2017-03",
                                         "3 2017-04..2017-06 2017-04..2017-06"])
    }

    func testFirstStepUntilBeforeTheEarliestMonthIsIgnored() {
        let groups = StepGrouping.groups(months: [m("2019-01"), m("2020-01")], unit: .year,
                                         firstStepUntil: m("2016-12"))
        XCTAssertEqual(groups.map(\.label), ["2019", "2020"])
    }

    func testNoMonthsGiveNoGroups() {
        XCTAssertEqual(StepGrouping.groups(months: [], unit: .year, firstStepUntil: nil), [])
    }

    func testGroupIsCompleteOnlyWhenALaterMonthExists() {
        let groups = StepGrouping.groups(months: [m("2014-01"), m("2015-03")], unit: .year, firstStepUntil: nil)
        XCTAssertTrue(StepGrouping.isComplete(groups[0], latestMonth: m("2015-03")))
        XCTAssertFalse(StepGrouping.isComplete(groups[1], latestMonth: m("2015-03")))
        XCTAssertFalse(StepGrouping.isComplete(groups[1], latestMonth: m("2015-12")))
        XCTAssertTrue(StepGrouping.isComplete(groups[1], latestMonth: m("2016-01")))
    }

    func testStepUnitParsesYearMonthAndMonthsN() throws {
        XCTAssertEqual(try StepUnit(parsing: "year"), .year)
        XCTAssertEqual(try StepUnit(parsing: "month"), .month)
        XCTAssertEqual(try StepUnit(parsing: "months:3"), .months(3))
        XCTAssertEqual(StepUnit.months(3).text, "months:3")
    }

    func testBadStepUnitIsAnErrorNamingIt() {
        for text in ["years", "months:0", "months:", "months:x", "months:+2", "Month"] {
            XCTAssertThrowsError(try StepUnit(parsing: text)) { error in
                XCTAssertEqual(error as? ReplayError, .badStepUnit(text))
                XCTAssertTrue("\(error)".contains("\"\(text)\""))
            }
        }
    }

    func testStepUnitDecodesFromItsConfigText() throws {
        let units = try JSONDecoder().decode([StepUnit].self, from: Data(#"["year","months:6"]"#.utf8))
        XCTAssertEqual(units, [.year, .months(6)])
        XCTAssertThrowsError(try JSONDecoder().decode([StepUnit].self, from: Data(#"["weekly"]"#.utf8)))
    }

    func testMonthsUnitBuiltWithZeroStillAdvancesOneMonthAtATime() {
        let groups = StepGrouping.groups(months: [m("2019-01"), m("2019-02")], unit: .months(0), firstStepUntil: nil)
        XCTAssertEqual(groups.map(\.label), ["2019-01", "2019-02"])
    }
}

import XCTest
@testable import Timeline

final class SampleTimeTests: XCTestCase {
    /// 2026-11-26T12:00:00Z, so the tests do not depend on the clock.
    private let window = TimeWindow(now: 1_795_694_400)

    private func month(_ fields: JSONFields) throws -> String? {
        try SampleTime.month(of: fields, window: window)?.description
    }

    private func timestampMonth(_ value: JSONScalar) throws -> String? {
        try month(JSONFields(timestamp: value))
    }

    private func problem(_ fields: JSONFields, file: StaticString = #filePath, line: UInt = #line) -> SampleProblem? {
        do {
            let result = try SampleTime.month(of: fields, window: window)
            XCTFail("accepted as \(String(describing: result))", file: file, line: line)
        } catch let problem as SampleProblem {
            return problem
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    private func pathMonth(_ path: String) -> String? { SampleTime.month(inPath: path)?.description }

    // MARK: Forms of a time value

    func testRFC3339WithZuluGivesItsMonth() throws {
        XCTAssertEqual(try timestampMonth(.string("2019-03-04T05:06:07Z")), "2019-03")
    }

    func testPositiveOffsetCanMoveTheInstantIntoThePreviousMonth() throws {
        XCTAssertEqual(try timestampMonth(.string("2019-03-01T01:00:00+02:00")), "2019-02")
    }

    func testNegativeOffsetCanMoveTheInstantIntoTheNextMonth() throws {
        XCTAssertEqual(try timestampMonth(.string("2019-02-28T23:30:00-01:00")), "2019-03")
    }

    func testOffsetIsAppliedToUnixSeconds() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "1970-01-01T02:00:00+02:00"), 0)
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "1970-01-01T00:00:00-0130"), 5400)
    }

    func testUnixSecondsOfWARCDateIsExact() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05-18T05:10:33Z"), 1_368_853_833)
    }

    func testFractionalSecondsAreAccepted() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05-18T05:10:33.123456Z"), 1_368_853_833)
    }

    func testSpaceInsteadOfTIsAccepted() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05-18 05:10:33"), 1_368_853_833)
    }

    func testDateTimeWithoutZoneIsUTC() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05-18T05:10:33"), 1_368_853_833)
    }

    func testDateOnlyIsMidnightUTC() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05-18"), 1_368_835_200)
    }

    func testYearMonthIsTheFirstInstantOfTheMonth() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2013-05"), 1_367_366_400)
    }

    func testDaysThatDoNotExistAreRefused() {
        for text in ["2019-02-29", "2019-04-31", "2019-13-01", "2019-00-10", "2019-01-00", "2019-01-01T24:00:00Z",
                     "2019-01-01T10:60:00Z", "2019-01-01T10:00:61Z", "2019-01-01T10:00:00+24:00"] {
            XCTAssertNil(SampleTime.unixSeconds(rfc3339: Substring(text)), text)
        }
    }

    func testLeapDayIsAccepted() {
        XCTAssertEqual(SampleTime.unixSeconds(rfc3339: "2020-02-29"), 1_582_934_400)
    }

    func testMalformedDateTimesAreRefused() {
        for text in ["", "2019", "19-03-01", "2019-3-01", "2019-03-01T", "2019-03-01T05", "2019-03-01T05:06:07.Z",
                     "2019-03-01X05:06:07Z", "2019-03-01T05:06:07ZZ", "2019-03-01T05:06:07+02", " 2019-03-01"] {
            XCTAssertNil(SampleTime.unixSeconds(rfc3339: Substring(text)), text)
        }
    }

    func testUnixSecondsAsNumberGiveTheirMonth() throws {
        XCTAssertEqual(try timestampMonth(.number(1_552_000_000)), "2019-03")
    }

    func testUnixSecondsAsNumericStringGiveTheirMonth() throws {
        XCTAssertEqual(try timestampMonth(.string("1552000000")), "2019-03")
        XCTAssertEqual(try timestampMonth(.string("1552000000.75")), "2019-03")
    }

    func testValuesAbove1e11AreMilliseconds() throws {
        XCTAssertEqual(try timestampMonth(.number(1_552_000_000_000)), "2019-03")
        XCTAssertEqual(try timestampMonth(.string("1552000000000")), "2019-03")
    }

    func testWARCDateInDCLMFormGivesItsMonth() throws {
        XCTAssertEqual(try month(JSONFields(warcDate: .string("2013-05-18T05:10:33Z"))), "2013-05")
    }

    func testDateFieldTakesADateOnly() throws {
        XCTAssertEqual(try month(JSONFields(date: .string("2021-12-31"))), "2021-12")
    }

    func testYearWithMonthGivesThatMonth() throws {
        XCTAssertEqual(try month(JSONFields(year: .number(2016), month: .number(7))), "2016-07")
    }

    func testYearAndMonthMayBeNumericStrings() throws {
        XCTAssertEqual(try month(JSONFields(year: .string("2016"), month: .string("07"))), "2016-07")
    }

    func testYearWithoutMonthGivesJanuary() throws {
        XCTAssertEqual(try month(JSONFields(year: .number(2016))), "2016-01")
    }

    func testMonthWithoutYearIsNoTime() throws {
        XCTAssertNil(try month(JSONFields(month: .number(7))))
    }

    func testNoTimeFieldGivesNil() throws {
        XCTAssertNil(try month(JSONFields(text: "t")))
    }

    func testNullTimeFieldCountsAsAbsent() throws {
        XCTAssertEqual(try month(JSONFields(timestamp: .null, date: .string("2015-06-01"))), "2015-06")
    }

    // MARK: Precedence

    func testTimestampBeatsWARCDate() throws {
        let fields = JSONFields(timestamp: .string("2019-03-01"), warcDate: .string("2013-05-18T05:10:33Z"))
        XCTAssertEqual(try month(fields), "2019-03")
    }

    func testWARCDateBeatsDate() throws {
        XCTAssertEqual(try month(JSONFields(warcDate: .string("2013-05-18T05:10:33Z"), date: .string("2019-03-01"))),
                       "2013-05")
    }

    func testDateBeatsYear() throws {
        XCTAssertEqual(try month(JSONFields(date: .string("2019-03-01"), year: .number(2010), month: .number(2))),
                       "2019-03")
    }

    func testBadTimestampIsReportedEvenWhenALaterFieldIsGood() {
        let fields = JSONFields(timestamp: .string("soon"), date: .string("2019-03-01"))
        XCTAssertEqual(problem(fields)?.kind, .badTimestamp)
    }

    // MARK: Window and problems

    func test1970IsOutOfRange() {
        let found = problem(JSONFields(timestamp: .number(0)))
        XCTAssertEqual(found?.kind, .timestampOutOfRange)
        XCTAssertEqual(found?.detail, "timestamp 0 (1970-01-01T00:00:00Z) is outside the window "
                       + "[1990-01-01T00:00:00Z, 2026-11-27T12:00:00Z]")
    }

    func testDecember1989IsOutOfRangeAndJanuary1990IsIn() throws {
        XCTAssertEqual(problem(JSONFields(date: .string("1989-12-31T23:59:59Z")))?.kind, .timestampOutOfRange)
        XCTAssertEqual(try month(JSONFields(date: .string("1990-01-01T00:00:00Z"))), "1990-01")
    }

    func testNextYearIsOutOfRange() {
        XCTAssertEqual(problem(JSONFields(timestamp: .string("2027-06-01T00:00:00Z")))?.kind, .timestampOutOfRange)
        XCTAssertEqual(problem(JSONFields(year: .number(2027)))?.kind, .timestampOutOfRange)
    }

    func testUpToOneDayAheadIsAccepted() throws {
        XCTAssertEqual(try month(JSONFields(timestamp: .string("2026-11-27T11:59:59Z"))), "2026-11")
        XCTAssertEqual(problem(JSONFields(timestamp: .string("2026-11-27T12:00:01Z")))?.kind, .timestampOutOfRange)
    }

    func testGarbageIsBadTimestampNamingFieldAndValue() {
        let found = problem(JSONFields(warcDate: .string("last tuesday")))
        XCTAssertEqual(found?.kind, .badTimestamp)
        XCTAssertEqual(found?.detail, "metadata.WARC-Date \"last tuesday\" is not an RFC 3339 date-time, "
                       + "YYYY-MM-DD, YYYY-MM or Unix seconds")
    }

    func testBooleanOrArrayTimestampIsBadTimestamp() {
        XCTAssertEqual(problem(JSONFields(timestamp: .bool(true)))?.kind, .badTimestamp)
        XCTAssertEqual(problem(JSONFields(timestamp: .other))?.kind, .badTimestamp)
    }

    func testFractionalYearIsBadTimestamp() {
        XCTAssertEqual(problem(JSONFields(year: .number(2019.5)))?.kind, .badTimestamp)
    }

    func testMonthOutsideOneToTwelveIsBadTimestamp() {
        XCTAssertEqual(problem(JSONFields(year: .number(2019), month: .number(13)))?.kind, .badTimestamp)
    }

    func testWindowContainsMonthsUpToTheMonthOfItsLatestInstant() {
        XCTAssertTrue(window.contains(Month(year: 1990, month: 1)!))
        XCTAssertTrue(window.contains(Month(year: 2026, month: 11)!))
        XCTAssertFalse(window.contains(Month(year: 1989, month: 12)!))
        XCTAssertFalse(window.contains(Month(year: 2026, month: 12)!))
    }

    // MARK: Paths

    func testPathComponentYearDashMonth() {
        XCTAssertEqual(pathMonth("/inbox/2019-03/part-0001.jsonl"), "2019-03")
    }

    func testPathFileNamedYearDashMonthWithExtensions() {
        XCTAssertEqual(pathMonth("inbox/2019-03.jsonl.zst"), "2019-03")
    }

    func testPathYearDashMonthTokenInsideAShardName() {
        XCTAssertEqual(pathMonth("inbox/shard-2019-03-0001.tar"), "2019-03")
    }

    func testPathSixDigitToken() {
        XCTAssertEqual(pathMonth("data/201903-part.jsonl.gz"), "2019-03")
    }

    func testPathYearComponentThenMonthComponent() {
        XCTAssertEqual(pathMonth("2019/03/shard.tar"), "2019-03")
    }

    func testPathCommonCrawlWeekTakesTheMonthOfItsThursday() {
        XCTAssertEqual(pathMonth("dclm/CC-MAIN-2019-09/shard_00001.jsonl.zst"), "2019-02")
        XCTAssertEqual(pathMonth("CC-MAIN-2019-31.jsonl.gz"), "2019-08")
        XCTAssertEqual(pathMonth("CC-MAIN-2020-53"), "2020-12")
    }

    func testPathCommonCrawlWeekThatDoesNotExistIsNoMonth() {
        XCTAssertNil(pathMonth("CC-MAIN-2019-53"))
    }

    func testPathDigitsThatAreNoMonthGiveNil() {
        for path in ["000123.tar", "shard-00001.tar", "1899-01/x.tar", "2019-13.tar", "20190315.tar",
                     "2019/3/x.tar", "12019-03.tar", "2019/03x/a.tar", "inbox/part.jsonl"] {
            XCTAssertNil(pathMonth(path), path)
        }
    }

    func testPathRightmostMatchWins() {
        XCTAssertEqual(pathMonth("2018-01/2019/03/part-201905.tar"), "2019-05")
        XCTAssertEqual(pathMonth("2018-01/2019/03/shard.tar"), "2019-03")
        XCTAssertEqual(pathMonth("2018-01_2019-04.tar"), "2019-04")
    }
}

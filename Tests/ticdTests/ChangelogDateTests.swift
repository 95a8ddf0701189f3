import XCTest
import Timeline
@testable import ticd

/// The lenient date readers: `RFC2822Date` for Debian trailers, git and old GNU headers, and the NEWS
/// heading date finder.
final class ChangelogDateTests: XCTestCase {
    private func rfc3339(_ text: String) -> String? { RFC2822Date.unixSeconds(text).map(Civil.format) }

    func testDebianTrailerDatesInTheirUsualAndDamagedForms() {
        let eleven = "2019-03-04T11:00:00Z"
        XCTAssertEqual(rfc3339("Mon, 04 Mar 2019 12:00:00 +0100"), eleven)
        XCTAssertEqual(rfc3339("Mon,  4 Mar 2019 12:00:00 +0100"), eleven, "doubled space")
        XCTAssertEqual(rfc3339("4 Mar 2019 12:00:00 +0100"), eleven, "no weekday")
        XCTAssertEqual(rfc3339("Fri, 04 Mar 2019 12:00:00 +0100"), eleven, "wrong weekday")
        XCTAssertEqual(rfc3339("Mon 04 Mar 2019 12:00:00 +0100"), eleven, "no comma")
        XCTAssertEqual(rfc3339("Monday, 4 March 2019 12:00:00 +01:00"), eleven, "long names, colon in the zone")
        XCTAssertEqual(rfc3339("Mon, 04 Mar 2019 12:00:00 CET"), eleven, "zone name")
        XCTAssertEqual(rfc3339("Mon, 04 Mar 2019 12:00:00 +0100 (CET)"), eleven, "comment")
        XCTAssertEqual(rfc3339("Mon, 04 Mar 2019 12:00:00 XYZT"), "2019-03-04T12:00:00Z", "unknown zone counts as UTC")
        XCTAssertEqual(rfc3339("Mon, 04 Mar 2019 12:00:00"), "2019-03-04T12:00:00Z", "no zone")
        XCTAssertEqual(rfc3339("Thu, 04 Mar 99 23:30:00 -0500"), "1999-03-05T04:30:00Z", "two-digit year, day rolls over")
        XCTAssertEqual(rfc3339("Sun Jul 4 24:18:12 HKT 2004"), "2004-07-05T00:18:12Z", "hour 24 is the next day")
        XCTAssertEqual(rfc3339("4 Mar 2019"), "2019-03-04T12:00:00Z", "a date alone is noon UTC")
    }

    func testGitAndOldGNUAndISODates() {
        XCTAssertEqual(rfc3339("Mon Mar 4 12:00:00 2019 +0100"), "2019-03-04T11:00:00Z")
        XCTAssertEqual(rfc3339("2019-03-04 12:00:00 +0100"), "2019-03-04T11:00:00Z")
        XCTAssertEqual(rfc3339("2019-03-04T12:00:00+01:00"), "2019-03-04T11:00:00Z")
        XCTAssertEqual(rfc3339("Tue Mar  4 12:00:00 1997"), "1997-03-04T12:00:00Z")
        XCTAssertEqual(rfc3339("Fri Jul 24 10:16:24 CEST 2009"), "2009-07-24T08:16:24Z")
        XCTAssertEqual(rfc3339("2019-03-04"), "2019-03-04T12:00:00Z", "an ISO day alone is noon UTC too")
        XCTAssertNil(rfc3339("2019-05"), "a month without a day is no date")
    }

    func testWhatIsNoDate() {
        for text in ["", "Fri 32 Foo 2005", "31 Feb 2019 10:00:00", "erroneous semicolons at the end of _syscallN()",
                     "Mar 2019", "12:00:00 +0100", "dpkg will remove \"disappearing\" files from the system"] {
            XCTAssertNil(RFC2822Date.unixSeconds(text), text)
        }
    }

    func testNewsHeadingDates() {
        func found(_ heading: String) -> String? {
            NewsParser.findDate(NewsParser.Token.scan(ArraySlice(heading.utf8))).map { Civil.format($0.seconds) }
        }
        XCTAssertEqual(found("* Noteworthy changes in release 1.2 (2019-03-04) [stable]"), "2019-03-04T12:00:00Z")
        XCTAssertEqual(found("Version 4.3 (19 Jan 2020)"), "2020-01-19T12:00:00Z")
        XCTAssertEqual(found("Version 0.21 - July 2020"), "2020-07-01T12:00:00Z")
        XCTAssertEqual(found("1.2 (March 4, 2019)"), "2019-03-04T12:00:00Z")
        XCTAssertEqual(found("E2fsprogs 1.47.0 (February 5th, 2023)"), "2023-02-05T12:00:00Z")
        XCTAssertEqual(found("Overview of changes in GLib 2.74.0, 17-09-2022"), "2022-09-17T12:00:00Z")
        XCTAssertEqual(found("Overview of Changes in GTK+ 3.24.36, 12-22-2022"), "2022-12-22T12:00:00Z", "month first")
        XCTAssertEqual(found("v2.9.14: May 02 2022:"), "2022-05-02T12:00:00Z")
        XCTAssertEqual(found("## 1.8.0 (2022.10.10)"), "2022-10-10T12:00:00Z")
        XCTAssertEqual(found("version 0.4.5 (20-November-2008):"), "2008-11-20T12:00:00Z")
        XCTAssertEqual(found("2.90  Wed Oct 30 19:48:43 2013"), "2013-10-30T12:00:00Z")
        XCTAssertEqual(found("2022/04/11: implement whole option"), "2022-04-11T12:00:00Z")
        XCTAssertNil(found("Copyright (C) 2000-2016 Free Software Foundation, Inc."))
        XCTAssertNil(found("Changes from version 2001 to version 2.0.1:"))
        XCTAssertNil(found("* Noteworthy changes in release ?.? (????-??-??) [?]"))
    }
}

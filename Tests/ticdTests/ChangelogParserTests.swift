import XCTest
import Timeline
@testable import ticd

/// Each changelog format's parser and the sniffing that picks one, on small texts written here.
final class ChangelogParserTests: XCTestCase {
    private func text(_ s: String) -> ChangelogText { ChangelogText(Array(s.utf8)) }

    /// The entries' rendered texts and dates ("missing", "unreadable" or RFC 3339).
    private func rendered(_ source: String, as format: ChangelogSource) -> [(String, String)] {
        let t = text(source)
        return ChangelogFormat.entries(in: t, as: format).map { entry in
            let date: String
            switch entry.date {
            case .at(let seconds): date = Civil.format(seconds)
            case .missing: date = "missing"
            case .unreadable: date = "unreadable"
            }
            return (String(decoding: EntryText.render(entry, in: t), as: UTF8.self), date)
        }
    }

    static let debian = """
        foo (1.2-1) unstable; urgency=medium

          * New upstream release.
            - with systemd units.

         -- Jane Doe <jane@example.org>  Mon, 04 Mar 2019 12:00:00 +0100

        foo (1.1-1) unstable; urgency=low

          * Entry whose trailer went missing.

        foo (1.0-1) unstable; urgency=low

          * Initial release.

         -- Jane Doe <jane@example.org>  Thu,  3 Jan 2008 09:30:00 -0500

        foo (0.9-1) unstable; urgency=low

          * A date nobody can read.

         -- Jane Doe <jane@example.org>  Fri 32 Foo 2005

        Local variables:
        mode: debian-changelog
        End:
        """

    func testDebianEntriesRunFromHeadingToTrailer() {
        let entries = rendered(Self.debian, as: .debianChangelog)
        XCTAssertEqual(entries.map(\.1), ["2019-03-04T11:00:00Z", "missing", "2008-01-03T14:30:00Z", "unreadable"])
        XCTAssertEqual(entries[0].0, "foo (1.2-1) unstable; urgency=medium\n\n* New upstream release.\n  - with systemd units.")
        XCTAssertEqual(entries[2].0, "foo (1.0-1) unstable; urgency=low\n\n* Initial release.")
        XCTAssertEqual(ChangelogFormat.detect(text(Self.debian)), .debianChangelog)
    }

    static let gnu = """
        2019-03-04  Jane Doe  <jane@example.org>

        \t* src/main.c (main): Handle arm64.
        \t* src/io.c: Likewise.

        2019-02-30  John Roe  <john@example.org>

        \t* README: A day that does not exist.

        2019-01-02 Solo Space <solo@example.org>
        \t* NEWS: One space after the date.

        Tue Mar  4 12:00:00 1997  Old Timer  <old@example.org>

        \t* configure.in: Old-style header.
        """

    func testGNUEntriesRunFromHeaderToHeader() {
        let entries = rendered(Self.gnu, as: .gnuChangelog)
        XCTAssertEqual(entries.map(\.1), ["2019-03-04T12:00:00Z", "unreadable", "2019-01-02T12:00:00Z", "1997-03-04T12:00:00Z"])
        XCTAssertEqual(entries[0].0, "* src/main.c (main): Handle arm64.\n* src/io.c: Likewise.")
        XCTAssertEqual(entries[3].0, "* configure.in: Old-style header.")
        XCTAssertEqual(ChangelogFormat.detect(text(Self.gnu)), .gnuChangelog)
    }

    static let git = """
        commit 084911ce875f444a5739fae6255770b6a575aba4
        Merge: 1a2b3c4 5d6e7f8
        Author: Jane Doe <jane@example.org>
        Date:   Mon Mar 4 12:00:00 2019 +0100

            Add wayland backend

            Signed-off-by: Jane Doe <jane@example.org>

         src/wayland.c | 120 ++++++++++
         1 file changed, 120 insertions(+)

        commit 5d6e7f8a
        Author: John Roe <john@example.org>

            A commit without a date.

        Author: Zoltan Fridrich <z@example.org>
        Date:   2020-05-06 07:08:09 +0000

            A log printed without commit lines.
        """

    func testGitLogEntriesAreCommitMessages() {
        let entries = rendered(Self.git, as: .gitLog)
        XCTAssertEqual(entries.map(\.1), ["2019-03-04T11:00:00Z", "missing", "2020-05-06T07:08:09Z"])
        XCTAssertEqual(entries[0].0, "Add wayland backend\n\nSigned-off-by: Jane Doe <jane@example.org>")
        XCTAssertEqual(entries[2].0, "A log printed without commit lines.")
        XCTAssertEqual(ChangelogFormat.detect(text(Self.git)), .gitLog)
    }

    func testGitLogFullerFormatIsRecognisedByItsAuthorDate() {
        let fuller = """
            commit 084911ce875f444a5739fae6255770b6a575aba4
            Author:     Jane Doe <jane@example.org>
            AuthorDate: Mon Mar 4 12:00:00 2019 +0100
            Commit:     Jane Doe <jane@example.org>
            CommitDate: Tue Mar 5 09:00:00 2019 +0100

                Add wayland backend

            """
        XCTAssertEqual(ChangelogFormat.detect(text(fuller)), .gitLog)
        XCTAssertEqual(rendered(fuller, as: .gitLog).map(\.1), ["2019-03-04T11:00:00Z"])
    }

    static let news = """
        GNU foo NEWS                                    -*- outline -*-

        * Noteworthy changes in release ?.? (????-??-??) [?]

        ** Unreleased work, not dated yet.

        * Noteworthy changes in release 1.2 (2019-03-04) [stable]

        ** Bug fixes

          Rust bindings no longer crash.

        * Noteworthy changes in release 1.1 (2018-01-02) [stable]

        ** New features

          python3 support.
        """

    func testNewsKeepsDatedSectionsAndSkipsUndatedOnes() {
        let entries = rendered(Self.news, as: .news)
        XCTAssertEqual(entries.map(\.1), ["missing", "2019-03-04T12:00:00Z", "2018-01-02T12:00:00Z"])
        XCTAssertEqual(entries[1].0, "** Bug fixes\n\n  Rust bindings no longer crash.")
        XCTAssertEqual(entries[2].0, "** New features\n\n  python3 support.")
        XCTAssertEqual(ChangelogFormat.detect(text(Self.news)), .news)
    }

    func testNewsWithTheDateBelowTheHeadingOrOpeningIt() {
        let python = """
            What's New in Python 3.11.2 final?
            ==================================

            *Release date: 2023-02-07*

            - gh-issue-1: A fix.

            What's New in Python 3.11.1 final?
            ==================================

            *Release date: 2022-12-06*

            - gh-issue-2: Another fix.
            """
        XCTAssertEqual(rendered(python, as: .news).map(\.0), ["- gh-issue-1: A fix.", "- gh-issue-2: Another fix."])
        XCTAssertEqual(rendered(python, as: .news).map(\.1), ["2023-02-07T12:00:00Z", "2022-12-06T12:00:00Z"])

        let dateFirst = """
            History

            2022/04/11: implement whole option: (?C)
            2022/04/07: fix a crash in some very long
                        patterns
            """
        XCTAssertEqual(rendered(dateFirst, as: .news).map(\.0),
                       ["implement whole option: (?C)", "fix a crash in some very long\npatterns"])
    }

    func testNewsWithoutAnyDateYieldsNothing() {
        let undated = "Version 1.2\n-----------\n\n* Something.\n\nVersion 1.1\n-----------\n\n* Else.\n"
        XCTAssertTrue(ChangelogFormat.entries(in: text(undated), as: .news).isEmpty)
    }

    func testGarbageYieldsNoEntriesInAnyFormat() {
        let garbage = ChangelogText((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 ^ $0 >> 5) })
        for format in ChangelogSource.allCases {
            for entry in ChangelogFormat.entries(in: garbage, as: format) {
                if case .at = entry.date { XCTFail("\(format) dated an entry of random bytes") }
            }
        }
    }
}

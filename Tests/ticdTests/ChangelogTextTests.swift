import XCTest
@testable import ticd

/// What turns an entry's lines into a record's text: masking, decoding, capping and the duplicate key.
final class ChangelogTextTests: XCTestCase {
    private func masked(_ s: String) -> String {
        String(decoding: EntryText.maskEmails(Array(s.utf8)), as: UTF8.self)
    }

    func testEmailAddressesAreMasked() {
        XCTAssertEqual(masked("Jane Doe <jane.doe+bugs@example.co.uk> wrote"), "Jane Doe <email> wrote")
        XCTAssertEqual(masked("mail jane@example.org, or john_roe@lists.example.net."), "mail <email>, or <email>.")
        XCTAssertEqual(masked("Closes: #1234 (thanks bob@host.example)"), "Closes: #1234 (thanks <email>)")
        XCTAssertEqual(masked("a@b and user@localhost and @decorator"), "a@b and user@localhost and @decorator",
                       "no dot-separated domain ending in letters, no address")
        XCTAssertEqual(masked("x@y.z1 git@github.com:org/repo"), "x@y.z1 <email>:org/repo")
    }

    func testLatin1LinesAreDecodedAndUTF8LinesKept() {
        let bytes: [UInt8] = Array("Fixed by J".utf8) + [0xF6] + Array("rg\nAlready UTF-8: Jörg\n\u{0C}page".utf8)
        XCTAssertEqual(String(decoding: EntryText.utf8(bytes), as: UTF8.self), "Fixed by Jörg\nAlready UTF-8: Jörg\npage",
                       "Latin-1 line decoded, UTF-8 line kept, form feed dropped")
        XCTAssertNotNil(String(validating: EntryText.utf8([0xFF, 0xFE, 0x0A, 0xC3]), as: UTF8.self))
    }

    func testLongTextIsCutAtALineEndOrACharacterBoundary() {
        let lines = Array(repeating: "0123456789", count: 10).joined(separator: "\n")
        XCTAssertNil(EntryText.capped(Array(lines.utf8), maxBytes: 1000))
        XCTAssertEqual(EntryText.capped(Array(lines.utf8), maxBytes: 50).map { String(decoding: $0, as: UTF8.self) },
                       "0123456789\n0123456789\n0123456789\n0123456789", "cut after the last whole line")
        let wide = Array(String(repeating: "é", count: 40).utf8)
        let cut = try! XCTUnwrap(EntryText.capped(wide, maxBytes: 15))
        XCTAssertEqual(cut.count, 14)
        XCTAssertNotNil(String(validating: cut, as: UTF8.self), "never inside a character")
    }

    func testDuplicateKeyIgnoresCaseAndWhitespace() {
        let a = EntryText.duplicateKey(Array("* Fix the  build\n  on arm64.".utf8))
        XCTAssertEqual(a, EntryText.duplicateKey(Array("* fix the build on ARM64.".utf8)))
        XCTAssertNotEqual(a, EntryText.duplicateKey(Array("* Fix the build on amd64.".utf8)))
    }

    func testRenderDedentsAndTrims() {
        let text = ChangelogText(Array("head\n\n\t* one\n\t  more   \n\n\t* two\n\n".utf8))
        let entry = ParsedEntry(heading: nil, body: 1 ..< text.count, date: .missing, line: 0)
        XCTAssertEqual(String(decoding: EntryText.render(entry, in: text), as: UTF8.self), "* one\n  more\n\n* two")
        let blank = ParsedEntry(heading: nil, body: 1 ..< 2, date: .missing, line: 0)
        XCTAssertEqual(EntryText.render(blank, in: text), [])
    }
}

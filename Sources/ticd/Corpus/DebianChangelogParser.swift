import Foundation

/// Entries of a Debian changelog (`debian/changelog`, installed as `changelog.Debian.gz`; `NEWS.Debian.gz`
/// has the same form), as Debian Policy §4.4 describes it:
///
///     package (version) distribution(s); urgency=urgency
///
///       * change details
///
///      -- Maintainer Name <email@address>  Mon, 04 Mar 2019 12:00:00 +0100
///
/// An entry runs from its heading to its ` -- ` trailer, which carries its date. A heading that comes
/// before the previous entry's trailer, or the end of the file, leaves that entry without a date. Text
/// outside entries (Emacs `Local variables:` blocks, "Old Changelog:" notes) is ignored.
enum DebianChangelogParser {
    static func entries(in text: ChangelogText) -> [ParsedEntry] {
        var entries: [ParsedEntry] = []
        var open: Int?
        func close(_ start: Int, at end: Int, _ date: EntryDate) {
            entries.append(ParsedEntry(heading: text.lines[start], body: start + 1 ..< end, date: date, line: start))
        }
        for line in 0 ..< text.count {
            if isHeading(text[line]) {
                if let start = open { close(start, at: line, .missing) }
                open = line
            } else if let start = open, let date = trailerDate(text[line]) {
                let parsed = RFC2822Date.unixSeconds(date).map(EntryDate.at) ?? .unreadable(date)
                close(start, at: line, date.isEmpty ? .missing : parsed)
                open = nil
            }
        }
        if let start = open { close(start, at: text.count, .missing) }
        return entries
    }

    /// `name (version)` at the start of the line: a name of letters, digits and `.+-_~`, one space, and a
    /// parenthesised version without blanks.
    static func isHeading(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, isNameByte(first) else { return false }
        var k = line.startIndex
        while k < line.endIndex, isNameByte(line[k]) { k += 1 }
        guard k + 2 < line.endIndex, line[k] == UInt8(ascii: " "), line[k + 1] == UInt8(ascii: "(") else { return false }
        k += 2
        let versionStart = k
        while k < line.endIndex, line[k] != UInt8(ascii: ")") {
            if ChangelogText.isSpace(line[k]) || line[k] == UInt8(ascii: "(") { return false }
            k += 1
        }
        return k < line.endIndex && k > versionStart
    }

    /// The date of a trailer line (` -- Name <mail>  date`): the text after the address's `>`, or after the
    /// first double space when there is no address. Nil when the line is no trailer.
    static func trailerDate(_ line: ArraySlice<UInt8>) -> String? {
        let content = line.drop(while: ChangelogText.isSpace)
        guard content.count < line.count, content.starts(with: "--".utf8) else { return nil }
        let rest = content.dropFirst(2)
        guard let first = rest.first, ChangelogText.isSpace(first) else { return nil }
        let signature = rest.drop(while: ChangelogText.isSpace)
        let doubleSpace = signature.indices.dropLast().first { signature[$0] == 0x20 && signature[$0 + 1] == 0x20 }
        var date = signature
        if let close = signature.lastIndex(of: UInt8(ascii: ">")) {
            date = signature[(close + 1)...]
        } else if let gap = doubleSpace {
            date = signature[(gap + 2)...]
        }
        return EntryText.decode(date).trimmingCharacters(in: .whitespaces)
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        ChangelogText.isAlphanumeric(b)
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "~")
    }
}

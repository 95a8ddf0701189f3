/// Entries of a GNU-style ChangeLog (GNU Coding Standards §6.8, "Change Logs"):
///
///     2019-03-04  Jane Doe  <jane@example.org>
///
///             * file.c (function): What changed.
///
/// and the older header that `date`'s output made before ISO dates, `Tue Mar  4 12:00:00 1997  Jane Doe
/// <jane@example.org>` (time zone optional, before the year). A header starts at the first column; the
/// body is every line up to the next header. A header whose date is not a real day (`2019-02-30`) still
/// delimits its entry, which is then dated `.unreadable`.
enum GNUChangelogParser {
    static func entries(in text: ChangelogText) -> [ParsedEntry] {
        var entries: [ParsedEntry] = []
        var open: (line: Int, date: EntryDate)?
        func close(at end: Int) {
            guard let header = open else { return }
            entries.append(ParsedEntry(heading: nil, body: header.line + 1 ..< end, date: header.date, line: header.line))
        }
        for line in 0 ..< text.count {
            guard let date = headerDate(text[line]) else { continue }
            close(at: line)
            open = (line, date)
        }
        close(at: text.count)
        return entries
    }

    /// The date of a header line, or nil when the line is no header.
    static func headerDate(_ line: ArraySlice<UInt8>) -> EntryDate? {
        if let iso = isoHeaderDate(line) { return iso }
        return oldStyleHeaderDate(line)
    }

    /// `YYYY-MM-DD` at the first column, then a blank or the end of the line: noon UTC of that day (the
    /// header names no time zone).
    private static func isoHeaderDate(_ line: ArraySlice<UInt8>) -> EntryDate? {
        guard line.count >= 10 else { return nil }
        let b = Array(line.prefix(11))
        func number(_ r: Range<Int>) -> Int? {
            guard b[r].allSatisfy(ChangelogText.isDigit) else { return nil }
            return b[r].reduce(0) { $0 * 10 + Int($1) - 0x30 }
        }
        guard let year = number(0 ..< 4), b[4] == UInt8(ascii: "-"), let month = number(5 ..< 7),
              b[7] == UInt8(ascii: "-"), let day = number(8 ..< 10), b.count == 10 || ChangelogText.isSpace(b[10])
        else { return nil }
        guard let seconds = RFC2822Date.unixSeconds(year: year, month: month, day: day) else {
            return .unreadable(String(decoding: b.prefix(10), as: UTF8.self))
        }
        return .at(seconds)
    }

    /// `Tue Mar  4 12:00:00 [ZONE] 1997  Name`: a weekday and a month name open the line; the date is every
    /// word up to the first four-digit year.
    private static func oldStyleHeaderDate(_ line: ArraySlice<UInt8>) -> EntryDate? {
        let s = line.startIndex
        guard line.count > 12, line.count < 200, (0x41...0x5A).contains(line[s]),
              ChangelogText.isLetter(line[s + 1]), ChangelogText.isLetter(line[s + 2]),
              line[s + 3] == 0x20 || line[s + 3] == UInt8(ascii: ",") else { return nil }
        let words = EntryText.decode(line).split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 5, RFC2822Date.isWeekday(words[0]), RFC2822Date.month(named: words[1]) != nil,
              let year = words.prefix(7).firstIndex(where: { $0.count == 4 && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let date = words[...year].joined(separator: " ")
        return RFC2822Date.unixSeconds(date).map(EntryDate.at) ?? .unreadable(date)
    }
}

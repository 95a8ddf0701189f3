/// Dated sections of a NEWS file. Projects head each release with its version and date in their own
/// way; the ones read here include
///
///     * Noteworthy changes in release 1.2 (2019-03-04) [stable]      (GNU)
///     Version 4.3 (19 Jan 2020)          Version 0.21 - July 2020
///     E2fsprogs 1.47.0 (February 5, 2023)
///     Overview of changes in GLib 2.74.0, 17-09-2022
///     v2.9.14: May 02 2022:              ## 1.8.0 (2022.10.10)
///     Release 2025b - 2025-03-22 13:40:46 -0700
///     18 January 2023: Wouter            (a date alone opens the heading)
///
/// and, with the date on a line of its own right below (past an underline and blank lines),
///
///     What's New in Python 3.11.2 final?        Version 2.8.0
///     ==================================        -------------
///     *Release date: 2023-02-07*                (released February 14, 2021)
///
/// A heading starts at the first column and is at most 160 bytes long. It holds a version number (`1.2`,
/// `v2.9.14`) or opens with `Release`/`Version`, and a date (see `findDate`): in the heading, or on that
/// next line, which must then have the word "release", "released" or "date". Or it opens with its date,
/// after nothing but markup (`#`, `*`, `=`, `-`, `+`).
/// A section runs to the next heading. Headings of the same shape as the dated ones (same markup, same
/// first word) that carry no date, like GNU's `* Noteworthy changes in release ?.? (????-??-??) [?]`,
/// end the section before them, and their own section is reported as undated instead of being glued to
/// the previous release. An underline (`=====`) right below a heading is not part of the text.
enum NewsParser {
    static func entries(in text: ChangelogText) -> [ParsedEntry] {
        var dated: [Int: Heading] = [:]
        var shapes = Set<Shape>()
        var line = 0
        while line < text.count {
            defer { line += 1 }
            guard mayBeHeading(text[line]), let heading = datedHeading(line, in: text) else { continue }
            dated[line] = heading
            shapes.insert(Shape(text[line], dateFirst: heading.dateFirst))
            // The date's own line (`*Release date: ...*`) is no heading of its own.
            if let bodyStart = heading.bodyStart { line = bodyStart - 1 }
        }
        guard !dated.isEmpty else { return [] }
        var headings: [Int] = []
        for line in 0 ..< text.count where mayBeHeading(text[line]) {
            if dated[line] != nil || shapes.contains(Shape(text[line], dateFirst: false)) { headings.append(line) }
        }
        return headings.enumerated().map { k, line in
            let end = k + 1 < headings.count ? headings[k + 1] : text.count
            guard let heading = dated[line] else {
                let start = bodyStart(after: line, end: end, in: text)
                return ParsedEntry(heading: nil, body: start ..< end, date: .missing, line: line)
            }
            let start = min(heading.bodyStart ?? bodyStart(after: line, end: end, in: text), end)
            return ParsedEntry(heading: heading.tail, body: start ..< end, date: .at(heading.seconds), line: line)
        }
    }

    /// A heading line with its date.
    private struct Heading {
        let seconds: Int64
        /// Text after a date that opens the heading.
        let tail: Range<Int>?
        let dateFirst: Bool
        /// The first body line, when the date had a line of its own.
        let bodyStart: Int?
    }

    private static func datedHeading(_ line: Int, in text: ChangelogText) -> Heading? {
        let tokens = Token.scan(text[line])
        let releaseWord = ["release", "version"].contains(Shape(text[line], dateFirst: false).lead)
        if let found = findDate(tokens) {
            guard found.startsLine || releaseWord || hasVersion(tokens, outside: found.tokens) else { return nil }
            let tail = found.startsLine ? tail(of: text.lines[line], after: found.end, in: text) : nil
            return Heading(seconds: found.seconds, tail: tail, dateFirst: found.startsLine, bodyStart: nil)
        }
        guard releaseWord || hasVersion(tokens, outside: 0 ..< 0) else { return nil }
        var next = line + 1
        while next < text.count, next <= line + 3, text.isBlank(next) || isUnderline(text[next]) { next += 1 }
        guard next < text.count, text[next].count <= 100 else { return nil }
        let dateTokens = Token.scan(text[next])
        guard dateTokens.contains(where: { ["release", "released", "date"].contains($0.text.lowercased()) }),
              let found = findDate(dateTokens) else { return nil }
        return Heading(seconds: found.seconds, tail: nil, dateFirst: false, bodyStart: next + 1)
    }

    /// The line after a heading, or after its underline.
    private static func bodyStart(after line: Int, end: Int, in text: ChangelogText) -> Int {
        line + 1 < end && isUnderline(text[line + 1]) ? line + 2 : line + 1
    }

    /// What follows a date that opens a heading (`2022/04/11: implement whole option`), without the
    /// punctuation between them; nil when nothing does. Such files put the entry's text on the line itself.
    private static func tail(of line: Range<Int>, after offset: Int, in text: ChangelogText) -> Range<Int>? {
        var start = line.lowerBound + offset
        while start < line.upperBound, tailSeparators.contains(text.bytes[start]) { start += 1 }
        return start < line.upperBound ? start ..< line.upperBound : nil
    }

    /// A date inside a heading, and which tokens it took.
    struct FoundDate: Equatable {
        let seconds: Int64
        let tokens: Range<Int>
        /// Nothing but markup comes before the date.
        let startsLine: Bool
        /// Byte offset in the line just after the date.
        let end: Int
    }

    /// The leftmost date among `tokens`, in one of these forms (separators between the parts may be any
    /// one to three characters that are not letters or digits, except where a single `-./` is required):
    /// `2019-03-04`, `2019.03.04`, `2019/03/04`; `04-03-2019` (day first; month first when the middle number
    /// is over 12); `4 Mar 2019`, `20-November-2008`; `March 4, 2019`, `May 02 2022`; `July 2020` (the 1st).
    /// Years outside 1970–2100 are not dates here. The time is noon UTC.
    static func findDate(_ tokens: [Token]) -> FoundDate? {
        func number(_ k: Int, digits: ClosedRange<Int>) -> Int? {
            guard k < tokens.count, tokens[k].isNumber, digits.contains(tokens[k].text.count) else { return nil }
            return Int(tokens[k].text)
        }
        func month(_ k: Int) -> Int? {
            guard k < tokens.count, !tokens[k].isNumber else { return nil }
            return RFC2822Date.month(named: Substring(tokens[k].text))
        }
        func gap(_ k: Int) -> Bool { k + 1 < tokens.count && (1...3).contains(tokens[k + 1].start - tokens[k].end) }
        /// One `-`, `.` or `/` between tokens k and k+1, the same as `like` when given.
        func separator(_ k: Int, like: UInt8? = nil) -> UInt8? {
            guard k + 1 < tokens.count, tokens[k + 1].start - tokens[k].end == 1 else { return nil }
            let s = tokens[k].following
            guard dateSeparators.contains(s), like == nil || like == s else { return nil }
            return s
        }
        func found(_ k: Int, _ count: Int, _ y: Int, _ m: Int, _ d: Int) -> FoundDate? {
            // A number right after a dot ends a version ("Version 0.21 - July 2020"), it starts no date.
            guard tokens[k].preceding != UInt8(ascii: "."), (1970...2100).contains(y),
                  let seconds = RFC2822Date.unixSeconds(year: y, month: m, day: d) else { return nil }
            return FoundDate(seconds: seconds, tokens: k ..< k + count, startsLine: k == 0,
                             end: tokens[k + count - 1].end)
        }
        for k in tokens.indices {
            if let y = number(k, digits: 4...4), let s = separator(k), let m = number(k + 1, digits: 1...2),
               separator(k + 1, like: s) != nil, let d = number(k + 2, digits: 1...2), let r = found(k, 3, y, m, d) {
                return r
            }
            if let a = number(k, digits: 1...2), let s = separator(k), let b = number(k + 1, digits: 1...2),
               separator(k + 1, like: s) != nil, let y = number(k + 2, digits: 4...4),
               let r = b > 12 ? found(k, 3, y, a, b) : found(k, 3, y, b, a) {
                return r
            }
            if let d = number(k, digits: 1...2), gap(k), let m = month(k + 1), gap(k + 1),
               let y = number(k + 2, digits: 4...4), let r = found(k, 3, y, m, d) {
                return r
            }
            if let m = month(k), gap(k), let d = number(k + 1, digits: 1...2) {
                var yk = k + 2
                let ordinal = yk < tokens.count && tokens[yk].start == tokens[yk - 1].end
                    && ["st", "nd", "rd", "th"].contains(tokens[yk].text)
                if ordinal { yk += 1 }
                func timePart(_ t: Int) -> Bool {
                    t + 1 < tokens.count && tokens[t].isNumber && tokens[t].following == UInt8(ascii: ":")
                        && tokens[t + 1].isNumber && tokens[t + 1].start == tokens[t].end + 1
                }
                if timePart(yk) {
                    while timePart(yk) { yk += 1 }
                    yk += 1
                }
                if gap(yk - 1), let y = number(yk, digits: 4...4), let r = found(k, yk - k + 1, y, m, d) { return r }
            }
            if let m = month(k), gap(k), let y = number(k + 1, digits: 4...4), let r = found(k, 2, y, m, 1) {
                return r
            }
        }
        return nil
    }

    /// A run of letters or of digits in a line, with where it is.
    struct Token: Equatable {
        let text: String
        let isNumber: Bool
        /// Byte offsets from the start of the line.
        let start: Int, end: Int
        /// The byte right before the token, or 0 at the start of the line.
        let preceding: UInt8
        /// The byte right after the token, or 0 at the end of the line.
        let following: UInt8

        static func scan(_ line: ArraySlice<UInt8>) -> [Token] {
            let b = Array(line)
            var tokens: [Token] = []
            var k = 0
            while k < b.count {
                let digit = ChangelogText.isDigit(b[k])
                guard digit || ChangelogText.isLetter(b[k]) else { k += 1; continue }
                let start = k
                while k < b.count, digit ? ChangelogText.isDigit(b[k]) : ChangelogText.isLetter(b[k]) { k += 1 }
                tokens.append(Token(text: String(decoding: b[start ..< k], as: UTF8.self), isNumber: digit, start: start,
                                    end: k, preceding: start > 0 ? b[start - 1] : 0, following: k < b.count ? b[k] : 0))
            }
            return tokens
        }
    }

    /// What dated headings of one file have in common: the markup before the first word, and that word
    /// (lower-cased), or "#version" when it is a version number (`1.2`, `v2.9.14:`; digits and a dot), or
    /// "#date" when the heading opens with its date.
    struct Shape: Hashable {
        let markup: [UInt8]
        let lead: String

        init(_ line: ArraySlice<UInt8>, dateFirst: Bool) {
            let markup = line.prefix(while: { NewsParser.markupBytes.contains($0) })
            self.markup = Array(markup)
            guard !dateFirst else { lead = "#date"; return }
            let word = Array(line[markup.endIndex...].prefix(while: { !NewsParser.wordEnd.contains($0) }))
            let number = word.first == UInt8(ascii: "v") || word.first == UInt8(ascii: "V") ? word.dropFirst() : word[...]
            let digits = number.prefix(while: ChangelogText.isDigit)
            let versionFirst = !digits.isEmpty && number.dropFirst(digits.count).first == UInt8(ascii: ".")
            lead = versionFirst ? "#version" : String(decoding: word, as: UTF8.self).lowercased()
        }
    }

    private static let markupBytes: Set<UInt8> = Set("#*=-+ ".utf8)
    private static let wordEnd: Set<UInt8> = Set(" \t:,(".utf8)
    private static let tailSeparators: Set<UInt8> = Set(" \t:-,;)]".utf8)
    private static let dateSeparators: Set<UInt8> = Set("-./".utf8)

    /// Starts at the first column, is short, and holds a letter or digit.
    private static func mayBeHeading(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, !ChangelogText.isSpace(first), line.count <= 160 else { return false }
        return line.contains(where: ChangelogText.isAlphanumeric)
    }

    /// A number with a dot and another number right after it (`1.2`, `2.74.0`), outside the date's tokens.
    private static func hasVersion(_ tokens: [Token], outside date: Range<Int>) -> Bool {
        tokens.indices.dropLast().contains { k in
            !date.contains(k) && !date.contains(k + 1) && tokens[k].isNumber && tokens[k + 1].isNumber
                && tokens[k].following == UInt8(ascii: ".") && tokens[k + 1].start == tokens[k].end + 1
        }
    }

    /// Three or more of one of `=-~*^#`, and nothing else.
    private static func isUnderline(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, line.count >= 3, Set("=-~*^#".utf8).contains(first) else { return false }
        return line.allSatisfy { $0 == first }
    }
}

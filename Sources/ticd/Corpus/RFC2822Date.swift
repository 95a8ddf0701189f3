import Timeline

/// Reads the dates changelogs carry, leniently: RFC 2822 as Debian writes it (`Mon, 04 Mar 2019 12:00:00
/// +0100`), git's default (`Mon Mar 4 12:00:00 2019 +0100`) and ISO forms (`2019-03-04 12:00:00 +0100`),
/// old GNU ChangeLog headers (`Tue Mar  4 12:00:00 1997`), and the damage decades of hand-edited files show:
/// a missing or wrong weekday, doubled spaces, a missing comma, two-digit years, zone names or none at all,
/// a `(CET)` comment.
///
/// The fields may come in any order; each token is recognised by its shape. A date with no time of day is
/// noon UTC, so it stays on its own day in every zone; a zone that cannot be read counts as UTC, which
/// moves the time by hours at most and never the month by more than one.
enum RFC2822Date {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` has no day, month and year, names a day that
    /// does not exist, or holds more words than a date would.
    static func unixSeconds(_ text: String) -> Int64? {
        // RFC 3339 with a time of day; a bare `2019-03-04` (or `2019-05`) goes the lenient way, to noon UTC
        // or to nothing, like every other date without a time or a day.
        if text.utf8.count > 10, let strict = SampleTime.unixSeconds(rfc3339: Substring(text)) { return strict }
        var fields = Fields()
        var strangers = 0
        for token in tokens(of: text) {
            if !fields.take(token) { strangers += 1 }
            if strangers > 2 { return nil }
        }
        return fields.unixSeconds
    }

    /// The month a word names: "Mar", "mar.", "March", "MARCH", "Sept"; nil for anything else.
    static func month(named word: Substring) -> Int? {
        let w = word.hasSuffix(".") ? word.dropLast() : word
        guard (3...9).contains(w.count) else { return nil }
        let lower = w.lowercased()
        guard let index = monthNames.firstIndex(where: { $0.hasPrefix(lower) }) else { return nil }
        return index + 1
    }

    /// Whether a word names a day of the week ("Mon", "monday", "Thur").
    static func isWeekday(_ word: Substring) -> Bool {
        let w = (word.hasSuffix(".") ? word.dropLast() : word).lowercased()
        return w.count >= 3 && weekdayNames.contains { $0.hasPrefix(w) }
    }

    /// The Unix time of a civil date and time at a UTC offset, or nil when the date or time does not exist.
    /// Hour 24 is taken as hour 0 of the next day, as some hand-written dates have it.
    static func unixSeconds(year: Int, month: Int, day: Int, hour: Int = 12, minute: Int = 0, second: Int = 0,
                            offsetSeconds: Int = 0) -> Int64? {
        guard (1...12).contains(month), (1...Civil.daysIn(year: year, month: month)).contains(day),
              (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        return Civil.days(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
    }

    private static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                                     "september", "october", "november", "december"]
    private static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Zone abbreviations old changelogs use, in seconds east of UTC. Ambiguous ones (IST, CST in Asia) take
    /// their most common changelog meaning.
    private static let zoneNames: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
        "bst": 3600, "cet": 3600, "met": 3600, "mez": 3600, "west": 3600,
        "cest": 7200, "mest": 7200, "mesz": 7200, "eet": 7200, "sast": 7200,
        "eest": 10800, "msk": 10800, "ist": 19800, "jst": 32400, "kst": 32400,
        "aest": 36000, "aedt": 39600, "nzst": 43200, "nzdt": 46800,
        "ast": -14400, "adt": -10800, "est": -18000, "edt": -14400, "cst": -21600, "cdt": -18000,
        "mst": -25200, "mdt": -21600, "pst": -28800, "pdt": -25200, "hst": -36000,
    ]

    /// Words split on blanks and commas, with `(...)` comments removed.
    private static func tokens(of text: String) -> [Substring] {
        var cleaned = ""
        var depth = 0
        for c in text {
            switch c {
            case "(": depth += 1
            case ")": depth = max(0, depth - 1)
            default: if depth == 0 { cleaned.append(c) }
            }
        }
        return cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
    }

    /// The fields found so far; `take` fills the first empty one a token fits.
    private struct Fields {
        var year: Int?, month: Int?, day: Int?
        var hour = 12, minute = 0, second = 0
        var hasTime = false
        var offset: Int?

        var unixSeconds: Int64? {
            guard let year, let month, let day else { return nil }
            return RFC2822Date.unixSeconds(year: year, month: month, day: day, hour: hour, minute: minute,
                                           second: second, offsetSeconds: hasTime ? offset ?? 0 : 0)
        }

        /// - Returns: false when the token is no part of a date.
        mutating func take(_ token: Substring) -> Bool {
            let bytes = Array(token.utf8)
            guard let first = bytes.first else { return true }
            let digits = bytes.allSatisfy(ChangelogText.isDigit)
            if digits { return takeNumber(token) }
            if (first == UInt8(ascii: "+") || first == UInt8(ascii: "-")) && bytes.count > 1 {
                return takeOffset(bytes)
            }
            if ChangelogText.isDigit(first) {
                if bytes.contains(UInt8(ascii: ":")) { return takeTime(token) }
                return takeISODate(token)
            }
            if let m = RFC2822Date.month(named: token), month == nil { month = m; return true }
            if RFC2822Date.isWeekday(token) { return true }
            if let zone = RFC2822Date.zoneNames[token.lowercased()] {
                if offset == nil { offset = zone }
                return true
            }
            return false
        }

        private mutating func takeNumber(_ token: Substring) -> Bool {
            guard let n = Int(token) else { return false }
            switch token.count {
            case 4 where year == nil: year = n
            case 1...2 where day == nil: day = n
            case 1...2 where year == nil: year = n < 50 ? 2000 + n : 1900 + n
            case 3 where year == nil: year = 1900 + n
            default: return false
            }
            return true
        }

        private mutating func takeTime(_ token: Substring) -> Bool {
            guard !hasTime else { return false }
            let parts = token.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), let h = Int(parts[0]), let m = Int(parts[1]) else { return false }
            var s = 0
            if parts.count == 3 {
                // Seconds may carry a fraction ("00.123"); it is dropped.
                guard let whole = Int(parts[2].prefix(while: { $0.isASCII && $0.isNumber })) else { return false }
                s = whole
            }
            hour = h; minute = m; second = s; hasTime = true
            return true
        }

        /// "+0100", "-05:00", "+01".
        private mutating func takeOffset(_ bytes: [UInt8]) -> Bool {
            let sign = bytes[0] == UInt8(ascii: "-") ? -1 : 1
            let digits = bytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
            guard digits.allSatisfy(ChangelogText.isDigit), digits.count == 4 || digits.count == 2 else {
                return false
            }
            let value = digits.reduce(0) { $0 * 10 + Int($1) - 0x30 }
            let (h, m) = digits.count == 4 ? (value / 100, value % 100) : (value, 0)
            guard h < 24, m < 60 else { return false }
            if offset == nil { offset = sign * (h * 3600 + m * 60) }
            return true
        }

        /// "2019-03-04", as git's `--date=iso` and some Debian trailers write the date.
        private mutating func takeISODate(_ token: Substring) -> Bool {
            let parts = token.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]),
                  let d = Int(parts[2]), year == nil, month == nil, day == nil else { return false }
            year = y; month = m; day = d
            return true
        }
    }
}

import Foundation

/// The span of time a sample may carry (DESIGN §2): from January 1990 to one day past now, in UTC.
public struct TimeWindow: Equatable, Sendable, CustomStringConvertible {
    /// The first month accepted (1990-01).
    public var earliest: Month
    /// The last instant accepted: now + 1 day, so clocks a little ahead of ours are not refused.
    public var latestUnixSeconds: Int64

    /// - Parameter now: the current Unix time; tests pass a fixed one.
    public init(now: Int64 = Int64(Date().timeIntervalSince1970)) {
        earliest = Month(year: 1990, month: 1)!
        latestUnixSeconds = now + 86_400
    }

    /// Whether a Unix time lies in [start of `earliest`, `latestUnixSeconds`].
    public func contains(_ unixSeconds: Int64) -> Bool {
        unixSeconds >= Civil.unixSeconds(of: earliest) && unixSeconds <= latestUnixSeconds
    }

    /// Whether a month lies in [`earliest`, the month holding `latestUnixSeconds`].
    public func contains(_ month: Month) -> Bool {
        month >= earliest && month <= Month(unixSeconds: latestUnixSeconds)
    }

    /// "[1990-01-01T00:00:00Z, 2026-11-27T15:00:00Z]"
    public var description: String {
        "[\(Civil.format(Civil.unixSeconds(of: earliest))), \(Civil.format(latestUnixSeconds))]"
    }
}

/// The time slice of a sample, by the rules of DESIGN §2 ("Time of a sample").
///
/// All arithmetic is UTC on the proleptic Gregorian calendar, with no `DateFormatter`: it is slow and
/// depends on the locale.
public enum SampleTime {
    /// The month of a sample from its own fields; the first field present wins:
    /// 1. `timestamp`, 2. `metadata."WARC-Date"`, 3. `date`, 4. `year` with optional `month`.
    ///
    /// A field holding JSON `null` counts as absent. The first three take:
    /// - an RFC 3339 / ISO 8601 date-time (see `unixSeconds(rfc3339:)`), "YYYY-MM-DD" or "YYYY-MM";
    /// - Unix time as a JSON number or a numeric string ("1552000000", "1552000000.25"). A value above
    ///   1e11 is taken as milliseconds (JavaScript's `Date.now()` unit): as seconds it would lie after
    ///   the year 5138, and as milliseconds any value below it lies before 1990 anyway.
    ///
    /// `year` and `month` are whole numbers or numeric strings. A `year` without `month` gives that
    /// year's January, so the sample joins the year's first slice: right for yearly steps, a guess for
    /// monthly ones. A `month` without `year` is no time.
    /// - Returns: the month, or nil when none of the fields is present.
    /// - Throws: `SampleProblem` `.badTimestamp` naming the field and value when a present field cannot
    ///   be read; `.timestampOutOfRange` naming the value and the window when it lies outside `window`.
    public static func month(of fields: JSONFields, window: TimeWindow) throws -> Month? {
        if let value = present(fields.timestamp) {
            return try month(instant: value, field: "timestamp", window: window)
        }
        if let value = present(fields.warcDate) {
            return try month(instant: value, field: "metadata.WARC-Date", window: window)
        }
        if let value = present(fields.date) {
            return try month(instant: value, field: "date", window: window)
        }
        if let year = present(fields.year) {
            guard let y = wholeNumber(year) else {
                throw SampleProblem(.badTimestamp, detail: "year \(render(year)) is not a whole number")
            }
            var m = 1
            if let month = present(fields.month) {
                guard let value = wholeNumber(month), (1...12).contains(value) else {
                    throw SampleProblem(.badTimestamp, detail: "month \(render(month)) is not a number from 1 to 12")
                }
                m = Int(value)
            }
            guard let result = Month(year: Int(clamping: y), month: m), window.contains(result) else {
                throw SampleProblem(.timestampOutOfRange,
                                    detail: "year \(y) month \(m) is outside the window \(window)")
            }
            return result
        }
        return nil
    }

    /// The month named by a shard's path, or nil. The deepest (rightmost) match wins, so a monthly
    /// file inside a yearly folder is dated by the file.
    ///
    /// The path is split on "/". Inside a component, a token is a run of digits between non-digits.
    /// Matches, with years 1990...2100 and months 01...12 only (so "000123.tar" is no month):
    /// - `YYYY-MM`: a 4-digit token, "-", a 2-digit token: "2019-03", "2019-03.jsonl.zst",
    ///   "shard-2019-03-0001.tar";
    /// - `YYYYMM`: a token of exactly 6 digits: "201903", "data/201903-part.jsonl.gz";
    /// - `YYYY/MM`: a component of exactly 4 digits followed by one of exactly 2: "2019/03/shard.tar";
    /// - Common Crawl `CC-MAIN-YYYY-WW`: ISO week WW of YYYY, dated by the month of that week's Thursday
    ///   (the day ISO 8601 uses to place a week in a year): "CC-MAIN-2019-09" is 2019-02. It takes the
    ///   place of the `YYYY-MM` reading of the same digits.
    public static func month(inPath path: String) -> Month? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        var found: Month?
        for (k, component) in components.enumerated() {
            if k > 0, let year = number(components[k - 1], digits: 4), let month = number(component, digits: 2),
               let m = pathMonth(year: year, month: month) {
                found = m
            }
            if let m = lastMonth(inComponent: Array(component.utf8)) { found = m }
        }
        return found
    }

    /// The Unix time of an RFC 3339 / ISO 8601 date-time, or of a bare date or month.
    ///
    /// Accepts `YYYY-MM-DD[(T|t| )hh:mm[:ss[.fraction]][Z|z|±hh:mm|±hhmm]]`, `YYYY-MM-DD` (midnight) and
    /// `YYYY-MM` (the first instant of the month). A date-time without a zone is UTC, as crawl metadata
    /// writes it. The offset is applied, so "2019-03-01T01:00:00+02:00" is 2019-02-28T23:00:00Z. The
    /// fraction is dropped; a leap second ":60" counts as the next second.
    /// - Returns: seconds since 1970-01-01T00:00:00Z, or nil when `text` is not in one of these forms or
    ///   names a day that does not exist.
    public static func unixSeconds(rfc3339 text: Substring) -> Int64? {
        let bytes = text.utf8
        if let result = bytes.withContiguousStorageIfAvailable({ parseDateTime($0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { parseDateTime($0) }
    }
}

// MARK: - Fields

extension SampleTime {
    private static func present(_ value: JSONScalar?) -> JSONScalar? {
        guard let value, value != .null else { return nil }
        return value
    }

    private static func month(instant value: JSONScalar, field: String, window: TimeWindow) throws -> Month {
        let seconds: Int64
        switch value {
        case .number(let number):
            seconds = try unixSeconds(number: number, field: field, value: value, window: window)
        case .string(let text):
            if let number = numericString(text) {
                seconds = try unixSeconds(number: number, field: field, value: value, window: window)
            } else if let parsed = unixSeconds(rfc3339: Substring(text)) {
                seconds = parsed
            } else {
                throw SampleProblem(.badTimestamp, detail: "\(field) \(render(value)) is not an RFC 3339 "
                                    + "date-time, YYYY-MM-DD, YYYY-MM or Unix seconds")
            }
        case .bool, .null, .other:
            throw SampleProblem(.badTimestamp, detail: "\(field) \(render(value)) is not a date or a number")
        }
        guard window.contains(seconds) else {
            throw SampleProblem(.timestampOutOfRange, detail: "\(field) \(render(value)) (\(Civil.format(seconds))) "
                                + "is outside the window \(window)")
        }
        return Month(unixSeconds: seconds)
    }

    private static func unixSeconds(number: Double, field: String, value: JSONScalar,
                                     window: TimeWindow) throws -> Int64 {
        guard number.isFinite else {
            throw SampleProblem(.badTimestamp, detail: "\(field) \(render(value)) is not a finite number")
        }
        let seconds = number > 1e11 ? number / 1000 : number
        // Beyond ±1e15 s no calendar arithmetic is meaningful, and Int64 conversion would trap.
        guard abs(seconds) < 1e15 else {
            throw SampleProblem(.timestampOutOfRange,
                                detail: "\(field) \(render(value)) is outside the window \(window)")
        }
        return Int64(seconds.rounded(.down))
    }

    /// The value of a string of the form `-?digits(.digits)?`, else nil.
    private static func numericString(_ text: String) -> Double? {
        var sawDigit = false, sawDot = false
        for (k, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "-") where k == 0: continue
            case UInt8(ascii: ".") where sawDigit && !sawDot: sawDot = true; sawDigit = false
            default: return nil
            }
        }
        return sawDigit ? Double(text) : nil
    }

    private static func wholeNumber(_ value: JSONScalar) -> Int64? {
        let number: Double
        switch value {
        case .number(let n): number = n
        case .string(let text): guard let n = numericString(text) else { return nil }; number = n
        case .bool, .null, .other: return nil
        }
        guard number.isFinite, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return Int64(number)
    }

    /// The value as it appears in an error detail: strings quoted and cut at 64 characters.
    private static func render(_ value: JSONScalar) -> String {
        switch value {
        case .string(let text):
            return "\"" + (text.count > 64 ? text.prefix(64) + "…" : text) + "\""
        case .number(let n):
            return n.isFinite && n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): return String(b)
        case .null: return "null"
        case .other: return "an array or object"
        }
    }
}

// MARK: - RFC 3339

extension SampleTime {
    private static func parseDateTime(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        var p = 0
        func digits(_ n: Int) -> Int? {
            guard p + n <= s.count else { return nil }
            var value = 0
            for k in p ..< p + n {
                let d = Int(s[k]) - 0x30
                guard (0...9).contains(d) else { return nil }
                value = value * 10 + d
            }
            p += n
            return value
        }
        func take(_ c: Character) -> Bool {
            guard p < s.count, s[p] == c.asciiValue! else { return false }
            p += 1
            return true
        }
        guard let year = digits(4), take("-"), let month = digits(2), (1...12).contains(month) else { return nil }
        if p == s.count { return Civil.days(year: year, month: month, day: 1) * 86_400 }
        guard take("-"), let day = digits(2), (1...Civil.daysIn(year: year, month: month)).contains(day) else {
            return nil
        }
        let midnight = Civil.days(year: year, month: month, day: day) * 86_400
        if p == s.count { return midnight }
        guard take("T") || take("t") || take(" "),
              let hour = digits(2), hour < 24, take(":"), let minute = digits(2), minute < 60 else { return nil }
        var second = 0
        if take(":") {
            guard let value = digits(2), value <= 60 else { return nil }
            second = value
            if take(".") {
                let start = p
                while p < s.count, (0x30...0x39).contains(s[p]) { p += 1 }
                guard p > start else { return nil }
            }
        }
        var offset = 0
        if take("Z") || take("z") {
            offset = 0
        } else if p < s.count, s[p] == UInt8(ascii: "+") || s[p] == UInt8(ascii: "-") {
            let sign = s[p] == UInt8(ascii: "-") ? -1 : 1
            p += 1
            guard let hours = digits(2), hours < 24 else { return nil }
            _ = take(":")
            guard let minutes = digits(2), minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard p == s.count else { return nil }
        return midnight + Int64(hour * 3600 + minute * 60 + second - offset)
    }
}

// MARK: - Paths

extension SampleTime {
    private static let pathYears = 1990...2100

    private static func pathMonth(year: Int, month: Int) -> Month? {
        guard pathYears.contains(year) else { return nil }
        return Month(year: year, month: month)
    }

    /// The value of `text` when it is exactly `digits` ASCII digits.
    private static func number(_ text: Substring, digits: Int) -> Int? {
        guard text.utf8.count == digits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func lastMonth(inComponent c: [UInt8]) -> Month? {
        var runs: [Range<Int>] = []
        var k = 0
        while k < c.count {
            guard (0x30...0x39).contains(c[k]) else { k += 1; continue }
            let start = k
            while k < c.count, (0x30...0x39).contains(c[k]) { k += 1 }
            runs.append(start ..< k)
        }
        func value(_ r: Range<Int>) -> Int { c[r].reduce(0) { $0 * 10 + Int($1) - 0x30 } }
        let commonCrawl = Array("CC-MAIN-".utf8)
        var found: Month?
        for (n, run) in runs.enumerated() {
            if run.count == 6, let m = pathMonth(year: value(run.prefix(4)), month: value(run.suffix(2))) {
                found = m
            }
            guard run.count == 4, n + 1 < runs.count, case let next = runs[n + 1], next.count == 2,
                  next.lowerBound == run.upperBound + 1, c[run.upperBound] == UInt8(ascii: "-") else { continue }
            let year = value(run), second = value(next)
            if run.lowerBound >= commonCrawl.count,
               Array(c[run.lowerBound - commonCrawl.count ..< run.lowerBound]) == commonCrawl {
                if let m = isoWeekMonth(year: year, week: second) { found = m }
            } else if let m = pathMonth(year: year, month: second) {
                found = m
            }
        }
        return found
    }

    /// The month of the Thursday of ISO week `week` of `year`, or nil when the year has no such week.
    private static func isoWeekMonth(year: Int, week: Int) -> Month? {
        guard pathYears.contains(year), (1...53).contains(week) else { return nil }
        // January 4 is always in week 1; 1970-01-01 (day 0) was a Thursday, so (day + 3) mod 7 is 0 on Mondays.
        let january4 = Civil.days(year: year, month: 1, day: 4)
        let monday1 = january4 - (january4 + 3) % 7
        let thursday = monday1 + Int64(week - 1) * 7 + 3
        let month = Month(unixSeconds: thursday * 86_400)
        return month.year == year ? month : nil
    }
}

// MARK: - Civil dates

/// UTC calendar arithmetic, proleptic Gregorian. Public so corpus builders date their records with the same
/// calendar that ingest reads them back with.
public enum Civil {
    /// Days since 1970-01-01 of a date (Howard Hinnant's days_from_civil, the inverse of the algorithm in
    /// `Month(unixSeconds:)`).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func unixSeconds(of month: Month) -> Int64 { days(year: month.year, month: month.month, day: 1) * 86_400 }

    /// "YYYY-MM-DDThh:mm:ssZ"
    public static func format(_ unixSeconds: Int64) -> String {
        let month = Month(unixSeconds: unixSeconds)
        let dayNumber = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let seconds = unixSeconds - dayNumber * 86_400
        let day = dayNumber - days(year: month.year, month: month.month, day: 1) + 1
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(month)-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }
}

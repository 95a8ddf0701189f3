#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Validates one JSON record and extracts the `JSONFields` ingest needs.
///
/// One pass over the bytes checks the grammar; every value that is not wanted is skipped without
/// allocating. Strings are scanned eight bytes at a time (SWAR) for `"`, `\`, control bytes and bytes
/// ≥ 0x80, so UTF-8 is checked only where non-ASCII bytes occur. A wanted string is copied word by word
/// into a scratch buffer during that same scan, escapes decoded on the way, and becomes a `String` without
/// the standard library validating it again.
public enum JSONRecordScanner {
    /// Deepest nesting of arrays and objects accepted (the record's own object is depth 1). Deeper input
    /// is refused instead of growing the stack.
    fileprivate static let maxDepth = 512

    /// Checks that `bytes` are exactly one JSON object (RFC 8259; whitespace around it allowed) and
    /// extracts the fields ingest needs.
    ///
    /// Lone UTF-16 surrogate escapes are accepted, as Python's `json` accepts them, and decode to U+FFFD.
    /// - Parameter bytes: one record, without its line terminator (trailing whitespace is allowed).
    /// - Returns: the wanted fields; see `JSONFields` for which keys count.
    /// - Throws: `SampleProblem` `.badJSON` whose detail names what was expected and the 0-based byte
    ///   offset, e.g. "expected ':' after object key at byte 57, found '}'".
    public static func scan(_ bytes: UnsafeRawBufferPointer) throws -> JSONFields {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw SampleProblem(.badJSON, detail: "expected '{' to start the record at byte 0, found end of input")
        }
        return try withUnsafeTemporaryAllocation(byteCount: bytes.count, alignment: 8) { scratch in
            var parser = Parser(raw: base, count: bytes.count, scratch: scratch.baseAddress!)
            return try parser.record()
        }
    }
}

/// The members of an object that the parser keeps, by where the object sits.
private enum ObjectRole { case record, metadata, skipped }

private enum WantedKey {
    case text, caption, url, timestamp, date, year, month, uid, key, id, sha256, metadata
    case warcDate, warcTargetURI
    case unwanted
}

private enum Byte {
    static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, slash: UInt8 = 0x2F
    static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
    static let colon: UInt8 = 0x3A, comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D, plus: UInt8 = 0x2B, dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30, nine: UInt8 = 0x39
    static let lowerE: UInt8 = 0x65, upperE: UInt8 = 0x45
    static let t: UInt8 = 0x74, f: UInt8 = 0x66, n: UInt8 = 0x6E, u: UInt8 = 0x75
    static let b: UInt8 = 0x62, r: UInt8 = 0x72
}

private struct Parser {
    let raw: UnsafeRawPointer
    let bytes: UnsafePointer<UInt8>
    let count: Int
    var i = 0
    var fields = JSONFields()
    var topURL: String?
    var warcTargetURI: String?
    /// Where wanted strings are decoded before becoming `String`s; `count` bytes, as no string in the
    /// record can decode to more.
    let scratch: UnsafeMutableRawPointer

    init(raw: UnsafeRawPointer, count: Int, scratch: UnsafeMutableRawPointer) {
        self.raw = raw
        self.bytes = raw.assumingMemoryBound(to: UInt8.self)
        self.count = count
        self.scratch = scratch
    }

    /// The byte at `offset`, or 0 past the end: 0 is invalid everywhere a peek is used, so the end needs
    /// no separate test in the grammar.
    @inline(__always) func peek(_ offset: Int) -> UInt8 { offset < count ? bytes[offset] : 0 }

    func fail(_ expected: String, at offset: Int) -> SampleProblem {
        let found: String
        if offset >= count {
            found = "end of input"
        } else {
            let c = bytes[offset]
            found = (0x21..<0x7F).contains(c) ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x" + hex(c)
        }
        return SampleProblem(.badJSON, detail: "expected \(expected) at byte \(offset), found \(found)")
    }

    private func hex(_ c: UInt8) -> String {
        let s = String(c, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }

    @inline(__always) mutating func skipWhitespace() {
        while i < count {
            let c = bytes[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    mutating func record() throws -> JSONFields {
        skipWhitespace()
        guard peek(i) == Byte.openBrace else { throw fail("'{' to start the record", at: i) }
        try object(depth: 1, role: .record)
        skipWhitespace()
        guard i == count else { throw fail("end of input after the record", at: i) }
        fields.url = topURL ?? warcTargetURI
        return fields
    }

    // MARK: Containers

    /// Parses the object whose `{` is at `i`.
    mutating func object(depth: Int, role: ObjectRole) throws {
        guard depth <= JSONRecordScanner.maxDepth else {
            throw fail("nesting depth at most \(JSONRecordScanner.maxDepth)", at: i)
        }
        i += 1
        skipWhitespace()
        if peek(i) == Byte.closeBrace { i += 1; return }
        while true {
            guard peek(i) == Byte.quote else { throw fail("'\"' to start an object key", at: i) }
            let keyStart = i
            let wanted: WantedKey
            let key = try scanString()
            switch role {
            case .skipped: wanted = .unwanted
            case .record, .metadata:
                if key.escaped {
                    i = keyStart
                    var name = try wantedString()
                    wanted = name.withUTF8 { classify($0.baseAddress, $0.count, role: role) }
                } else {
                    wanted = classify(bytes + key.start, key.end - key.start, role: role)
                }
            }
            skipWhitespace()
            guard peek(i) == Byte.colon else { throw fail("':' after object key", at: i) }
            i += 1
            skipWhitespace()
            try member(wanted, depth: depth)
            skipWhitespace()
            let c = peek(i)
            if c == Byte.comma {
                i += 1
                skipWhitespace()
            } else if c == Byte.closeBrace {
                i += 1
                return
            } else {
                throw fail("',' or '}' after object member", at: i)
            }
        }
    }

    /// Parses the array whose `[` is at `i`.
    mutating func array(depth: Int) throws {
        guard depth <= JSONRecordScanner.maxDepth else {
            throw fail("nesting depth at most \(JSONRecordScanner.maxDepth)", at: i)
        }
        i += 1
        skipWhitespace()
        if peek(i) == Byte.closeBracket { i += 1; return }
        while true {
            try skipValue(depth: depth)
            skipWhitespace()
            let c = peek(i)
            if c == Byte.comma {
                i += 1
                skipWhitespace()
            } else if c == Byte.closeBracket {
                i += 1
                return
            } else {
                throw fail("',' or ']' after array element", at: i)
            }
        }
    }

    /// Parses one member value, storing it when its key is wanted. A repeated key overwrites, so the last
    /// occurrence wins.
    mutating func member(_ wanted: WantedKey, depth: Int) throws {
        switch wanted {
        case .unwanted: try skipValue(depth: depth)
        case .text: fields.text = try stringValue(depth: depth)
        case .caption: fields.caption = try stringValue(depth: depth)
        case .url: topURL = try stringValue(depth: depth)
        case .uid: fields.uid = try stringValue(depth: depth)
        case .key: fields.key = try stringValue(depth: depth)
        case .id: fields.id = try stringValue(depth: depth)
        case .sha256: fields.sha256 = try stringValue(depth: depth)
        case .timestamp: fields.timestamp = try scalarValue(depth: depth)
        case .date: fields.date = try scalarValue(depth: depth)
        case .year: fields.year = try scalarValue(depth: depth)
        case .month: fields.month = try scalarValue(depth: depth)
        case .warcDate: fields.warcDate = try scalarValue(depth: depth)
        case .warcTargetURI: warcTargetURI = try stringValue(depth: depth)
        case .metadata:
            fields.warcDate = nil
            warcTargetURI = nil
            if peek(i) == Byte.openBrace {
                try object(depth: depth + 1, role: .metadata)
            } else {
                try skipValue(depth: depth)
            }
        }
    }

    /// Skips any value at `i`, checking its grammar. `depth` is that of the enclosing container.
    mutating func skipValue(depth: Int) throws {
        switch peek(i) {
        case Byte.quote: _ = try scanString()
        case Byte.openBrace: try object(depth: depth + 1, role: .skipped)
        case Byte.openBracket: try array(depth: depth + 1)
        case Byte.minus, Byte.zero...Byte.nine: _ = try scanNumber()
        case Byte.t: try literal("true")
        case Byte.f: try literal("false")
        case Byte.n: try literal("null")
        default: throw fail("a value (string, number, object, array, true, false or null)", at: i)
        }
    }

    mutating func stringValue(depth: Int) throws -> String? {
        if peek(i) == Byte.quote { return try wantedString() }
        try skipValue(depth: depth)
        return nil
    }

    mutating func scalarValue(depth: Int) throws -> JSONScalar {
        switch peek(i) {
        case Byte.quote: return .string(try wantedString())
        case Byte.minus, Byte.zero...Byte.nine:
            let (start, end) = try scanNumber()
            let text = String(decoding: UnsafeBufferPointer(start: bytes + start, count: end - start), as: UTF8.self)
            // The grammar was checked, so Double's parser accepts it (overflow gives ±infinity, as in Python).
            return .number(Double(text) ?? .nan)
        case Byte.t: try literal("true"); return .bool(true)
        case Byte.f: try literal("false"); return .bool(false)
        case Byte.n: try literal("null"); return .null
        default:
            try skipValue(depth: depth)
            return .other
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let length = word.utf8CodeUnitCount
        guard i + length <= count, memcmp(bytes + i, word.utf8Start, length) == 0 else {
            throw fail("'\(word)'", at: i)
        }
        i += length
    }

    // MARK: Numbers

    /// Checks `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `i`.
    /// - Returns: the number's byte range.
    mutating func scanNumber() throws -> (Int, Int) {
        let start = i
        if peek(i) == Byte.minus { i += 1 }
        let first = peek(i)
        if first == Byte.zero {
            i += 1
            if isDigit(peek(i)) { throw fail("'.', 'e' or the end of the number after a leading 0", at: i) }
        } else if isDigit(first) {
            i += 1
            skipDigits()
        } else {
            throw fail("a digit after '-'", at: i)
        }
        if peek(i) == Byte.dot {
            i += 1
            guard isDigit(peek(i)) else { throw fail("a digit after '.'", at: i) }
            skipDigits()
        }
        let e = peek(i)
        if e == Byte.lowerE || e == Byte.upperE {
            i += 1
            let sign = peek(i)
            if sign == Byte.plus || sign == Byte.minus { i += 1 }
            guard isDigit(peek(i)) else { throw fail("a digit in the exponent", at: i) }
            skipDigits()
        }
        return (start, i)
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- Byte.zero < 10 }

    @inline(__always) mutating func skipDigits() {
        while i < count, isDigit(bytes[i]) { i += 1 }
    }

    // MARK: Strings

    struct StringSpan {
        /// First byte after the opening quote.
        var start: Int
        /// The closing quote.
        var end: Int
        var escaped: Bool
    }

    /// Checks the string whose opening quote is at `i` and moves past its closing quote.
    @inline(__always) mutating func scanString() throws -> StringSpan {
        let open = i
        var j = i + 1
        var escaped = false
        while true {
            while j &+ 8 <= count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let hits = specialBytes(word)
                if hits != 0 {
                    j &+= hits.trailingZeroBitCount &>> 3
                    break
                }
                j &+= 8
            }
            guard j < count else {
                throw fail("'\"' to close the string that starts at byte \(open)", at: j)
            }
            let c = bytes[j]
            if c == Byte.quote {
                i = j &+ 1
                return StringSpan(start: open &+ 1, end: j, escaped: escaped)
            } else if c == Byte.backslash {
                escaped = true
                if isSimpleEscape(peek(j &+ 1)) {
                    j &+= 2
                } else {
                    j = try checkUnicodeEscape(at: j)
                }
            } else if c >= 0x80 {
                j = try skipNonASCII(at: j)
            } else if c < 0x20 {
                throw fail("a control character to be escaped as \\uXXXX in a string", at: j)
            } else {
                j &+= 1
            }
        }
    }

    /// Flags (high bit of the byte) every byte of `word` that is '"', '\', < 0x20 or ≥ 0x80. A flag can be
    /// spurious only above a genuine one, so the lowest flag is always exact.
    @inline(__always) func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteHits = (quote &- ones) & ~quote
        let backslashHits = (backslash &- ones) & ~backslash
        let controlHits = (word &- ones &* 0x20) & ~word
        return (quoteHits | backslashHits | controlHits | word) & (ones &* 0x80)
    }

    /// Whether `c` follows a backslash as one of `" \ / b f n r t`: a bit set over 0x00...0x7F.
    @inline(__always) func isSimpleEscape(_ c: UInt8) -> Bool {
        let low: UInt64 = 1 << 0x22 | 1 << 0x2F
        let high: UInt64 = 1 << (0x5C - 64) | 1 << (0x62 - 64) | 1 << (0x66 - 64) | 1 << (0x6E - 64)
            | 1 << (0x72 - 64) | 1 << (0x74 - 64)
        let mask = c < 64 ? low : c < 128 ? high : 0
        return (mask &>> UInt64(c & 63)) & 1 != 0
    }

    /// Checks a `\uXXXX` escape, or reports the bad escape, at the backslash at `j`.
    /// - Returns: the offset just past it.
    func checkUnicodeEscape(at j: Int) throws -> Int {
        guard peek(j + 1) == Byte.u else {
            throw fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after a backslash", at: j + 1)
        }
        for k in j + 2 ..< j + 6 where hexValue(peek(k)) < 0 {
            throw fail("4 hex digits after \\u", at: k)
        }
        return j + 6
    }

    @inline(__always) func hexValue(_ c: UInt8) -> Int {
        switch c {
        case 0x30...0x39: return Int(c) - 0x30
        case 0x41...0x46: return Int(c) - 0x41 + 10
        case 0x61...0x66: return Int(c) - 0x61 + 10
        default: return -1
        }
    }

    /// Checks text from the non-ASCII byte at `start` on, byte by byte, which beats the eight-byte scan
    /// while non-ASCII characters come closer than eight bytes apart (CJK, Cyrillic, Greek). Two- and
    /// three-byte characters take an inline path; the rest go to `checkUTF8`.
    /// - Returns: the offset of a `"`, `\` or control byte, or of the byte after eight ASCII ones in a row.
    @inline(__always) func skipNonASCII(at start: Int) throws -> Int {
        var j = start
        var asciiRun = 0
        while true {
            let c = peek(j)
            if c < 0x80 {
                if c == Byte.quote || c == Byte.backslash || c < 0x20 { return j }
                j &+= 1
                asciiRun &+= 1
                if asciiRun == 8 { return j }
                continue
            }
            asciiRun = 0
            let c1 = peek(j &+ 1)
            if c &- 0xC2 < 0x1E, c1 & 0xC0 == 0x80 {
                j &+= 2
            } else if c &- 0xE1 < 0x0F, c != 0xED, c1 & 0xC0 == 0x80, peek(j &+ 2) & 0xC0 == 0x80 {
                j &+= 3
            } else {
                j = try checkUTF8(at: j)
            }
        }
    }

    /// Checks the UTF-8 sequence whose lead byte (≥ 0x80) is at `j`, refusing overlong forms, encoded
    /// surrogates and code points above U+10FFFF (RFC 3629's table).
    /// - Returns: the offset just past it.
    func checkUTF8(at j: Int) throws -> Int {
        let lead = bytes[j]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("valid UTF-8 (0x\(hex(lead)) cannot start a character)", at: j)
        }
        let second = peek(j + 1)
        guard second >= low, second <= high else {
            throw fail("valid UTF-8 (continuation byte after 0x\(hex(lead)))", at: j + 1)
        }
        for k in j + 2 ..< j + length where peek(k) & 0xC0 != 0x80 {
            throw fail("valid UTF-8 (continuation byte after 0x\(hex(lead)))", at: k)
        }
        return j + length
    }

    /// Checks the string whose opening quote is at `i`, decodes it into `scratch` in the same pass, and
    /// moves past its closing quote. The same checks as `scanString`, for the few strings that are kept.
    /// Decoded text never outgrows its source (a 6-byte `\uXXXX` becomes at most 3 bytes, a 12-byte
    /// surrogate pair 4), so whole-word stores at `w` stay inside the `count`-byte scratch.
    mutating func wantedString() throws -> String {
        let open = i
        var j = i + 1, w = 0
        var ascii = true
        while true {
            while j &+ 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                scratch.storeBytes(of: word, toByteOffset: w, as: UInt64.self)
                let hits = specialBytes(UInt64(littleEndian: word))
                if hits != 0 {
                    let k = hits.trailingZeroBitCount &>> 3
                    j &+= k; w &+= k
                    break
                }
                j &+= 8; w &+= 8
            }
            guard j < count else {
                throw fail("'\"' to close the string that starts at byte \(open)", at: j)
            }
            let c = bytes[j]
            if c == Byte.quote {
                i = j &+ 1
                return string(validUTF8: UnsafeBufferPointer(start: scratch.assumingMemoryBound(to: UInt8.self),
                                                             count: w), ascii: ascii)
            } else if c == Byte.backslash {
                let kind = peek(j &+ 1)
                if isSimpleEscape(kind) {
                    let decoded: UInt8
                    switch kind {
                    case Byte.b: decoded = 0x08
                    case Byte.f: decoded = 0x0C
                    case Byte.n: decoded = 0x0A
                    case Byte.r: decoded = 0x0D
                    case Byte.t: decoded = 0x09
                    default: decoded = kind
                    }
                    scratch.storeBytes(of: decoded, toByteOffset: w, as: UInt8.self)
                    j &+= 2; w &+= 1
                } else {
                    j = try checkUnicodeEscape(at: j)
                    var scalar = hex4(at: j - 4)
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate pairs with an immediately following low one; alone, it is U+FFFD.
                        if j + 6 <= count, bytes[j] == Byte.backslash, bytes[j + 1] == Byte.u,
                           case let low = hex4(at: j + 2), (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            j += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    if scalar >= 0x80 { ascii = false }
                    w += writeUTF8(scalar, to: scratch.assumingMemoryBound(to: UInt8.self) + w)
                }
            } else if c >= 0x80 {
                ascii = false
                let end = try skipNonASCII(at: j)
                memcpy(scratch + w, bytes + j, end - j)
                w &+= end &- j
                j = end
            } else if c < 0x20 {
                throw fail("a control character to be escaped as \\uXXXX in a string", at: j)
            } else {
                scratch.storeBytes(of: c, toByteOffset: w, as: UInt8.self)
                j &+= 1; w &+= 1
            }
        }
    }

    /// A String copied from bytes this parser has already checked as UTF-8, so the standard library does
    /// not validate them a second time (that pass cost as much as the whole scan).
    @inline(__always) func string(validUTF8 utf8: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String {
        String(copying: UTF8Span(unchecked: utf8.span, isKnownASCII: ascii))
    }

    @inline(__always) func hex4(at r: Int) -> Int {
        (hexValue(bytes[r]) << 12) | (hexValue(bytes[r + 1]) << 8)
            | (hexValue(bytes[r + 2]) << 4) | hexValue(bytes[r + 3])
    }

    /// - Returns: the number of bytes written (1...4).
    func writeUTF8(_ scalar: Int, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            dst[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            dst[0] = UInt8(0xC0 | (scalar >> 6)); dst[1] = UInt8(0x80 | (scalar & 0x3F))
            return 2
        case 0x800..<0x10000:
            dst[0] = UInt8(0xE0 | (scalar >> 12)); dst[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            dst[2] = UInt8(0x80 | (scalar & 0x3F))
            return 3
        default:
            dst[0] = UInt8(0xF0 | (scalar >> 18)); dst[1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
            dst[2] = UInt8(0x80 | ((scalar >> 6) & 0x3F)); dst[3] = UInt8(0x80 | (scalar & 0x3F))
            return 4
        }
    }

    // MARK: Keys

    func classify(_ key: UnsafePointer<UInt8>?, _ length: Int, role: ObjectRole) -> WantedKey {
        guard let key else { return .unwanted }
        func matches(_ name: StaticString) -> Bool {
            name.utf8CodeUnitCount == length && memcmp(key, name.utf8Start, length) == 0
        }
        if role == .metadata {
            if matches("WARC-Date") { return .warcDate }
            if matches("WARC-Target-URI") { return .warcTargetURI }
            return .unwanted
        }
        switch length {
        case 2: return matches("id") ? .id : .unwanted
        case 3: return matches("url") ? .url : matches("uid") ? .uid : matches("key") ? .key : .unwanted
        case 4: return matches("text") ? .text : matches("date") ? .date : matches("year") ? .year : .unwanted
        case 5: return matches("month") ? .month : .unwanted
        case 6: return matches("sha256") ? .sha256 : .unwanted
        case 7: return matches("caption") ? .caption : .unwanted
        case 8: return matches("metadata") ? .metadata : .unwanted
        case 9: return matches("timestamp") ? .timestamp : .unwanted
        default: return .unwanted
        }
    }
}

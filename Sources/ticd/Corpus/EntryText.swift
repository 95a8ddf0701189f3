import Timeline

/// Turns a parsed entry into the text of a record: dedented, trimmed, decoded, e-mail addresses masked,
/// capped; and the key that finds its duplicates.
enum EntryText {
    /// What replaces an e-mail address, with its angle brackets when it had them.
    static let emailMask = Array("<email>".utf8)

    /// The UTF-8 text of an entry: its heading text (if any), then its body with the common indentation
    /// removed, trailing blanks cut from every line and blank lines cut from both ends. Heading and body
    /// are separated by a blank line when the file had one there. Empty when neither holds anything
    /// but blanks.
    static func render(_ entry: ParsedEntry, in text: ChangelogText) -> [UInt8] {
        var first = entry.body.lowerBound, last = entry.body.upperBound
        while first < last, text.isBlank(first) { first += 1 }
        while last > first, text.isBlank(last - 1) { last -= 1 }
        var out: [UInt8] = []
        if let heading = entry.heading {
            out += trimmedEnd(text.bytes[heading])
            if !out.isEmpty, first < last { out += first > entry.body.lowerBound ? [0x0A, 0x0A] : [0x0A] }
        }
        let indent = commonIndent(first ..< last, in: text)
        for line in first ..< last {
            let bytes = text[line]
            out += trimmedEnd(bytes.count >= indent ? bytes.dropFirst(indent) : bytes[bytes.endIndex...])
            if line + 1 < last { out.append(0x0A) }
        }
        return utf8(out)
    }

    /// `bytes` as valid UTF-8: lines that already are stay as they are, any other line is read as Latin-1
    /// (ISO-8859-1), the usual encoding of old changelog entries. Control bytes other than tab and newline
    /// (form feeds, NULs, escapes) are dropped.
    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        let clean = bytes.allSatisfy { ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x0A || $0 == 0x09 }
        if clean, String(validating: bytes, as: UTF8.self) != nil { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.startIndex > 0 { out.append(0x0A) }
            let valid = String(validating: line, as: UTF8.self) != nil
            for b in line where b >= 0x20 && b != 0x7F || b == 0x09 {
                if valid || b < 0x80 {
                    out.append(b)
                } else {
                    out.append(0xC0 | b >> 6)
                    out.append(0x80 | b & 0x3F)
                }
            }
        }
        return out
    }

    /// A line's bytes as a `String`, UTF-8 or else Latin-1.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        String(validating: bytes, as: UTF8.self) ?? String(decoding: utf8(Array(bytes)), as: UTF8.self)
    }

    /// Replaces every e-mail address (`local@domain.tld`) with `<email>`; `<local@domain.tld>` becomes
    /// `<email>` too, not `<<email>>`.
    static func maskEmails(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "@")) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var copied = 0
        var k = 0
        while k < bytes.count {
            guard bytes[k] == UInt8(ascii: "@"), let span = emailSpan(at: k, in: bytes), span.lowerBound >= copied else {
                k += 1
                continue
            }
            var lower = span.lowerBound, upper = span.upperBound
            if lower > copied, upper < bytes.count, bytes[lower - 1] == UInt8(ascii: "<"),
               bytes[upper] == UInt8(ascii: ">") {
                lower -= 1; upper += 1
            }
            out += bytes[copied ..< lower]
            out += emailMask
            copied = upper
            k = upper
        }
        out += bytes[copied...]
        return out
    }

    /// The first `maxBytes` bytes of `bytes`, cut after the last whole line when one ends in the second half,
    /// else after the last whole UTF-8 character; nil when `bytes` already fits.
    static func capped(_ bytes: [UInt8], maxBytes: Int) -> [UInt8]? {
        guard bytes.count > maxBytes else { return nil }
        var end = maxBytes
        if let newline = bytes[maxBytes / 2 ..< maxBytes].lastIndex(of: 0x0A) {
            end = newline
        } else {
            while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        }
        return Array(bytes[..<end])
    }

    /// The key of "the same text": xxHash64 of the text with ASCII letters lower-cased and every run of
    /// blanks and newlines made one space, so re-wrapped or re-indented copies count as duplicates.
    static func duplicateKey(_ bytes: [UInt8]) -> UInt64 {
        var normalized: [UInt8] = []
        normalized.reserveCapacity(bytes.count)
        var pendingSpace = false
        for b in bytes {
            if b == 0x20 || b == 0x09 || b == 0x0A {
                pendingSpace = !normalized.isEmpty
                continue
            }
            if pendingSpace { normalized.append(0x20); pendingSpace = false }
            normalized.append((0x41...0x5A).contains(b) ? b | 0x20 : b)
        }
        return Hash64.hash(normalized)
    }

    /// The longest run of spaces and tabs that starts every non-blank line of `lines`.
    private static func commonIndent(_ lines: Range<Int>, in text: ChangelogText) -> Int {
        var prefix: ArraySlice<UInt8>?
        for line in lines where !text.isBlank(line) {
            let bytes = text[line]
            let indent = bytes.prefix(while: ChangelogText.isSpace)
            guard let current = prefix else { prefix = indent; continue }
            let shared = zip(current, indent).prefix(while: { $0 == $1 }).count
            prefix = current.prefix(shared)
            if shared == 0 { break }
        }
        return prefix?.count ?? 0
    }

    private static func trimmedEnd(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        while end > bytes.startIndex, ChangelogText.isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[bytes.startIndex ..< end]
    }

    private static let localPunctuation = Set("._%+-=".utf8)

    /// The address around the "@" at `at`: local part of letters, digits and `._%+-=_`, a domain of labels
    /// with at least one dot and a final label of two or more letters. Nil when `at` starts no address.
    private static func emailSpan(at: Int, in bytes: [UInt8]) -> Range<Int>? {
        let isAlnum = ChangelogText.isAlphanumeric
        func isLocal(_ b: UInt8) -> Bool { isAlnum(b) || localPunctuation.contains(b) }
        func isDomain(_ b: UInt8) -> Bool { isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") }
        var lower = at
        while lower > 0, isLocal(bytes[lower - 1]) { lower -= 1 }
        var upper = at + 1
        while upper < bytes.count, isDomain(bytes[upper]) { upper += 1 }
        while upper > at + 1, !isAlnum(bytes[upper - 1]) { upper -= 1 }
        guard lower < at, upper > at + 1, isAlnum(bytes[at + 1]) else { return nil }
        let domain = bytes[(at + 1) ..< upper]
        guard let dot = domain.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let tld = domain[(dot + 1)...]
        guard tld.count >= 2, tld.allSatisfy(ChangelogText.isLetter) else { return nil }
        return lower ..< upper
    }
}

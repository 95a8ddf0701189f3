/// One file's decompressed bytes split into lines, the unit every changelog parser works on.
///
/// Parsers look at bytes, not `String`s: the files mix UTF-8 with Latin-1 and carry stray control bytes,
/// and ~200 MB of them must be read in seconds. Text is decoded only for the entries that are kept.
struct ChangelogText {
    let bytes: [UInt8]
    /// Byte ranges of the lines, without the "\n" (and without a "\r" before it).
    let lines: [Range<Int>]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var lines: [Range<Int>] = []
        lines.reserveCapacity(bytes.count / 40)
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            for k in 0 ..< b.count where b[k] == 0x0A {
                let end = k > start && b[k - 1] == 0x0D ? k - 1 : k
                lines.append(start ..< end)
                start = k + 1
            }
            if start < b.count { lines.append(start ..< b.count) }
        }
        self.lines = lines
    }

    var count: Int { lines.count }

    subscript(line: Int) -> ArraySlice<UInt8> { bytes[lines[line]] }

    /// Whether the line holds nothing but spaces and tabs.
    func isBlank(_ line: Int) -> Bool { self[line].allSatisfy(Self.isSpace) }

    /// Whether the line starts with a space or a tab (an entry's body, in every format here).
    func isIndented(_ line: Int) -> Bool { self[line].first.map(Self.isSpace) ?? false }

    func hasPrefix(_ line: Int, _ prefix: String) -> Bool { self[line].starts(with: prefix.utf8) }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    /// An ASCII letter; changelog syntax (month names, headers, addresses) is ASCII.
    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
}

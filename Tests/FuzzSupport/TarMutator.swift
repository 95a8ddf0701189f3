/// Structure-aware tar mutations: corrupt one field of one header block (size, checksum, typeflag, name, the
/// ustar prefix) or blank a header and the blocks after it, then usually fix the checksum again so the reader
/// gets past it and meets the bad field itself.
public enum TarMutator {
    public enum Field: String, CaseIterable {
        case size, base256Size, checksum, typeflag, name, prefix, zeroBlocks
    }

    /// Offsets of the 512-byte blocks whose checksum verifies, i.e. the header blocks.
    public static func headerOffsets(_ bytes: [UInt8]) -> [Int] {
        stride(from: 0, to: bytes.count - 511, by: 512).filter { isHeader(bytes, at: $0) }
    }

    /// Whether the block at `offset` is a tar header: not all zero, and its checksum field holds the unsigned
    /// sum of the block with that field read as spaces.
    public static func isHeader(_ bytes: [UInt8], at offset: Int) -> Bool {
        guard offset + 512 <= bytes.count else { return false }
        var sum = 0, zero = true
        for k in 0..<512 {
            let b = bytes[offset + k]
            if b != 0 { zero = false }
            sum += (148..<156).contains(k) ? 0x20 : Int(b)
        }
        guard !zero else { return false }
        let field = bytes[(offset + 148)..<(offset + 156)].prefix { $0 >= 0x30 && $0 <= 0x37 || $0 == 0x20 }
        let digits = field.filter { $0 != 0x20 }
        return !digits.isEmpty && digits.reduce(0) { $0 * 8 + Int($1 - 0x30) } == sum
    }

    /// Corrupts one field of a random header block; returns false when the input has no header left.
    @discardableResult
    public static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> Bool {
        let headers = headerOffsets(bytes)
        guard !headers.isEmpty else { return false }
        corrupt(rng.pick(Field.allCases), at: rng.pick(headers), in: &bytes, &rng)
        return true
    }

    public static func corrupt(_ field: Field, at h: Int, in bytes: inout [UInt8], _ rng: inout SplitMix64) {
        func put(_ value: [UInt8], at offset: Int, width: Int) {
            let padded = Array(value.prefix(width)) + Array(repeating: 0, count: max(0, width - value.count))
            bytes.replaceSubrange((h + offset)..<(h + offset + width), with: padded)
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = Array(String(value, radix: 8).utf8)
            return Array(repeating: 0x30, count: max(0, width - 1 - digits.count)) + digits + [0]
        }
        let oldSize = Int(octalValue(bytes[(h + 124)..<(h + 136)]))
        var fixChecksum = rng.chance(0.9)
        switch field {
        case .size:
            let value = rng.pick([0, 1, 511, 512, 513, oldSize + 1, max(0, oldSize - 1), oldSize + 512,
                                  oldSize + 512 * (1 + rng.below(8)), 64 << 20, (64 << 20) + 1, 0o77777777777])
            if rng.chance(0.1) {
                put(Array("9x 12".utf8), at: 124, width: 12)  // not an octal number
            } else {
                put(octal(value, width: 12), at: 124, width: 12)
            }
        case .base256Size:
            // GNU base-256: top bit set, big-endian two's complement; the same size, a huge one, or a negative one.
            let value: UInt64 = rng.pick([UInt64(oldSize), UInt64(oldSize) + 512, 1 << 40, UInt64.max])
            var field: [UInt8] = [value == .max ? 0xFF : 0x80, 0, 0, 0]
            for shift in stride(from: 56, through: 0, by: -8) { field.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
            put(field, at: 124, width: 12)
        case .checksum:
            fixChecksum = false
            put(rng.chance(0.5) ? octal(rng.below(0o777777), width: 8) : Array("zz\0 ".utf8), at: 148, width: 8)
        case .typeflag:
            let flags: [UInt8] = Array("0\u{0}123456789xgLKSDVAM".utf8) + [UInt8(truncatingIfNeeded: rng.next())]
            bytes[h + 156] = rng.pick(flags)
        case .name:
            let names = ["../escape.png", "/etc/passwd.txt", "a/../../b.txt", "./k.png", "k\u{0}x.png", "", "k/",
                         "__index__", "noextension", "k.", ".hidden.txt", String(repeating: "n", count: 100),
                         "dir/./x.jpg", "k.PNG", "k.seg.png"]
            put(Array(rng.pick(names).utf8), at: 0, width: 100)
        case .prefix:
            put(Array("ustar\u{0}00".utf8), at: 257, width: 8)
            put(Array(rng.pick(["..", "/abs", "dir", String(repeating: "p", count: 155)]).utf8), at: 345, width: 155)
        case .zeroBlocks:
            fixChecksum = false
            let end = min(bytes.count, h + 512 * (1 + rng.below(3)))
            bytes.replaceSubrange(h..<end, with: repeatElement(0, count: end - h))
        }
        if fixChecksum { setChecksum(&bytes, at: h) }
    }

    /// Rewrites the checksum field of the header at `h` to match the block.
    public static func setChecksum(_ bytes: inout [UInt8], at h: Int) {
        bytes.replaceSubrange((h + 148)..<(h + 156), with: repeatElement(0x20, count: 8))
        let sum = bytes[h..<(h + 512)].reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        let field = Array(repeating: 0x30, count: max(0, 6 - digits.count)) + digits + [0, 0x20]
        bytes.replaceSubrange((h + 148)..<(h + 156), with: field)
    }

    /// An octal field's value, reading digits after leading blanks and stopping at the first non-digit.
    public static func octalValue(_ field: ArraySlice<UInt8>) -> Int64 {
        var value: Int64 = 0
        for b in field.drop(while: { $0 == 0x20 || $0 == 0 }) {
            guard b >= 0x30, b <= 0x37, value < Int64.max >> 3 else { break }
            value = value << 3 | Int64(b - 0x30)
        }
        return value
    }
}

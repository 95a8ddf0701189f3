extension TarReader {
    /// One 512-byte tar header block (v7, POSIX ustar or GNU), decoded and checksum-verified.
    struct Header {
        /// The name field, joined to the ustar prefix field when the header is POSIX ustar.
        var nameBytes: [UInt8]
        /// The typeflag byte: '0' or NUL regular, '5' directory, 'x'/'g' pax, 'L'/'K' GNU long names, ...
        var typeflag: UInt8
        /// The size field; pax `size` records override it.
        var size: Int64

        /// Decodes a header block.
        /// - Parameters:
        ///   - block: exactly 512 bytes.
        ///   - path: the shard, for errors.
        ///   - offset: the block's offset in the shard, for errors.
        /// - Throws: `ShardError.corrupt` when the checksum does not match (the block is not a tar header) or
        ///   a numeric field is malformed.
        init(_ block: UnsafeRawBufferPointer, path: String, offset: Int64) throws {
            precondition(block.count == 512)
            let checksumField = UnsafeRawBufferPointer(rebasing: block[148..<156])
            guard let stored = try? Header.number(checksumField) else {
                throw ShardError(.corrupt, path: path, offset: offset,
                                 detail: "not a tar header: checksum mismatch (checksum field is not a number)")
            }
            // GNU tar accepts both sums because historic writers summed signed chars.
            var unsignedSum = 0, signedSum = 0
            for i in 0..<512 {
                let byte = (148..<156).contains(i) ? UInt8(ascii: " ") : block[i]
                unsignedSum += Int(byte)
                signedSum += Int(Int8(bitPattern: byte))
            }
            guard stored == Int64(unsignedSum) || stored == Int64(signedSum) else {
                throw ShardError(.corrupt, path: path, offset: offset, detail:
                    "not a tar header: checksum mismatch (stored 0o\(String(stored, radix: 8)), "
                    + "computed 0o\(String(unsignedSum, radix: 8)))")
            }

            typeflag = block[156]
            do {
                size = try Header.number(UnsafeRawBufferPointer(rebasing: block[124..<136]))
            } catch {
                throw ShardError(.corrupt, path: path, offset: offset, detail: "tar header has an unreadable size field")
            }
            guard size >= 0 else {
                throw ShardError(.corrupt, path: path, offset: offset, detail: "tar header has a negative size field")
            }

            let name = Header.string(UnsafeRawBufferPointer(rebasing: block[0..<100]))
            // Only POSIX ustar ("ustar\0") has a prefix field; GNU headers keep atime/ctime in those bytes.
            let isPOSIX = block[257] == UInt8(ascii: "u") && block[258] == UInt8(ascii: "s")
                && block[259] == UInt8(ascii: "t") && block[260] == UInt8(ascii: "a")
                && block[261] == UInt8(ascii: "r") && block[262] == 0
            let prefix = isPOSIX ? Header.string(UnsafeRawBufferPointer(rebasing: block[345..<500])) : []
            nameBytes = prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
        }

        /// The bytes of a NUL-terminated (or full-width) text field.
        private static func string(_ field: UnsafeRawBufferPointer) -> [UInt8] {
            let end = field.firstIndex(of: 0) ?? field.count
            return Array(field[0..<end])
        }

        /// A numeric field: octal digits padded with spaces or NULs, or GNU base-256 when the top bit of the first
        /// byte is set (big-endian two's complement in the remaining bits).
        private static func number(_ field: UnsafeRawBufferPointer) throws -> Int64 {
            struct Malformed: Error {}
            guard let first = field.first else { throw Malformed() }
            if first & 0x80 != 0 {
                var value = Int64(first & 0x3F)
                let negative = first & 0x40 != 0
                for byte in field.dropFirst() {
                    guard value <= (Int64.max >> 8) else { throw Malformed() }
                    value = value << 8 | Int64(byte)
                }
                return negative ? -1 : value
            }
            var i = 0
            while i < field.count, field[i] == UInt8(ascii: " ") || field[i] == 0 { i += 1 }
            var value: Int64 = 0
            while i < field.count, field[i] >= UInt8(ascii: "0"), field[i] <= UInt8(ascii: "7") {
                guard value <= (Int64.max >> 3) else { throw Malformed() }
                value = value << 3 | Int64(field[i] - UInt8(ascii: "0"))
                i += 1
            }
            while i < field.count {
                guard field[i] == UInt8(ascii: " ") || field[i] == 0 else { throw Malformed() }
                i += 1
            }
            return value
        }
    }
}

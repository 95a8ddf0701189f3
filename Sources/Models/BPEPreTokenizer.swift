extension BPETokenizer {
    /// Cuts bytes into the words BPE merges within, following GPT-2's pattern
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` with a hand-written scanner
    /// over Unicode scalars instead of a regex engine. Bytes that are not valid UTF-8 count as symbols (the
    /// last class), so every byte lands in exactly one word and words concatenate back to the input.
    enum PreTokenizer {
        private static let letter: UInt8 = 0, number: UInt8 = 1, space: UInt8 = 2, symbol: UInt8 = 3

        private static let asciiClasses: [UInt8] = (0..<128).map { classOf(Unicode.Scalar(UInt8($0))) }

        private static func classOf(_ scalar: Unicode.Scalar) -> UInt8 {
            let properties = scalar.properties
            if properties.isWhitespace { return space }
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                return letter
            case .decimalNumber, .letterNumber, .otherNumber:
                return number
            default:
                return symbol
            }
        }

        /// Calls `body` with the byte range of each word, in order.
        static func forEachWord(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
            asciiClasses.withUnsafeBufferPointer { ascii in
                let scanner = Scanner(bytes: bytes, ascii: ascii)
                let n = bytes.count
                var i = 0
                while i < n {
                    let (kind, length) = scanner.classify(i)
                    if kind == space {
                        var j = i, last = i
                        while j < n {
                            let (k, l) = scanner.classify(j)
                            if k != space { break }
                            last = j
                            j += l
                        }
                        if j == n {
                            body(i..<n)
                        } else {
                            // All but the last whitespace character form a word; an ASCII space then leads the next
                            // word, and any other whitespace character stands alone.
                            if last > i { body(i..<last) }
                            if bytes[last] == 0x20 {
                                let end = scanner.runEnd(from: j, kind: scanner.classify(j).kind)
                                body(last..<end)
                                j = end
                            } else {
                                body(last..<j)
                            }
                        }
                        i = j
                    } else if bytes[i] == 0x27, let end = scanner.contractionEnd(at: i) {
                        body(i..<end)
                        i = end
                    } else {
                        let end = scanner.runEnd(from: i + length, kind: kind)
                        body(i..<end)
                        i = end
                    }
                }
            }
        }

        private struct Scanner {
            let bytes: UnsafeBufferPointer<UInt8>
            let ascii: UnsafeBufferPointer<UInt8>

            /// The class and byte length of the scalar at `i`; an invalid or cut UTF-8 sequence is one symbol byte.
            @inline(__always)
            func classify(_ i: Int) -> (kind: UInt8, length: Int) {
                let b0 = bytes[i]
                if b0 < 0x80 { return (ascii[Int(b0)], 1) }
                let length: Int, minimum: UInt32
                var value: UInt32
                switch b0 {
                case 0xC2...0xDF: (length, minimum, value) = (2, 0x80, UInt32(b0 & 0x1F))
                case 0xE0...0xEF: (length, minimum, value) = (3, 0x800, UInt32(b0 & 0x0F))
                case 0xF0...0xF4: (length, minimum, value) = (4, 0x10000, UInt32(b0 & 0x07))
                default: return (symbol, 1)
                }
                guard i + length <= bytes.count else { return (symbol, 1) }
                for k in 1..<length {
                    let b = bytes[i + k]
                    guard b & 0xC0 == 0x80 else { return (symbol, 1) }
                    value = value << 6 | UInt32(b & 0x3F)
                }
                guard value >= minimum, let scalar = Unicode.Scalar(value) else { return (symbol, 1) }
                return (classOf(scalar), length)
            }

            /// The end of the run of `kind` scalars starting at `i`.
            @inline(__always)
            func runEnd(from i: Int, kind: UInt8) -> Int {
                var j = i
                while j < bytes.count {
                    let (k, l) = classify(j)
                    if k != kind { break }
                    j += l
                }
                return j
            }

            /// The end of an English contraction ('s 't 'm 'd 're 've 'll) starting at the apostrophe at `i`.
            func contractionEnd(at i: Int) -> Int? {
                let n = bytes.count
                guard i + 1 < n else { return nil }
                switch bytes[i + 1] {
                case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
                    return i + 2
                case UInt8(ascii: "r"), UInt8(ascii: "v"):
                    return i + 2 < n && bytes[i + 2] == UInt8(ascii: "e") ? i + 3 : nil
                case UInt8(ascii: "l"):
                    return i + 2 < n && bytes[i + 2] == UInt8(ascii: "l") ? i + 3 : nil
                default:
                    return nil
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Splits a `ByteStream` into lines without ever holding more than one line cap plus one chunk.
///
/// The reader scans each chunk with `memchr` and hands out lines in place; only a line that straddles two
/// chunks is copied, into a carry buffer that grows up to `maxLineBytes`. A longer line is skipped byte by byte
/// to its newline and reported as `.tooLong`, so one huge record cannot exhaust memory.
public final class LineReader {
    /// One line of input.
    public enum Line {
        /// The line's bytes without "\n" and without one trailing "\r"; valid until the next call to `next()`.
        /// `number` is the 1-based line number, counting skipped blank lines.
        case record(UnsafeRawBufferPointer, number: Int)
        /// A line over `maxLineBytes`, skipped; `bytes` is its full length without the "\n".
        case tooLong(number: Int, bytes: Int)
    }

    /// The shard's path, for errors.
    public let path: String
    /// The longest line handed out, counting a trailing "\r" but not the "\n".
    public let maxLineBytes: Int

    private let stream: ByteStream
    private let chunk: UnsafeMutableRawBufferPointer
    /// The unscanned part of `chunk` is `chunkStart..<chunkEnd`.
    private var chunkStart = 0
    private var chunkEnd = 0
    /// The beginning of a line whose end is in a later chunk.
    private var carry: UnsafeMutableRawBufferPointer
    private var carryCount = 0
    /// Length so far of a line over the cap whose newline has not been seen yet.
    private var skippedLength: Int?
    private var lineNumber = 0
    private var streamEnded = false

    /// The number of the last line when the stream ended without a newline after it. A writer that was cut
    /// off mid-record leaves exactly this, so the scanner uses it to tell truncation from one bad record.
    public private(set) var unterminatedLine: Int?

    /// Bytes the reader holds for lines: the chunk plus the carry buffer. Never above
    /// `maxLineBytes + chunkBytes`.
    var bufferCapacity: Int { chunk.count + carry.count }

    /// Reads lines from `stream`.
    /// - Parameters:
    ///   - stream: the decompressed text.
    ///   - path: the shard's path; errors from the stream gain the line number reached.
    ///   - maxLineBytes: longer lines come back as `.tooLong` and are never buffered whole.
    ///   - chunkBytes: bytes asked of the stream per read.
    public init(_ stream: ByteStream, path: String, maxLineBytes: Int = 8 << 20, chunkBytes: Int = 1 << 20) {
        precondition(maxLineBytes > 0 && chunkBytes > 0, "maxLineBytes and chunkBytes must be positive")
        self.stream = stream
        self.path = path
        self.maxLineBytes = maxLineBytes
        self.chunk = .allocate(byteCount: chunkBytes, alignment: 16)
        self.carry = .allocate(byteCount: min(maxLineBytes, 4096), alignment: 16)
    }

    deinit {
        chunk.deallocate()
        carry.deallocate()
    }

    /// The next non-blank line, or nil at the end of the stream.
    /// - Throws: the stream's `ShardError`, with `line` set to the line being read when the stream left it unset.
    public func next() throws -> Line? {
        while true {
            if chunkStart == chunkEnd {
                if streamEnded { return finalLine() }
                let n: Int
                do {
                    n = try stream.read(into: chunk)
                } catch var error as ShardError {
                    if error.line == nil { error.line = lineNumber + 1 }
                    throw error
                }
                chunkStart = 0
                chunkEnd = n
                if n == 0 { streamEnded = true }
                continue
            }
            let start = chunk.baseAddress! + chunkStart
            let available = chunkEnd - chunkStart
            guard let newline = memchr(start, 0x0A, available) else {
                keepPartialLine(UnsafeRawBufferPointer(start: start, count: available))
                chunkStart = chunkEnd
                continue
            }
            let length = UnsafeRawPointer(newline) - UnsafeRawPointer(start)
            chunkStart += length + 1
            lineNumber += 1
            if let skipped = skippedLength {
                skippedLength = nil
                return .tooLong(number: lineNumber, bytes: skipped + length)
            }
            var line = UnsafeRawBufferPointer(start: start, count: length)
            if carryCount > 0 {
                let total = carryCount + length
                guard total <= maxLineBytes else {
                    carryCount = 0
                    return .tooLong(number: lineNumber, bytes: total)
                }
                appendToCarry(line)
                line = UnsafeRawBufferPointer(start: carry.baseAddress, count: total)
                carryCount = 0
            } else if length > maxLineBytes {
                return .tooLong(number: lineNumber, bytes: length)
            }
            if let record = LineReader.content(of: line) { return .record(record, number: lineNumber) }
        }
    }

    /// Handles the tail of a chunk that has no newline: carried over, or counted and dropped once over the cap.
    private func keepPartialLine(_ bytes: UnsafeRawBufferPointer) {
        if let skipped = skippedLength {
            skippedLength = skipped + bytes.count
            return
        }
        let total = carryCount + bytes.count
        guard total <= maxLineBytes else {
            skippedLength = total
            carryCount = 0
            return
        }
        appendToCarry(bytes)
    }

    /// Appends to the carried line, growing the carry buffer by doubling but never past `maxLineBytes`.
    private func appendToCarry(_ bytes: UnsafeRawBufferPointer) {
        let total = carryCount + bytes.count
        if total > carry.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(
                byteCount: min(max(total, 2 * carry.count), maxLineBytes), alignment: 16)
            grown.baseAddress!.copyMemory(from: carry.baseAddress!, byteCount: carryCount)
            carry.deallocate()
            carry = grown
        }
        if bytes.count > 0 {
            (carry.baseAddress! + carryCount).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        carryCount = total
    }

    /// A last line with no newline after it still counts.
    private func finalLine() -> Line? {
        if let skipped = skippedLength {
            skippedLength = nil
            lineNumber += 1
            unterminatedLine = lineNumber
            return .tooLong(number: lineNumber, bytes: skipped)
        }
        guard carryCount > 0 else { return nil }
        let line = UnsafeRawBufferPointer(start: carry.baseAddress, count: carryCount)
        carryCount = 0
        lineNumber += 1
        unterminatedLine = lineNumber
        guard let record = LineReader.content(of: line) else { return nil }
        return .record(record, number: lineNumber)
    }

    /// The line without one trailing "\r", or nil when it holds only whitespace.
    private static func content(of line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var count = line.count
        if count > 0 && line[count - 1] == 0x0D { count -= 1 }
        var i = 0
        while i < count {
            switch line[i] {
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C: i += 1
            default: return UnsafeRawBufferPointer(rebasing: line[0..<count])
            }
        }
        return nil
    }
}

import CZlib

/// Decompresses a gzip stream (one or more concatenated members, as `cat a.gz b.gz` makes) as it is read.
///
/// Memory is bounded by zlib's 32 KiB window and one input buffer; output is written straight into the
/// caller's buffer. The CRC-32 and length in every member's trailer are checked. Failures name the
/// compressed offset reached.
/// - C counterpart: `inflateInit2(strm, 16 + MAX_WBITS)`, `inflate`, `inflateReset` between members.
public final class GzipDecompressStream: ByteStream {
    /// The shard's path, for errors.
    public let path: String
    /// Compressed bytes handed to the decoder so far.
    public private(set) var compressedBytesConsumed: Int64 = 0

    private static let inputBytes = 256 << 10

    private let source: ByteStream
    /// zlib keeps a pointer back to the `z_stream` it was initialised with, so it must never move.
    private let stream: UnsafeMutablePointer<z_stream>
    private let initStatus: Int32
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var sourceEnded = false
    /// Bytes of the current member have been consumed and its trailer has not been reached.
    private var insideMember = false
    /// The last call filled the caller's buffer, so zlib may still hold decoded bytes to flush.
    private var mayHoldOutput = false
    private var failure: ShardError?

    /// Wraps `source`, which yields the compressed bytes of the file at `path`.
    public init(_ source: ByteStream, path: String) {
        self.source = source
        self.path = path
        self.inputBuffer = .allocate(byteCount: GzipDecompressStream.inputBytes, alignment: 16)
        self.stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.initStatus = inflateInit2_(stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        if initStatus == Z_OK { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        inputBuffer.deallocate()
    }

    /// Decompresses up to `buffer.count` bytes into `buffer`.
    /// - Returns: the number of bytes written; 0 only at the end of the last member.
    /// - Throws: `ShardError` `.truncated` when the input ends inside a member, `.corrupt` with zlib's message
    ///   on a bad header, bad data or a CRC/length mismatch, or the source's own error. Once thrown, the same
    ///   error is thrown again.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        do {
            return try inflate(into: buffer)
        } catch let error as ShardError {
            failure = error
            throw error
        }
    }

    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard initStatus == Z_OK else {
            throw ShardError(.io, path: path, detail: "inflateInit2 failed with status \(initStatus)")
        }
        guard let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        var produced = 0
        while true {
            if stream.pointee.avail_in == 0 && !mayHoldOutput {
                if !sourceEnded {
                    let n = try source.read(into: inputBuffer)
                    stream.pointee.next_in = inputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = UInt32(n)
                    sourceEnded = n == 0
                }
                if sourceEnded {
                    guard !insideMember else {
                        throw ShardError(.truncated, path: path, offset: compressedBytesConsumed,
                                         detail: "gzip input ends inside a member")
                    }
                    return produced
                }
            }
            stream.pointee.next_out = (out + produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(capacity - produced)
            let availableBefore = stream.pointee.avail_in
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let consumed = availableBefore - stream.pointee.avail_in
            compressedBytesConsumed += Int64(consumed)
            produced = capacity - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                if consumed > 0 { insideMember = true }
            case Z_STREAM_END:
                insideMember = false
                inflateReset(stream)
            case Z_BUF_ERROR:
                break  // no progress possible without more input; not an error by itself
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "inflate status \(status)"
                throw ShardError(.corrupt, path: path, offset: compressedBytesConsumed, detail: "gzip: " + reason)
            }
            mayHoldOutput = produced == capacity
            if produced > 0 { return produced }
        }
    }
}

/// Writes a gzip file, optionally cut into several members.
///
/// Used by tests, benchmarks and corpus builders. It writes to `path` directly; callers that need an atomic
/// appearance write to a temporary name and rename.
/// - C counterpart: `deflateInit2(strm, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY)`, `deflate`.
public final class GzipWriter {
    public let path: String
    private static let outputBytes = 256 << 10

    private let output: FileStream.Output
    /// zlib keeps a pointer back to the `z_stream` it was initialised with, so it must never move.
    private let stream: UnsafeMutablePointer<z_stream>
    private let frameBytes: Int?
    private let outputBuffer: UnsafeMutableRawBufferPointer
    private var bytesInMember = 0
    private var membersEnded = 0
    private var finished = false

    /// Creates or truncates `path`.
    /// - Parameters:
    ///   - level: deflate level 0...9 (6 is gzip's default).
    ///   - frameBytes: end a gzip member after every this many input bytes; nil writes one member.
    /// - Throws: `ShardError` `.io` when the file cannot be created or zlib rejects the level.
    public init(path: String, level: Int32 = 6, frameBytes: Int? = nil) throws {
        precondition(frameBytes.map { $0 > 0 } ?? true, "frameBytes must be positive")
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1); stream.deallocate()
            throw ShardError(.io, path: path, detail: "deflateInit2 failed with status \(status)")
        }
        do {
            output = try FileStream.Output(path: path)
        } catch {
            deflateEnd(stream); stream.deinitialize(count: 1); stream.deallocate()
            throw error
        }
        self.path = path
        self.stream = stream
        self.frameBytes = frameBytes
        self.outputBuffer = .allocate(byteCount: GzipWriter.outputBytes, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        outputBuffer.deallocate()
    }

    /// Compresses and writes `bytes`, ending a member at every `frameBytes` boundary.
    /// - Throws: `ShardError` `.io` on a write or compression failure, or after `finish()`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !finished else { throw ShardError(.io, path: path, detail: "write after finish") }
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let take = min(frameBytes.map { min(left, $0 - bytesInMember) } ?? left, Int(UInt32.max))
            try deflate(UnsafeRawBufferPointer(start: p, count: take), Z_NO_FLUSH)
            bytesInMember += take
            if bytesInMember == frameBytes { try endMember() }
            p += take; left -= take
        }
    }

    /// Compresses and writes `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the last member and closes the file. With no input at all, the file holds one empty member,
    /// as `gzip` makes from empty input.
    public func finish() throws {
        guard !finished else { return }
        if bytesInMember > 0 || membersEnded == 0 { try endMember() }
        finished = true
        try output.close()
    }

    private func endMember() throws {
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), Z_FINISH)
        deflateReset(stream)
        bytesInMember = 0
        membersEnded += 1
    }

    private func deflate(_ bytes: UnsafeRawBufferPointer, _ flush: Int32) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(bytes.count)
        while true {
            stream.pointee.next_out = outputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(outputBuffer.count)
            let status = CZlib.deflate(stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw ShardError(.io, path: path, detail: "deflate failed with status \(status)")
            }
            let produced = outputBuffer.count - Int(stream.pointee.avail_out)
            try output.write(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: produced))
            let done = flush == Z_FINISH ? status == Z_STREAM_END
                                         : stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0
            if done { return }
        }
    }
}

extension GzipWriter {
    /// zlibVersion()
    public static var libraryVersion: String { String(cString: zlibVersion()) }
}

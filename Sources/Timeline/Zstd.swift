import CZstd

/// Decompresses a zstd stream (one or more concatenated frames, as `cat a.zst b.zst` makes) as it is read.
///
/// Memory is bounded by zstd's own window and one input buffer of `ZSTD_DStreamInSize()` bytes; output is
/// written straight into the caller's buffer. Every failure names the compressed offset reached.
/// - C counterpart: `ZSTD_decompressStream`.
public final class ZstdDecompressStream: ByteStream {
    /// The shard's path, for errors.
    public let path: String
    /// Compressed bytes handed to the decoder so far.
    public private(set) var compressedBytesConsumed: Int64 = 0

    private let source: ByteStream
    private let dctx: OpaquePointer?
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var input: ZSTD_inBuffer
    private var sourceEnded = false
    /// The last `ZSTD_decompressStream` call left a frame unfinished (it returned a non-zero size hint).
    private var insideFrame = false
    /// The last call filled the caller's buffer, so zstd may still hold decoded bytes to flush.
    private var mayHoldOutput = false
    private var failure: ShardError?

    /// Wraps `source`, which yields the compressed bytes of the file at `path`.
    public init(_ source: ByteStream, path: String) {
        self.source = source
        self.path = path
        self.dctx = ZSTD_createDCtx()
        self.inputBuffer = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        self.input = ZSTD_inBuffer(src: UnsafeRawPointer(inputBuffer.baseAddress), size: 0, pos: 0)
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        inputBuffer.deallocate()
    }

    /// Decompresses up to `buffer.count` bytes into `buffer`.
    /// - Returns: the number of bytes written; 0 only at the end of the last frame.
    /// - Throws: `ShardError` `.truncated` when the input ends inside a frame, `.corrupt` with zstd's error
    ///   name on invalid data, or the source's own error. Once thrown, the same error is thrown again.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        do {
            return try decompress(into: buffer)
        } catch let error as ShardError {
            failure = error
            throw error
        }
    }

    private func decompress(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let dctx else { throw ShardError(.io, path: path, detail: "ZSTD_createDCtx failed: out of memory") }
        guard buffer.count > 0 else { return 0 }
        var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while true {
            if input.pos == input.size && !mayHoldOutput {
                if !sourceEnded {
                    let n = try source.read(into: inputBuffer)
                    input = ZSTD_inBuffer(src: UnsafeRawPointer(inputBuffer.baseAddress), size: n, pos: 0)
                    sourceEnded = n == 0
                }
                if sourceEnded {
                    guard !insideFrame else {
                        throw ShardError(.truncated, path: path, offset: compressedBytesConsumed,
                                         detail: "zstd input ends inside a frame")
                    }
                    return 0
                }
            }
            let before = input.pos
            let hint = ZSTD_decompressStream(dctx, &output, &input)
            compressedBytesConsumed += Int64(input.pos - before)
            if ZSTD_isError(hint) != 0 {
                throw ShardError(.corrupt, path: path, offset: compressedBytesConsumed,
                                 detail: "zstd: " + String(cString: ZSTD_getErrorName(hint)))
            }
            insideFrame = hint != 0
            mayHoldOutput = output.pos == output.size
            if output.pos > 0 { return output.pos }
        }
    }
}

/// Writes a zstd file with content checksums, optionally cut into several frames.
///
/// Used by tests, benchmarks and corpus builders. It writes to `path` directly; callers that need an atomic
/// appearance write to a temporary name and rename.
/// - C counterpart: `ZSTD_compressStream2` with `ZSTD_c_checksumFlag` set.
public final class ZstdWriter {
    public let path: String
    private let output: FileStream.Output
    private let cctx: OpaquePointer
    private let frameBytes: Int?
    private let outputBuffer: UnsafeMutableRawBufferPointer
    private var bytesInFrame = 0
    private var framesEnded = 0
    private var finished = false

    /// Creates or truncates `path`.
    /// - Parameters:
    ///   - level: zstd compression level (1...19; 3 is zstd's default).
    ///   - frameBytes: end a frame after every this many input bytes; nil writes one frame.
    /// - Throws: `ShardError` `.io` when the file cannot be created or zstd rejects the level.
    public init(path: String, level: Int32 = 3, frameBytes: Int? = nil) throws {
        precondition(frameBytes.map { $0 > 0 } ?? true, "frameBytes must be positive")
        guard let cctx = ZSTD_createCCtx() else {
            throw ShardError(.io, path: path, detail: "ZSTD_createCCtx failed: out of memory")
        }
        for (parameter, value) in [(ZSTD_c_compressionLevel, level), (ZSTD_c_checksumFlag, 1)] {
            let code = ZSTD_CCtx_setParameter(cctx, parameter, value)
            if ZSTD_isError(code) != 0 {
                ZSTD_freeCCtx(cctx)
                throw ShardError(.io, path: path, detail: "zstd: " + String(cString: ZSTD_getErrorName(code)))
            }
        }
        do {
            output = try FileStream.Output(path: path)
        } catch {
            ZSTD_freeCCtx(cctx)
            throw error
        }
        self.path = path
        self.cctx = cctx
        self.frameBytes = frameBytes
        self.outputBuffer = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        outputBuffer.deallocate()
    }

    /// Compresses and writes `bytes`, ending a frame at every `frameBytes` boundary.
    /// - Throws: `ShardError` `.io` on a write or compression failure, or after `finish()`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !finished else { throw ShardError(.io, path: path, detail: "write after finish") }
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let take = frameBytes.map { min(left, $0 - bytesInFrame) } ?? left
            try compress(UnsafeRawBufferPointer(start: p, count: take), ZSTD_e_continue)
            bytesInFrame += take
            if bytesInFrame == frameBytes { try endFrame() }
            p += take; left -= take
        }
    }

    /// Compresses and writes `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the last frame and closes the file. With no input at all, the file holds one empty frame,
    /// as `zstd` makes from empty input.
    public func finish() throws {
        guard !finished else { return }
        if bytesInFrame > 0 || framesEnded == 0 { try endFrame() }
        finished = true
        try output.close()
    }

    private func endFrame() throws {
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_end)
        bytesInFrame = 0
        framesEnded += 1
    }

    private func compress(_ bytes: UnsafeRawBufferPointer, _ directive: ZSTD_EndDirective) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while true {
            var out = ZSTD_outBuffer(dst: outputBuffer.baseAddress, size: outputBuffer.count, pos: 0)
            let remaining = ZSTD_compressStream2(cctx, &out, &input, directive)
            if ZSTD_isError(remaining) != 0 {
                throw ShardError(.io, path: path, detail: "zstd: " + String(cString: ZSTD_getErrorName(remaining)))
            }
            try output.write(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: out.pos))
            let done = directive == ZSTD_e_end ? remaining == 0 : input.pos == input.size
            if done { return }
        }
    }
}

extension ZstdWriter {
    /// ZSTD_versionString()
    public static var libraryVersion: String { String(cString: ZSTD_versionString()) }
}

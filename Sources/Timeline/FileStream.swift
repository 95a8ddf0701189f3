#if canImport(Glibc)
import Glibc
#endif

/// A regular file read front to back with POSIX `read(2)`, optionally hashing every byte as it passes,
/// so a shard is read from disk once for both its SHA-256 and its samples.
public final class FileStream: ByteStream {
    /// The path as given.
    public let path: String
    /// The file's size when it was opened (`fstat`).
    public let size: Int64
    /// Bytes handed out by `read(into:)` so far.
    public private(set) var bytesRead: Int64 = 0

    private let fd: Int32
    private var hasher: SHA256?

    /// Opens `path` for reading.
    /// - Parameters:
    ///   - path: the file.
    ///   - hashing: feed every byte read into a SHA-256, answered by `sha256Hex()`.
    /// - Throws: `ShardError` `.io` with the `strerror` text when `open` or `fstat` fails.
    /// - C counterpart: `open(path, O_RDONLY | O_CLOEXEC)`, `fstat`, `posix_fadvise(SEQUENTIAL)`.
    public init(path: String, hashing: Bool = false) throws {
        let fd = FileStream.retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FileStream.ioError(path: path, "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw FileStream.ioError(path: path, "fstat", errno: code)
        }
        // Advice only: a failure changes nothing but read-ahead.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        self.path = path
        self.fd = fd
        self.size = Int64(info.st_size)
        self.hasher = hashing ? SHA256() : nil
    }

    deinit { Glibc.close(fd) }

    /// Reads up to `buffer.count` bytes with one `read(2)` (retried on EINTR).
    /// - Returns: the number of bytes read; 0 at end of file.
    /// - Throws: `ShardError` `.io` with the offset reached and the `strerror` text.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = FileStream.retryingEINTR { Glibc.read(fd, base, buffer.count) }
        guard n >= 0 else {
            throw FileStream.ioError(path: path, "read", errno: errno, offset: bytesRead)
        }
        if n > 0 {
            hasher?.update(UnsafeRawBufferPointer(start: base, count: n))
            bytesRead += Int64(n)
        }
        return n
    }

    /// The hex SHA-256 of every byte read so far, or nil when the stream was opened without `hashing`.
    /// Reading can go on afterwards; a later call covers the later bytes too.
    public func sha256Hex() -> String? {
        guard var snapshot = hasher else { return nil }
        return SHA256.hex(snapshot.finalize())
    }

    private static func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    private static func ioError(path: String, _ call: String, errno code: Int32, offset: Int64? = nil) -> ShardError {
        ShardError(.io, path: path, offset: offset, detail: "\(call) failed: \(String(cString: strerror(code)))")
    }

    /// The write end that `ZstdWriter` and `GzipWriter` share: creates or truncates a file and writes all
    /// of every buffer, retrying short writes and EINTR.
    final class Output {
        let path: String
        private var fd: Int32

        /// - Throws: `ShardError` `.io` with the `strerror` text.
        /// - C counterpart: `open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)`.
        init(path: String) throws {
            let fd = FileStream.retryingEINTR { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            guard fd >= 0 else { throw FileStream.ioError(path: path, "open", errno: errno) }
            self.path = path
            self.fd = fd
        }

        deinit { if fd >= 0 { Glibc.close(fd) } }

        /// Writes every byte of `bytes`.
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard var p = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let n = FileStream.retryingEINTR { Glibc.write(fd, p, left) }
                guard n >= 0 else { throw FileStream.ioError(path: path, "write", errno: errno) }
                p += n; left -= n
            }
        }

        /// Closes the file; errors that `close` reports (e.g. a delayed ENOSPC on NFS) are thrown.
        func close() throws {
            guard fd >= 0 else { return }
            let result = Glibc.close(fd)
            fd = -1
            guard result == 0 else { throw FileStream.ioError(path: path, "close", errno: errno) }
        }
    }
}

import Foundation
import Glibc

/// Another process holds the state directory.
public struct StateLockError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// What the holder wrote into the lock file: its pid and command, when it could be read.
    public let holder: String?
    public let errno: Int32?

    public var description: String {
        if let errno {
            return "\(path): cannot lock the state directory: \(String(cString: strerror(errno))) (errno \(errno))"
        }
        return "\(path): the state directory is in use by \(holder ?? "another ticd process"); "
            + "stop it first (one ticd run, ingest or train per state directory)"
    }
}

/// An exclusive `flock(2)` on `STATE/lock`, held while this value lives.
///
/// `ticd run`, `ticd ingest` and `ticd train` each take it: two writers would each repair the other's
/// in-flight work at start (an `ingesting` row is rolled back) and interleave steps. The kernel drops the lock
/// when the process dies, so a crash never leaves a stale lock behind.
public final class StateLock {
    private let descriptor: Int32

    /// - Parameter holder: written into the lock file beside the pid, for the message another process gets.
    /// - Throws: `StateLockError` naming the holder when the lock is taken.
    public init(state: StateDirectory, holder: String) throws {
        let path = state.root + "/lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw StateLockError(path: path, holder: nil, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let text = try? String(contentsOfFile: path, encoding: .utf8)
            close(descriptor)
            throw StateLockError(path: path, holder: code == EWOULDBLOCK ? text?.trimmingCharacters(in: .whitespacesAndNewlines) : nil,
                                 errno: code == EWOULDBLOCK ? nil : code)
        }
        let line = Array("pid \(getpid()) (\(holder))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = line.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }
}

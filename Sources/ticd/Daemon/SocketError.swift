import Glibc

/// A failed Unix-socket operation: which call, on which socket path, and why.
enum SocketError: Error, CustomStringConvertible, Equatable {
    /// A system call failed; `errno` is the value it left behind.
    case system(call: String, path: String, errno: Int32)
    /// The path does not fit in `sockaddr_un.sun_path` (including its terminating NUL).
    case pathTooLong(path: String, limit: Int)
    /// Another process already accepts connections on this path.
    case addressInUse(path: String)
    /// Something other than a socket sits at the path; it is never removed.
    case notASocket(path: String)
    /// The peer did not send or accept bytes before the deadline.
    case timedOut(call: String, path: String)
    /// The server's answer was not a well-formed HTTP/1.x response.
    case malformedResponse(path: String, reason: String)

    var description: String {
        switch self {
        case let .system(call, path, code):
            return "\(call)(\(path)): \(String(cString: strerror(code))) (errno \(code))"
        case let .pathTooLong(path, limit):
            return "socket path \(path) is \(path.utf8.count) bytes; the limit is \(limit)"
        case let .addressInUse(path):
            return "another server is already answering on \(path); refusing to start"
        case let .notASocket(path):
            return "\(path) exists and is not a socket; refusing to replace it"
        case let .timedOut(call, path):
            return "\(call)(\(path)): timed out"
        case let .malformedResponse(path, reason):
            return "malformed HTTP response from \(path): \(reason)"
        }
    }
}

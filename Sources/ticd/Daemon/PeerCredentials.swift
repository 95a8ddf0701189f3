import Foundation
import Glibc

/// The process on the other end of a socket connection, as the kernel saw it at `connect(2)` (`SO_PEERCRED`).
struct PeerCredentials: Equatable, Sendable {
    var pid: pid_t
    var uid: uid_t
    var gid: gid_t

    /// Whether this peer may make the request.
    ///
    /// Reads are open to anyone who can open the socket (its file mode is the gate). Mutating requests need
    /// root, the daemon's own uid, or membership of `allowedGroup`, as primary gid or a supplementary group.
    /// - Parameters:
    ///   - forWrite: true for requests that change daemon state (`POST /v0/train`, `/v0/pause`, ...).
    ///   - daemonUID: the uid the daemon runs as.
    ///   - allowedGroup: the configured operators' group, if any.
    ///   - supplementaryGroups: the peer's supplementary groups; by default read from `/proc/PID/status`.
    /// - Returns: true when the request may proceed.
    func isAuthorized(forWrite: Bool, daemonUID: uid_t, allowedGroup: gid_t?,
                      supplementaryGroups: (pid_t) -> [gid_t] = PeerCredentials.supplementaryGroups(of:)) -> Bool {
        guard forWrite else { return true }
        if uid == 0 || uid == daemonUID { return true }
        guard let allowedGroup else { return false }
        return gid == allowedGroup || supplementaryGroups(pid).contains(allowedGroup)
    }

    /// The supplementary groups of `pid` from the `Groups:` line of `/proc/PID/status`; empty if unreadable.
    ///
    /// The peer may have exited (or its pid been reused) since it connected, so an unreadable file denies
    /// rather than fails.
    static func supplementaryGroups(of pid: pid_t) -> [gid_t] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
                .compactMap { gid_t($0) }
        }
        return []
    }
}

import Foundation
import Glibc

/// The daemon's half of systemd's readiness protocol, `sd_notify(3)`, written by hand so ticd needs no libsystemd.
///
/// A notification is one datagram of newline-separated `NAME=value` assignments sent to `$NOTIFY_SOCKET`. Outside
/// systemd there is no such variable and every call does nothing. A failed send is counted and remembered but never
/// thrown: a supervisor that went away, or a full queue, must not take the daemon down with it.
final class SystemdNotifier: @unchecked Sendable {
    /// systemd ignores a notification datagram longer than its 4096-byte buffer entirely, so a status line is cut
    /// well short of that and the rest of the message still fits.
    static let maxStatusBytes = 1024

    /// Where notifications go: a socket file, or `@name` for an abstract socket; nil when not run by systemd.
    let socketPath: String?
    /// Seconds within which systemd wants `WATCHDOG=1` (`WatchdogSec=`); nil when the unit sets none, or when
    /// `$WATCHDOG_PID` names another process, whose watchdog it then is.
    let watchdogInterval: Double?

    private let lock = NSLock()
    private var failures = 0
    private var latestFailure: SocketError?

    /// Reads the protocol's variables as systemd sets them for the main process.
    ///
    /// - Parameter environment: `NOTIFY_SOCKET` (an absolute path, or `@name` for the abstract namespace; other
    ///   forms, such as `vsock:`, leave the notifier inactive), `WATCHDOG_USEC` and `WATCHDOG_PID`.
    /// - C counterpart: `sd_notify(3)`'s and `sd_watchdog_enabled(3)`'s reading of the same variables.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || (path.hasPrefix("@") && path.count > 1) {
            socketPath = path
        } else {
            socketPath = nil
        }
        let ownsWatchdog = environment["WATCHDOG_PID"].map { pid_t($0) == getpid() } ?? true
        if ownsWatchdog, let microseconds = environment["WATCHDOG_USEC"].flatMap(UInt64.init), microseconds > 0 {
            watchdogInterval = Double(microseconds) / 1_000_000
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether systemd is listening: false means every send is skipped.
    var isActive: Bool { socketPath != nil }

    /// Sends that failed since start, for `/v0/status`.
    var failureCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    /// The most recent failed send, so the daemon can log why systemd hears nothing.
    var lastFailure: SocketError? {
        lock.lock()
        defer { lock.unlock() }
        return latestFailure
    }

    /// Sends `assignments` as one notification.
    ///
    /// - Parameter assignments: `NAME=value` strings; a newline inside one is replaced by a space, since it would
    ///   otherwise start a new assignment.
    /// - C counterpart: `sd_notify(0, "A=1\nB=2")`.
    func send(_ assignments: [String]) {
        guard let socketPath else { return }
        var message: [UInt8] = []
        for (index, assignment) in assignments.enumerated() {
            if index > 0 { message.append(UInt8(ascii: "\n")) }
            message += assignment.utf8.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
        }
        do {
            try UnixSocket.sendDatagram(message, to: socketPath)
        } catch {
            lock.lock()
            failures += 1
            latestFailure = error as? SocketError
            lock.unlock()
        }
    }

    /// Tells systemd start-up is done (`READY=1`), so units ordered after ticd start and `systemctl start` returns.
    ///
    /// - Parameter status: the first `STATUS=` line, shown by `systemctl status`.
    func ready(status: String? = nil) {
        send(["READY=1"] + statusAssignment(status) + ["MAINPID=\(getpid())"])
    }

    /// Sets the one-line state `systemctl status` shows, such as "training step 3/8 (2019)".
    func status(_ text: String) {
        send(statusAssignment(text))
    }

    /// Feeds the watchdog. Call it through `Heartbeat`, from the work loops, never from a timer.
    func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// Tells systemd shutdown has begun: the unit shows as deactivating while ticd checkpoints, and a shutdown ticd
    /// starts itself gets `TimeoutStopSec=` like one systemd asked for.
    func stopping(status: String? = nil) {
        send(["STOPPING=1"] + statusAssignment(status))
    }

    /// Tells systemd the configuration is being reloaded; send `ready(status:)` again when the reload is done.
    ///
    /// `MONOTONIC_USEC` is what `Type=notify-reload` (systemd 253 and later) requires to match the message to its
    /// reload request; plain `Type=notify` ignores it.
    func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())"])
    }

    /// Asks systemd to wait `seconds` more for the current start-up or shutdown, past its timeout if need be, as
    /// for the final checkpoint of a large model. Send it again before those seconds run out while work goes on.
    func extendTimeout(seconds: Double) {
        send(["EXTEND_TIMEOUT_USEC=\(UInt64(max(seconds, 0) * 1_000_000))"])
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd stamps its own events with.
    ///
    /// - C counterpart: `now(CLOCK_MONOTONIC)` in systemd's sources.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// `STATUS=` with the text on one line and cut to `maxStatusBytes` at a character boundary; nothing for nil.
    private func statusAssignment(_ text: String?) -> [String] {
        guard let text else { return [] }
        var line = ""
        var bytes = 0
        for character in text {
            let piece = character.isNewline ? " " : String(character)
            bytes += piece.utf8.count
            if bytes > SystemdNotifier.maxStatusBytes { break }
            line += piece
        }
        return ["STATUS=\(line)"]
    }
}

import Foundation

/// Feeds systemd's watchdog from the daemon's real work loops, so a wedged loop gets the service restarted.
///
/// A timer thread would keep pinging while the trainer hangs in a deadlock or a stuck read; here each loop beats
/// as it makes progress, and `WATCHDOG=1` goes out only while every registered loop has beaten within the watchdog
/// interval. One loop that stops beating silences the pings, and systemd kills and restarts ticd after
/// `WatchdogSec=`. Without a watchdog the beats are only recorded, for `staleLoops`.
final class Heartbeat: @unchecked Sendable {
    /// How old a beat may be before its loop counts as stale when systemd set no watchdog: the unit's
    /// `WatchdogSec=`, so `/v0/status` reads the same in a terminal as under systemd.
    static let defaultStaleAfter = 120.0

    /// Seconds after its last beat that a loop counts as stale: the watchdog interval, or `defaultStaleAfter`.
    let staleAfter: Double

    private let notifier: SystemdNotifier
    private let clock: () -> Double
    private let lock = NSLock()
    private var lastBeat: [String: Double] = [:]
    private var lastPing: Double?

    /// - Parameters:
    ///   - notifier: where `WATCHDOG=1` goes, and whose `watchdogInterval` sets the pace.
    ///   - clock: seconds on a monotonic clock; tests pass their own.
    init(notifier: SystemdNotifier,
         clock: @escaping () -> Double = { Double(SystemdNotifier.monotonicMicroseconds()) / 1_000_000 }) {
        self.notifier = notifier
        self.clock = clock
        staleAfter = notifier.watchdogInterval ?? Heartbeat.defaultStaleAfter
    }

    /// Starts watching a loop, counting it as having just beaten.
    ///
    /// A registered loop must beat at least every `staleAfter / 2` seconds, including while it waits for work:
    /// a loop that blocks on a file descriptor or a condition wakes on a timeout to beat. Unregister a loop that
    /// ends or stops on purpose, such as the trainer between steps.
    func register(_ name: String) {
        lock.lock()
        lastBeat[name] = clock()
        lock.unlock()
    }

    /// Stops watching a loop; its absence no longer holds back the pings.
    func unregister(_ name: String) {
        lock.lock()
        lastBeat[name] = nil
        lock.unlock()
    }

    /// Records that `name` made progress, and feeds the watchdog from this thread when every registered loop is
    /// fresh and the last ping is older than half the interval.
    ///
    /// A beat from a loop that is not registered is ignored, so a late beat cannot bring back a loop that was just
    /// unregistered and then hold back every ping forever.
    func beat(_ name: String) {
        lock.lock()
        let now = clock()
        guard lastBeat[name] != nil else { lock.unlock(); return }
        lastBeat[name] = now
        var shouldPing = false
        if let interval = notifier.watchdogInterval,
           lastPing.map({ now - $0 > interval / 2 }) ?? true,
           lastBeat.values.allSatisfy({ now - $0 <= staleAfter }) {
            lastPing = now
            shouldPing = true
        }
        lock.unlock()
        // Sent outside the lock so other loops' beats never wait on a system call.
        if shouldPing { notifier.watchdog() }
    }

    /// Registered loops that have not beaten within `staleAfter` seconds, sorted, for `/v0/status`.
    var staleLoops: [String] {
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        return lastBeat.filter { now - $0.value > staleAfter }.keys.sorted()
    }
}

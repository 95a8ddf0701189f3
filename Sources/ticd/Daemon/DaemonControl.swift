import Foundation

/// The daemon's shared state: the one `DaemonState` value, the requests clients make over the socket (pause,
/// resume, train now, evaluate), the stop flag, and the counters `/metrics` reports. Every field changes under
/// one lock; the work loop sleeps on the same condition and wakes when any of it changes.
final class DaemonControl: @unchecked Sendable {
    /// Counters since the process started, for `/metrics`.
    struct Counters: Equatable {
        var shardsByOutcome: [String: Int] = [:]
        var samplesIngested = 0
        var ingestErrors = 0
        var stepsTrained = 0
        var cellsEvaluated = 0
        var trainingSamplesPerSecond: Double?
        var lastLoss: Double?
        /// When the last shard was accepted: rescoring a grown group waits until the inbox has been still.
        var lastAcceptedAt: Date?
    }

    /// Work a client asked for.
    struct Requests: Equatable {
        var paused = false
        /// Train every step up to this index now, complete or not (`POST /v0/train`).
        var trainUntil: Int?
        /// Re-run evaluation: fill missing cells, or redo them all.
        var evaluate: EvaluateRequest?
        var stopping = false
    }

    enum EvaluateRequest: Equatable { case missing, redo }

    private let condition = NSCondition()
    private var current = DaemonState()
    private var requests = Requests()
    private var counters = Counters()
    private var lastError: (message: String, at: Date)?
    /// Called (outside the lock) after every change of the state value, e.g. to send systemd `STATUS=`.
    private let onChange: (DaemonState) -> Void

    init(onChange: @escaping (DaemonState) -> Void = { _ in }) {
        self.onChange = onChange
    }

    var state: DaemonState { locked { current } }
    var pending: Requests { locked { requests } }
    var counts: Counters { locked { counters } }
    var error: (message: String, at: Date)? { locked { lastError } }
    var isStopping: Bool { locked { requests.stopping } }
    /// What the trainer polls after each batch: a stop or a pause ends the step at the next batch boundary.
    var shouldInterruptTraining: Bool { locked { requests.stopping || requests.paused } }

    func update(_ change: (inout DaemonState) -> Void) {
        let (old, new) = locked { () -> (DaemonState, DaemonState) in
            let old = current
            change(&current)
            return (old, current)
        }
        if old != new {
            onChange(new)
            wake()
        }
    }

    func request(_ change: (inout Requests) -> Void) {
        locked { change(&requests) }
        wake()
    }

    func count(_ change: (inout Counters) -> Void) {
        locked { change(&counters) }
    }

    func recordError(_ message: String) {
        locked { lastError = (message, Date()) }
    }

    /// Counts wake-ups, so a loop that read it before looking for work cannot miss a wake-up that came while
    /// it looked.
    var generation: Int { locked { wakeups } }
    private var wakeups = 0

    /// Sleeps until a `wake()` after `generation` was read, or `timeout` seconds pass.
    func wait(timeout: Double, since generation: Int) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while wakeups == generation && condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// Wakes the sleepers: new data, a request, a stop.
    func wake() {
        condition.lock()
        wakeups &+= 1
        condition.broadcast()
        condition.unlock()
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}

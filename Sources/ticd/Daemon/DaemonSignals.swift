import Dispatch
import Foundation
import Glibc

/// SIGTERM, SIGINT and SIGHUP as a queue the daemon's main thread reads, instead of handlers that run at
/// arbitrary points: the stop and the reload then happen in one place, in order.
final class DaemonSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int32] = []
    private let arrived = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []
    private static let handled = [SIGTERM, SIGINT, SIGHUP]

    /// Starts catching the signals (their default actions are off while this lives).
    init() {
        for sig in DaemonSignals.handled {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.push(sig) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
        DaemonSignals.handled.forEach { signal($0, SIG_DFL) }
    }

    /// Blocks until a signal arrives and returns it.
    func next() -> Int32 {
        arrived.wait()
        lock.lock()
        defer { lock.unlock() }
        return received.removeFirst()
    }

    private func push(_ sig: Int32) {
        lock.lock()
        received.append(sig)
        lock.unlock()
        arrived.signal()
    }
}

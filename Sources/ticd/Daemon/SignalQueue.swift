import Dispatch
import Foundation
import Glibc

/// Signals as values the program reads when it is ready, instead of handlers that run at arbitrary points:
/// `ticd train` polls `latest` between batches, so a stop lands between batches and the step is checkpointed
/// whole; the daemon's main thread blocks on `next()`, so stops and reloads happen in one place, in order.
final class SignalQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int32] = []
    private var last: Int32?
    private let arrived = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []
    private let handled: [Int32]

    /// Starts catching `signals`; their default actions are off while this lives.
    init(_ signals: [Int32]) {
        handled = signals
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.push(sig) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
        handled.forEach { signal($0, SIG_DFL) }
    }

    /// The most recent signal caught, if any, without waiting.
    var latest: Int32? { lock.withLock { last } }

    /// Blocks until a signal not yet returned arrives, and returns it.
    func next() -> Int32 {
        arrived.wait()
        return lock.withLock { received.removeFirst() }
    }

    private func push(_ sig: Int32) {
        lock.withLock {
            received.append(sig)
            last = sig
        }
        arrived.signal()
    }
}

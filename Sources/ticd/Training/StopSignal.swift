import Dispatch
import Foundation

/// SIGINT and SIGTERM as a flag the training loop polls after every batch, so a stop lands between batches
/// and the step is checkpointed whole (DESIGN §5: "on SIGTERM, save ... and exit").
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM (their default action is switched off while this lives).
    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.set(sig) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The signal that arrived, if any.
    var caught: Int32? { lock.lock(); defer { lock.unlock() }; return received }

    private func set(_ sig: Int32) {
        lock.lock()
        received = sig
        lock.unlock()
    }
}

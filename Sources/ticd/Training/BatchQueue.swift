import Foundation

/// The bounded hand-off between the loader's prefetch thread and the trainer: at most `capacity` batches
/// wait, then the producer blocks. Cancelling wakes both sides; the producer's `put` then returns false
/// and the consumer's `take` returns nil.
final class BatchQueue<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [Batch] = []
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var isCancelled = false

    init(capacity: Int) {
        precondition(capacity >= 1, "a batch queue holds at least one batch")
        self.capacity = capacity
    }

    /// Waits for room, then enqueues. Returns false, without enqueuing, once the queue is cancelled.
    func put(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !isCancelled { condition.wait() }
        guard !isCancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// Marks the end of the stream: `take` returns the queued batches, then throws `error` if given, then nil.
    func finish(error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil at the end of the stream or after `cancel`.
    /// - Throws: the producer's error, once every batch made before it has been taken.
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished && !isCancelled { condition.wait() }
        if isCancelled { return nil }
        guard !batches.isEmpty else {
            if let failure { throw failure }
            return nil
        }
        // At most `capacity` (a few) batches wait, so removing the first moves almost nothing.
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Stops both sides and drops the waiting batches.
    func cancel() {
        condition.lock()
        isCancelled = true
        batches.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// True once cancelled; read by the producer between samples, so it stops within one decode batch.
    var cancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isCancelled
    }
}

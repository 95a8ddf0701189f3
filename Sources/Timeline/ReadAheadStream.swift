import Foundation

/// Reads (and hashes) a file on a background thread, a few chunks ahead of the consumer.
///
/// The SHA-256 of a shard costs about as much as decompressing and parsing it, so ingest overlaps the two:
/// the producer thread runs `FileStream.read` — which hashes — into a small ring of buffers while the caller
/// decompresses, parses and decodes. Memory stays at `chunks × chunkBytes`.
final class ReadAheadStream: ByteStream {
    private let source: FileStream
    private let chunkBytes: Int
    private let buffers: [UnsafeMutableRawBufferPointer]
    /// Bytes filled in each buffer (0 marks the end of the file) and the error that stopped the producer.
    /// Raw storage, not arrays: the two threads touch different slots, ordered by the semaphores.
    private let filled: UnsafeMutablePointer<Int>
    private let failure: UnsafeMutablePointer<Error?>
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let cancelled = CancelFlag()

    private var current = 0
    private var position = 0
    private var holding = false
    private var ended = false

    /// Starts reading `source` at once.
    init(_ source: FileStream, chunks: Int = 4, chunkBytes: Int = 1 << 20) {
        self.source = source
        self.chunkBytes = chunkBytes
        self.buffers = (0..<chunks).map { _ in .allocate(byteCount: chunkBytes, alignment: 64) }
        self.filled = .allocate(capacity: chunks)
        self.filled.initialize(repeating: 0, count: chunks)
        self.failure = .allocate(capacity: chunks)
        self.failure.initialize(repeating: nil, count: chunks)
        // Created at 0 and raised to `chunks`: libdispatch traps when a semaphore is freed below the value it
        // was created with, which is where `free` stands when a consumer stops partway through a file.
        self.free = DispatchSemaphore(value: 0)
        for _ in 0..<chunks { free.signal() }
        let thread = Thread { [unowned self] in self.produce() }
        thread.name = "ticd-read-ahead"
        thread.start()
    }

    deinit {
        cancelled.set()
        free.signal()
        finished.wait()
        buffers.forEach { $0.deallocate() }
        filled.deallocate()
        failure.deinitialize(count: buffers.count)
        failure.deallocate()
    }

    /// The producer: fills buffers in ring order until the end of the file, an error, or cancellation.
    private func produce() {
        defer { finished.signal() }
        var slot = 0
        while true {
            free.wait()
            if cancelled.isSet { return }
            var count = 0
            do {
                while count < chunkBytes {
                    let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffers[slot][count...]))
                    if n == 0 { break }
                    count += n
                }
            } catch {
                failure[slot] = error
            }
            filled[slot] = count
            let last = count == 0 || failure[slot] != nil
            ready.signal()
            if last { return }
            slot = (slot + 1) % buffers.count
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !ended, buffer.count > 0 else { return 0 }
        if !holding {
            ready.wait()
            holding = true
            position = 0
            if let error = failure[current] { ended = true; throw error }
            if filled[current] == 0 { ended = true; return 0 }
        }
        let n = min(buffer.count, filled[current] - position)
        buffer.baseAddress!.copyMemory(from: buffers[current].baseAddress! + position, byteCount: n)
        position += n
        if position == filled[current] {
            holding = false
            current = (current + 1) % buffers.count
            free.signal()
        }
        return n
    }

    /// The file's SHA-256, once the stream has been read to its end.
    func sha256Hex() -> String? { ended ? source.sha256Hex() : nil }
}

/// A flag the consumer sets when it stops early and the producer reads.
private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

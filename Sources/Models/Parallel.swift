import Dispatch
import Foundation

/// Splits work over the machine's cores. Every split is a pure function of the problem size, never of timing,
/// and each output element is written by exactly one worker, so results are the same bits run to run.
enum Parallel {
    /// Workers used for elementwise kernels and attention heads.
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` over contiguous chunks of `0..<count`, each at least `grain` long, on all workers.
    @inline(__always)
    static func chunks(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let pieces = min(workers * 4, (count + grain - 1) / max(1, grain))
        if pieces <= 1 { body(0..<count); return }
        let size = (count + pieces - 1) / pieces
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let start = piece * size
            let end = min(count, start + size)
            if start < end { body(start..<end) }
        }
    }

    /// Runs `body(i)` for every i in `0..<count` concurrently while OpenBLAS is single-threaded, so small
    /// per-item sgemm calls (one attention head each) do not fight OpenBLAS's own threads.
    static func items(_ count: Int, _ body: (Int) -> Void) {
        let saved = BLAS.threads
        BLAS.threads = 1
        KernelProfile.concurrentCalls = min(count, workers)
        defer {
            BLAS.threads = saved
            KernelProfile.concurrentCalls = 1
        }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// Runs `body` with one scratch buffer of at least `floats` per worker. The buffers are grown on first use and
    /// kept, so a kernel allocates nothing once warm; a lock lends them to one caller at a time.
    static func withScratch<T>(floats: Int, _ body: ([UnsafeMutablePointer<Float>]) -> T) -> T {
        scratchLock.lock()
        defer { scratchLock.unlock() }
        if floats > scratchCapacity {
            for buffer in scratchBuffers { buffer.deallocate() }
            scratchBuffers = (0..<workers).map { _ in .allocate(capacity: floats) }
            scratchCapacity = floats
        }
        return body(scratchBuffers)
    }

    private static let scratchLock = NSLock()
    private static var scratchBuffers: [UnsafeMutablePointer<Float>] = []
    private static var scratchCapacity = 0

    /// Part `part` of `0..<count` cut into `workers` contiguous, nearly equal slices.
    @inline(__always)
    static func slice(_ count: Int, part: Int) -> Range<Int> {
        (count * part / workers)..<(count * (part + 1) / workers)
    }

    /// dst[c] += Σ_n src[n·stride + c] for c < columns, added row by row in order so the result never depends
    /// on the thread count; workers own disjoint column ranges.
    static func addColumnSums(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                              rows: Int, columns: Int, stride: Int) {
        chunks(columns, grain: max(Lanes.width, columns / workers)) { range in
            let width = range.count
            let d = dst + range.lowerBound
            for n in 0..<rows {
                let row = src + n * stride + range.lowerBound
                var c = 0
                while c + Lanes.width <= width {
                    Lanes.store(Lanes.load(d + c) + Lanes.load(row + c), d + c)
                    c += Lanes.width
                }
                while c < width { d[c] += row[c]; c += 1 }
            }
        }
    }
}

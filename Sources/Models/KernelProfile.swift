import Foundation

/// Wall time and FLOPs per kernel and per sgemm shape, collected only while `enabled`, for
/// `ticd bench --profile`. Kernels are called from one thread (their parallelism is inside); sgemm calls may
/// come from several workers at once, so their totals are kept under a lock.
public enum KernelProfile {
    /// One kernel's totals since the last `reset`.
    public struct Entry: Equatable {
        public let kernel: String
        public let calls: Int
        public let seconds: Double
        public let flops: Double
        public var gflops: Double { seconds > 0 ? flops / seconds / 1e9 : 0 }
    }

    /// One sgemm shape's totals since the last `reset`: C (M,N) += op(A) (M,K) · op(B) (K,N).
    public struct GEMMEntry: Equatable {
        /// "M×N×K" with "ᵀ" after a transposed operand's letter, e.g. "8192×384×128 Bᵀ".
        public let shape: String
        public let calls: Int
        /// Wall seconds the shape kept the machine busy: the sum of its call times divided by how many such
        /// calls ran at once (workers each calling a single-threaded sgemm).
        public let seconds: Double
        public let flops: Double
        /// Cores the calls used: OpenBLAS threads per call × calls running at once.
        public let threads: Int
        public var gflops: Double { seconds > 0 ? flops / seconds / 1e9 : 0 }
    }

    /// Whether kernels record their time; off by default, when measuring costs one branch per kernel call.
    public static var enabled = false
    private static var totals: [String: (calls: Int, seconds: Double, flops: Double)] = [:]
    private static var gemms: [String: (calls: Int, seconds: Double, flops: Double, threads: Int)] = [:]
    private static let lock = NSLock()
    /// How many sgemm calls run at once right now: `Parallel.items` sets it to its worker count.
    static var concurrentCalls = 1

    /// Runs `body`, charging its time and `flops` to `kernel` when profiling is on.
    @inline(__always)
    static func measure<T>(_ kernel: String, flops: @autoclosure () -> Double = 0, _ body: () -> T) -> T {
        guard enabled else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let old = totals[kernel] ?? (0, 0, 0)
        totals[kernel] = (old.calls + 1, old.seconds + seconds, old.flops + flops())
        return result
    }

    /// Runs one sgemm `body`, charging its time to its shape when profiling is on; safe from any thread.
    @inline(__always)
    static func measureGEMM(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, _ body: () -> Void) {
        guard enabled else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let shape = "\(m)×\(n)×\(k)" + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "")
        lock.lock()
        let concurrent = concurrentCalls, threads = concurrent * BLAS.threads
        let old = gemms[shape] ?? (0, 0, 0, threads)
        gemms[shape] = (old.calls + 1, old.seconds + seconds / Double(concurrent),
                        old.flops + 2 * Double(m) * Double(n) * Double(k), max(old.threads, threads))
        lock.unlock()
    }

    /// Every kernel's totals, slowest first.
    public static func report() -> [Entry] {
        totals.map { Entry(kernel: $0.key, calls: $0.value.calls, seconds: $0.value.seconds, flops: $0.value.flops) }
            .sorted { $0.seconds > $1.seconds }
    }

    /// Every sgemm shape's totals, slowest first.
    public static func gemmReport() -> [GEMMEntry] {
        lock.lock()
        defer { lock.unlock() }
        return gemms.map {
            GEMMEntry(shape: $0.key, calls: $0.value.calls, seconds: $0.value.seconds, flops: $0.value.flops,
                      threads: $0.value.threads)
        }.sorted { $0.seconds > $1.seconds }
    }

    /// Forgets every total.
    public static func reset() {
        totals = [:]
        lock.lock()
        gemms = [:]
        lock.unlock()
    }
}

import Foundation

/// Wall time and FLOPs per kernel, collected only while `enabled`, for `ticd bench --profile`.
/// Kernels are called from one thread (their parallelism is inside), so plain statics suffice.
public enum KernelProfile {
    /// One kernel's totals since the last `reset`.
    public struct Entry: Equatable {
        public let kernel: String
        public let calls: Int
        public let seconds: Double
        public let flops: Double
        public var gflops: Double { seconds > 0 ? flops / seconds / 1e9 : 0 }
    }

    /// Whether kernels record their time; off by default, when measuring costs one branch per kernel call.
    public static var enabled = false
    private static var totals: [String: (calls: Int, seconds: Double, flops: Double)] = [:]

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

    /// Every kernel's totals, slowest first.
    public static func report() -> [Entry] {
        totals.map { Entry(kernel: $0.key, calls: $0.value.calls, seconds: $0.value.seconds, flops: $0.value.flops) }
            .sorted { $0.seconds > $1.seconds }
    }

    /// Forgets every total.
    public static func reset() { totals = [:] }
}

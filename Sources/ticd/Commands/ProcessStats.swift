import Foundation

/// Figures about this process that commands report.
enum ProcessStats {
    /// Seconds since `start` (a `DispatchTime.now().uptimeNanoseconds` reading).
    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

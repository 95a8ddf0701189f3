import Foundation

/// Figures about this process that commands report.
enum ProcessStats {
    /// Peak resident set size of this process in KiB (VmHWM in /proc/self/status). Unlike a parent's
    /// getrusage, it is not inflated by the memory of whoever spawned us.
    static func peakRSSKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Seconds since `start` (a `DispatchTime.now().uptimeNanoseconds` reading).
    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

import Foundation

/// This process's peak resident memory, as the Linux kernel keeps it, for the figures commands and
/// benchmarks report.
public enum ProcessMemory {
    /// Peak resident set size in KiB (VmHWM in /proc/self/status); 0 where there is no /proc. Unlike a
    /// parent's getrusage of a child, it is not inflated by the memory of whoever spawned us.
    public static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        }
        return 0
    }

    /// Resets the peak to the current resident set (writing 5 to /proc/self/clear_refs), so the next reading
    /// measures what follows; harmless where the kernel refuses.
    public static func resetPeak() {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
        try? handle.write(contentsOf: Data("5".utf8))
        try? handle.close()
    }
}

import Foundation
import Models

/// Picks the OpenBLAS kernel before any numeric work (DESIGN §1).
///
/// Debian's OpenBLAS 0.3.21 detects recent Xeons as "Prescott", its SSE3 fallback, and runs sgemm 5-10x
/// slower than the AVX-512 kernel. The core is chosen when the library loads, so the only fix from inside is
/// to re-execute once with `OPENBLAS_CORETYPE` set. A user's own setting always wins.
enum KernelSelection {
    /// Set in the environment of the re-executed process, so the re-exec happens at most once.
    static let guardVariable = "TICD_BLAS_REEXEC"

    /// How much of the x86 vector ISA a kernel uses: 0 SSE, 1 AVX, 2 AVX2, 3 AVX-512.
    static func tier(ofCore name: String) -> Int {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 3
        case "haswell", "zen": return 2
        case "sandybridge": return 1
        default: return 0
        }
    }

    /// The kernel the CPU flags allow, as an `OPENBLAS_CORETYPE` value.
    static func bestCore(cpuFlags: Set<String>) -> String? {
        if cpuFlags.contains("avx512f") && cpuFlags.contains("avx512bw") { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The core to re-execute with, or nil to carry on as we are.
    /// - Parameters:
    ///   - current: `openblas_get_corename()` of this process.
    ///   - cpuFlags: the `flags` line of /proc/cpuinfo.
    ///   - environment: this process's environment.
    static func reexecCore(current: String, cpuFlags: Set<String>, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[guardVariable] == nil,
              let best = bestCore(cpuFlags: cpuFlags), tier(ofCore: best) > tier(ofCore: current) else { return nil }
        return best
    }

    /// The flags a release build's Models code needs: Package.swift compiles it for x86-64 with AVX2 and FMA
    /// (`-target-cpu haswell`), so its kernels would die of SIGILL on an older CPU.
    static let requiredFlags: Set<String> = ["avx2", "fma"]

    /// The flags of `requiredFlags` this CPU lacks; empty where the build does not need them (debug, or not
    /// x86-64) or when /proc/cpuinfo cannot be read.
    static func missingVectorFlags(cpuFlags: Set<String>) -> [String] {
        #if arch(x86_64) && !DEBUG
        guard !cpuFlags.isEmpty else { return [] }
        return requiredFlags.subtracting(cpuFlags).sorted()
        #else
        return []
        #endif
    }

    /// Exits with a message that says what to do, before any model code runs, on a CPU this build cannot use.
    static func requireVectorExtensions() {
        let missing = missingVectorFlags(cpuFlags: cpuFlags())
        guard !missing.isEmpty else { return }
        FileHandle.standardError.write(Data(("ticd: this CPU lacks \(missing.joined(separator: " and ")), which this "
            + "release build of ticd was compiled for (Package.swift: -target-cpu haswell for Models); build it "
            + "without that flag to run here\n").utf8))
        exit(1)
    }

    /// The CPU feature flags of the first processor in /proc/cpuinfo.
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Re-executes this binary with a better kernel when one applies; returns only when it does not
    /// (or when execve fails, in which case we run on with the kernel we have and say so).
    static func reexecIfWeaker() {
        let env = ProcessInfo.processInfo.environment
        guard let core = reexecCore(current: BLAS.coreName, cpuFlags: cpuFlags(), environment: env) else { return }
        var newEnv = env
        newEnv["OPENBLAS_CORETYPE"] = core
        newEnv[guardVariable] = BLAS.coreName
        let argv = CommandLine.arguments.map { strdup($0) } + [nil]
        let envp = newEnv.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve("/proc/self/exe", argv, envp)
        let message = "ticd: could not re-execute with OPENBLAS_CORETYPE=\(core): \(String(cString: strerror(errno))); "
            + "continuing with the \(BLAS.coreName) kernel\n"
        FileHandle.standardError.write(message.data(using: .utf8)!)
    }
}

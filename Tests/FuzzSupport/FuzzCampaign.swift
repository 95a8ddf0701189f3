import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One fuzz test method's run: iterations until the time budget is spent, each with its own random generator
/// derived from the run's seed and the iteration number, so a seed replays the same inputs.
///
/// Environment:
/// - `TICD_FUZZ_SECONDS`: the budget in seconds (default 60);
/// - `TICD_FUZZ_SEED`: the seed (decimal or 0x-hex; default derived from the clock), printed at the start;
/// - `TICD_FUZZ_DIR`: where failing inputs are written (default `$TMPDIR/ticd-fuzz`).
///
/// An iteration fails when its body reports an oracle violation, throws, or takes over `slowSeconds` twice in a
/// row (the second run rules out a busy machine). Its input is then written to a file whose path the failure
/// message gives, with the seed and the iteration. A crash (trap, segfault, abort) writes the input from a
/// signal handler before the process dies; an iteration still running after `hangSeconds` is dumped the same
/// way by a watchdog thread, which then aborts the run.
public final class FuzzCampaign {
    public let name: String
    public let seed: UInt64
    public let budget: Double
    public let directory: String
    public let slowSeconds = 2.0
    public let hangSeconds = 30.0
    /// The run stops after this many failures; the first ones are the interesting ones.
    public let maxFailures = 10

    public private(set) var iterations = 0
    public private(set) var failures: [String] = []
    public private(set) var slowest: (iteration: Int, seconds: Double) = (0, 0)
    /// How often each outcome label was noted, for the summary line.
    public private(set) var outcomes: [String: Int] = [:]
    public private(set) var elapsed = 0.0

    public init(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.name = name
        budget = environment["TICD_FUZZ_SECONDS"].flatMap(Double.init) ?? 60
        if let text = environment["TICD_FUZZ_SEED"],
           let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text) {
            seed = value
        } else {
            seed = UInt64(Date().timeIntervalSince1970 * 1_000_000) ^ UInt64(getpid()) << 44
        }
        let base = environment["TICD_FUZZ_DIR"] ?? NSTemporaryDirectory() + "ticd-fuzz"
        directory = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Runs `body` once per iteration until the budget is spent or `maxFailures` is reached, then prints a
    /// summary line. The body builds its input from `iteration.rng`, hands it to `iteration.setInput` before
    /// parsing it, and reports oracle violations with `iteration.fail`.
    public func run(_ body: (inout FuzzIteration) throws -> Void) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        say("fuzz \(name): TICD_FUZZ_SEED=\(seed), \(budget) s; failing inputs go to \(directory)/")
        CrashCapture.install(prefix: "\(directory)/\(name)-seed\(seed)-crash", campaign: name, seed: seed)
        let watchdog = Watchdog(hangSeconds: hangSeconds)
        defer { watchdog.stop() }
        let start = Date()
        while Date().timeIntervalSince(start) < budget, failures.count < maxFailures {
            let index = iterations
            var (iteration, seconds) = attempt(index, retry: false, body)
            if seconds > slowSeconds {
                let first = seconds
                (iteration, seconds) = attempt(index, retry: true, body)
                if seconds > slowSeconds {
                    iteration.fail(String(format: "took %.2f s, and %.2f s again (limit %.0f s)", first, seconds, slowSeconds))
                }
            }
            if seconds > slowest.seconds { slowest = (index, seconds) }
            for label in iteration.outcomes { outcomes[label, default: 0] += 1 }
            for message in iteration.failures { record(message, iteration) }
            iterations += 1
        }
        CrashCapture.disarm()
        elapsed = Date().timeIntervalSince(start)
        let labels = outcomes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        say(String(format: "fuzz %@: %d iterations in %.1f s (%.0f/s), slowest %.3f s (iteration %d), %d failures; %@",
                   name, iterations, elapsed, Double(iterations) / max(elapsed, 1e-9), slowest.seconds,
                   slowest.iteration, failures.count, labels))
    }

    private func attempt(_ index: Int, retry: Bool,
                         _ body: (inout FuzzIteration) throws -> Void) -> (FuzzIteration, Double) {
        var iteration = FuzzIteration(index: index, seed: seed, isRetry: retry)
        let start = DispatchTime.now().uptimeNanoseconds
        Watchdog.started.pointee = start
        do {
            try body(&iteration)
        } catch {
            iteration.fail("threw \(type(of: error)): \(error)")
        }
        Watchdog.started.pointee = 0
        return (iteration, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    private func record(_ message: String, _ iteration: FuzzIteration) {
        let path = "\(directory)/\(name)-seed\(seed)-iteration\(iteration.index).\(iteration.fileExtension)"
        let saved = FileManager.default.createFile(atPath: path, contents: Data(iteration.input))
        failures.append("fuzz \(name) seed \(seed) iteration \(iteration.index): \(message); input "
                        + (saved ? "saved to \(path)" : "could not be saved to \(path)")
                        + " (rerun with TICD_FUZZ_SEED=\(seed))")
    }

    private func say(_ line: String) {
        print(line)
        fflush(stdout)
    }
}

/// One iteration: its random generator, its input, and what its oracles found.
public struct FuzzIteration {
    public let index: Int
    /// True when the iteration is run a second time because the first run was slow.
    public let isRetry: Bool
    public var rng: SplitMix64
    public private(set) var input: [UInt8] = []
    /// The ending a saved failing input gets, so the file can be fed to the same parser again.
    public private(set) var fileExtension = "bin"
    public private(set) var failures: [String] = []
    public private(set) var outcomes: [String] = []

    init(index: Int, seed: UInt64, isRetry: Bool) {
        self.index = index
        self.isRetry = isRetry
        rng = SplitMix64(seed: seed ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        _ = rng.next()
    }

    /// Records the input about to be parsed, so a crash or hang inside the parser can save it.
    public mutating func setInput(_ bytes: [UInt8], fileExtension: String) {
        input = bytes
        self.fileExtension = fileExtension
        CrashCapture.arm(bytes, iteration: index, fileExtension: fileExtension)
    }

    public mutating func fail(_ message: String) { failures.append(message) }

    /// Counts an outcome ("accepted", "quarantined truncated", "400") for the summary line.
    public mutating func note(_ outcome: String) { outcomes.append(outcome) }
}

/// Saves the current input when the process dies of a signal. Everything the handler touches is allocated
/// up front; it only reads memory and makes async-signal-safe calls (open, write, close, sigaction, raise).
enum CrashCapture {
    private static let input = FixedBytes(capacity: Mutator.maxBytes + (64 << 10))
    /// `<prefix>.<extension>` and a NUL, the file the input goes to.
    private static let path = FixedBytes(capacity: 4096)
    /// "fuzz NAME seed S: crashed or hung at iteration ".
    private static let message = FixedBytes(capacity: 4096)
    private static let digits = FixedBytes(capacity: 32)
    private static let armed = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    private static var prefix = ""
    private static var fileExtension = ""
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: signals.count)
    private static var installed = false

    static func install(prefix: String, campaign: String, seed: UInt64) {
        armed.pointee = false
        self.prefix = prefix
        fileExtension = ""
        message.set(Array("\nfuzz \(campaign) seed \(seed): crashed or hung at iteration ".utf8))
        guard !installed else { return }
        installed = true
        for (k, signal) in signals.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = crashSignalHandler
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + k)
        }
    }

    static func arm(_ bytes: [UInt8], iteration: Int, fileExtension ext: String) {
        armed.pointee = false
        input.set(bytes)
        digits.set(Array(String(iteration).utf8))
        if ext != fileExtension {
            fileExtension = ext
            path.set(Array("\(prefix).\(ext)".utf8) + [0])
        }
        armed.pointee = true
    }

    static func disarm() { armed.pointee = false }

    /// Writes the input to the crash file and a line naming the iteration and that file to stderr.
    static func dump() {
        guard armed.pointee else { return }
        let fd = open(UnsafeRawPointer(path.pointer).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = write(fd, input.pointer, input.count.pointee)
            _ = close(fd)
        }
        _ = write(2, message.pointer, message.count.pointee)
        _ = write(2, digits.pointer, digits.count.pointee)
        _ = write(2, "; input saved to ", 17)
        _ = write(2, path.pointer, path.count.pointee - 1)
        _ = write(2, "\n", 1)
    }

    fileprivate static func handle(_ signal: Int32) {
        dump()
        armed.pointee = false
        // Hand the signal on to whoever had it before (the Swift runtime's backtracer, or the default action).
        if let k = signals.firstIndex(of: signal) { sigaction(signal, previous + k, nil) }
        if signal == SIGABRT { raise(signal) }
        // A trap or fault returns to the faulting instruction, which faults again under the previous handler.
    }
}

private func crashSignalHandler(_ signal: Int32) {
    CrashCapture.handle(signal)
}

/// A preallocated byte buffer that a signal handler may read.
final class FixedBytes {
    let pointer: UnsafeMutablePointer<UInt8>
    let count = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
        count.initialize(to: 0)
    }

    func set(_ bytes: [UInt8]) {
        let n = min(bytes.count, capacity)
        bytes.withUnsafeBufferPointer { if n > 0 { pointer.update(from: $0.baseAddress!, count: n) } }
        count.pointee = n
    }
}

/// Dumps the input and aborts when one iteration runs longer than `hangSeconds`.
final class Watchdog: @unchecked Sendable {
    /// `DispatchTime` nanoseconds when the current iteration began; 0 between iterations.
    static let started: UnsafeMutablePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    private let lock = NSLock()
    private var stopped = false

    init(hangSeconds: Double) {
        let thread = Thread { [self] in
            while !isStopped {
                Thread.sleep(forTimeInterval: 0.5)
                let began = Watchdog.started.pointee
                let now = DispatchTime.now().uptimeNanoseconds
                if began != 0, now > began, Double(now - began) / 1e9 > hangSeconds {
                    CrashCapture.dump()
                    CrashCapture.disarm()
                    fputs("fuzz: one iteration has run for over \(hangSeconds) s; aborting\n", stderr)
                    abort()
                }
            }
        }
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() { lock.lock(); stopped = true; lock.unlock() }
}

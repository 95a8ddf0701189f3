import Foundation
import Replay

/// The progress lines of `ticd experiment` (DESIGN §11): per run and step, "run k/n, step i/T", the training
/// rate and an ETA for the whole experiment from the work left, counted in budgeted samples (oracle's
/// steps weigh t·C) at the rate measured so far.
final class ExperimentProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let configs: [TicdConfig]
    private let steps: [StepGroup]
    private let started = Date()
    /// Budgeted samples per (run, step), and which are done.
    private var done: Set<String> = []
    private var doneWork = 0
    private var lastPrinted: [Int: Date] = [:]

    init(configs: [TicdConfig], steps: [StepGroup]) {
        self.configs = configs
        self.steps = steps
    }

    var elapsed: Double { Date().timeIntervalSince(started) }

    private var totalWork: Int {
        configs.reduce(0) { sum, c in sum + steps.reduce(0) { $0 + ExperimentPlan.budget(c, step: $1.index) } }
    }

    private func eta(extra: Int) -> String {
        let work = doneWork + extra
        guard work > 0, elapsed > 1 else { return "ETA -" }
        let rate = Double(work) / elapsed
        return String(format: "ETA %.0f s", Double(max(0, totalWork - work)) / rate)
    }

    /// A batch of a run's step: printed at most every 10 s per run.
    func batch(run k: Int, step: StepGroup, progress p: StepProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if let last = lastPrinted[k], now.timeIntervalSince(last) < 10, p.batch != p.of { return }
        lastPrinted[k] = now
        let budget = ExperimentPlan.budget(configs[k], step: step.index)
        let partial = p.of > 0 ? budget * p.batch / p.of : 0
        printError(String(format: "ticd experiment: run %d/%d (%@), step %d/%d (%@), batch %d/%d, %.1f samples/s, %@",
                          k + 1, configs.count, configs[k].run, step.index, steps.count, step.label, p.batch, p.of,
                          p.samplesPerSecond, eta(extra: partial)))
    }

    /// A run's step finished (trained and evaluated, or found done from an earlier invocation).
    func stepDone(run k: Int, step: StepGroup, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        let key = "\(k)/\(step.index)"
        guard !done.contains(key) else { return }
        done.insert(key)
        doneWork += ExperimentPlan.budget(configs[k], step: step.index)
        printError(String(format: "ticd experiment: run %d/%d (%@), step %d/%d (%@) done in %.1f s, %@",
                          k + 1, configs.count, configs[k].run, step.index, steps.count, step.label, seconds,
                          eta(extra: 0)))
    }
}

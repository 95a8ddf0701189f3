import Foundation
import Models
import Replay
import Timeline

/// `ticd experiment --config BASE --policies LIST --out DIR [--quick] [--jobs N]`: trains one run per policy
/// over the same steps with matched budgets, evaluates all on the same eval splits, and writes
/// `DIR/results.json`, `DIR/results.md` and `DIR/report.html` (DESIGN §11). Killed, it resumes where it
/// stopped: finished steps are kept, a step in progress continues from its checkpoint.
enum ExperimentCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "policies", "out", "jobs"], boolFlags: ["quick"])
        let base = try TicdConfig.load(try a.require("config"))
        let out = try a.require("out")
        let jobs = try a.int("jobs") ?? 1
        guard jobs >= 1 else { throw UsageError("--jobs must be at least 1") }
        let plan = try ExperimentPlan(base: base, policies: try a.require("policies"), quick: a.flag("quick"))
        let state = base.state
        guard FileManager.default.fileExists(atPath: state.catalogPath) else {
            throw UsageError("no catalog at \(state.catalogPath); ingest the corpus first (ticd ingest --state \(base.stateDir) ...)")
        }
        let lock = try StateLock(state: state, holder: "ticd experiment")
        defer { withExtendedLifetime(lock) {} }
        let catalog = try Catalog(path: state.catalogPath)
        try base.requireOneKind(in: catalog)
        let configs = try plan.runConfigs()
        try refuseChangedRuns(configs, catalog: catalog)
        for config in configs { try catalog.registerRun(config.run, configJSON: config.sourceJSON) }
        let months = try catalog.slices().map(\.slice)
        guard let latest = months.max() else { throw UsageError("the catalog holds no ready shard") }
        let groups = base.stepGroups(months: months)
        let trained = groups.filter { StepGrouping.isComplete($0, latestMonth: latest) }
        guard !trained.isEmpty else { throw UsageError("no complete step yet: every step group waits for a later month") }

        // Concurrent runs share the cores: each gets its share of BLAS threads.
        BLAS.threads = max(1, base.threads / jobs)
        let stop = SignalQueue([SIGINT, SIGTERM])
        let progress = ExperimentProgress(configs: configs, steps: trained)
        let failures = Failures()
        let queue = DispatchQueue(label: "ticd.experiment", attributes: .concurrent)
        let slots = DispatchSemaphore(value: jobs)
        let group = DispatchGroup()
        for (k, config) in configs.enumerated() {
            slots.wait()
            if stop.latest != nil || failures.any { slots.signal(); break }
            group.enter()
            queue.async {
                defer { slots.signal(); group.leave() }
                do {
                    try train(config, index: k, groups: groups, trained: trained, state: state, progress: progress,
                              shouldStop: { stop.latest != nil })
                } catch {
                    failures.add("\(config.run): \(error)")
                }
            }
        }
        group.wait()
        if let failure = failures.first { throw ConfigError(path: base.path, detail: "experiment run failed: \(failure)") }
        if stop.latest != nil {
            printError("ticd experiment: stopped by signal; run the same command again to resume")
            return 0
        }
        let results = try ExperimentResults.build(plan: plan, configs: configs, catalog: catalog)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileOps.writeDurably(try results.json(), to: out + "/results.json")
        try FileOps.writeDurably(Data(results.markdown().utf8), to: out + "/results.md")
        let report = try ReportData.load(config: configs[0], catalog: catalog, compare: Array(configs.dropFirst()))
        try FileOps.writeDurably(Data(ReportPage.html(report).utf8), to: out + "/report.html")
        print(results.markdown())
        printError("ticd experiment: wrote \(out)/results.json, results.md and report.html (\(configs.count) runs × "
                   + "\(trained.count) steps, \(String(format: "%.0f", progress.elapsed)) s)")
        return 0
    }

    /// A run that already has steps keeps them; resuming it under another config (a changed budget, model or
    /// method in the base file) would mix two experiments in one table, so that is refused by name.
    private static func refuseChangedRuns(_ configs: [TicdConfig], catalog: Catalog) throws {
        let stored = Dictionary(try catalog.runs().map { ($0.name, $0.configJSON) }, uniquingKeysWith: { a, _ in a })
        for config in configs {
            guard let old = stored[config.run] ?? nil, !(try catalog.steps(run: config.run)).isEmpty else { continue }
            let previous = try TicdConfig.parse(Data(old.utf8), path: "run \(config.run)")
            var current = config
            current.path = previous.path
            current.sourceJSON = previous.sourceJSON
            guard current == previous else {
                throw ConfigError(path: config.path, detail: "run \(config.run) already has steps trained under another "
                                  + "config; give the experiment a fresh state directory, or remove that run to retrain it")
            }
        }
    }

    /// Trains (or resumes) every complete step of one run and evaluates each on every group.
    private static func train(_ config: TicdConfig, index k: Int, groups: [StepGroup], trained: [StepGroup],
                              state: StateDirectory, progress: ExperimentProgress, shouldStop: @escaping () -> Bool) throws {
        // Each run has its own catalog connection: runs in parallel must not share a statement cache.
        let catalog = try Catalog(path: state.catalogPath)
        var observer = StepRunner.Observer()
        observer.log = { printError("ticd experiment [\(config.run)]: " + $0) }
        observer.batch = { group, p in progress.batch(run: k, step: group, progress: p) }
        let runner = StepRunner(config: config, catalog: catalog, state: state, groups: groups,
                                shouldStop: shouldStop, observer: observer)
        for group in trained {
            let began = Date()
            let outcome = try runner.run(group)
            guard outcome == .done else { return }
            progress.stepDone(run: k, step: group, seconds: Date().timeIntervalSince(began))
        }
    }

    /// Errors of runs on other threads, kept for the end.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
        var any: Bool { lock.lock(); defer { lock.unlock() }; return !messages.isEmpty }
        var first: String? { lock.lock(); defer { lock.unlock() }; return messages.first }
    }
}

import Foundation
import Models
import Replay
import Timeline

/// The daemon's training side, on a thread of its own: when a step group is complete (a later month has
/// arrived) or a client asked for it, plan → train → checkpoint → evaluate; then fill the evaluation cells
/// that new groups opened for older checkpoints. Ingest and the socket run on other threads meanwhile.
///
/// Its heartbeat comes from here — between batches, between evaluation cells, and while it waits — so a
/// wedged step stops the systemd watchdog pings.
final class WorkLoop {
    /// What to do next, read off the catalog.
    enum Job: Equatable {
        case step(StepGroup, evaluateOn: [StepGroup], steps: Int)
        /// Fill the missing cells of one checkpoint, trained as step `step`, and rescore its stale ones (scored
        /// before more held-out samples of the group arrived).
        case backfill(CheckpointRecord, groups: [StepGroup], step: Int)
        /// Score every accepted checkpoint again on every complete group (`POST /v0/evaluate {"redo": true}`).
        case redoAll(groups: [StepGroup], steps: [String: Int])
    }

    private let config: () -> TicdConfig
    private let state: StateDirectory
    private let catalog: Catalog
    private let control: DaemonControl
    private let log: DaemonLog
    private let beat: () -> Void
    /// Seconds between heartbeats while idle.
    private let idleWake: Double
    /// Step groups the policy had nothing to train on (say, a month of held-out samples only under
    /// `sequential`), with the catalog's training samples when that was found: passed over, so later steps are
    /// not held up, and tried again once new data has arrived (or after a restart).
    private var emptySteps: [String: Int] = [:]
    /// When each complete step began to wait for the inbox (see `waitsForInbox`).
    private var waitingSince: [String: Date] = [:]

    init(config: @escaping () -> TicdConfig, state: StateDirectory, catalog: Catalog, control: DaemonControl,
         log: DaemonLog, idleWake: Double, beat: @escaping () -> Void) {
        self.config = config; self.state = state; self.catalog = catalog; self.control = control
        self.log = log; self.idleWake = idleWake; self.beat = beat
    }

    /// Runs until the daemon stops.
    func run() {
        while !control.isStopping {
            beat()
            let generation = control.generation
            if control.pending.paused {
                control.update { $0.phase = .paused; $0.stepWaitingForInbox = nil }
                control.wait(timeout: idleWake, since: generation)
                continue
            }
            do {
                guard let job = try nextJob() else {
                    control.update { $0.phase = .idle }
                    control.wait(timeout: idleWake, since: generation)
                    continue
                }
                try perform(job)
            } catch let ReplayError.nothingToTrain(step, label, policy) {
                log.log(.warning, "step \(step) (\(label)) has no training samples under \(policy); passed over",
                        fields: ["TICD_STEP": String(step), "TICD_SLICE": label])
                emptySteps[label] = (try? catalog.slices().reduce(0) { $0 + $1.train }) ?? 0
            } catch {
                // A failing step must not take the daemon (and ingest) down: report it and retry later.
                log.log(.err, "work loop: \(error)")
                control.recordError("\(error)")
                control.update { $0.phase = .idle }
                backOff(seconds: 30)
            }
        }
    }

    /// Waits before retrying a failed job, still beating and still stopping promptly; a client's request
    /// (train, evaluate, resume) ends the wait early.
    private func backOff(seconds: Double) {
        let until = Date(timeIntervalSinceNow: seconds)
        let asked = control.pending
        while Date() < until && !control.isStopping && control.pending == asked {
            beat()
            Thread.sleep(forTimeInterval: min(1, idleWake))
        }
    }

    /// Whether a complete step that has not started waits for the inbox: while shards it may need are being
    /// ingested (`queued`, a batch always ends), or while one arrived less than a quiet period ago — but for no
    /// longer than `maxInboxWait`, so a producer that never stops dropping shards cannot hold training forever.
    static func waitsForInbox(queued: Int, justArrived: Bool, waited: Double, quietPeriod: Double) -> Bool {
        queued > 0 || (justArrived && waited < maxInboxWait(quietPeriod: quietPeriod))
    }

    /// Whether a step found empty stays passed over: only while the catalog holds the training samples it held
    /// then. Any new data may give the step something to train on (a late shard of its months, or old data a
    /// replay policy draws), so it is planned again.
    static func passedOver(_ label: String, emptySteps: [String: Int], trainSamplesNow: Int) -> Bool {
        guard let then = emptySteps[label] else { return false }
        return then == trainSamplesNow
    }

    /// The longest a complete step waits for shards that keep arriving: ten quiet periods, and at least 5 min.
    static func maxInboxWait(quietPeriod: Double) -> Double { max(300, 10 * quietPeriod) }

    /// The next job, or nil when every complete step is trained and every cell of them is filled.
    func nextJob() throws -> Job? {
        let config = config()
        let slices = try catalog.slices()
        let months = slices.map(\.slice)
        guard let latest = months.max() else { return nil }
        let groups = config.stepGroups(months: months)
        let requests = control.pending
        let forced = requests.trainUntil ?? 0
        let records = Dictionary(try catalog.steps(run: config.run).map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        // A group counts once a later month exists, or once a client had it trained early: its checkpoint
        // joins the matrix, so every other checkpoint is scored on it too.
        let complete = groups.filter {
            StepGrouping.isComplete($0, latestMonth: latest) || $0.index <= forced || records[$0.label]?.state == "evaluated"
        }
        let trainSamples = slices.reduce(0) { $0 + $1.train }
        for group in groups where records[group.label]?.state != "evaluated"
                && !WorkLoop.passedOver(group.label, emptySteps: emptySteps, trainSamplesNow: trainSamples) {
            // A started step (training, trained) resumes even if the client's request that started it is gone.
            let started = records[group.label].map { $0.state == "training" || $0.state == "trained" } ?? false
            guard complete.contains(group) || started else { break }
            // Shards taken up for ingest, or just arrived and still sitting out their quiet period, may hold
            // months of this group (a producer's burst, the backlog at start, months completing out of order):
            // plan once they are in the catalog, so the step trains on all of them.
            let inbox = control.state
            let since = waitingSince[group.label] ?? Date()
            if !started && WorkLoop.waitsForInbox(queued: inbox.queuedShards, justArrived: inbox.shardsJustArrived,
                                                  waited: Date().timeIntervalSince(since),
                                                  quietPeriod: config.quietPeriodS) {
                waitingSince[group.label] = since
                control.update { $0.stepWaitingForInbox = group.label }
                return nil
            }
            waitingSince[group.label] = nil
            control.update { $0.stepWaitingForInbox = nil }
            let evaluateOn = complete.contains(group) ? complete : complete + [group]
            return .step(group, evaluateOn: evaluateOn, steps: groups.count)
        }
        if let forcedUntil = requests.trainUntil, !groups.contains(where: {
            $0.index <= forcedUntil && records[$0.label]?.state != "evaluated"
        }) {
            control.request { $0.trainUntil = nil }
            log.log(.info, "trained every step up to \(forcedUntil) as asked")
        }
        let stepOf = Dictionary(groups.map { ($0.label, $0.index) }, uniquingKeysWith: { a, _ in a })
        if requests.evaluate == .redo { return .redoAll(groups: complete, steps: stepOf) }
        let results = try catalog.evalResults(run: config.run)
        let cells = Set(results.map { "\($0.checkpointID)/\($0.sliceGroup)" })
        // A group that grew is rescored once the inbox has been still for a quiet period, not after each of a
        // burst of shards (a producer dropping a month's 100 shards would otherwise cost 100 rescorings).
        let stale = inboxIsSettling(quietPeriod: config.quietPeriodS)
            ? [] : EvaluationPass.staleCells(results, slices: slices, groups: complete)
        for checkpoint in try catalog.checkpoints(run: config.run) where checkpoint.accepted {
            let todo = complete.filter {
                let cell = "\(checkpoint.id)/\($0.label)"
                return !cells.contains(cell) || stale.contains(cell)
            }
            if !todo.isEmpty { return .backfill(checkpoint, groups: todo, step: stepOf[checkpoint.stepLabel] ?? 0) }
        }
        if requests.evaluate != nil { control.request { $0.evaluate = nil } }
        return nil
    }

    /// True while a shard is being ingested or one was accepted less than `quietPeriod` seconds ago.
    private func inboxIsSettling(quietPeriod: Double) -> Bool {
        if control.state.ingesting != nil { return true }
        guard let last = control.counts.lastAcceptedAt else { return false }
        return Date().timeIntervalSince(last) < quietPeriod
    }

    private func perform(_ job: Job) throws {
        switch job {
        case let .step(group, evaluateOn, steps):
            try train(group, evaluateOn: evaluateOn, steps: steps)
        case let .backfill(checkpoint, groups, step):
            // Missing and stale cells alike are (re)scored.
            try evaluate(checkpoint, step: step, on: groups, redo: true)
        case let .redoAll(groups, steps):
            for checkpoint in try catalog.checkpoints(run: config().run) where checkpoint.accepted && !control.isStopping {
                try evaluate(checkpoint, step: steps[checkpoint.stepLabel] ?? 0, on: groups, redo: true)
            }
            control.request { $0.evaluate = nil }
        }
    }

    private func evaluate(_ checkpoint: CheckpointRecord, step: Int, on groups: [StepGroup], redo: Bool) throws {
        let fields = ["TICD_STEP": String(step), "TICD_SLICE": checkpoint.stepLabel]
        control.update { $0.phase = .evaluating(step: 0, steps: 0, label: checkpoint.stepLabel) }
        let cells = try EvaluationPass.run(checkpoint: checkpoint, groups: groups, catalog: catalog, state: state,
                                           redo: redo, shouldStop: { [control] in control.isStopping },
                                           log: { [self] line in
                                               beat()
                                               log.log(.info, line, fields: fields)
                                           })
        control.count { $0.cellsEvaluated += cells }
    }

    private func train(_ group: StepGroup, evaluateOn: [StepGroup], steps: Int) throws {
        let config = config()
        BLAS.threads = config.threads
        try config.requireOneKind(in: catalog)
        control.update { $0.phase = .training(step: group.index, steps: steps, label: group.label, batch: 0, batches: 0) }
        let fields = ["TICD_STEP": String(group.index), "TICD_SLICE": group.label]
        var observer = StepRunner.Observer()
        observer.log = { [self] line in
            beat()
            log.log(.info, line, fields: fields)
        }
        observer.batch = { [self] _, p in
            beat()
            control.count { $0.trainingSamplesPerSecond = p.samplesPerSecond; $0.lastLoss = Double(p.loss) }
            control.update { $0.phase = .training(step: group.index, steps: steps, label: group.label,
                                                   batch: p.batch, batches: p.of) }
        }
        observer.evaluating = { [self] _ in
            beat()
            control.update { $0.phase = .evaluating(step: group.index, steps: steps, label: group.label) }
        }
        observer.evaluated = { [control] cells in control.count { $0.cellsEvaluated += cells } }
        let runner = StepRunner(config: config, catalog: catalog, state: state, groups: evaluateOn,
                                shouldStop: { [control] in control.shouldInterruptTraining }, observer: observer)
        switch try runner.run(group) {
        case .done:
            control.count { $0.stepsTrained += 1 }
            log.log(.notice, "step \(group.index) (\(group.label)) trained and evaluated", fields: fields)
        case .evaluationStopped:
            log.log(.notice, "step \(group.index) (\(group.label)) trained; its evaluation stopped and resumes on the next start",
                    fields: fields)
        case .stopped(let batches):
            log.log(.notice, "step \(group.index) (\(group.label)) stopped after batch \(batches); "
                    + "it resumes from its checkpoint", fields: fields)
        }
    }
}

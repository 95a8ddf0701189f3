import Dispatch
import Foundation
import Glibc
import Models
import Timeline

/// `ticd run`: one process that repairs what the last run left, then watches the inbox, ingests, trains and
/// evaluates steps as they complete, and answers the socket — until SIGTERM, which checkpoints the running
/// step and exits 0 (DESIGN §8).
///
/// Threads: the ingest loop, the work loop (training and evaluation), the socket server's, and this one,
/// which waits for signals. Each loop feeds the systemd watchdog through the shared heartbeat, so any one of
/// them wedging stops the pings.
final class Daemon {
    private let settings: DaemonSettings
    private let log: DaemonLog
    private let notifier: SystemdNotifier
    private let heartbeat: Heartbeat
    private let statusLock = NSLock()
    private var lastStatus: (state: DaemonState, at: Double) = (DaemonState(), 0)
    /// STATUS= waits for READY=1, which carries the first status itself.
    private var readySent = false

    init(settings: DaemonSettings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        log = DaemonLog(environment: environment)
        notifier = SystemdNotifier(environment: environment)
        heartbeat = Heartbeat(notifier: notifier)
    }

    /// Runs until SIGTERM or SIGINT.
    /// - Returns: the exit status, 0 for a clean stop.
    /// - Throws: start-up failures (a config that does not fit the state directory, a socket in use).
    func run() throws -> Int32 {
        let config = settings.current
        try Daemon.checkPaths(config)
        BLAS.threads = config.threads
        let signals = SignalQueue([SIGTERM, SIGINT, SIGHUP])
        let control = DaemonControl { [self] state in publish(state) }
        log.log(.notice, "starting: task \(config.task), run \(config.run), policy \(config.policyLabel), inbox \(config.inbox), "
                + "state \(config.stateDir), socket \(config.socket), BLAS \(BLAS.coreName) x\(BLAS.threads)")

        let state = config.state
        try state.create()
        let lock = try StateLock(state: state, holder: "ticd run")
        defer { withExtendedLifetime(lock) {} }
        // Repairs can take a while on a large state directory; systemd's start timeout should not cut them off.
        notifier.extendTimeout(seconds: 600)
        let ingestor = try makeIngestor(config)
        let repaired = try ingestor.recover()
        if !repaired.isEmpty { log.log(.notice, "recovered after an interrupted run: \(repaired)") }
        let workCatalog = try Catalog(path: state.catalogPath)
        let apiCatalog = try Catalog(path: state.catalogPath)
        let watcher = try InboxWatcher(root: config.inbox, quietPeriod: config.quietPeriodS)

        let api = DaemonAPI(config: { [settings] in settings.current }, catalog: apiCatalog, control: control,
                            staleLoops: { [heartbeat] in heartbeat.staleLoops })
        let socketDirectory = (config.socket as NSString).deletingLastPathComponent
        if !socketDirectory.isEmpty {
            try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        }
        let server = try SocketServer(path: config.socket, mode: 0o660) { request, peer in api.handle(request, peer: peer) }

        // Half of what systemd allows between pings, and never so long that a stop waits on an idle loop.
        let wake = min(5, (notifier.watchdogInterval ?? 10) / 4)
        heartbeat.register("ingest")
        heartbeat.register("work")
        let ingestLoop = IngestLoop(watcher: watcher, ingestor: ingestor, control: control, log: log,
                                    pollInterval: wake, settings: { [settings] in
                                        let c = settings.current
                                        return (c.quietPeriodS, c.rescanIntervalS, c.shardKind)
                                    }, beat: { [heartbeat] in heartbeat.beat("ingest") })
        let workLoop = WorkLoop(config: { [settings] in settings.current }, state: state, catalog: workCatalog,
                                control: control, log: log, idleWake: wake,
                                beat: { [heartbeat] in heartbeat.beat("work") })
        server.start()
        control.update { $0.phase = .idle }
        statusLock.withLock {
            readySent = true
            lastStatus = (control.state, Double(SystemdNotifier.monotonicMicroseconds()) / 1e6)
        }
        notifier.ready(status: control.state.summary)
        log.log(.notice, "ready; socket \(config.socket)")
        let ingestDone = Daemon.spawn("ticd-ingest") { ingestLoop.run() }
        let workDone = Daemon.spawn("ticd-work") { workLoop.run() }

        while true {
            let sig = signals.next()
            if sig == SIGHUP {
                reload(control: control)
                continue
            }
            log.log(.notice, "stopping on \(sig == SIGINT ? "SIGINT" : "SIGTERM"): the running step checkpoints first")
            break
        }
        control.request { $0.stopping = true }
        control.update { $0.phase = .stopping }
        notifier.stopping(status: "stopping: checkpointing the running step")
        ingestDone.wait()
        workDone.wait()
        server.stop()
        log.log(.notice, "stopped cleanly")
        return 0
    }

    /// The inbox and the state directory must not contain each other: the watcher would ingest the store.
    static func checkPaths(_ config: TicdConfig) throws {
        let inbox = URL(fileURLWithPath: config.inbox).standardizedFileURL.path
        let state = URL(fileURLWithPath: config.stateDir).standardizedFileURL.path
        if inbox == state || state.hasPrefix(inbox + "/") {
            throw ConfigError(path: config.path, detail: "inbox \(config.inbox) must not be or contain state_dir \(config.stateDir)")
        }
        for sub in ["store", "quarantine", "checkpoints", "runs"] where inbox.hasPrefix(state + "/" + sub) {
            throw ConfigError(path: config.path, detail: "inbox \(config.inbox) must not lie inside state_dir/\(sub)")
        }
    }

    private func makeIngestor(_ config: TicdConfig) throws -> Ingestor {
        let state = config.state
        var options = IngestOptions()
        // The inbox exists to be consumed: what is accepted moves into the store, and it empties.
        options.sources = .consume
        options.evalPerSlice = config.evalPerSlice
        options.scan.evalFraction = config.evalFraction
        if FileOps.exists(state.catalogPath), let fixed = try Ingestor.evalFraction(of: Catalog(path: state.catalogPath)),
           fixed != config.evalFraction {
            log.log(.warning, "eval_fraction \(config.evalFraction) in \(config.path) differs from the \(fixed) this "
                    + "state directory was split with; keeping \(fixed)")
            options.scan.evalFraction = fixed
        }
        // Decoding shares the 2 cores with training; one decode thread keeps ingest from starving it.
        options.scan.decodeThreads = 1
        let ingestor = try Ingestor(state: state, options: options)
        if let phase = ProcessInfo.processInfo.environment["TICD_CRASH_AT"].flatMap(Ingestor.Phase.init) {
            ingestor.crashPoint = { if $0 == phase { _exit(70) } }
        }
        return ingestor
    }

    /// SIGHUP: re-read the config file and apply the keys that are safe to change while running.
    private func reload(control: DaemonControl) {
        notifier.reloading()
        do {
            let changes = try settings.reload()
            for key in changes.applied { log.log(.notice, "reload: \(key) applied") }
            for key in changes.deferred {
                log.log(.warning, "reload: \(key) changed in \(settings.current.path) but applies only after a restart")
            }
            if changes.applied.isEmpty && changes.deferred.isEmpty { log.log(.notice, "reload: nothing changed") }
        } catch {
            log.log(.err, "reload refused, keeping the running config: \(error)")
            control.recordError("reload: \(error)")
        }
        control.wake()
        notifier.ready(status: control.state.summary)
    }

    /// Sends `STATUS=` for every change, except that a new batch number alone goes out at most once a second.
    private func publish(_ state: DaemonState) {
        let now = Double(SystemdNotifier.monotonicMicroseconds()) / 1e6
        statusLock.lock()
        let due = readySent && state.summary != lastStatus.state.summary
            && (state.coarse != lastStatus.state.coarse || now - lastStatus.at >= 1)
        if due { lastStatus = (state, now) }
        statusLock.unlock()
        if due { notifier.status(state.summary) }
    }

    /// Runs `body` on a new thread; the returned semaphore is signalled when it ends.
    private static func spawn(_ name: String, _ body: @escaping () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
        return done
    }
}

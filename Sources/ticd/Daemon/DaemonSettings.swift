import Foundation

/// The running config, replaced on SIGHUP by a re-read of the file, but only in the keys that are safe to change
/// while a step may be training. The rest (task, model, policy, paths, ...) would change what a step in
/// progress means, so a changed value is reported and waits for a restart.
final class DaemonSettings: @unchecked Sendable {
    /// Keys a reload applies: timings, the operators' group, and the BLAS thread count (set at the next step).
    static let reloadable: Set<TicdConfig.CodingKeys> = [.quietPeriodS, .rescanIntervalS, .checkpointEveryS,
                                                          .socketGroup, .threads]

    private let lock = NSLock()
    private var config: TicdConfig
    /// Command-line overrides, re-applied after each reload so a flag keeps winning over the file.
    private let overrides: (inout TicdConfig) -> Void

    init(_ config: TicdConfig, overrides: @escaping (inout TicdConfig) -> Void = { _ in }) {
        self.config = config
        self.overrides = overrides
    }

    var current: TicdConfig {
        lock.lock()
        defer { lock.unlock() }
        return config
    }

    /// Re-reads the file the config came from.
    /// - Returns: the keys applied and the keys that changed but wait for a restart.
    /// - Throws: `ConfigError` when the file no longer reads or validates; the running config stays.
    func reload() throws -> (applied: [String], deferred: [String]) {
        let old = current
        var new = try TicdConfig.load(old.path)
        overrides(&new)
        var merged = old
        var applied: [String] = [], deferred: [String] = []
        for key in TicdConfig.CodingKeys.allCases where !DaemonSettings.same(key, old, new) {
            if DaemonSettings.reloadable.contains(key) {
                DaemonSettings.copy(key, from: new, to: &merged)
                applied.append(key.rawValue)
            } else {
                deferred.append(key.rawValue)
            }
        }
        lock.lock()
        config = merged
        lock.unlock()
        return (applied, deferred)
    }

    private static func same(_ key: TicdConfig.CodingKeys, _ a: TicdConfig, _ b: TicdConfig) -> Bool {
        var copy = a
        DaemonSettings.copy(key, from: b, to: &copy)
        return copy == a
    }

    private static func copy(_ key: TicdConfig.CodingKeys, from source: TicdConfig, to target: inout TicdConfig) {
        switch key {
        case .stateDir: target.stateDir = source.stateDir
        case .inbox: target.inbox = source.inbox
        case .socket: target.socket = source.socket
        case .task: target.task = source.task
        case .model: target.modelJSON = source.modelJSON
        case .policy: target.policy = source.policy
        case .run: target.run = source.run
        case .method: target.method = source.method
        case .lwf: target.lwf = source.lwf
        case .ewc: target.ewc = source.ewc
        case .patching: target.patching = source.patching
        case .alpha: target.alpha = source.alpha
        case .bufferSize: target.bufferSize = source.bufferSize
        case .samplesPerStep: target.samplesPerStep = source.samplesPerStep
        case .batchSize: target.batchSize = source.batchSize
        case .lr: target.lr = source.lr
        case .wd: target.wd = source.wd
        case .warmup: target.warmup = source.warmup
        case .warmupFirst: target.warmupFirst = source.warmupFirst
        case .lrSchedule: target.lrSchedule = source.lrSchedule
        case .stepUnit: target.stepUnit = source.stepUnit
        case .firstStepUntil: target.firstStepUntil = source.firstStepUntil
        case .evalFraction: target.evalFraction = source.evalFraction
        case .evalPerSlice: target.evalPerSlice = source.evalPerSlice
        case .seed: target.seed = source.seed
        case .threads: target.threads = source.threads
        case .checkpointEveryS: target.checkpointEveryS = source.checkpointEveryS
        case .quietPeriodS: target.quietPeriodS = source.quietPeriodS
        case .rescanIntervalS: target.rescanIntervalS = source.rescanIntervalS
        case .socketGroup: target.socketGroup = source.socketGroup
        }
    }
}

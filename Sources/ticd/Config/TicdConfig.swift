import Foundation
import Replay
import Timeline

/// The one JSON config file of DESIGN §10. Keys are snake_case, a missing key takes its documented default,
/// and an unknown key is an error that names it.
struct TicdConfig: Decodable, Equatable {
    var stateDir = "/var/lib/ticd"
    var inbox = "/var/lib/ticd/inbox"
    var socket = "/run/ticd/ticd.sock"
    /// "clip" or "lm".
    var task = "clip"
    /// The `model` section as JSON, decoded by the task's model config (CLIPConfig or GPTConfig), whose
    /// missing keys take DESIGN §6's tiny sizes.
    var modelJSON = Data("{}".utf8)
    /// The run this config trains and answers for (DESIGN §11); `--run` overrides it.
    var run = Run.main
    var policy = ReplayPolicyName.cumulativeAll
    /// What a step adds to plain training on its replay mix: LwF's distillation, EWC's penalty, or patching's
    /// interpolation. `"policy": "lwf"|"ewc"|"patching"` is short for sequential data with that method.
    var method = TrainingMethod.none
    var lwf = LwFSettings()
    var ewc = EWCSettings()
    var patching = PatchingSettings()
    var alpha = Alpha.fixed(0.5)
    var bufferSize = 100_000
    var samplesPerStep = 100_000
    var batchSize = 256
    var lr = 5e-4
    var wd = 0.2
    var warmup = 100
    var warmupFirst = 500
    var lrSchedule = "cosine"
    var stepUnit = StepUnit.year
    var firstStepUntil: Month?
    var evalFraction = 0.01
    var evalPerSlice = 1000
    var seed: UInt64 = 0
    var threads = 2
    var checkpointEveryS = 600.0
    /// Seconds a shard written in place must keep its size and mtime before the daemon takes it (DESIGN §2).
    var quietPeriodS = 60.0
    /// Seconds between full rescans of the inbox, besides the one at start and on an inotify overflow.
    var rescanIntervalS = 300.0
    /// The group (name or number) whose members may make mutating socket requests, besides the daemon's uid.
    var socketGroup: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stateDir = "state_dir", inbox, socket, task, model, run, policy, method, lwf, ewc, patching, alpha
        case bufferSize = "buffer_size"
        case samplesPerStep = "samples_per_step", batchSize = "batch_size", lr, wd, warmup
        case warmupFirst = "warmup_first", lrSchedule = "lr_schedule", stepUnit = "step_unit"
        case firstStepUntil = "first_step_until", evalFraction = "eval_fraction", evalPerSlice = "eval_per_slice"
        case seed, threads, checkpointEveryS = "checkpoint_every_s"
        case quietPeriodS = "quiet_period_s", rescanIntervalS = "rescan_interval_s", socketGroup = "socket_group"
    }

    init() {}

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TicdConfig()
        stateDir = try c.decodeIfPresent(String.self, forKey: .stateDir) ?? d.stateDir
        inbox = try c.decodeIfPresent(String.self, forKey: .inbox) ?? d.inbox
        socket = try c.decodeIfPresent(String.self, forKey: .socket) ?? d.socket
        task = try c.decodeIfPresent(String.self, forKey: .task) ?? d.task
        run = try c.decodeIfPresent(String.self, forKey: .run) ?? d.run
        method = try c.decodeIfPresent(TrainingMethod.self, forKey: .method) ?? d.method
        if let name = try c.decodeIfPresent(String.self, forKey: .policy) {
            if let shorthand = TrainingMethod(rawValue: name), shorthand != .none {
                guard method == .none || method == shorthand else {
                    throw ConfigError(path: "", detail: "policy \"\(name)\" and method \"\(method.rawValue)\" contradict each other")
                }
                policy = .sequential
                method = shorthand
            } else {
                policy = try c.decode(ReplayPolicyName.self, forKey: .policy)
            }
        }
        lwf = try c.decodeIfPresent(LwFSettings.self, forKey: .lwf) ?? d.lwf
        ewc = try c.decodeIfPresent(EWCSettings.self, forKey: .ewc) ?? d.ewc
        patching = try c.decodeIfPresent(PatchingSettings.self, forKey: .patching) ?? d.patching
        alpha = try c.decodeIfPresent(Alpha.self, forKey: .alpha) ?? d.alpha
        bufferSize = try c.decodeIfPresent(Int.self, forKey: .bufferSize) ?? d.bufferSize
        samplesPerStep = try c.decodeIfPresent(Int.self, forKey: .samplesPerStep) ?? d.samplesPerStep
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? d.lr
        // DESIGN §5: open_clip's 0.2 for CLIP, 0.033 for the LM.
        wd = try c.decodeIfPresent(Double.self, forKey: .wd) ?? (task == "lm" ? 0.033 : d.wd)
        warmup = try c.decodeIfPresent(Int.self, forKey: .warmup) ?? d.warmup
        warmupFirst = try c.decodeIfPresent(Int.self, forKey: .warmupFirst) ?? d.warmupFirst
        lrSchedule = try c.decodeIfPresent(String.self, forKey: .lrSchedule) ?? d.lrSchedule
        stepUnit = try c.decodeIfPresent(StepUnit.self, forKey: .stepUnit) ?? d.stepUnit
        firstStepUntil = try c.decodeIfPresent(Month.self, forKey: .firstStepUntil)
        evalFraction = try c.decodeIfPresent(Double.self, forKey: .evalFraction) ?? d.evalFraction
        evalPerSlice = try c.decodeIfPresent(Int.self, forKey: .evalPerSlice) ?? d.evalPerSlice
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        checkpointEveryS = try c.decodeIfPresent(Double.self, forKey: .checkpointEveryS) ?? d.checkpointEveryS
        quietPeriodS = try c.decodeIfPresent(Double.self, forKey: .quietPeriodS) ?? d.quietPeriodS
        rescanIntervalS = try c.decodeIfPresent(Double.self, forKey: .rescanIntervalS) ?? d.rescanIntervalS
        socketGroup = try c.decodeIfPresent(String.self, forKey: .socketGroup)
    }

    /// Reads and checks a config file.
    /// - Throws: `ConfigError` naming the file and the key or the JSON problem.
    static func load(_ path: String) throws -> TicdConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, detail: "cannot read the file")
        }
        return try parse(data, path: path)
    }

    /// Reads and checks a config given as JSON bytes; `path` names it in errors (a file, or a run's stored copy).
    static func parse(_ data: Data, path: String) throws -> TicdConfig {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            // The shard scanner's JSON check names the byte where the file goes wrong, as Foundation's text does
            // not always; Foundation alone refuses a number Swift cannot hold, and its text quotes the number.
            var reason = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
            do { _ = try data.withUnsafeBytes { try JSONRecordScanner.scan($0) } } catch let problem as SampleProblem {
                reason = problem.detail
            } catch {}
            throw ConfigError(path: path, detail: "not valid JSON: \(reason)")
        }
        guard let object = parsed as? [String: Any] else {
            throw ConfigError(path: path, detail: "not a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigError(path: path, detail: "unknown key \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        var config: TicdConfig
        do {
            config = try JSONDecoder().decode(TicdConfig.self, from: data)
            if let model = object["model"] {
                guard model is [String: Any] else { throw ConfigError(path: path, detail: "key \"model\" must be an object") }
                config.modelJSON = try JSONSerialization.data(withJSONObject: model, options: [.sortedKeys])
            }
        } catch let error as ConfigError {
            throw ConfigError(path: path, detail: error.detail)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError(path: path, detail: "\(key.isEmpty ? "" : "key \"\(key)\": ")\(context.debugDescription)")
        } catch {
            throw ConfigError(path: path, detail: "\(error)")
        }
        config.path = path
        config.sourceJSON = String(decoding: data, as: UTF8.self)
        try config.validate(path: path)
        return config
    }

    func validate(path: String) throws {
        guard Run.isValidName(run) else {
            throw ConfigError(path: path, detail: "run \"\(run)\" must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        do { try lwf.validate(); try ewc.validate(); try patching.validate() } catch let error as ConfigError {
            throw ConfigError(path: path, detail: error.detail)
        }
        guard ["clip", "lm"].contains(task) else { throw ConfigError(path: path, detail: "task must be \"clip\" or \"lm\", not \"\(task)\"") }
        guard ["cosine", "ar-cosine", "rsqrt"].contains(lrSchedule) else {
            throw ConfigError(path: path, detail: "lr_schedule must be cosine, ar-cosine or rsqrt, not \"\(lrSchedule)\"")
        }
        guard (0...1).contains(evalFraction) else { throw ConfigError(path: path, detail: "eval_fraction must be within [0, 1]") }
        guard quietPeriodS >= 0, rescanIntervalS > 0 else {
            throw ConfigError(path: path, detail: "quiet_period_s must be at least 0 and rescan_interval_s above 0")
        }
        guard threads >= 1, batchSize >= 1 else { throw ConfigError(path: path, detail: "threads and batch_size must be at least 1") }
        do { try replay.validate() } catch { throw ConfigError(path: path, detail: "\(error)") }
    }

    var replay: ReplayConfig {
        ReplayConfig(policy: policy, alpha: alpha, bufferSize: bufferSize, samplesPerStep: samplesPerStep, seed: seed)
    }

    var state: StateDirectory { StateDirectory(stateDir) }

    /// Where this run's checkpoints go: `checkpoints/` for `main` (as before runs existed), else
    /// `runs/NAME/checkpoints/`.
    var checkpointDirectory: String {
        run == Run.main ? state.checkpoints : runDirectory + "/checkpoints"
    }

    /// `runs/NAME/`: the run's files besides the catalog rows (its config copy, EWC's Fisher, logs).
    var runDirectory: String { state.root + "/runs/" + run }

    /// The policy name as a user would give it: a method's shorthand, else the replay policy.
    var policyLabel: String { method == .none ? policy.rawValue : method.rawValue }

    /// Loads `--config`, then applies `--run` (one of `valueFlags` of every command that takes a config).
    static func load(_ a: Arguments) throws -> TicdConfig {
        var config = try load(try a.require("config"))
        if let run = a.string("run") {
            config.run = run
            try config.validate(path: config.path)
        }
        return config
    }

    /// The kind of shard the task trains on.
    var shardKind: ShardKind { task == "clip" ? .imageText : .text }

    /// The step groups these months make under `step_unit` and `first_step_until`.
    func stepGroups(months: [Month]) -> [StepGroup] {
        StepGrouping.groups(months: months, unit: stepUnit, firstStepUntil: firstStepUntil)
    }

    /// Refuses a state directory holding shards of the other kind: one step cannot train on both.
    /// - Throws: `ConfigError` naming a shard of the wrong kind.
    func requireOneKind(in catalog: Catalog) throws {
        guard let other = try catalog.shards(state: .ready).first(where: { $0.kind != shardKind }) else { return }
        throw ConfigError(path: path, detail: "task \(task) trains on \(shardKind.rawValue) shards, but "
                              + "\(other.sourcePath) holds \(other.kind.rawValue); keep one kind of data per state directory")
    }

    /// The file this config was read from, for error messages.
    var path = ""
    /// The JSON it was read from, stored with the run it describes (`runs.config_json`).
    var sourceJSON: String?

    /// The `model` section decoded as the task's model config; a key the config does not know is an error
    /// that names it, as for the top level.
    func modelConfig<C: Codable>(_ type: C.Type) throws -> C {
        let decoded: C
        do {
            decoded = try JSONDecoder().decode(C.self, from: modelJSON)
        } catch {
            throw ConfigError(path: path, detail: "key \"model\": \(error)")
        }
        let given = (try? JSONSerialization.jsonObject(with: modelJSON)) as? [String: Any] ?? [:]
        let known = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded))) as? [String: Any] ?? [:]
        if let unknown = given.keys.sorted().first(where: { known[$0] == nil }) {
            throw ConfigError(path: path, detail: "unknown key \"model.\(unknown)\" (known: \(known.keys.sorted().joined(separator: ", ")))")
        }
        return decoded
    }
}

/// A config file problem: which file and what.
struct ConfigError: Error, CustomStringConvertible {
    let path: String
    let detail: String
    var description: String { "\(path): \(detail)" }
}

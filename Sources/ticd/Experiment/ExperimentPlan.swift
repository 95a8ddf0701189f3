import Foundation
import Replay
import Timeline

/// The runs of `ticd experiment`: one per policy, each a copy of the base config with its own run name and
/// policy, so every run trains the same steps on the same catalog and eval splits with the same per-step
/// budget C (oracle: t·C, as its policy defines).
struct ExperimentPlan {
    /// Every name `--policies` takes (DESIGN §11): TiC's replay strategies and the three methods beyond replay.
    static let allPolicies = ["sequential", "cumulative-all", "cumulative-exp", "cumulative-equal", "reservoir",
                              "restart", "oracle", "lwf", "ewc", "patching"]

    let base: TicdConfig
    let policies: [String]
    let quick: Bool

    /// - Throws: `UsageError` for an unknown or repeated policy name.
    init(base: TicdConfig, policies list: String, quick: Bool) throws {
        let names = list == "all" ? ExperimentPlan.allPolicies
            : list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw UsageError("--policies needs at least one name (or all)") }
        for name in names where !ExperimentPlan.allPolicies.contains(name) {
            throw UsageError("unknown policy \"\(name)\" in --policies (known: \(ExperimentPlan.allPolicies.joined(separator: ", ")))")
        }
        if let repeated = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw UsageError("policy \"\(repeated)\" is listed twice in --policies")
        }
        self.base = base
        self.policies = names
        self.quick = quick
    }

    /// The config of the run for `policy`, as JSON: the base file's keys with `run` and `policy` set (and
    /// `method` cleared, since the policy name says it), and with `--quick` a budget of a few batches per step.
    func configJSON(policy: String) throws -> Data {
        guard let source = base.sourceJSON,
              var object = try JSONSerialization.jsonObject(with: Data(source.utf8)) as? [String: Any] else {
            throw ConfigError(path: base.path, detail: "the base config has no JSON source to derive runs from")
        }
        object["run"] = policy
        object["policy"] = policy
        object["method"] = nil
        object["state_dir"] = base.stateDir
        if quick {
            object["samples_per_step"] = min(base.samplesPerStep, 4 * base.batchSize)
            object["buffer_size"] = min(base.bufferSize, 4 * base.batchSize)
            object["warmup"] = min(base.warmup, 2)
            object["warmup_first"] = min(base.warmupFirst, 4)
            object["ewc"] = ["lambda": base.ewc.lambda, "gamma": base.ewc.gamma, "fisher_batches": min(base.ewc.fisherBatches, 2)]
            object["patching"] = ["grid": [0.0, 0.5, 1.0]]
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    /// Writes each run's config to `runs/NAME/config.json` in the state directory and loads it back, so a
    /// run can be trained, evaluated or reported on its own later (`ticd train --config runs/NAME/config.json`).
    func runConfigs() throws -> [TicdConfig] {
        try policies.map { policy in
            var probe = base
            probe.run = policy
            let path = probe.runDirectory + "/config.json"
            try FileManager.default.createDirectory(atPath: probe.runDirectory, withIntermediateDirectories: true)
            try FileOps.writeDurably(try configJSON(policy: policy), to: path)
            return try TicdConfig.load(path)
        }
    }

    /// Samples a run's step `index` trains on: C, or t·C for oracle (a budget estimate for the ETA).
    static func budget(_ config: TicdConfig, step index: Int) -> Int {
        config.policy == .oracle ? index * config.samplesPerStep : config.samplesPerStep
    }
}

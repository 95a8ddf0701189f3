import Foundation
import Models
import Replay
import Timeline

/// What a continual-learning method adds to one step's training loop (DESIGN §4 and §11): LwF wraps the
/// forward with the previous model as teacher, EWC adds its penalty after each backward, patching mixes the
/// weights once training ends. Each counts the compute of its extra passes.
final class MethodHooks<M: TrainableModel, B> {
    private(set) var forward: (M, B) -> Float
    /// Added after each backward, before clipping: adds into the gradients and returns its loss.
    private(set) var regularizer: ((M) -> Float)?
    /// Run on the trained model before its final checkpoint is written.
    private(set) var finish: ((M) throws -> Void)?
    /// Extra FLOPs spent once (the Fisher's passes, patching's evaluations).
    private(set) var extraFlops = 0.0
    /// Extra FLOPs per training sample (LwF's teacher forward), counted over every sample the step saw,
    /// including those before a resume.
    private(set) var extraFlopsPerSample = 0.0
    /// The method's record of the step for the catalog (`method_json`): extra FLOPs, patching's β.
    private(set) var record: [String: Double] = [:]

    func note(_ key: String, _ value: Double) { record[key] = value }

    /// The hooks of `config.method` for a step.
    /// - Parameters:
    ///   - previous: the run's previous model (the weights the step warm-started from), nil on a first step or
    ///     a random-init policy; every method falls back to plain training without one.
    ///   - base: the task's plain forward (loss of a batch).
    ///   - forwardFlops: FLOPs of one forward per sample (a third of training's).
    ///   - fisherData: a fresh loader over the previous step's plan (EWC), with that step's label.
    ///   - pastScore: the mean headline score of the model on the past slices' eval splits and the samples
    ///     (rows, for the LM) it scored (patching).
    init(config: TicdConfig, previous: M?, previousLabel: String?, base: @escaping (M, B) -> Float, forwardFlops: Double,
         fisherData: () throws -> (next: () throws -> (B, Int)?, done: () -> Void)?,
         pastScore: @escaping (M) throws -> (score: Double?, samples: Int), higherIsBetter: Bool,
         log: @escaping (String) -> Void) throws {
        self.forward = base
        guard let previous else {
            if config.method != .none { log("\(config.method.rawValue): no previous model, so this step trains plainly") }
            return
        }
        switch config.method {
        case .none:
            break
        case .lwf:
            let settings = config.lwf
            extraFlopsPerSample = forwardFlops
            forward = { model, batch in
                _ = base(previous, batch)
                model.distillation = Distillation.Target(values: previous.teacherValues(),
                                                         temperature: Float(settings.temperature),
                                                         weight: Float(settings.weight))
                return base(model, batch)
            }
        case .ewc:
            let state = try EWCHistory.state(config: config, previous: previous, previousLabel: previousLabel ?? "",
                                             base: base, data: fisherData, forwardFlops: forwardFlops, log: log)
            extraFlops = state.flops
            record = ["extra_flops": state.flops]
            let lambda = Float(config.ewc.lambda)
            let fisher = state.state.fisher, anchor = state.state.anchor
            regularizer = { model in
                fisher.withUnsafeBufferPointer { f in
                    anchor.withUnsafeBufferPointer { a in
                        EWCPenalty.backward(gradients: model.gradients.baseAddress!, parameters: model.parameters.baseAddress!,
                                            anchor: a.baseAddress!, fisher: f.baseAddress!, count: f.count, lambda: lambda)
                        return EWCPenalty.forward(parameters: model.parameters.baseAddress!, anchor: a.baseAddress!,
                                                  fisher: f.baseAddress!, count: f.count, lambda: lambda)
                    }
                }
            }
        case .patching:
            let grid = config.patching.grid
            finish = { [unowned self] model in
                var evaluated = 0
                let choice = try WeightPatching.choose(parameters: model.parameters, old: Array(previous.parameters),
                                                       grid: grid, higherIsBetter: higherIsBetter) {
                    let (score, scored) = try pastScore(model)
                    evaluated += scored
                    return score
                }
                self.extraFlops += Double(evaluated) * forwardFlops
                self.record = ["beta": choice.beta, "extra_flops": self.extraFlops]
                log("patching: β = \(choice.beta) from past-slice scores "
                    + choice.scores.map { $0.map { String(format: "%.4f", $0) } ?? "-" }.joined(separator: " "))
            }
        }
    }
}

/// Online EWC across a run's steps: the state after step k is kept in `runs/NAME/ewc/LABEL.ewc`, so a resumed
/// or later step reads it instead of estimating the Fisher again.
enum EWCHistory {
    /// The EWC state of the previous step: read back, or estimated now from `fisherBatches` batches of that
    /// step's data at its final weights, decayed with the state before it (F ← γ·F_before + F_step).
    static func state<M: TrainableModel, B>(config: TicdConfig, previous: M, previousLabel: String,
                                            base: (M, B) -> Float,
                                            data: () throws -> (next: () throws -> (B, Int)?, done: () -> Void)?,
                                            forwardFlops: Double, log: (String) -> Void) throws -> (state: EWCState, flops: Double) {
        let path = EWCState.path(config: config, stepLabel: previousLabel)
        if FileOps.exists(path) {
            let state = try EWCState.read(path, parameters: previous.layout.count)
            return (state, state.flops)
        }
        guard let source = try data() else {
            log("ewc: the previous step \(previousLabel) has no stored plan; no penalty this step")
            let zero = [Float](repeating: 0, count: previous.layout.count)
            return (EWCState(fisher: zero, anchor: Array(previous.parameters), flops: 0), 0)
        }
        defer { source.done() }
        let (fresh, samples) = try EWCState.fisher(of: previous, batches: config.ewc.fisherBatches, next: source.next,
                                                   forward: base)
        var fisher = fresh
        let directory = FileOps.directory(of: path)
        let earlier = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
            .filter { $0.hasSuffix(".ewc") && $0 < previousLabel + ".ewc" }.sorted().last
        if let earlier {
            let before = try EWCState.read(directory + "/" + earlier, parameters: fisher.count)
            let gamma = Float(config.ewc.gamma)
            for i in fisher.indices { fisher[i] += gamma * before.fisher[i] }
        }
        // Forward and backward of each batch: 3 forwards' worth.
        let flops = Double(samples) * 3 * forwardFlops
        let state = EWCState(fisher: fisher, anchor: Array(previous.parameters), flops: flops)
        try state.write(to: path)
        log("ewc: Fisher of \(previousLabel) from \(samples) samples" + (earlier.map { ", decayed with \($0)" } ?? ""))
        return (state, flops)
    }
}

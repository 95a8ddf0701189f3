import Foundation
import Models
import Timeline

/// Online EWC's memory after a step (DESIGN §4): the running diagonal Fisher F and the anchor weights θ* of
/// that step's model, in a checkpoint file `runs/NAME/ewc/LABEL.ewc` beside the run's other files. The next
/// step penalises λ/2·Σ F·(θ−θ*)².
struct EWCState {
    var fisher: [Float]
    var anchor: [Float]
    /// FLOPs spent estimating this step's Fisher, counted into the compute of the step that uses it.
    var flops: Double

    static func path(config: TicdConfig, stepLabel: String) -> String {
        config.runDirectory + "/ewc/" + stepLabel + ".ewc"
    }

    static func read(_ path: String, parameters: Int) throws -> EWCState {
        let (header, tensors) = try CheckpointFile.read(from: path)
        let meta = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any]
        guard let fisher = tensors["fisher"]?.values, let anchor = tensors["anchor"]?.values,
              fisher.count == parameters, anchor.count == parameters else {
            throw CheckpointError.malformed(path: path, offset: 0,
                                            reason: "an EWC state needs fisher and anchor tensors of \(parameters) values")
        }
        return EWCState(fisher: fisher, anchor: anchor, flops: meta?["flops"] as? Double ?? 0)
    }

    func write(to path: String) throws {
        try FileManager.default.createDirectory(atPath: FileOps.directory(of: path), withIntermediateDirectories: true)
        let header = try JSONSerialization.data(withJSONObject: ["kind": "ewc", "flops": flops], options: [.sortedKeys])
        try CheckpointFile.write(to: path, header: header, tensors: [
            CheckpointTensor(name: "fisher", shape: [fisher.count], values: fisher),
            CheckpointTensor(name: "anchor", shape: [anchor.count], values: anchor),
        ])
    }

    /// The empirical diagonal Fisher of `model` at its current weights: the mean of squared batch gradients
    /// over up to `batches` batches from `next`. Returns it with the samples it saw.
    static func fisher<M: TrainableModel, B>(of model: M, batches: Int, next: () throws -> (B, Int)?,
                                             forward: (M, B) -> Float) throws -> (fisher: [Float], samples: Int) {
        var fisher = [Float](repeating: 0, count: model.layout.count)
        var batchesSeen = 0, samples = 0
        while batchesSeen < batches, let (batch, count) = try next() {
            model.zeroGradients()
            _ = forward(model, batch)
            model.backward()
            fisher.withUnsafeMutableBufferPointer { f in
                EWCPenalty.accumulateFisher(f.baseAddress!, gradients: model.gradients.baseAddress!, count: f.count, scale: 1)
            }
            batchesSeen += 1
            samples += count
        }
        model.zeroGradients()
        guard batchesSeen > 0 else { return (fisher, 0) }
        let scale = 1 / Float(batchesSeen)
        for i in fisher.indices { fisher[i] *= scale }
        return (fisher, samples)
    }
}

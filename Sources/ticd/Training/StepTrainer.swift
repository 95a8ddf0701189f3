import Foundation
import Models

/// One batch's progress report: the same for every model, so observers need not know which one trains.
struct StepProgress {
    let batch: Int
    let of: Int
    let loss: Float
    let lr: Float
    let samplesPerSecond: Double
    let etaSeconds: Double
}

/// The inner loop of one training step: for each batch, forward, backward, clip, AdamW with the
/// step's schedule. It owns no data loading and no files: the caller hands it batches and decides what a
/// checkpoint is, so the same loop serves CLIP and GPT, fresh and resumed steps.
final class StepTrainer<Model: TrainableModel, Batch> {
    let model: Model
    let optimizer: AdamW
    let schedule: (Int) -> Float
    let totalBatches: Int
    let maxGradNorm: Float?
    private let forward: (Model, Batch) -> Float
    /// A penalty on the weights (EWC): adds its gradient after each backward and returns its loss.
    private let regularizer: ((Model) -> Float)?
    private let mask: [Range<Int>]

    /// Batches done so far in this step (the plan cursor).
    private(set) var batchesDone: Int

    typealias Progress = StepProgress

    enum Outcome: Equatable { case finished, stopped }

    init(model: Model, optimizer: AdamW, schedule: @escaping (Int) -> Float, totalBatches: Int,
         maxGradNorm: Float?, batchesDone: Int = 0, regularizer: ((Model) -> Float)? = nil,
         forward: @escaping (Model, Batch) -> Float) {
        self.regularizer = regularizer
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.totalBatches = totalBatches
        self.maxGradNorm = maxGradNorm
        self.batchesDone = batchesDone
        self.forward = forward
        self.mask = model.layout.decayRanges
    }

    /// Trains until the batches run out or `totalBatches` is reached, or until `shouldStop` says so.
    /// - Parameters:
    ///   - next: the next batch and its sample count, nil when the step's data is exhausted.
    ///   - shouldStop: checked after every batch (a signal arrived).
    ///   - checkpointDue: checked after every batch; when true, `checkpoint` is called.
    ///   - checkpoint: saves the state after `batchesDone` batches.
    ///   - progress: called after every batch.
    func run(next: () throws -> (Batch, Int)?, shouldStop: () -> Bool, checkpointDue: () -> Bool,
             checkpoint: (StepTrainer) throws -> Void, progress: (Progress) -> Void) throws -> Outcome {
        let start = DispatchTime.now().uptimeNanoseconds
        var samples = 0, batchesThisRun = 0
        while batchesDone < totalBatches, let (batch, count) = try next() {
            model.zeroGradients()
            var loss = forward(model, batch)
            model.backward()
            if let regularizer { loss += regularizer(model) }
            if let maxGradNorm {
                _ = optimizer.clipGradientNorm(model.gradients.baseAddress!, count: model.layout.count, maxNorm: maxGradNorm)
            }
            let lr = schedule(batchesDone)
            optimizer.step(parameters: model.parameters.baseAddress!, gradients: model.gradients.baseAddress!,
                           decayMask: mask, lr: lr)
            batchesDone += 1
            batchesThisRun += 1
            samples += count
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rate = Double(samples) / max(seconds, 1e-9)
            let remaining = Double(totalBatches - batchesDone) * seconds / Double(batchesThisRun)
            progress(Progress(batch: batchesDone, of: totalBatches, loss: loss, lr: lr, samplesPerSecond: rate,
                              etaSeconds: remaining))
            if shouldStop() { return .stopped }
            if checkpointDue() { try checkpoint(self) }
        }
        return .finished
    }
}

import Foundation
import Models

/// What a checkpoint's JSON header says (DESIGN §6): the model config, the frozen tokenizer, where in the run
/// it was taken, and — for a mid-step checkpoint — everything a resumed step needs to end bit-identical:
/// the plan cursor and the optimizer's step (the schedule is a pure function of it). The optimizer's moments
/// are tensors beside the weights.
struct CheckpointHeader: Codable, Equatable {
    var task: String
    var clip: CLIPConfig?
    var gpt: GPTConfig?
    var tokenizer: BPETokenizer
    /// 1-based step index and its group label, e.g. 3 and "2018".
    var step: Int
    var stepLabel: String
    /// False for a mid-step checkpoint; true once the step has trained to its end.
    var complete: Bool
    /// Batches of the step done (the plan cursor) and the step's total.
    var batchesDone: Int
    var totalBatches: Int
    /// AdamW's step counter (bias correction and the schedule's position).
    var optimizerStep: Int
    var samplesSeen: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case task, clip, gpt, tokenizer, step, stepLabel = "step_label", complete, batchesDone = "batches_done"
        case totalBatches = "total_batches", optimizerStep = "optimizer_step", samplesSeen = "samples_seen", seconds
    }
}

/// Checkpoint files of a run under `STATE/checkpoints/`: `step_0003_2018.ckpt` once a step is done (open_clip's
/// naming, per step), `step_0003_2018.partial.ckpt` while it trains.
enum TrainingCheckpoint {
    static func path(in directory: String, step: Int, label: String, partial: Bool) -> String {
        String(format: "%@/step_%04d_%@%@.ckpt", directory, step, label, partial ? ".partial" : "")
    }

    /// Writes weights (and, mid-step, the optimizer's moments) with the header; atomic and durable.
    static func write(_ header: CheckpointHeader, model: TrainableModel, optimizer: AdamW?, to path: String) throws {
        let data = try JSONEncoder().encode(header)
        try CheckpointFile.write(to: path, header: data, tensors: model.parameterTensors + (optimizer?.stateTensors() ?? []))
    }

    /// Reads a checkpoint; the file's size and checksum are verified before anything is returned.
    static func read(_ path: String) throws -> (header: CheckpointHeader, tensors: [String: CheckpointTensor]) {
        let (data, tensors) = try CheckpointFile.read(from: path)
        return (try JSONDecoder().decode(CheckpointHeader.self, from: data), tensors)
    }
}

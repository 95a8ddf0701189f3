import Foundation
import XCTest
import Models
@testable import ticd

/// The training loop and its checkpoints: a step stopped at any batch and resumed from its checkpoint ends
/// with the same weights, bit for bit, as an uninterrupted one.
final class StepTrainerTests: XCTestCase {
    let config: GPTConfig = {
        var c = GPTConfig()
        c.vocabSize = 48; c.contextLength = 16; c.width = 32; c.layers = 2; c.heads = 2
        return c
    }()
    let batches = 12, rows = 3

    struct Batch { let tokens: [Int32]; let targets: [Int32] }

    /// Batch k of a deterministic token stream.
    func batch(_ k: Int) -> Batch {
        let n = rows * config.contextLength
        let seq = (0...n).map { Int32((($0 + k * 7) * 13 + ($0 / 5) * 3) % config.vocabSize) }
        return Batch(tokens: Array(seq[0..<n]), targets: Array(seq[1...n]))
    }

    func trainer(_ model: GPTModel, _ optimizer: AdamW, from done: Int = 0, total: Int? = nil) -> StepTrainer<GPTModel, Batch> {
        let total = total ?? batches
        return StepTrainer(model: model, optimizer: optimizer,
                           schedule: LRSchedule.warmupCosine(peak: 3e-3, warmup: 3, total: total, floor: 1e-4),
                           totalBatches: total, maxGradNorm: 1, batchesDone: done) { m, b in
            m.forward(tokens: b.tokens, targets: b.targets, batch: self.rows)
        }
    }

    func run(_ t: StepTrainer<GPTModel, Batch>, stopAfter: Int? = nil,
             checkpoint: (StepTrainer<GPTModel, Batch>) throws -> Void = { _ in }) throws -> StepTrainer<GPTModel, Batch>.Outcome {
        var k = t.batchesDone
        return try t.run(next: {
            defer { k += 1 }
            return (self.batch(k), self.rows)
        }, shouldStop: { stopAfter.map { t.batchesDone >= $0 } ?? false }, checkpointDue: { false },
           checkpoint: checkpoint, progress: { _ in })
    }

    func testLossFallsOverAStep() throws {
        let model = try GPTModel(config: config, seed: 3)
        var losses: [Float] = []
        let t = trainer(model, AdamW(parameterCount: model.parameterCount, config: .lm), total: 40)
        var k = 0
        _ = try t.run(next: { defer { k += 1 }; return (self.batch(k % 2), self.rows) }, shouldStop: { false },
                      checkpointDue: { false }, checkpoint: { _ in }, progress: { losses.append($0.loss) })
        XCTAssertEqual(losses.count, 40)
        XCTAssertLessThan(losses.last!, losses.first! * 0.7, "two batches seen 20 times each are being learned")
    }

    func testAStepStoppedAnywhereAndResumedFromItsCheckpointEndsBitIdentical() throws {
        let reference = try GPTModel(config: config, seed: 3)
        XCTAssertEqual(try run(trainer(reference, AdamW(parameterCount: reference.parameterCount, config: .lm))), .finished)
        let dir = NSTemporaryDirectory() + "ticd-resume-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokenizer = BPETokenizer.train(texts: ["a b c"], vocabSize: 260)
        for stop in [1, 5, batches - 1] {
            let model = try GPTModel(config: config, seed: 3)
            let optimizer = AdamW(parameterCount: model.parameterCount, config: .lm)
            let first = trainer(model, optimizer)
            XCTAssertEqual(try run(first, stopAfter: stop), .stopped)
            let path = TrainingCheckpoint.path(in: dir, step: 1, label: "2015", partial: true)
            let header = CheckpointHeader(task: "lm", clip: nil, gpt: config, tokenizer: tokenizer, step: 1,
                                          stepLabel: "2015", complete: false, batchesDone: first.batchesDone,
                                          totalBatches: batches, optimizerStep: optimizer.t, samplesSeen: stop * rows,
                                          seconds: 0)
            try TrainingCheckpoint.write(header, model: model, optimizer: optimizer, to: path)

            let (saved, tensors) = try TrainingCheckpoint.read(path)
            XCTAssertEqual(saved, header)
            let resumed = try GPTModel(config: config, seed: 99)
            try resumed.loadParameters(tensors)
            let adam = AdamW(parameterCount: resumed.parameterCount, config: .lm)
            try adam.restore(t: saved.optimizerStep, tensors: tensors)
            XCTAssertEqual(try run(trainer(resumed, adam, from: saved.batchesDone)), .finished)
            XCTAssertTrue(resumed.parameters.elementsEqual(reference.parameters) { $0.bitPattern == $1.bitPattern },
                          "stopped after \(stop) batches, the resumed step must end with the same bits")
        }
    }
}

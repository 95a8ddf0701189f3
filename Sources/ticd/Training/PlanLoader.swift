import Foundation
import Models
import Replay
import Timeline

/// Streams one training step's samples from the store as batches, in an order fixed by the plan.
///
/// A prefetch thread runs the pipeline: shards in an order shuffled by (plan seed, step), each scanned once
/// (`ShardScanner`, the same classification as ingest), its drawn train samples (repeats included) pushed
/// through a bounded `ShuffleBuffer`, and the samples that leave it grouped into batches. Up to
/// `prefetchBatches` finished batches wait in a bounded queue, so decoding overlaps training.
/// Nothing in the order depends on timing or threads.
///
/// `cancel()` or releasing the loader stops the thread within one decode batch and waits for it to end.
final class PlanLoader<Batch> {
    private let queue: BatchQueue<Batch>
    private let stopped = DispatchSemaphore(value: 0)
    private var threadRunning = true
    /// Batches taken so far, counting those a resumed loader skipped: save it to resume here.
    private(set) var cursor: LoaderCursor

    /// Starts the prefetch thread over a resolved selection; the kind-specific initializers build the parts.
    init<Assembler: BatchAssembler>(selection: SampleSelection, step: Int, catalog: Catalog, scan: ScanOptions,
                                    assembler: Assembler, options: LoaderOptions, startingAt cursor: LoaderCursor)
    where Assembler.Batch == Batch {
        self.cursor = cursor
        let queue = BatchQueue<Batch>(capacity: options.prefetchBatches)
        self.queue = queue
        let pipeline = LoaderPipeline(selection: selection, step: step, catalog: catalog, scan: scan,
                                      shuffleBufferSize: options.shuffleBufferSize, assembler: assembler)
        let stopped = self.stopped
        // The thread holds the pipeline and the queue, never the loader, so releasing the loader runs deinit.
        let thread = Thread {
            pipeline.run(into: queue)
            stopped.signal()
        }
        thread.name = "ticd-loader"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next batch, waiting for the prefetch thread if it is behind; nil after the step's last batch or
    /// after `cancel()`.
    /// - Throws: `LoaderError`, `ShardError` or `CatalogError` from the pipeline, after the batches made before it.
    func next() throws -> Batch? {
        guard let batch = try queue.take() else { return nil }
        cursor.batchesDone += 1
        return batch
    }

    /// Stops the prefetch thread and waits until it has ended; batches not yet taken are dropped.
    func cancel() {
        queue.cancel()
        if threadRunning {
            stopped.wait()
            threadRunning = false
        }
    }

    deinit { cancel() }

    /// Refuses, before any scan, an eval fraction other than the one ingest fixed for the state directory,
    /// which would move samples between train and eval.
    private static func requireIngestSplit(_ scan: ScanOptions, catalog: Catalog) throws {
        if let fixed = try Ingestor.evalFraction(of: catalog), fixed != scan.evalFraction {
            throw LoaderError(.evalFractionMismatch, path: catalog.path,
                              detail: "the loader holds out eval_fraction \(scan.evalFraction) but ingest split "
                                  + "this state directory with \(fixed)")
        }
    }
}

extension PlanLoader where Batch == CLIPBatch {
    /// A CLIP loader for one step.
    /// - Parameters:
    ///   - plan: the step's plan.
    ///   - catalog, state: where the plan's shards are recorded and stored.
    ///   - tokenizer: the run's frozen tokenizer.
    ///   - imageSize: the model's image side; images are decoded at no less than it and preprocessed to it.
    ///   - context: the text tower's context.
    ///   - options: batch size, scan settings (with the run's eval fraction), buffer and queue sizes.
    ///   - cursor: where to resume; batches before it are passed over without building tensors.
    /// - Returns: a loader yielding exactly `plan.budget` samples, in full batches and one last short one
    ///   when the budget is not a multiple of the batch size.
    /// - Throws: `LoaderError` (`.wrongKind` for a text shard, `.evalFractionMismatch`, and as
    ///   `SampleSelection.init`); `CatalogError`.
    convenience init(plan: StepPlan, catalog: Catalog, state: StateDirectory, tokenizer: BPETokenizer,
                     imageSize: Int, context: Int, options: LoaderOptions,
                     startingAt cursor: LoaderCursor = LoaderCursor()) throws {
        let selection = try SampleSelection(plan: plan, catalog: catalog, state: state)
        try selection.require(.imageText, for: "CLIP")
        try PlanLoader.requireIngestSplit(options.scan, catalog: catalog)
        var scan = options.scan
        scan.decodeImages = true
        scan.imageMinSide = imageSize
        let assembler = CLIPBatchAssembler(tokenizer: tokenizer, imageSize: imageSize, context: context,
                                           batchSize: options.batchSize, threads: options.preprocessThreads,
                                           skipBatches: cursor.batchesDone)
        self.init(selection: selection, step: plan.step, catalog: catalog, scan: scan, assembler: assembler,
                  options: options, startingAt: cursor)
    }
}

extension PlanLoader where Batch == LMBatch {
    /// A language-model loader for one step: the plan's documents, concatenated and cut into rows.
    /// - Parameters:
    ///   - plan: the step's plan; a sample is a document.
    ///   - catalog, state: where the plan's shards are recorded and stored.
    ///   - tokenizer: the run's frozen tokenizer; its end token separates documents.
    ///   - context: tokens per row (T); a row holds T inputs and T targets.
    ///   - options: batch size in rows, scan settings (with the run's eval fraction), buffer and queue sizes.
    ///   - cursor: where to resume; batches before it are passed over (documents are still tokenized).
    /// - Returns: a loader yielding as many rows as the budget's documents fill, the last batch possibly short.
    /// - Throws: `LoaderError` (`.wrongKind` for an image-text shard, `.evalFractionMismatch`, and as
    ///   `SampleSelection.init`); `CatalogError`.
    convenience init(plan: StepPlan, catalog: Catalog, state: StateDirectory, tokenizer: BPETokenizer,
                     context: Int, options: LoaderOptions, startingAt cursor: LoaderCursor = LoaderCursor()) throws {
        let selection = try SampleSelection(plan: plan, catalog: catalog, state: state)
        try selection.require(.text, for: "language-model")
        try PlanLoader.requireIngestSplit(options.scan, catalog: catalog)
        var scan = options.scan
        scan.decodeImages = false
        let assembler = LMBatchAssembler(tokenizer: tokenizer, context: context, batchSize: options.batchSize,
                                         skipBatches: cursor.batchesDone)
        self.init(selection: selection, step: plan.step, catalog: catalog, scan: scan, assembler: assembler,
                  options: options, startingAt: cursor)
    }
}

private extension SampleSelection {
    func require(_ kind: ShardKind, for model: String) throws {
        if let shard = shards.first(where: { $0.format.kind != kind }) {
            throw LoaderError(.wrongKind, shardID: shard.id, path: shard.path,
                              detail: "a \(model) loader cannot train on a \(shard.format.kind.rawValue) shard")
        }
    }
}

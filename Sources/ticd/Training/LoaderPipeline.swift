import Models
import Timeline

/// The deterministic body of `PlanLoader`, run on its prefetch thread: visits the selected shards in a
/// seeded order, scans each once, pushes its drawn samples through the shuffle buffer and hands the
/// batches to the queue. The same selection, step and assembler always give the same batches.
final class LoaderPipeline<Assembler: BatchAssembler> {
    private let selection: SampleSelection
    private let step: Int
    private let catalog: Catalog
    private let scan: ScanOptions
    private let shuffleBufferSize: Int
    private var assembler: Assembler

    init(selection: SampleSelection, step: Int, catalog: Catalog, scan: ScanOptions, shuffleBufferSize: Int,
         assembler: Assembler) {
        self.selection = selection; self.step = step; self.catalog = catalog; self.scan = scan
        self.shuffleBufferSize = shuffleBufferSize; self.assembler = assembler
    }

    /// Thrown from inside a scan to unwind it when the queue is cancelled.
    private struct Cancelled: Error {}

    /// Runs to the end of the step, or until the queue is cancelled; errors end the queue's stream.
    func run(into queue: BatchQueue<Assembler.Batch>) {
        let emit: (Assembler.Batch) throws -> Void = { batch in
            guard queue.put(batch) else { throw Cancelled() }
        }
        do {
            let stepSeed = SampleSelection.mix(selection.seed, UInt64(step))
            var order = selection.shards
            var orderRNG = SplitMix64RNG(seed: SampleSelection.mix(stepSeed, Self.shardOrderStream))
            orderRNG.shuffle(&order)
            var buffer = ShuffleBuffer<LoaderSample>(capacity: shuffleBufferSize,
                                                     seed: SampleSelection.mix(stepSeed, Self.bufferStream))
            for shard in order {
                try scanShard(shard, queue: queue) { sample in
                    if let leaving = buffer.push(sample) { try assembler.add(leaving, emit: emit) }
                }
            }
            while let leaving = buffer.pop() { try assembler.add(leaving, emit: emit) }
            try assembler.finish(emit: emit)
            queue.finish(error: nil)
        } catch is Cancelled {
            return
        } catch {
            queue.finish(error: error)
        }
    }

    /// Scans one shard and passes each drawn train sample to `take`, once per time it is drawn, in scan order.
    /// - Throws: `LoaderError.heldOutSelected` when a drawn sample is one the catalog holds out,
    ///   `.trainCountMismatch` when the scan's train samples differ from ingest's count, `.storeFileChanged`
    ///   when the file's sha256 (computed by the scan anyway) is not ingest's; `ShardError`.
    private func scanShard(_ shard: SampleSelection.Shard, queue: BatchQueue<Assembler.Batch>,
                           take: (LoaderSample) throws -> Void) throws {
        let heldOut = Set(try catalog.evalSampleIndices(shardID: shard.id))
        let shardKey = SampleSelection.key(sha256: shard.sha256)
        let times = shard.slices.map { $0.multiplicities(seed: selection.seed, shardKey: shardKey) }
        var seen = [Int](repeating: 0, count: shard.slices.count)
        let scanner = ShardScanner(path: shard.path, format: shard.format, options: scan)
        let summary = try scanner.scan { sample in
            if queue.cancelled { throw Cancelled() }
            guard !sample.heldOut, let k = shard.slices.firstIndex(where: { $0.draw.slice == sample.month }) else { return }
            let rank = seen[k]
            seen[k] += 1
            guard rank < shard.slices[k].train else {
                throw mismatch(shard, k, found: "more than \(shard.slices[k].train)")
            }
            let drawn = times[k][rank]
            guard drawn > 0 else { return }
            guard !heldOut.contains(sample.index) else {
                throw LoaderError(.heldOutSelected, shardID: shard.id, path: shard.path, slice: sample.month,
                                  index: sample.index, detail: "sample \(sample.key) is held out for evaluation in the "
                                      + "catalog but the scan counts it as train: is eval_fraction the one ingest used?")
            }
            let payload = LoaderSample(image: sample.image, text: sample.text)
            for _ in 0..<drawn { try take(payload) }
        }
        guard summary.sha256 == shard.sha256 else {
            throw LoaderError(.storeFileChanged, shardID: shard.id, path: shard.path,
                              detail: "sha256 is \(summary.sha256), ingest recorded \(shard.sha256)")
        }
        for k in shard.slices.indices where seen[k] != shard.slices[k].train {
            throw mismatch(shard, k, found: String(seen[k]))
        }
    }

    private func mismatch(_ shard: SampleSelection.Shard, _ k: Int, found: String) -> LoaderError {
        LoaderError(.trainCountMismatch, shardID: shard.id, path: shard.path, slice: shard.slices[k].draw.slice,
                    detail: "the scan finds \(found) train samples where ingest counted \(shard.slices[k].train): "
                        + "scan with ingest's settings (eval_fraction, caps)")
    }

    /// Stream tags, so the shard order and the buffer draw unrelated numbers from one step seed.
    private static var shardOrderStream: UInt64 { 0x7368_6172_646F_7264 }  // "shardord"
    private static var bufferStream: UInt64 { 0x7368_7566_666C_6562 }  // "shuffleb"
}

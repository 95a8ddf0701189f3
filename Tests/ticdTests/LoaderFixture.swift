import Foundation
import XCTest
import Models
import Replay
import Timeline
@testable import ticd

/// A small ingested corpus for the loader tests: image-text or text shards written here, ingested into a
/// temporary state directory with a 10% eval split, plus a tiny tokenizer trained on their texts.
///
/// Every caption or document starts with a unique word naming its sample (`c3n17`: shard 3, sample 17), so
/// a test can tell which samples a batch holds by decoding its tokens.
final class LoaderFixture {
    /// Where a sample came from, by its name word.
    struct Origin {
        var shardID: Int64
        var month: Month
        var uid: String
    }

    let root: String
    let state: StateDirectory
    let catalog: Catalog
    let tokenizer: BPETokenizer
    let evalFraction = 0.1
    /// Samples by their name word.
    private(set) var origins: [String: Origin] = [:]

    /// Months of each shard's samples, cycled over its samples; a shard with two months spans two slices.
    static let imageShards: [[Month]] = [
        [Month(year: 2015, month: 1)!], [Month(year: 2015, month: 6)!, Month(year: 2015, month: 7)!],
        [Month(year: 2016, month: 2)!], [Month(year: 2016, month: 3)!], [Month(year: 2016, month: 3)!],
    ]

    /// Writes and ingests `samplesPerShard` samples in each of `imageShards`' shards (image-text, 16 px PNGs,
    /// one undecodable image per shard) or jsonl.zst documents.
    init(kind: ShardKind, samplesPerShard: Int = 60, imageSide: Int = 16) throws {
        root = NSTemporaryDirectory() + "ticd-loader-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let inbox = root + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        state = StateDirectory(root + "/state")
        var rng = SplitMix64RNG(seed: 11)
        var texts: [String] = []
        var names: [String: [(String, Month, String)]] = [:]
        for (s, months) in Self.imageShards.enumerated() {
            var samples: [(String, Month, String)] = []
            let path: String
            if kind == .imageText {
                path = inbox + "/shard\(s).tar"
                let tar = try TarWriter(path: path)
                for i in 0..<samplesPerShard {
                    let (name, month) = ("c\(s)n\(i)", months[i % months.count])
                    let uid = "u-\(s)-\(i)"
                    let caption = "\(name) a photo \(Self.words[rng.nextInt(below: Self.words.count)])"
                    let pixels = (0..<imageSide * imageSide * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    let png = i == 5 ? [UInt8](repeating: 7, count: 40)
                        : try PNGEncoder.encode(RGBImage(width: imageSide, height: imageSide, pixels: pixels))
                    try tar.add(name: "\(name).png", data: png)
                    try tar.add(name: "\(name).txt", data: Array(caption.utf8))
                    try tar.add(name: "\(name).json", data: Array(#"{"uid": "\#(uid)", "timestamp": "\#(month)-15T12:00:00Z"}"#.utf8))
                    if i != 5 { samples.append((name, month, uid)); texts.append(caption) }
                }
                try tar.finish()
            } else {
                path = inbox + "/shard\(s).jsonl.zst"
                let zstd = try ZstdWriter(path: path)
                for i in 0..<samplesPerShard {
                    let (name, month) = ("c\(s)n\(i)", months[i % months.count])
                    let uid = "u-\(s)-\(i)"
                    let length = 1 + rng.nextInt(below: 30)
                    let body = (0..<length).map { _ in Self.words[rng.nextInt(below: Self.words.count)] }
                    let text = ([name] + body).joined(separator: " ")
                    try zstd.write(Array(#"{"id": "\#(uid)", "text": "\#(text)", "timestamp": "\#(month)-15T12:00:00Z"}"#.utf8) + [10])
                    samples.append((name, month, uid))
                    texts.append(text)
                }
                try zstd.finish()
            }
            names[path] = samples
        }
        var options = IngestOptions()
        options.scan.evalFraction = evalFraction
        let ingestor = try Ingestor(state: state, options: options)
        for path in names.keys.sorted() {
            let result = try ingestor.ingest(path: path)
            XCTAssertEqual(result.outcome, .accepted, result.reason ?? "")
        }
        catalog = ingestor.catalog
        for shard in try catalog.shards() {
            for (name, month, uid) in names[shard.sourcePath] ?? [] {
                origins[name] = Origin(shardID: shard.id, month: month, uid: uid)
            }
        }
        tokenizer = BPETokenizer.train(texts: texts, vocabSize: 400)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    static let words = ["red", "green", "blue", "circle", "square", "sky", "dog", "cat", "tree", "house", "river",
                        "the", "of", "and", "over", "under"]

    /// The plan of a yearly step of this corpus.
    func plan(step: Int = 2, policy: ReplayPolicyName = .cumulativeAll, budget: Int, seed: UInt64 = 7) throws -> StepPlan {
        try Planner.plan(step: step, catalog: catalog, unit: .year, firstStepUntil: nil,
                         config: ReplayConfig(policy: policy, alpha: .fixed(0.5), bufferSize: 1_000,
                                              samplesPerStep: budget, seed: seed))
    }

    func options(batchSize: Int, evalFraction: Double? = nil) -> LoaderOptions {
        var options = LoaderOptions(batchSize: batchSize, evalFraction: evalFraction ?? self.evalFraction)
        options.shuffleBufferSize = 64
        options.prefetchBatches = 2
        return options
    }

    func clipLoader(_ plan: StepPlan, batchSize: Int = 16, evalFraction: Double? = nil,
                    startingAt cursor: LoaderCursor = LoaderCursor()) throws -> PlanLoader<CLIPBatch> {
        try PlanLoader(plan: plan, catalog: catalog, state: state, tokenizer: tokenizer, imageSize: 8, context: 16,
                       options: options(batchSize: batchSize, evalFraction: evalFraction), startingAt: cursor)
    }

    /// A CLIP loader that scans with `scanEvalFraction` whatever ingest used, past the up-front check, to
    /// reach the checks made while scanning.
    func clipLoader(_ plan: StepPlan, scanEvalFraction: Double) throws -> PlanLoader<CLIPBatch> {
        var scan = ScanOptions()
        scan.evalFraction = scanEvalFraction
        scan.imageMinSide = 8
        return PlanLoader(selection: try SampleSelection(plan: plan, catalog: catalog, state: state), step: plan.step,
                          catalog: catalog, scan: scan,
                          assembler: CLIPBatchAssembler(tokenizer: tokenizer, imageSize: 8, context: 16, batchSize: 16,
                                                        threads: 2, skipBatches: 0),
                          options: options(batchSize: 16), startingAt: LoaderCursor())
    }

    func lmLoader(_ plan: StepPlan, batchSize: Int = 4, context: Int = 24,
                  startingAt cursor: LoaderCursor = LoaderCursor()) throws -> PlanLoader<LMBatch> {
        try PlanLoader(plan: plan, catalog: catalog, state: state, tokenizer: tokenizer, context: context,
                       options: options(batchSize: batchSize), startingAt: cursor)
    }

    /// Every batch a loader yields, to the end.
    static func drain<Batch>(_ loader: PlanLoader<Batch>) throws -> [Batch] {
        var batches: [Batch] = []
        while let batch = try loader.next() { batches.append(batch) }
        return batches
    }

    /// The name word of each sample in a CLIP batch, in batch order.
    func names(in batch: CLIPBatch, context: Int = 16) -> [String] {
        (0..<batch.count).map { i in
            let row = batch.tokens[i * context..<(i + 1) * context]
            let text = row.dropFirst().prefix { $0 != tokenizer.endToken }
            return String(tokenizer.decodeString(Array(text)).split(separator: " ").first ?? "")
        }
    }
}

import Foundation
import FuzzSupport
import XCTest
@testable import Timeline

/// `make fuzz` (not `make test`): mutated shards of every format through `Ingestor.ingest` — the real contract —
/// for a third of the iterations, and through `ShardScanner` for the rest. The oracles are the project rule:
/// a malformed shard gets an error naming the file, the position and the reason; accepted data is never lost.
/// See `ShardOracle` for the checks.
final class ShardFuzzTests: XCTestCase {
    func testWebDatasetTars() throws {
        let seeds = try ShardSeeds.tars()
        try fuzz("shard-tar", format: .tar) { rng in
            var bytes = rng.pick(seeds)
            switch rng.below(10) {
            case 0: break  // a seed as it is: accepted, then a duplicate
            case 1...4: TarMutator.mutate(&bytes, &rng)
            case 5...7: Mutator.mutate(&bytes, &rng)
            default: TarMutator.mutate(&bytes, &rng); Mutator.mutate(&bytes, &rng)
            }
            return bytes
        }
    }

    func testJSONLines() throws {
        let seeds = ShardSeeds.texts()
        try fuzz("shard-jsonl", format: .jsonl) { rng in
            var bytes = rng.pick(seeds)
            if !rng.chance(0.1) { Mutator.mutate(&bytes, &rng) }
            return bytes
        }
    }

    func testZstdJSONLines() throws { try fuzzCompressed(.jsonlZstd) }

    func testGzipJSONLines() throws { try fuzzCompressed(.jsonlGzip) }

    /// Half the inputs are mutated text compressed again (the line and JSON layers behind a decompressor), half
    /// are mutated compressed bytes (the decompressor's own errors).
    private func fuzzCompressed(_ format: ShardFormat) throws {
        let texts = ShardSeeds.texts()
        let compressed = try texts.map { try ShardSeeds.compress($0, as: format, pieces: 1) }
            + texts.map { try ShardSeeds.compress($0, as: format, pieces: 3) }
        try fuzz("shard-\(format.rawValue)", format: format) { rng in
            if rng.chance(0.5) {
                var text = rng.pick(texts)
                Mutator.mutate(&text, &rng)
                return try ShardSeeds.compress(text, as: format, pieces: 1 + rng.below(3))
            }
            var bytes = rng.pick(compressed)
            if !rng.chance(0.1) { Mutator.mutate(&bytes, &rng) }
            return bytes
        }
    }

    private func fuzz(_ name: String, format: ShardFormat,
                      input: @escaping (inout SplitMix64) throws -> [UInt8]) throws {
        let oracle = ShardOracle(format: format)
        let campaign = FuzzCampaign(name)
        campaign.run { iteration in
            let bytes = try input(&iteration.rng)
            iteration.setInput(bytes, fileExtension: format.rawValue)
            try oracle.check(bytes, &iteration)
        }
        for failure in campaign.failures { XCTFail(failure) }
    }
}

/// Runs one mutated shard through ingest or the scanner and checks what came out.
final class ShardOracle {
    let format: ShardFormat
    let scratch = Scratch()
    var options = IngestOptions()
    /// Ingests share a state directory for a while, so duplicates happen and the catalog holds several shards.
    private var ingestor: Ingestor?
    private var ingestsInState = 0
    private var states = 0
    /// Error kinds that must say where in the file the problem is (`ShardError.offset` or `.line`). The others
    /// may have no position by nature: `empty` (the whole file; offset 0 anyway), `io` (the system's failure),
    /// `unsupported` (a file name no format claims; a tar's unknown member type does carry its header's offset),
    /// and the verdicts over all samples (`no_samples`, `no_timestamp`, `too_many_bad_samples`), whose reason
    /// gives the counts and the first problem instead.
    static let positional: Set<ShardError.Kind> = [.truncated, .corrupt, .unsafeMember, .tooLarge]

    init(format: ShardFormat) {
        self.format = format
        options.scan.evalFraction = 0.1
    }

    func check(_ bytes: [UInt8], _ it: inout FuzzIteration) throws {
        // Shards under a month directory get that month when their samples carry none.
        let folder = it.rng.chance(0.7) ? "2019-03" : "undated"
        let path = scratch.path("\(folder)/fuzz-\(it.index)\(it.isRetry ? "-retry" : "").\(format.rawValue)")
        Fixtures.write(bytes, to: path)
        if it.index % 3 == 0 {
            try ingest(bytes, path, &it)
        } else {
            try scan(bytes, path, &it)
            unlink(path)
        }
    }

    // MARK: Scanner

    private func scan(_ bytes: [UInt8], _ path: String, _ it: inout FuzzIteration) throws {
        var usable = 0
        do {
            let summary = try ShardScanner(path: path, format: format, options: options.scan).scan { sample in
                usable += 1
                if sample.text.isEmpty { it.fail("usable sample \(sample.index) has an empty text") }
                if !options.scan.window.contains(sample.month) { it.fail("sample month \(sample.month) is outside the window") }
                if format == .tar, sample.image == nil { it.fail("usable image-text sample \(sample.index) has no decoded image") }
            }
            it.note("scanned")
            if usable != summary.usable { it.fail("handed out \(usable) samples, summary says \(summary.usable)") }
            if summary.sha256 != SHA256.hexDigest(of: bytes) { it.fail("the scan's sha256 does not cover the whole file") }
            try checkNothingUnread(bytes, samples: summary.samples, &it)
        } catch let error as ShardError {
            it.note("scan \(error.kind.rawValue)")
            check(error, path: path, bytes: bytes, &it)
        }
    }

    private func check(_ error: ShardError, path: String, bytes: [UInt8], _ it: inout FuzzIteration) {
        if error.path != path { it.fail("error names \(error.path), not the shard \(path): \(error)") }
        if !error.description.hasPrefix(path + ":") { it.fail("error text does not start with the path: \(error)") }
        if error.detail.isEmpty { it.fail("error without a reason: \(error)") }
        if ShardOracle.positional.contains(error.kind), error.offset == nil, error.line == nil {
            it.fail("\(error.kind.rawValue) error without an offset or a line: \(error)")
        }
        if (error.kind == .empty) != bytes.isEmpty { it.fail("\(bytes.count) bytes reported as \(error.kind.rawValue): \(error)") }
        if let offset = error.offset, offset < 0 || offset > bytes.count { it.fail("offset past the end of the file: \(error)") }
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
        if format == .jsonl, let line = error.line, line < 1 || line > lines { it.fail("line past the end of the file: \(error)") }
    }

    /// Data that was not read is lost data: a tar's every regular-file header must be one the reader returned
    /// (or lie inside a returned member's data), and a text shard's every non-blank line must count as a sample.
    private func checkNothingUnread(_ bytes: [UInt8], samples: Int, _ it: inout FuzzIteration) throws {
        switch format {
        case .tar:
            let reader = TarReader(MemoryStream(bytes), path: "oracle.tar")
            var read: [Range<Int>] = []
            while let member = try reader.next() { read.append(Int(member.headerOffset)..<Int(member.dataOffset) + member.size) }
            for offset in TarMutator.headerOffsets(bytes) where [0x30, 0, 0x37].contains(bytes[offset + 156]) {
                let name = bytes[offset..<offset + 100].prefix { $0 != 0 }
                guard name.last != UInt8(ascii: "/"), !read.contains(where: { $0.contains(offset) }) else { continue }
                it.fail("the regular-file header at offset \(offset) ('\(String(decoding: name, as: UTF8.self))') "
                        + "was never read, yet the shard was read without an error")
                return
            }
        case .jsonl, .jsonlZstd, .jsonlGzip:
            let text = try ShardSeeds.decompress(bytes, format)
            let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
                line.contains { ![0x20, 0x09, 0x0D, 0x0B, 0x0C].contains($0) }
            }
            if lines.count != samples { it.fail("\(lines.count) non-blank lines, but \(samples) samples counted") }
        }
    }

    // MARK: Ingest

    private func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map(Array.init) }

    private func ingest(_ bytes: [UInt8], _ path: String, _ it: inout FuzzIteration) throws {
        if ingestor == nil || ingestsInState == 12 || it.isRetry {
            if let old = ingestor { try? FileManager.default.removeItem(atPath: old.state.root) }
            states += 1
            ingestor = try Ingestor(state: StateDirectory(scratch.root + "/state-\(states)"), options: options)
            try ingestor!.recover()
            ingestsInState = 0
        }
        let ingestor = ingestor!
        ingestsInState += 1
        let result: IngestResult
        do {
            result = try ingestor.ingest(path: path)
        } catch let error as ShardError where error.kind == .io {
            return it.note("ingest io error")  // the system's failure, not the shard's; counted in the summary
        }
        let catalog = ingestor.catalog
        let sha = SHA256.hexDigest(of: bytes)
        if FileOps.exists(path) { it.fail("the shard is still in the inbox after a \(result.outcome) outcome") }
        switch result.outcome {
        case .accepted:
            it.note("accepted")
            if result.samples <= 0 { it.fail("accepted with \(result.samples) samples") }
            if result.sha256 != sha { it.fail("accepted under sha256 \(result.sha256 ?? "nil"), the file's is \(sha)") }
            guard let shard = try catalog.shard(sha256: sha), shard.state == .ready, let store = shard.storePath else {
                it.fail("accepted, but the catalog has no ready shard with its sha256")
                break
            }
            if contents(ingestor.state.absolute(store)) != bytes { it.fail("the stored file differs from the input") }
            let slices = Dictionary(uniqueKeysWithValues: shard.slices.map { ($0.key.description, $0.value.train + $0.value.eval) })
            if slices != result.slices { it.fail("result slices \(result.slices), catalog \(slices)") }
            try checkNothingUnread(bytes, samples: result.samples, &it)
        case .duplicate:
            it.note("duplicate")
            if try catalog.shard(sha256: sha)?.state != .ready { it.fail("a duplicate of no ready shard") }
        case .quarantined:
            it.note("quarantined \(result.reasonCode ?? "nil")")
            try checkQuarantine(result, bytes: bytes, sha: sha, catalog: catalog, &it)
        }
        try checkCatalog(ingestor, &it)
    }

    private func checkQuarantine(_ result: IngestResult, bytes: [UInt8], sha: String, catalog: Catalog,
                                 _ it: inout FuzzIteration) throws {
        guard let reason = result.reason, !reason.isEmpty, let code = result.reasonCode,
              let kind = ShardError.Kind(rawValue: code) else {
            it.fail("quarantined without a reason or with an unknown reason code: \(result)")
            return
        }
        if reason.hasPrefix("same bytes as the quarantined ") {
            if try catalog.shard(sha256: sha)?.state != .quarantined { it.fail("a repeat of no quarantined shard: \(reason)") }
            return
        }
        if !reason.hasPrefix(result.path + ":") { it.fail("the reason does not start with the shard's path: \(reason)") }
        guard let record = try catalog.quarantined().last, record.sourcePath == result.path else {
            it.fail("no quarantine row for \(result.path)")
            return
        }
        if contents(record.quarantinePath) != bytes { it.fail("the quarantined file differs from the input") }
        guard let json = contents(record.quarantinePath + ".reason.json") else {
            it.fail("no .reason.json beside \(record.quarantinePath)")
            return
        }
        let file = try JSONDecoder().decode(QuarantineReason.self, from: Data(json))
        if file.reason != reason || file.reasonCode != code { it.fail("the .reason.json disagrees with the result") }
        if ShardOracle.positional.contains(kind), file.offset == nil, file.line == nil {
            it.fail("\(code) quarantine without an offset or a line: \(reason)")
        }
    }

    /// Per-slice totals equal the sums over ready shards, each shard's totals equal its slices, and nothing is
    /// left half-ingested.
    private func checkCatalog(_ ingestor: Ingestor, _ it: inout FuzzIteration) throws {
        let catalog = ingestor.catalog
        if try !catalog.shards(state: .ingesting).isEmpty { it.fail("a shard was left in state ingesting") }
        var expected: [Month: SliceSummary] = [:]
        for shard in try catalog.shards(state: .ready) {
            let train = shard.slices.values.reduce(0) { $0 + $1.train }, eval = shard.slices.values.reduce(0) { $0 + $1.eval }
            if train != shard.train || eval != shard.eval { it.fail("shard \(shard.id) totals differ from its slices") }
            if train + eval > shard.samples - shard.dropped { it.fail("shard \(shard.id) stores more samples than it has") }
            if let store = shard.storePath, FileOps.size(ingestor.state.absolute(store)) != shard.bytes {
                it.fail("shard \(shard.id)'s store file is missing or not \(shard.bytes) bytes")
            }
            for (month, count) in shard.slices {
                var sum = expected[month] ?? SliceSummary(slice: month, train: 0, eval: 0, shards: 0)
                sum.train += count.train; sum.eval += count.eval; sum.shards += 1
                expected[month] = sum
            }
        }
        let slices = try catalog.slices()
        if slices != expected.values.sorted(by: { $0.slice < $1.slice }) {
            it.fail("catalog slices \(slices) differ from the sums over ready shards \(expected)")
        }
        let evalCounts = try catalog.evalCounts()
        if evalCounts != expected.compactMapValues({ $0.eval > 0 ? $0.eval : nil }) {
            it.fail("eval samples per slice \(evalCounts) differ from the shards' eval counts")
        }
    }
}

import Foundation

/// Takes shards into the state directory: validates each by reading it whole, splits train/eval, and either
/// registers it and places it in the content-addressed store, or in `quarantine/` with a reason. Placing is a
/// hard link or copy that leaves the source as it was, unless `options.sources` is `.consume` (the inbox).
///
/// Durability: a shard's row is written `ingesting` before its file moves, and flipped to `ready` in one
/// transaction after; `recover()` finishes or rolls back whatever a crash left in between. Accepted data is
/// never deleted: a consumed source file is removed only once its bytes are durable in the store.
public final class Ingestor {
    public let state: StateDirectory
    public let catalog: Catalog
    public var options: IngestOptions

    /// The points between ingest's durable steps.
    public enum Phase: String, Sendable, CaseIterable {
        case afterBegin = "after-begin", afterMove = "after-move", afterComplete = "after-complete"
        case afterQuarantineReason = "after-quarantine-reason", afterQuarantineMove = "after-quarantine-move"
    }

    /// Fault-injection seam: called at each `Phase`. Tests throw (or exit the process) here to stop the work
    /// exactly where a crash would, then check that `recover()` repairs it.
    public var crashPoint: ((Phase) throws -> Void)?

    /// Called after every `progressInterval` usable samples of the shard being read, with the count so far: a
    /// daemon beats its watchdog here (a multi-gigabyte shard takes minutes), and may throw to abandon the read
    /// (on a stop). Nothing is written before the read ends, so an abandoned shard stays in place, untouched.
    public var progress: ((Int) throws -> Void)?
    public var progressInterval = 1024

    /// Opens (creating if needed) the state directory and its catalog. Call `recover()` before ingesting.
    public init(state: StateDirectory, options: IngestOptions = IngestOptions()) throws {
        try state.create()
        self.state = state
        self.options = options
        self.catalog = try Catalog(path: state.catalogPath)
        try Ingestor.fixSplit(catalog, fraction: options.scan.evalFraction, path: state.catalogPath)
    }

    /// The held-out fraction a state directory splits with, fixed by its first ingest: a sample's split must
    /// never change, and the training loader must skip exactly what ingest held out.
    public static func evalFraction(of catalog: Catalog) throws -> Double? {
        try catalog.meta("eval_fraction").flatMap(Double.init)
    }

    private static func fixSplit(_ catalog: Catalog, fraction: Double, path: String) throws {
        if let fixed = try evalFraction(of: catalog) {
            guard fixed == fraction else {
                throw ShardError(.unsupported, path: path,
                                 detail: "this state directory holds out eval_fraction \(fixed) of each slice; "
                                     + "ingesting with \(fraction) would move samples between train and eval")
            }
        } else {
            try catalog.setMeta("eval_fraction", String(fraction))
        }
    }

    // MARK: - Ingest

    /// Ingests one shard file. Shard problems are outcomes, not throws.
    /// - Throws: a missing file, or an internal failure (the catalog or the state directory cannot be written).
    public func ingest(path: String) throws -> IngestResult {
        guard FileOps.exists(path) else {
            throw ShardError(.io, path: path, detail: "no such file (it may have been moved by another ingest)")
        }
        guard let format = ShardFormat(path: path) else {
            let error = ShardError(.unsupported, path: path,
                                   detail: "not a shard: expected one of \(ShardFormat.recognisedEndings.joined(separator: ", "))")
            return try quarantine(path: path, format: nil, error: error, summary: nil)
        }
        var collected = Collected(evalRoom: try evalRoom(), evalPerSlice: options.evalPerSlice)
        let summary: ScanSummary
        do {
            var read = 0
            summary = try ShardScanner(path: path, format: format, options: options.scan).scan { sample in
                try collected.add(sample, catalog: catalog)
                read += 1
                if read % progressInterval == 0, let progress { try progress(read) }
            }
        } catch let error as ShardError {
            return try quarantine(path: path, format: format, error: error, summary: nil)
        }
        if let existing = try catalog.shard(sha256: summary.sha256) {
            return try alreadyKnown(existing, path: path, summary: summary)
        }
        if let error = verdict(summary, path: path) {
            return try quarantine(path: path, format: format, error: error, summary: summary)
        }
        let stored = try accept(path: path, format: format, summary: summary, collected: collected)
        return IngestResult(path: path, outcome: .accepted, reason: nil, reasonCode: nil, sha256: summary.sha256,
                            samples: summary.samples, dropped: summary.dropped,
                            duplicates: summary.duplicates + collected.crossShardDuplicates,
                            slices: collected.sliceTotals, stored: stored)
    }

    /// Per-slice counts and held-out samples gathered during a scan.
    private struct Collected {
        var evalRoom: [Month: Int]
        let evalPerSlice: Int
        var slices: [Month: SliceCount] = [:]
        var evalSamples: [EvalSample] = []
        var crossShardDuplicates = 0
        private var pendingEvalKeys: Set<String> = []

        init(evalRoom: [Month: Int], evalPerSlice: Int) {
            self.evalRoom = evalRoom
            self.evalPerSlice = evalPerSlice
        }

        /// Held-out samples never train; those past the slice's cap are simply not stored.
        mutating func add(_ sample: ScannedSample, catalog: Catalog) throws {
            var count = slices[sample.month] ?? SliceCount(train: 0, eval: 0)
            defer { slices[sample.month] = count }
            guard sample.heldOut else { count.train += 1; return }
            let room = evalRoom[sample.month] ?? evalPerSlice
            guard room > 0 else { return }
            let slot = sample.month.description + "\u{0}" + sample.key
            guard !pendingEvalKeys.contains(slot),
                  try !catalog.evalKeyExists(slice: sample.month, key: sample.key) else {
                crossShardDuplicates += 1
                return
            }
            pendingEvalKeys.insert(slot)
            evalRoom[sample.month] = room - 1
            count.eval += 1
            evalSamples.append(EvalSample(shardID: 0, index: sample.index, slice: sample.month, key: sample.key,
                                          text: sample.text, member: sample.imageExtension,
                                          offset: sample.line.map(Int64.init) ?? sample.imageOffset,
                                          length: sample.line == nil ? sample.imageLength : Int64(sample.text.utf8.count)))
        }

        var sliceTotals: [String: Int] {
            Dictionary(uniqueKeysWithValues: slices.map { ($0.key.description, $0.value.train + $0.value.eval) })
        }
    }

    private func evalRoom() throws -> [Month: Int] {
        try catalog.evalCounts().mapValues { max(0, options.evalPerSlice - $0) }
    }

    /// Whether a readable shard is still too broken to keep.
    private func verdict(_ s: ScanSummary, path: String) -> ShardError? {
        if s.samples == 0 {
            return ShardError(.noSamples, path: path, detail: "the shard holds no samples")
        }
        if s.usable == 0, s.dropped > 0, s.problems[.noTimestamp] == s.dropped {
            return ShardError(.noTimestamp, path: path,
                              detail: "no sample has a timestamp, WARC-Date, date or year, and the path names no month")
        }
        if s.usable == 0 && s.dropped > 0 || s.badShare > options.badSampleThreshold {
            let first = s.examples.first { $0.kind != .duplicate }.map { "; first: \($0)" } ?? ""
            return ShardError(.tooManyBadSamples, path: path,
                              detail: "\(s.dropped) of \(s.samples) samples are bad (\(s.problemSummary)), over the "
                                  + "\(Int(options.badSampleThreshold * 100))% threshold\(first)")
        }
        if s.usable == 0 {
            return ShardError(.noSamples, path: path, detail: "every sample duplicates an earlier one")
        }
        return nil
    }

    private func accept(path: String, format: ShardFormat, summary: ScanSummary, collected: Collected) throws -> FileOps.StoredHow {
        let relative = state.storeRelativePath(sha256: summary.sha256, format: format)
        let id = try catalog.beginShard(sha256: summary.sha256, kind: format.kind, sourcePath: path,
                                        storePath: relative, bytes: summary.bytes)
        try crashPoint?(.afterBegin)
        let stored = try place(path, at: state.absolute(relative))
        try crashPoint?(.afterMove)
        try catalog.completeShard(id: id, samples: summary.samples, dropped: summary.dropped,
                                  duplicates: summary.duplicates + collected.crossShardDuplicates,
                                  slices: collected.slices,
                                  evalSamples: collected.evalSamples.map { $0.withShard(id) })
        try crashPoint?(.afterComplete)
        return stored
    }

    /// Puts a shard at its store path as `options.sources` says. An identical file already there (left by a
    /// crash) is kept, since the store is content-addressed; a consumed source is then removed.
    private func place(_ source: String, at destination: String) throws -> FileOps.StoredHow {
        if FileOps.exists(destination), FileOps.size(destination) == FileOps.size(source) {
            guard options.sources == .consume else { return .copy }
            unlink(source)
            return .move
        }
        return try transfer(source, to: destination)
    }

    private func transfer(_ source: String, to destination: String) throws -> FileOps.StoredHow {
        switch options.sources {
        case .consume: return try FileOps.moveDurably(from: source, to: destination)
        case .preserve: return try FileOps.linkOrCopyDurably(from: source, to: destination)
        }
    }

    /// A file whose digest the catalog knows: a duplicate of an accepted shard, or a repeat of a rejected one.
    private func alreadyKnown(_ shard: ShardRecord, path: String, summary: ScanSummary) throws -> IngestResult {
        if options.sources == .consume, path != state.absolute(shard.storePath ?? "") { unlink(path) }
        let quarantined = shard.state == .quarantined
        let reason = quarantined ? "same bytes as the quarantined \(shard.sourcePath): \(shard.reason ?? "")"
                                 : "same sha256 as the ingested \(shard.sourcePath)"
        return IngestResult(path: path, outcome: quarantined ? .quarantined : .duplicate, reason: reason,
                            reasonCode: quarantined ? shard.reasonCode : nil, sha256: shard.sha256,
                            samples: summary.samples, dropped: summary.dropped, duplicates: summary.duplicates,
                            slices: [:])
    }

    // MARK: - Quarantine

    private func quarantine(path: String, format: ShardFormat?, error: ShardError, summary: ScanSummary?) throws -> IngestResult {
        let sha = summary?.sha256 ?? (try? Ingestor.sha256(ofFile: path))
        if let sha, let known = try catalog.shard(sha256: sha) {
            return try alreadyKnown(known, path: path, summary: summary ?? ScanSummary())
        }
        let name = (path.split(separator: "/").last.map(String.init) ?? "shard")
        let target = state.quarantine + "/" + (sha.map { String($0.prefix(16)) + "-" } ?? "unhashed-\(time(nil))-") + name
        let reason = QuarantineReason(path: path, sha256: sha, reasonCode: error.kind.rawValue, reason: error.description,
                                      offset: error.offset, line: error.line, samples: summary?.samples,
                                      dropped: summary?.dropped, problems: summary.map(Ingestor.problemCounts),
                                      at: Ingestor.isoNow())
        try FileOps.writeDurably(try reason.encoded(), to: target + ".reason.json")
        try crashPoint?(.afterQuarantineReason)
        var stored: FileOps.StoredHow?
        if FileOps.exists(path) { stored = try transfer(path, to: target) }
        try crashPoint?(.afterQuarantineMove)
        try catalog.recordQuarantine(sha256: sha, kind: format?.kind, sourcePath: path, quarantinePath: target,
                                     bytes: FileOps.size(target) ?? 0, reasonCode: error.kind.rawValue,
                                     reason: error.description, samples: summary?.samples ?? 0,
                                     dropped: summary?.dropped ?? 0)
        return IngestResult(path: path, outcome: .quarantined, reason: error.description,
                            reasonCode: error.kind.rawValue, sha256: sha, samples: summary?.samples ?? 0,
                            dropped: summary?.dropped ?? 0, duplicates: summary?.duplicates ?? 0, slices: [:],
                            stored: stored)
    }

    static func problemCounts(_ s: ScanSummary) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: s.problems.map { ($0.key.rawValue, $0.value) })
    }

    static func isoNow() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    /// sha256 of a whole file, for shards a format reader could not finish.
    static func sha256(ofFile path: String) throws -> String {
        let file = try FileStream(path: path, hashing: true)
        try file.drain()
        return file.sha256Hex() ?? ""
    }
}

/// The `.reason.json` written beside a quarantined shard.
struct QuarantineReason: Codable, Equatable {
    var path: String
    var sha256: String?
    var reasonCode: String
    var reason: String
    var offset: Int64?
    var line: Int?
    var samples: Int?
    var dropped: Int?
    var problems: [String: Int]?
    var at: String

    enum CodingKeys: String, CodingKey {
        case path, sha256, reasonCode = "reason_code", reason, offset, line, samples, dropped, problems, at
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension EvalSample {
    func withShard(_ id: Int64) -> EvalSample {
        EvalSample(shardID: id, index: index, slice: slice, key: key, text: text, member: member,
                   offset: offset, length: length)
    }
}

import Foundation
import Timeline

/// `ticd ingest --state DIR [--eval-fraction F] [--eval-per-slice N] [--move] [--json] PATH...`
///
/// The user's files stay where they are, byte for byte: each shard is hard-linked into the store (copied
/// when the store is on another filesystem). `--move` takes them in instead, as the daemon's inbox does.
enum IngestCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["state", "eval-fraction", "eval-per-slice", "bad-sample-threshold",
                                                 "max-record-bytes", "max-pixels", "threads"],
                              boolFlags: ["json", "keep", "move"])
        let state = StateDirectory(try a.require("state"))
        guard !a.positionals.isEmpty else { throw UsageError("ingest needs at least one PATH") }
        var options = IngestOptions()
        if let f = try a.double("eval-fraction") {
            guard (0...1).contains(f) else { throw UsageError("--eval-fraction must be within [0, 1]") }
            options.scan.evalFraction = f
        } else if FileManager.default.fileExists(atPath: state.catalogPath),
                  let fixed = try Ingestor.evalFraction(of: Catalog(path: state.catalogPath)) {
            // The split of a state directory is fixed by its first ingest.
            options.scan.evalFraction = fixed
        }
        if let n = try a.int("eval-per-slice") { options.evalPerSlice = max(0, n) }
        if let t = try a.double("bad-sample-threshold") { options.badSampleThreshold = t }
        if let n = try a.int("max-record-bytes") { options.scan.maxRecordBytes = n }
        if let n = try a.int("max-pixels") { options.scan.imageLimits.maxPixels = n }
        if let n = try a.int("threads") { options.scan.decodeThreads = max(1, n) }
        // `--keep` was the opt-in to copying before preserving became the default; it is still accepted.
        if a.flag("move") && a.flag("keep") { throw UsageError("--move and --keep contradict each other") }
        options.sources = a.flag("move") ? .consume : .preserve

        try state.create()
        let lock = try StateLock(state: state, holder: "ticd ingest")
        defer { withExtendedLifetime(lock) {} }
        let ingestor = try Ingestor(state: state, options: options)
        if let phase = ProcessInfo.processInfo.environment["TICD_CRASH_AT"].flatMap(Ingestor.Phase.init) {
            // Crash tests: die at this phase without any cleanup, as a power cut would.
            ingestor.crashPoint = { if $0 == phase { _exit(70) } }
        }
        let repaired = try ingestor.recover()
        if !repaired.isEmpty { printError("ticd ingest: recovered after an interrupted run: \(repaired)") }

        let start = DispatchTime.now().uptimeNanoseconds
        var outcomes: [IngestOutcome: Int] = [:]
        var samples = 0, bytes: Int64 = 0
        for path in try expand(a.positionals) {
            bytes += FileOps.size(path) ?? 0
            let result = try ingestor.ingest(path: path)
            outcomes[result.outcome, default: 0] += 1
            samples += result.samples
            print(a.flag("json") ? jsonLine(result) : describe(result))
        }
        let seconds = ProcessStats.seconds(since: start)
        printError(String(format: "ticd ingest: %d accepted, %d duplicate, %d quarantined; %d samples, %.1f MB in %.2f s; peak RSS %d MiB",
                          outcomes[.accepted, default: 0], outcomes[.duplicate, default: 0],
                          outcomes[.quarantined, default: 0], samples, Double(bytes) / 1e6, seconds,
                          ProcessMemory.peakResidentKiB() / 1024))
        return outcomes[.quarantined, default: 0] > 0 ? 3 : 0
    }

    /// Files named on the command line; a directory stands for the shards under it, skipping what the
    /// daemon's inbox skips (dotfiles, `*.tmp`, `*.part`, `*~`, and everything under such a folder).
    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw UsageError("no such file or directory: \(path)")
            }
            guard isDir.boolValue else { out.append(path); continue }
            let walker = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let relative = walker?.nextObject() as? String {
                if ShardCompleteness.isIgnored(relativePath: relative) { continue }
                if ShardCompleteness.isShard(relative) { found.append(path + "/" + relative) }
            }
            out += found.sorted()
        }
        return out
    }

    static func describe(_ r: IngestResult) -> String {
        let slices = r.slices.keys.sorted().map { "\($0):\(r.slices[$0]!)" }.joined(separator: " ")
        switch r.outcome {
        case .accepted:
            return "accepted     \(r.path): \(r.samples) samples, \(r.dropped) dropped, \(r.duplicates) duplicates [\(slices)]"
        case .duplicate:
            return "duplicate    \(r.path): \(r.reason ?? "")"
        case .quarantined:
            return "quarantined  \(r.reason ?? r.path)"
        }
    }
}

import Foundation
import Models
import Replay
import Timeline

/// `ticd bench ingest [--json] [--mb N] [--images N] [--dir DIR] [--threads N] [--repeat N] [--no-reference]`:
/// ingest throughput on generated shards, beside the Python reference in bench/ingest_reference.py when python3
/// has zstandard and Pillow. `--dir` keeps the generated shards for the next run.
enum BenchCommand {
    struct Row: Encodable {
        let format: String
        let implementation: String
        let mbPerS: Double
        let samplesPerS: Double
        let seconds: Double
        let samples: Int
        let threads: Int

        enum CodingKeys: String, CodingKey {
            case format, implementation, mbPerS = "mb_per_s", samplesPerS = "samples_per_s", seconds, samples, threads
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        guard let what = args.first else { throw UsageError("bench: expected ingest") }
        switch what {
        case "ingest": return try ingest(Array(args.dropFirst()))
        case "plan": return try plan(Array(args.dropFirst()))
        case "train", "eval": return try BenchModels.run(mode: what, Array(args.dropFirst()))
        case "filter": return try filter(Array(args.dropFirst()))
        default: throw UsageError("bench: expected ingest, train, eval, plan or filter, not \(what)")
        }
    }

    /// `ticd bench filter [text-classifier|minhash] [FLAGS]`: one part with its own flags, or both with the
    /// flags they share (`--json`, `--no-reference`, `--python PATH`).
    static func filter(_ args: [String]) throws -> Int32 {
        switch args.first {
        case "text-classifier": return try BenchTextClassifier.run(Array(args.dropFirst()))
        case "minhash": return try BenchMinHash.run(Array(args.dropFirst()))
        default:
            let shared = try Arguments(args, valueFlags: ["python"], boolFlags: ["json", "no-reference"])
            guard shared.positionals.isEmpty else {
                throw UsageError("bench filter: expected text-classifier or minhash, not \(shared.positionals[0])")
            }
            let first = try BenchTextClassifier.run(args)
            let second = try BenchMinHash.run(args)
            return max(first, second)
        }
    }

    static func ingest(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["mb", "images", "dir", "threads", "repeat"],
                              boolFlags: ["json", "no-reference"])
        let megabytes = try a.int("mb") ?? 100
        let images = try a.int("images") ?? 2000
        let threads = try a.int("threads") ?? 2
        let dir = a.string("dir") ?? NSTemporaryDirectory() + "ticd-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if a.string("dir") == nil { try? FileManager.default.removeItem(atPath: dir) } }

        let textPath = dir + "/2021-06.jsonl.zst", tarPath = dir + "/2021-06.tar"
        if !FileManager.default.fileExists(atPath: textPath) {
            printError("bench: writing \(megabytes) MB of DCLM-like jsonl to \(textPath)")
            try BenchData.writeJSONL(path: textPath, megabytes: megabytes)
        }
        if !FileManager.default.fileExists(atPath: tarPath) {
            printError("bench: writing \(images) 256x256 JPEG samples to \(tarPath)")
            try BenchData.writeImageTar(path: tarPath, count: images)
        }

        var options = ScanOptions()
        options.decodeThreads = threads
        let repeats = max(1, try a.int("repeat") ?? 3)
        var rows: [Row] = []
        for (format, path) in [("jsonl.zst", textPath), ("tar", tarPath)] {
            var best = Double.infinity, samples = 0
            for _ in 0..<repeats {
                let scanner = ShardScanner(path: path, format: ShardFormat(path: path)!, options: options)
                let start = DispatchTime.now().uptimeNanoseconds
                var held = 0
                let summary = try scanner.scan { if $0.heldOut { held += 1 } }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                samples = summary.usable
            }
            let bytes = Double(FileOps.size(path) ?? 0)
            rows.append(Row(format: format, implementation: "ticd", mbPerS: bytes / best / 1e6,
                            samplesPerS: Double(samples) / best, seconds: best, samples: samples, threads: threads))
        }
        if !a.flag("no-reference") { rows += python(textPath, tarPath) }
        if a.flag("json") {
            for r in rows { print(jsonLine(r)) }
        } else {
            printTable(rows)
        }
        return 0
    }

    /// `ticd bench plan [--json] [--shards N]`: a catalog of N synthetic shards (default 1,000,000, about 12.7B
    /// samples over 9 years, TiC-DataComp's shape) and each policy's plan of its last yearly step over it.
    static func plan(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["shards"], boolFlags: ["json"])
        let shards = try a.int("shards") ?? 1_000_000
        let json = a.flag("json")
        if !json {
            printError("bench plan: building a catalog of \(shards) shards ...")
            print("policy              shards   seconds  peak RSS MB    draws   plan JSON MB")
        }
        _ = try PlanBenchmark.run(shards: shards) { r in
            if json {
                print(jsonLine(r))
            } else {
                print(r.policy.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
                      + String(format: "%8d %9.3f %12.1f %8d %14.1f", r.shards, r.seconds, r.peakRSSMB, r.draws,
                               Double(r.jsonBytes) / 1e6))
            }
        }
        if !json { print("target: < 2 s and < 1024 MB per plan") }
        return 0
    }

    /// Runs the Python reference, or says why it cannot.
    static func python(_ paths: String...) -> [Row] {
        guard let script = referenceScript(named: "ingest_reference.py") else { printError("bench: bench/ingest_reference.py not found; Python column skipped"); return [] }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import zstandard, PIL"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { printError("bench: python3 not found; Python column skipped"); return [] }
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            printError("bench: python3 lacks zstandard or Pillow (pip install zstandard pillow); Python column skipped")
            return []
        }
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + paths
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        struct PyRow: Decodable { let format: String; let mb_per_s: Double; let samples_per_s: Double; let seconds: Double; let samples: Int }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let r = try? JSONDecoder().decode(PyRow.self, from: Data(line.utf8)) else { return nil }
            return Row(format: r.format, implementation: "python", mbPerS: r.mb_per_s, samplesPerS: r.samples_per_s,
                       seconds: r.seconds, samples: r.samples, threads: 1)
        }
    }

    /// A script in bench/, looked up beside the source tree the binary was built from, then in the
    /// current directory.
    static func referenceScript(named name: String) -> String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("bench/" + name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/bench/" + name
        return FileManager.default.fileExists(atPath: cwd) ? cwd : nil
    }

    static func printTable(_ rows: [Row]) {
        print("format      impl     threads      MB/s    samples/s   seconds   vs python")
        for r in rows {
            let py = rows.first { $0.format == r.format && $0.implementation == "python" }
            let ratio = r.implementation == "ticd" ? py.map { String(format: "%.2fx", r.mbPerS / $0.mbPerS) } ?? "-" : ""
            print(r.format.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + r.implementation.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + String(format: "%7d %9.1f %12.0f %9.3f   %@", r.threads, r.mbPerS, r.samplesPerS, r.seconds, ratio))
        }
        print("BLAS \(BLAS.coreName); MB/s counts file bytes (compressed for .zst)")
    }
}

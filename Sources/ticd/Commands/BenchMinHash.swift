import Foundation
import Models

/// The MinHash part of `ticd bench filter [--json] [--no-reference] [--python PATH] [--docs N] [--threads N]
/// [--num-perm N] [--threshold T] [--ngram N] [--confirm] [--datasketch-scheme legacy|affine32|affine64]`: near-duplicate detection by ticd's
/// `NearDuplicateDetector` beside datasketch's MinHash + MinHashLSH (bench/minhash_reference.py) on the same
/// documents at the same parameters. datasketch runs its "legacy" scheme unless told otherwise: the Mersenne-prime
/// universal hashing ticd implements (datasketch 2.0's default is "affine32").
///
/// The documents are English-like texts (`BenchData.document`) with injected near-duplicates: about one in
/// five is a copy of an earlier document with 0–12% of its words substituted, deleted or inserted, so true
/// pairs spread across the threshold. Each implementation reports every (earlier, later) candidate pair, and
/// is scored against the exact Jaccard ground truth (`ExactJaccardJoin`); ticd's pairs are also scored against
/// datasketch's. docs/s covers tokenizing, shingling, signatures and the LSH query and insert.
enum BenchMinHash {
    struct Row: Encodable {
        var filter = "minhash"
        let implementation: String
        let docsPerS: Double
        /// Against the exact Jaccard pairs.
        let recall: Double
        let precision: Double
        let seconds: Double
        let docs: Int
        let pairs: Int
        let threads: Int
        let bands: Int
        let rows: Int
        /// ticd's pairs against datasketch's; nil on datasketch's row or without the reference.
        var recallVsDatasketch: Double?
        var precisionVsDatasketch: Double?

        enum CodingKeys: String, CodingKey {
            case filter, implementation, docsPerS = "docs_per_s", recall, precision, seconds, docs, pairs, threads,
                 bands, rows, recallVsDatasketch = "recall_vs_datasketch",
                 precisionVsDatasketch = "precision_vs_datasketch"
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["python", "datasketch-scheme", "docs", "threads", "num-perm", "threshold", "ngram", "repeat"],
                              boolFlags: ["json", "no-reference", "confirm"])
        var configuration = NearDuplicateDetector.Configuration()
        configuration.numPerm = try a.int("num-perm") ?? configuration.numPerm
        configuration.threshold = try a.double("threshold") ?? configuration.threshold
        configuration.ngram = try a.int("ngram") ?? configuration.ngram
        configuration.confirm = a.flag("confirm")
        let docs = try a.int("docs") ?? 5000
        let threads = try a.int("threads") ?? 2
        let repeats = max(1, try a.int("repeat") ?? 3)
        guard docs >= 1 else { throw UsageError("--docs must be at least 1") }

        let texts = documents(count: docs)
        let shingles = try WordShingles(n: configuration.ngram)
        // Pairs down to 0.3 below the threshold too, for the detection rate by similarity.
        let similar = ExactJaccardJoin.pairs(texts.map { Array(shingles.hashSet(of: $0)) },
                                             threshold: max(0, configuration.threshold - 0.3))
        let truth = Set(similar.filter { $0.value >= configuration.threshold - 1e-12 }.keys)

        var best = Double.infinity, found = Set<UInt64>()
        var detector = try NearDuplicateDetector(configuration)
        for _ in 0..<repeats {
            detector = try NearDuplicateDetector(configuration)
            let start = DispatchTime.now().uptimeNanoseconds
            let answers = detector.add(texts, threads: threads)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            found = []
            for (later, earlier) in answers.enumerated() {
                for e in earlier { found.insert(UInt64(e) << 32 | UInt64(later)) }
            }
        }
        let bands = detector.index.bands
        let score = agreement(found, truth)
        var referencePairs: Set<UInt64>?
        var rows = [Row(implementation: "ticd", docsPerS: Double(docs) / best, recall: score.recall,
                        precision: score.precision, seconds: best, docs: docs, pairs: found.count, threads: threads,
                        bands: bands.bands, rows: bands.rows)]
        if !a.flag("no-reference"), let reference = try datasketch(texts, configuration, python: a.string("python"),
                                                                            scheme: a.string("datasketch-scheme") ?? "legacy") {
            referencePairs = reference.pairs
            let vsTruth = agreement(reference.pairs, truth), vsReference = agreement(found, reference.pairs)
            rows[0].recallVsDatasketch = vsReference.recall
            rows[0].precisionVsDatasketch = vsReference.precision
            rows.append(Row(implementation: "datasketch", docsPerS: reference.row.docs_per_s, recall: vsTruth.recall,
                            precision: vsTruth.precision, seconds: reference.row.seconds, docs: docs,
                            pairs: reference.pairs.count, threads: 1, bands: reference.row.bands, rows: reference.row.rows))
            if reference.row.bands != bands.bands || reference.row.rows != bands.rows {
                printError("bench filter: datasketch chose \(reference.row.bands) bands × \(reference.row.rows) rows, ticd \(bands)")
            }
        }
        if a.flag("json") {
            for r in rows { print(jsonLine(r)) }
        } else {
            printTable(rows, truePairs: truth.count, configuration: configuration)
            printCurve(similar: similar, ticd: found, datasketch: referencePairs, bands: bands,
                       threshold: configuration.threshold)
        }
        return 0
    }

    /// `count` documents: English-like texts of 50–500 words, and after about one in four of them a copy of a
    /// random earlier document (original or copy) with each word, at a rate drawn from 0–12%, substituted,
    /// deleted or followed by an inserted word.
    static func documents(count: Int, seed: UInt64 = 12) -> [String] {
        var rng = SplitMix64RNG(seed: seed)
        var texts: [String] = []
        texts.reserveCapacity(count)
        while texts.count < count {
            texts.append(BenchData.document(words: 50 + rng.nextInt(below: 450), rng: &rng))
            guard texts.count < count, rng.nextInt(below: 4) == 0 else { continue }
            let source = texts[rng.nextInt(below: texts.count)].split(separator: " ", omittingEmptySubsequences: true)
            let rate = 0.12 * Double(rng.nextFloat())
            var words: [Substring] = []
            for word in source {
                guard Double(rng.nextFloat()) < rate else { words.append(word); continue }
                let other = Substring(BenchData.vocabulary[rng.nextInt(below: 2000)])
                switch rng.nextInt(below: 3) {
                case 0: words.append(other)
                case 1: break
                default: words.append(word); words.append(other)
                }
            }
            texts.append(words.joined(separator: " "))
        }
        return texts
    }

    /// Recall and precision of `found` against `expected`; 1 where a denominator is empty.
    static func agreement(_ found: Set<UInt64>, _ expected: Set<UInt64>) -> (recall: Double, precision: Double) {
        let both = Double(found.intersection(expected).count)
        return (expected.isEmpty ? 1 : both / Double(expected.count), found.isEmpty ? 1 : both / Double(found.count))
    }

    struct ReferenceRow: Decodable {
        let docs_per_s: Double
        let seconds: Double
        let bands: Int
        let rows: Int
    }

    /// Runs bench/minhash_reference.py on `texts`, or says on stderr why it cannot and returns nil.
    /// - Parameter scheme: datasketch's permutation scheme.
    static func datasketch(_ texts: [String], _ configuration: NearDuplicateDetector.Configuration,
                           python: String?, scheme: String) throws -> (row: ReferenceRow, pairs: Set<UInt64>)? {
        guard let script = BenchCommand.referenceScript(named: "minhash_reference.py") else {
            printError("bench filter: bench/minhash_reference.py not found; datasketch row skipped")
            return nil
        }
        let venv = NSHomeDirectory() + "/.cache/ticd-minhash-venv/bin/python"
        let interpreter = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3")
        let dir = NSTemporaryDirectory() + "ticd-bench-minhash-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let docsPath = dir + "/docs.jsonl", pairsPath = dir + "/pairs.txt"
        var jsonl = Data()
        for text in texts {
            jsonl.append(try JSONSerialization.data(withJSONObject: ["text": text]))
            jsonl.append(0x0A)
        }
        try jsonl.write(to: URL(fileURLWithPath: docsPath))

        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [interpreter, script, docsPath, pairsPath, String(configuration.numPerm),
                       String(configuration.threshold), String(configuration.ngram), scheme]
        p.standardOutput = out
        guard (try? p.run()) != nil else {
            printError("bench filter: cannot run \(interpreter); datasketch row skipped")
            return nil
        }
        printError("bench filter: running datasketch on \(texts.count) documents ...")
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let row = try? JSONDecoder().decode(ReferenceRow.self, from: Data(line.utf8)) else {
            printError("bench filter: \(interpreter) \(script) failed (pip install datasketch, or pass --python); datasketch row skipped")
            return nil
        }
        var pairs = Set<UInt64>()
        for line in try String(contentsOfFile: pairsPath, encoding: .utf8).split(separator: "\n") {
            let ends = line.split(separator: " ").compactMap { UInt64($0) }
            if ends.count == 2 { pairs.insert(ends[0] << 32 | ends[1]) }
        }
        return (row, pairs)
    }

    /// The share of pairs found by exact Jaccard similarity, in bins of 0.05, beside the banding curve's
    /// 1 − (1 − s^r)^b averaged over the bin's pairs: near the threshold each implementation finds a pair by
    /// chance, so two correct implementations disagree there and agree away from it.
    static func printCurve(similar: [UInt64: Double], ticd: Set<UInt64>, datasketch: Set<UInt64>?, bands: LSHBands,
                           threshold: Double) {
        print("exact Jaccard   pairs   ticd found  datasketch found  banding curve")
        let lower = max(0, threshold - 0.3)
        var bin = lower
        while bin < 1 - 1e-9 {
            let upper = bin + 0.05 > 1 - 1e-9 ? 1.0 + 1e-9 : bin + 0.05
            let inBin = similar.filter { $0.value >= bin - 1e-12 && $0.value < upper - 1e-12 }
            if !inBin.isEmpty {
                let n = Double(inBin.count)
                let curve = inBin.values.reduce(0) { $0 + 1 - pow(1 - pow($1, Double(bands.rows)), Double(bands.bands)) } / n
                let ours = Double(inBin.keys.filter { ticd.contains($0) }.count) / n
                let theirs = datasketch.map { d in String(format: "%16.3f", Double(inBin.keys.filter { d.contains($0) }.count) / n) } ?? String(repeating: " ", count: 15) + "-"
                print(String(format: "%.2f–%.2f  %9d  %11.3f ", bin, min(1, bin + 0.05), inBin.count, ours) + theirs
                      + String(format: "  %13.3f", curve))
            }
            bin += 0.05
        }
        if let datasketch {
            let clear = similar.filter { abs($0.value - threshold) >= 0.1 }.keys
            let same = clear.filter { ticd.contains($0) == datasketch.contains($0) }.count
            print(String(format: "on the %d pairs with |J − %.2f| ≥ 0.1, ticd and datasketch agree on %.3f", clear.count,
                         threshold, clear.isEmpty ? 1 : Double(same) / Double(clear.count)))
        }
    }

    static func printTable(_ rows: [Row], truePairs: Int, configuration: NearDuplicateDetector.Configuration) {
        print("filter   impl         threads     docs/s   pairs  recall  precision  bands×rows  vs datasketch (R / P)")
        for r in rows {
            let versus = r.recallVsDatasketch.map { String(format: "%.3f / %.3f", $0, r.precisionVsDatasketch!) } ?? ""
            print("minhash  " + r.implementation.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "%8d %10.0f %7d %7.3f %10.3f  %5d×%-5d  ", r.threads, r.docsPerS, r.pairs,
                           r.recall, r.precision, r.bands, r.rows) + versus)
        }
        if rows.count == 2 {
            print(String(format: "ticd / datasketch throughput: %.1fx (target ≥ 3x)", rows[0].docsPerS / rows[1].docsPerS))
        }
        print("\(rows[0].docs) documents, num_perm \(configuration.numPerm), threshold \(configuration.threshold), "
              + "\(configuration.ngram)-word shingles, \(truePairs) pairs with exact Jaccard ≥ threshold; "
              + (configuration.confirm ? "ticd confirms candidates by estimated Jaccard" : "pairs are LSH candidates (MinHashLSH.query)"))
    }
}

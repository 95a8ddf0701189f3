import Foundation
import Models
import Timeline

/// `ticd bench filter [--json] [--no-reference] [--python PATH] [--docs N] [--epochs N] [--dim N]
/// [--buckets N] [--lr X] [--swaps N]`: the text quality classifier (`TextClassifier`) beside fastText's
/// supervised mode (bench/text_classifier_reference.py) on the same documents and settings, on 1 and 2
/// threads.
///
/// The task: positives are synthetic text (`SyntheticText`, 2014-2019); negatives are the same kind of text
/// with `--swaps` pairs of adjacent words swapped, so the unigrams say nothing and only some bigrams do.
/// docs_per_s = (training documents × epochs + held-out documents) / (training + prediction seconds),
/// tokenizing from raw text included for ticd and reading its training file included for fastText.
enum BenchTextClassifier {
    struct Row: Encodable {
        let filter = "text-classifier"
        let implementation: String
        let threads: Int
        let docsPerS: Double
        let accuracy: Double
        let seconds: Double

        enum CodingKeys: String, CodingKey {
            case filter, implementation, threads, docsPerS = "docs_per_s", accuracy, seconds
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["python", "docs", "epochs", "dim", "buckets", "lr", "swaps"],
                              boolFlags: ["json", "no-reference"])
        let perClass = try a.int("docs") ?? 20_000
        let swaps = try a.int("swaps") ?? 1
        var hp = TextClassifierHyperparameters()
        hp.epochs = try a.int("epochs") ?? hp.epochs
        hp.dim = try a.int("dim") ?? hp.dim
        hp.buckets = try a.int("buckets") ?? hp.buckets
        hp.lr = Float(try a.double("lr") ?? Double(hp.lr))
        guard perClass >= 10, swaps >= 1, hp.epochs >= 1, hp.dim >= 1, hp.buckets >= 2,
              hp.buckets & (hp.buckets - 1) == 0 else {
            throw UsageError("bench filter: --docs ≥ 10, --swaps ≥ 1, --epochs ≥ 1, --dim ≥ 1, --buckets a power of two")
        }
        let (train, heldOut) = corpus(perClass: perClass, swaps: swaps).split(holdout: 0.2, seed: 1)
        let json = a.flag("json")
        if !json {
            printError("bench filter: \(train.count) training and \(heldOut.count) held-out documents, "
                       + "\(hp.epochs) epochs, dim \(hp.dim), \(hp.buckets) buckets, lr \(hp.lr)")
        }
        var rows: [Row] = []
        for threads in [1, 2] {
            let start = DispatchTime.now().uptimeNanoseconds
            let model = TextClassifier.train(documents: train.documents, labels: train.labels, hyperparameters: hp,
                                             threads: threads)
            let accuracy = model.accuracy(on: heldOut, threads: threads)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rows.append(Row(implementation: "ticd", threads: threads,
                            docsPerS: Double(train.count * hp.epochs + heldOut.count) / seconds,
                            accuracy: accuracy, seconds: seconds))
        }
        if !a.flag("no-reference") {
            rows += fastText(train: train, heldOut: heldOut, hyperparameters: hp, python: a.string("python"))
        }
        if json {
            for r in rows { print(jsonLine(r)) }
        } else {
            printTable(rows)
        }
        return 0
    }

    /// `perClass` synthetic documents labelled positive and as many with `swaps` adjacent word pairs swapped
    /// labelled negative, drawn from months 2014-01 to 2019-12 with a fixed seed.
    static func corpus(perClass: Int, swaps: Int) -> LabelledTexts {
        let text = SyntheticText(firstYear: 2014)
        let first = Month(year: 2014, month: 1)!.index
        var rng = SplitMix64RNG(seed: 12)
        var positives: [String] = [], negatives: [String] = []
        for i in 0..<perClass {
            let month = Month(index: first + i % 72)
            positives.append(text.document(month: month, rng: &rng))
            var words = text.document(month: month, rng: &rng).split(separator: " ").map(String.init)
            for _ in 0..<swaps {
                let at = rng.nextInt(below: words.count - 1)
                words.swapAt(at, at + 1)
            }
            negatives.append(words.joined(separator: " "))
        }
        return LabelledTexts(positives: positives, negatives: negatives)
    }

    /// Trains and tests fastText on the same split through bench/text_classifier_reference.py, on 1 and 2
    /// threads, or says why it cannot.
    static func fastText(train: LabelledTexts, heldOut: LabelledTexts, hyperparameters hp: TextClassifierHyperparameters,
                         python: String?) -> [Row] {
        guard let script = BenchCommand.referenceScript(named: "text_classifier_reference.py") else {
            printError("bench: bench/text_classifier_reference.py not found; fastText column skipped")
            return []
        }
        let venv = NSHomeDirectory() + "/.cache/ticd-filter-venv/bin/python"
        let interpreter = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3")
        let dir = NSTemporaryDirectory() + "ticd-bench-filter-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (name, texts) in [("train.txt", train), ("test.txt", heldOut)] {
                var out = ""
                for (document, label) in zip(texts.documents, texts.labels) {
                    out += (label ? "__label__pos " : "__label__neg ") + TextFeatures.normalized(document) + "\n"
                }
                try Data(out.utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
            }
        } catch {
            printError("bench: cannot write fastText's input files in \(dir): \(error); fastText column skipped")
            return []
        }
        var rows: [Row] = []
        for threads in [1, 2] {
            let p = Process(), pipe = Pipe()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [interpreter, script, "--train", dir + "/train.txt", "--test", dir + "/test.txt",
                           "--epochs", String(hp.epochs), "--dim", String(hp.dim), "--buckets", String(hp.buckets),
                           "--lr", String(hp.lr), "--threads", String(threads)]
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { break }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            struct PyRow: Decodable { let docs_per_s: Double; let accuracy: Double; let seconds: Double }
            guard p.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
                  let r = try? JSONDecoder().decode(PyRow.self, from: Data(line.utf8)) else {
                printError("bench: \(interpreter) cannot run fastText (python3 -m venv ~/.cache/ticd-filter-venv && "
                           + "~/.cache/ticd-filter-venv/bin/pip install fasttext-wheel, or --python PATH); "
                           + "fastText column skipped")
                break
            }
            rows.append(Row(implementation: "fasttext", threads: threads, docsPerS: r.docs_per_s,
                            accuracy: r.accuracy, seconds: r.seconds))
        }
        return rows
    }

    static func printTable(_ rows: [Row]) {
        print("implementation  threads    docs/s   accuracy   seconds   vs fasttext")
        for r in rows {
            let reference = rows.first { $0.implementation == "fasttext" && $0.threads == r.threads }
            let ratio = r.implementation == "ticd"
                ? reference.map { String(format: "%.2fx, %+.2f points", r.docsPerS / $0.docsPerS, 100 * (r.accuracy - $0.accuracy)) } ?? "-"
                : ""
            print(r.implementation.padding(toLength: 16, withPad: " ", startingAt: 0)
                  + String(format: "%7d %9.0f %10.4f %9.3f   %@", r.threads, r.docsPerS, r.accuracy, r.seconds, ratio))
        }
        print("docs/s = (training docs × epochs + held-out docs) / (train + predict seconds); targets: accuracy within "
              + "1 point of fastText, docs/s ≥ fastText's at the same thread count")
    }
}

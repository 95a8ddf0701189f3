import Foundation

/// `ticd filter train-text --positives FILE --negatives FILE --out MODEL [--epochs N] [--buckets N] [--dim N]
/// [--lr X] [--seed S] [--threads N] [--holdout F]` trains a text quality classifier (DCLM's fastText
/// filter, see `TextClassifier`); `ticd filter score-text --model MODEL [--threads N] FILE` prints
/// P(positive) for each document of FILE, one per line.
///
/// FILE is one document per line, or a `.jsonl` file with a "text" field per line.
enum FilterCommand {
    static func run(_ args: [String]) throws -> Int32 {
        switch args.first {
        case "train-text": return try trainText(Array(args.dropFirst()))
        case "score-text": return try scoreText(Array(args.dropFirst()))
        default: throw UsageError("filter: expected train-text or score-text")
        }
    }

    static func trainText(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["positives", "negatives", "out", "epochs", "buckets", "dim", "lr",
                                                 "seed", "threads", "holdout"])
        let positives = try a.require("positives"), negatives = try a.require("negatives"), out = try a.require("out")
        var hp = TextClassifierHyperparameters()
        hp.epochs = try a.int("epochs") ?? hp.epochs
        hp.buckets = try a.int("buckets") ?? hp.buckets
        hp.dim = try a.int("dim") ?? hp.dim
        hp.lr = Float(try a.double("lr") ?? Double(hp.lr))
        let seed = try a.int("seed") ?? 0
        let threads = try a.int("threads") ?? 1
        let holdout = try a.double("holdout") ?? 0
        guard hp.epochs >= 1 else { throw UsageError("--epochs must be at least 1, got \(hp.epochs)") }
        guard hp.buckets >= 2, hp.buckets & (hp.buckets - 1) == 0, hp.buckets <= 1 << 28 else {
            throw UsageError("--buckets must be a power of two from 2 to 2^28, got \(hp.buckets)")
        }
        guard (1...1024).contains(hp.dim) else { throw UsageError("--dim must be within 1...1024, got \(hp.dim)") }
        guard hp.buckets * hp.dim <= 1 << 30 else {
            throw UsageError("--buckets × --dim is \(hp.buckets * hp.dim) floats, more than the 2^30 (4 GiB) allowed")
        }
        guard hp.lr > 0, hp.lr.isFinite else { throw UsageError("--lr must be a positive number") }
        guard seed >= 0 else { throw UsageError("--seed must not be negative, got \(seed)") }
        guard threads >= 1 else { throw UsageError("--threads must be at least 1, got \(threads)") }
        guard (0..<1).contains(holdout) else { throw UsageError("--holdout must be within [0, 1), got \(holdout)") }
        hp.seed = UInt64(seed)

        let all = LabelledTexts(positives: try TextDocumentFile.read(positives),
                                negatives: try TextDocumentFile.read(negatives))
        let (train, heldOut) = all.split(holdout: holdout, seed: hp.seed)
        let model = TextClassifier.train(documents: train.documents, labels: train.labels, hyperparameters: hp,
                                         threads: threads)
        try TextClassifierFile.write(model, to: out)
        let positivesSeen = train.labels.filter { $0 }.count
        print("trained on \(train.count) documents (\(positivesSeen) positive, \(train.count - positivesSeen) negative), "
              + "\(hp.epochs) epochs, \(hp.buckets) buckets, dim \(hp.dim); wrote \(out)")
        if heldOut.count > 0 {
            let accuracy = model.accuracy(on: heldOut, threads: threads)
            print(String(format: "held-out accuracy: %.4f (%d documents)", accuracy, heldOut.count))
        }
        return 0
    }

    static func scoreText(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["model", "threads"])
        let modelPath = try a.require("model")
        guard a.positionals.count == 1, let file = a.positionals.first else {
            throw UsageError("filter score-text: expected one FILE to score")
        }
        let threads = try a.int("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        guard threads >= 1 else { throw UsageError("--threads must be at least 1, got \(threads)") }
        let model = try TextClassifierFile.read(from: modelPath)
        let scores = model.scores(try TextDocumentFile.read(file), threads: threads)
        var out = ""
        out.reserveCapacity(scores.count * 8)
        for score in scores { out += String(format: "%.6f\n", score) }
        FileHandle.standardOutput.write(Data(out.utf8))
        return 0
    }
}

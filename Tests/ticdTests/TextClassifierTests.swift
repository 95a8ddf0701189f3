import Foundation
import XCTest
import Models
@testable import ticd

/// The text quality classifier (`TextClassifier`), its model file and `ticd filter train-text|score-text`.
final class TextClassifierTests: TemporaryDirectoryTestCase {
    /// Positives talk about release notes, negatives are shop spam; a word decides, so any working learner
    /// separates them.
    func toyTask(count: Int = 200, seed: UInt64 = 3) -> LabelledTexts {
        var rng = SplitMix64RNG(seed: seed)
        let good = ["release", "fixes", "driver", "kernel", "documentation", "tests"]
        let bad = ["cheap", "viagra", "casino", "winner", "click", "discount"]
        let shared = ["the", "a", "and", "now", "with", "for", "new"]
        func doc(_ topical: [String]) -> String {
            (0..<8).map { i in i % 3 == 0 ? topical[rng.nextInt(below: topical.count)]
                                          : shared[rng.nextInt(below: shared.count)] }.joined(separator: " ")
        }
        return LabelledTexts(positives: (0..<count).map { _ in doc(good) }, negatives: (0..<count).map { _ in doc(bad) })
    }

    func smallSettings(seed: UInt64 = 7) -> TextClassifierHyperparameters {
        TextClassifierHyperparameters(buckets: 1 << 12, dim: 8, epochs: 5, lr: 0.5, seed: seed)
    }

    func testLearnsASeparableToyTask() {
        let (train, heldOut) = toyTask().split(holdout: 0.25, seed: 1)
        let model = TextClassifier.train(documents: train.documents, labels: train.labels, hyperparameters: smallSettings())
        XCTAssertEqual(model.accuracy(on: heldOut, threads: 1), 1)
        XCTAssertGreaterThan(model("the new kernel release fixes a driver"), 0.9)
        XCTAssertLessThan(model("click now for a cheap casino discount"), 0.1)
        XCTAssertEqual(model("!!! ..."), 0.5, "a text without words has no evidence either way")
    }

    func testTrainingIsDeterministicGivenASeed() {
        let data = toyTask()
        let a = TextClassifier.train(documents: data.documents, labels: data.labels, hyperparameters: smallSettings(seed: 5))
        let b = TextClassifier.train(documents: data.documents, labels: data.labels, hyperparameters: smallSettings(seed: 5))
        let c = TextClassifier.train(documents: data.documents, labels: data.labels, hyperparameters: smallSettings(seed: 6))
        XCTAssertEqual(a.embeddings, b.embeddings)
        XCTAssertEqual(a.outputWeight, b.outputWeight)
        XCTAssertEqual(a.outputBias, b.outputBias)
        XCTAssertNotEqual(a.embeddings, c.embeddings)
    }

    func testBigramHashingIsOrderSensitive() {
        let features = TextFeatures(buckets: 1 << 20)
        let ab = features.rows("alpha beta"), ba = features.rows("beta alpha")
        XCTAssertEqual(ab.count, 3, "two unigrams and one bigram")
        XCTAssertEqual(Set(ab.prefix(2)), Set(ba.prefix(2)), "the same unigrams")
        XCTAssertNotEqual(ab[2], ba[2], "different bigrams")
        XCTAssertNotEqual(TextFeatures.bigramHash(1, 2), TextFeatures.bigramHash(2, 1))
    }

    func testTokenizerLowercasesAndSplitsOnNonAlphanumerics() {
        XCTAssertEqual(TextFeatures.wordHashes("Hello, WORLD!! 42x"), TextFeatures.wordHashes("hello world 42x"))
        XCTAssertEqual(TextFeatures.normalized("  Hello, WORLD!! 42x--Ünïcode "), "hello world 42x ünïcode")
        XCTAssertEqual(TextFeatures.wordHashes("ÜNÏCODE"), TextFeatures.wordHashes("ünïcode"))
        XCTAssertTrue(TextFeatures.wordHashes(" .,;-- ").isEmpty)
    }

    func testModelFileRoundTrips() throws {
        let data = toyTask(count: 50)
        let model = TextClassifier.train(documents: data.documents, labels: data.labels, hyperparameters: smallSettings())
        let path = root + "/model.ticd"
        try TextClassifierFile.write(model, to: path)
        let loaded = try TextClassifierFile.read(from: path)
        XCTAssertEqual(loaded.hyperparameters, model.hyperparameters)
        XCTAssertEqual(loaded.embeddings, model.embeddings)
        XCTAssertEqual(loaded.outputWeight, model.outputWeight)
        XCTAssertEqual(loaded.outputBias, model.outputBias)
        XCTAssertEqual(loaded(data.documents[0]), model(data.documents[0]))
    }

    func testTruncatedModelFileIsRefusedWithItsSizes() throws {
        let path = root + "/model.ticd"
        try TextClassifierFile.write(TextClassifier(untrained: smallSettings()), to: path)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TextClassifierFile.read(from: path)) { error in
            guard case CheckpointError.truncated(let p, let expected, let actual) = error else {
                return XCTFail("expected .truncated, got \(error)")
            }
            XCTAssertEqual(p, path)
            XCTAssertEqual(expected - actual, 100)
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    func testDamagedModelFileIsRefusedByItsChecksum() throws {
        let path = root + "/model.ticd"
        try TextClassifierFile.write(TextClassifier(untrained: smallSettings()), to: path)
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TextClassifierFile.read(from: path)) { error in
            guard case CheckpointError.checksumMismatch(let p, _, _) = error else {
                return XCTFail("expected .checksumMismatch, got \(error)")
            }
            XCTAssertEqual(p, path)
        }
    }

    func testAnotherKindOfCheckpointIsNotATextClassifier() throws {
        let path = root + "/other.ckpt"
        try CheckpointFile.write(to: path, header: Data(#"{"step": 3}"#.utf8), tensors: [CheckpointTensor]())
        XCTAssertThrowsError(try TextClassifierFile.read(from: path)) { error in
            XCTAssertEqual(error as? CurationError, .notATextClassifier(path: path, kind: "(none)"))
        }
    }

    func testDocumentFilesReadPlainLinesAndJSONL() throws {
        let plain = root + "/docs.txt", jsonl = root + "/docs.jsonl"
        try "first doc\n\n  \nsecond doc\r\n".write(toFile: plain, atomically: true, encoding: .utf8)
        try "{\"text\": \"one\", \"url\": \"x\"}\n{\"text\": \"two\"}\n".write(toFile: jsonl, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TextDocumentFile.read(plain), ["first doc", "second doc"])
        XCTAssertEqual(try TextDocumentFile.read(jsonl), ["one", "two"])
    }

    func testBadDocumentFilesNameTheFileAndLine() throws {
        let empty = root + "/empty.txt", noText = root + "/bad.jsonl", garbled = root + "/garbled.txt"
        try "\n \n".write(toFile: empty, atomically: true, encoding: .utf8)
        try "{\"text\": \"ok\"}\n{\"body\": \"no\"}\n".write(toFile: noText, atomically: true, encoding: .utf8)
        try (Data("fine\n".utf8) + Data([0x66, 0xFF, 0xFE, 0x0A])).write(to: URL(fileURLWithPath: garbled))
        XCTAssertThrowsError(try TextDocumentFile.read(empty)) { XCTAssertEqual($0 as? CurationError, .empty(path: empty)) }
        XCTAssertThrowsError(try TextDocumentFile.read(noText)) {
            XCTAssertEqual($0 as? CurationError, .badJSONLine(path: noText, line: 2, byteOffset: 15, reason: "no \"text\" field"))
        }
        XCTAssertThrowsError(try TextDocumentFile.read(garbled)) {
            XCTAssertEqual($0 as? CurationError, .invalidUTF8(path: garbled, line: 2, byteOffset: 5))
        }
        XCTAssertThrowsError(try TextDocumentFile.read(root + "/missing.txt")) { error in
            XCTAssertTrue("\(error)".contains(root + "/missing.txt"), "\(error)")
        }
    }

    func testTrainAndScoreThroughTheBinary() throws {
        let data = toyTask()
        let positives = root + "/good.txt", negatives = root + "/bad.jsonl", model = root + "/quality.model"
        try data.documents.prefix(200).joined(separator: "\n").write(toFile: positives, atomically: true, encoding: .utf8)
        try data.documents.suffix(200).map { jsonLine(["text": $0, "url": "http://x"]) }.joined(separator: "\n")
            .write(toFile: negatives, atomically: true, encoding: .utf8)
        let train = try Ticd.run(["filter", "train-text", "--positives", positives, "--negatives", negatives,
                                  "--out", model, "--buckets", "4096", "--dim", "8", "--lr", "0.5", "--holdout", "0.2"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("held-out accuracy: 1.0000 (80 documents)"), train.stdout)

        let probe = root + "/probe.txt"
        try "the kernel release fixes the driver\nclick for a cheap casino discount\n"
            .write(toFile: probe, atomically: true, encoding: .utf8)
        let score = try Ticd.run(["filter", "score-text", "--model", model, probe])
        XCTAssertEqual(score.status, 0, score.stderr)
        let scores = score.lines.compactMap(Double.init)
        XCTAssertEqual(scores.count, 2, score.stdout)
        XCTAssertGreaterThan(scores.first ?? 0, 0.9)
        XCTAssertLessThan(scores.last ?? 1, 0.1)
    }

    func testBinaryRefusesADamagedModelAndAMissingFileByName() throws {
        let model = root + "/quality.model", probe = root + "/probe.txt"
        try TextClassifierFile.write(TextClassifier(untrained: smallSettings()), to: model)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: model))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: model))
        try "a document\n".write(toFile: probe, atomically: true, encoding: .utf8)
        let damaged = try Ticd.run(["filter", "score-text", "--model", model, probe])
        XCTAssertNotEqual(damaged.status, 0)
        XCTAssertTrue(damaged.stderr.contains(model) && damaged.stderr.contains("truncated"), damaged.stderr)

        let missing = try Ticd.run(["filter", "train-text", "--positives", root + "/nope.txt", "--negatives", probe,
                                    "--out", model])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains(root + "/nope.txt"), missing.stderr)
    }
}

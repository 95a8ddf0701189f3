import Foundation
import XCTest
import Models
import Timeline
@testable import ticd

/// Evaluation reads held-out samples back from the catalog and the store, and scores them.
final class StepEvaluationTests: TemporaryDirectoryTestCase {
    /// Ingests one synthetic year of `kind` with a large held-out share.
    func ingest(_ kind: String) throws -> (Catalog, StateDirectory) {
        let corpus = SyntheticCorpus(out: root + "/corpus", firstYear: 2015, lastYear: 2015, seed: 4, perMonth: 12,
                                     imageSize: 32)
        if kind == "text" { try corpus.writeText { _ in } } else { try corpus.writeImageText { _ in } }
        var options = IngestOptions()
        options.scan.evalFraction = 0.4
        let state = StateDirectory(root + "/state")
        let ingestor = try Ingestor(state: state, options: options)
        for path in try IngestCommand.expand([root + "/corpus"]) {
            XCTAssertEqual(try ingestor.ingest(path: path).outcome, .accepted)
        }
        return (ingestor.catalog, state)
    }

    func testEvalImagesAreReadBackByteForByteFromTheStore() throws {
        let (catalog, state) = try ingest("image-text")
        let split = try HeldOutSplit(catalog: catalog, state: state, first: Month("2015-01")!, last: Month("2015-12")!)
        XCTAssertGreaterThan(split.samples.count, 10)
        for sample in split.samples {
            let bytes = try split.imageBytes(sample)
            XCTAssertEqual(bytes.count, Int(sample.length))
            let image = try bytes.withUnsafeBytes { try ImageDecoder.decode($0, extension: sample.member ?? "png") }
            XCTAssertEqual(image.width, 32, "the bytes at the recorded offset are the sample's PNG")
        }
    }

    func testRetrievalScoresEverySampleOfTheSplit() throws {
        let (catalog, state) = try ingest("image-text")
        let split = try HeldOutSplit(catalog: catalog, state: state, first: Month("2015-01")!, last: Month("2015-12")!)
        let tokenizer = BPETokenizer.train(texts: split.samples.map(\.text), vocabSize: 300)
        var config = CLIPConfig()
        config.imageSize = 32; config.patchSize = 8; config.visionWidth = 32; config.visionLayers = 1
        config.visionHeads = 2; config.contextLength = 16; config.vocabSize = tokenizer.vocabularySize
        config.textWidth = 32; config.textLayers = 1; config.textHeads = 2; config.embedDim = 16
        let model = try CLIPModel(config: config, seed: 1)
        let cell = try CLIPEvaluation(model: model, tokenizer: tokenizer, batch: 7).score(split)
        XCTAssertEqual(cell.samples, split.samples.count)
        let r1 = try XCTUnwrap(cell.headline)
        XCTAssertTrue((0...1).contains(r1))
        XCTAssertGreaterThanOrEqual(cell.detail["image_to_text_R@10"]!, cell.detail["image_to_text_R@1"]!)
        // Another batch size changes sgemm's blocking, so near-ties of an untrained model may swap: allow one rank.
        let again = try CLIPEvaluation(model: model, tokenizer: tokenizer, batch: 64).score(split)
        for (name, value) in cell.detail {
            XCTAssertEqual(again.detail[name]!, value, accuracy: name.hasSuffix("rank") ? 1 : 1.0 / Double(cell.samples) + 1e-9, name)
        }
    }

    func testPerplexityCountsOnlyPredictedTokens() throws {
        let (catalog, state) = try ingest("text")
        let split = try HeldOutSplit(catalog: catalog, state: state, first: Month("2015-01")!, last: Month("2015-12")!)
        let tokenizer = BPETokenizer.train(texts: split.samples.map(\.text), vocabSize: 300)
        var config = GPTConfig()
        config.vocabSize = tokenizer.vocabularySize; config.contextLength = 32; config.width = 32
        config.layers = 1; config.heads = 2
        let model = try GPTModel(config: config, seed: 1)
        let cell = LanguageModelEvaluation(model: model, tokenizer: tokenizer, batch: 3).score(split)
        let expectedTokens = split.samples.reduce(0) { $0 + tokenizer.encode($1.text).count + 1 }
        XCTAssertEqual(cell.detail["tokens"].map(Int.init), expectedTokens)
        XCTAssertEqual(cell.detail["bytes"].map(Int.init), split.samples.reduce(0) { $0 + $1.text.utf8.count })
        let ppl = try XCTUnwrap(cell.headline)
        XCTAssertGreaterThan(ppl, 1)
        XCTAssertLessThan(ppl, Double(tokenizer.vocabularySize) * 4, "an untrained model is near uniform")
    }
}

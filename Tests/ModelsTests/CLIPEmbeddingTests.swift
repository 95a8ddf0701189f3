import XCTest
@testable import Models

final class CLIPEmbeddingTests: XCTestCase {
    func testEvalEmbeddingsMatchTrainingLayoutBitForBit() throws {
        let config = ModelFixtures.tinyCLIP
        let model = try CLIPModel(config: config, seed: 11)
        let batch = 5, e = config.embedDim
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: batch, seed: 12)
        var evalImages = [Float](repeating: 0, count: batch * e), evalTexts = evalImages
        model.encodeImages(images, batch: batch, into: &evalImages)
        model.encodeTexts(tokens, batch: batch, into: &evalTexts)
        _ = model.forward(images: images, tokens: tokens, batch: batch)
        var trainImages = [Float](repeating: 0, count: batch * e), trainTexts = trainImages
        model.encodeImages(images, batch: batch, into: &trainImages)
        model.encodeTexts(tokens, batch: batch, into: &trainTexts)
        XCTAssertEqual(evalImages, trainImages)
        XCTAssertEqual(evalTexts, trainTexts)
        for i in 0..<batch {
            let norm = (0..<e).map { evalImages[i * e + $0] * evalImages[i * e + $0] }.reduce(0, +)
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testBackwardAfterEvalAtAnotherBatchSizeStillUsesTheLastForward() throws {
        let config = ModelFixtures.tinyCLIP
        let a = try CLIPModel(config: config, seed: 13), b = try CLIPModel(config: config, seed: 13)
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: 4, seed: 14)
        var out = [Float](repeating: 0, count: 2 * config.embedDim)
        _ = a.forward(images: images, tokens: tokens, batch: 4)
        a.backward()
        b.encodeImages(images, batch: 2, into: &out)
        _ = b.forward(images: images, tokens: tokens, batch: 4)
        b.backward()
        XCTAssertTrue(a.gradients.elementsEqual(b.gradients))
    }

    func testModelBenchRunsTinyConfigs() throws {
        let clip = try ModelBench.trainCLIP(config: ModelFixtures.tinyCLIP, batch: 4, warmup: 1, steps: 2)
        XCTAssertGreaterThan(clip.samplesPerSecond, 0)
        XCTAssertEqual(clip.batch, 4)
        let embed = try ModelBench.embedCLIP(config: ModelFixtures.tinyCLIP, batch: 4, warmup: 1, steps: 2)
        XCTAssertGreaterThan(embed.gflops, 0)
        let gpt = try ModelBench.trainGPT(config: ModelFixtures.tinyGPT(tied: true), batch: 2, warmup: 1, steps: 2)
        XCTAssertEqual(gpt.tokensPerSecond, gpt.samplesPerSecond * 8, accuracy: 1e-6 * gpt.tokensPerSecond)
    }
}

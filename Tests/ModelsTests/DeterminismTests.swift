import XCTest
@testable import Models

/// Same seed, same data, same thread count: the same bits, every run.
final class DeterminismTests: XCTestCase {
    private func bits(_ p: UnsafeMutableBufferPointer<Float>) -> [UInt32] { p.map(\.bitPattern) }

    func testCLIPForwardAndBackwardAreBitIdenticalAcrossRunsAndModels() throws {
        var config = ModelFixtures.tinyCLIP
        config.visionWidth = 32; config.textWidth = 32; config.visionHeads = 4; config.textHeads = 4
        let batch = 17
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: batch, seed: 30)
        var results: [(Float, [UInt32])] = []
        for _ in 0..<2 {
            let model = try CLIPModel(config: config, seed: 31)
            for _ in 0..<2 {
                model.zeroGradients()
                let loss = model.forward(images: images, tokens: tokens, batch: batch)
                model.backward()
                results.append((loss, bits(model.gradients)))
            }
        }
        for r in results.dropFirst() {
            XCTAssertEqual(r.0.bitPattern, results[0].0.bitPattern)
            XCTAssertTrue(r.1 == results[0].1)
        }
    }

    func testGPTForwardAndBackwardAreBitIdenticalAcrossRuns() throws {
        let config = ModelFixtures.tinyGPT(tied: true)
        let model = try GPTModel(config: config, seed: 32)
        var r = TestRandom(33)
        let n = 9 * config.contextLength
        let tokens = (0..<n).map { _ in Int32(r.int(config.vocabSize)) }
        let targets = (0..<n).map { _ in Int32(r.int(config.vocabSize)) }
        var results: [(Float, [UInt32])] = []
        for _ in 0..<3 {
            model.zeroGradients()
            let loss = model.forward(tokens: tokens, targets: targets, batch: 9)
            model.backward()
            results.append((loss, bits(model.gradients)))
        }
        for r in results.dropFirst() {
            XCTAssertEqual(r.0.bitPattern, results[0].0.bitPattern)
            XCTAssertTrue(r.1 == results[0].1)
        }
    }

    func testSameSeedGivesSameInitialWeightsAndDifferentSeedsDiffer() throws {
        let a = try CLIPModel(config: ModelFixtures.tinyCLIP, seed: 1)
        let b = try CLIPModel(config: ModelFixtures.tinyCLIP, seed: 1)
        let c = try CLIPModel(config: ModelFixtures.tinyCLIP, seed: 2)
        XCTAssertTrue(bits(a.parameters) == bits(b.parameters))
        XCTAssertFalse(bits(a.parameters) == bits(c.parameters))
    }

    func testGPTSwitchingSequenceLengthsGivesTheSameLossAsAFreshModel() throws {
        let config = ModelFixtures.tinyGPT(tied: false)
        var r = TestRandom(34)
        let tokens = (0..<3 * 8).map { _ in Int32(r.int(config.vocabSize)) }
        let targets = (0..<3 * 8).map { _ in Int32(r.int(config.vocabSize)) }
        let fresh = try GPTModel(config: config, seed: 35)
        let short = fresh.forward(tokens: tokens, targets: targets, batch: 3, length: 5)
        let reused = try GPTModel(config: config, seed: 35)
        _ = reused.forward(tokens: tokens, targets: targets, batch: 3, length: 8)
        _ = reused.forward(tokens: tokens, targets: targets, batch: 2, length: 3)
        let again = reused.forward(tokens: tokens, targets: targets, batch: 3, length: 5)
        XCTAssertEqual(again.bitPattern, short.bitPattern)
        XCTAssertEqual(reused.tokenLosses.count, 15)
    }
}

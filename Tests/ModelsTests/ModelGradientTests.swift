import XCTest
@testable import Models

/// Whole-model gradients against central differences through the Float32 model itself. Each tensor is checked
/// along a random unit direction d: (L(θ+h·d) − L(θ−h·d)) / 2h must match g·d. A directional derivative sums
/// every entry of the tensor, so it stays well above Float32 rounding noise where single entries would not, and
/// any wrong entry shows. The difference is extrapolated from steps h and h/2 (Richardson). The kernels
/// themselves are checked in Float64 by KernelGradientTests.
final class ModelGradientTests: XCTestCase {
    func checkDirectional(layout: ParameterLayout, parameters: UnsafeMutableBufferPointer<Float>,
                                  gradients: UnsafeMutableBufferPointer<Float>, seed: UInt64,
                                  loss: () -> Float, file: StaticString = #filePath, line: UInt = #line) {
        var r = TestRandom(seed)
        let h: Float = 1e-2
        for entry in layout.entries {
            var d = r.doubles(entry.count)
            let norm = d.map { $0 * $0 }.reduce(0, +).squareRoot()
            d = d.map { $0 / norm }
            var analytic = 0.0
            for i in 0..<entry.count { analytic += Double(gradients[entry.offset + i]) * d[i] }
            let saved = Array(parameters[entry.offset..<entry.offset + entry.count])
            func centralDifference(_ h: Float) -> Double {
                for i in 0..<entry.count { parameters[entry.offset + i] = saved[i] + h * Float(d[i]) }
                let plus = loss()
                for i in 0..<entry.count { parameters[entry.offset + i] = saved[i] - h * Float(d[i]) }
                let minus = loss()
                for i in 0..<entry.count { parameters[entry.offset + i] = saved[i] }
                return Double(plus - minus) / Double(2 * h)
            }
            // Richardson's extrapolation cancels the h² error, which the residual stream's biases feel most:
            // GPT's small initial stream makes the final LayerNorm strongly curved there.
            let numeric = (4 * centralDifference(h / 2) - centralDifference(h)) / 3
            let allowed = 0.03 * max(abs(analytic), abs(numeric)) + 3e-4
            XCTAssertEqual(analytic, numeric, accuracy: allowed, entry.name, file: file, line: line)
        }
    }

    func testCLIPGradientsMatchFiniteDifferencesForEveryTensor() throws {
        let config = ModelFixtures.tinyCLIP
        let model = try CLIPModel(config: config, seed: 3)
        let batch = 3
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: batch, seed: 4)
        model.zeroGradients()
        _ = model.forward(images: images, tokens: tokens, batch: batch)
        model.backward()
        checkDirectional(layout: model.layout, parameters: model.parameters, gradients: model.gradients, seed: 5) {
            model.forward(images: images, tokens: tokens, batch: batch)
        }
    }

    func testCLIPExplicitEOTPositionsMatchArgmaxPooling() throws {
        let config = ModelFixtures.tinyCLIP
        let model = try CLIPModel(config: config, seed: 3)
        let batch = 3
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: batch, seed: 4)
        let t = config.contextLength
        let eot: [Int32] = (0..<batch).map { b in Int32((0..<t).max { tokens[b * t + $0] < tokens[b * t + $1] }!) }
        let implicit = model.forward(images: images, tokens: tokens, batch: batch)
        let explicit = model.forward(images: images, tokens: tokens, eotPositions: eot, batch: batch)
        XCTAssertEqual(implicit, explicit)
    }

    func testGPTGradientsMatchFiniteDifferencesForEveryTensorTiedAndUntied() throws {
        for tied in [true, false] {
            let config = ModelFixtures.tinyGPT(tied: tied)
            let model = try GPTModel(config: config, seed: 6)
            var r = TestRandom(7)
            let batch = 2, length = 5
            let tokens = (0..<batch * length).map { _ in Int32(r.int(config.vocabSize)) }
            var targets = (0..<batch * length).map { _ in Int32(r.int(config.vocabSize)) }
            targets[3] = GPTModel.ignoreIndex
            model.zeroGradients()
            _ = model.forward(tokens: tokens, targets: targets, batch: batch, length: length)
            model.backward()
            XCTAssertEqual(model.layout["lm_head.weight"] == nil, tied)
            checkDirectional(layout: model.layout, parameters: model.parameters, gradients: model.gradients,
                             seed: 8) {
                model.forward(tokens: tokens, targets: targets, batch: batch, length: length)
            }
        }
    }

    func testGPTTokenLossesAverageToTheReturnedLoss() throws {
        let config = ModelFixtures.tinyGPT(tied: true)
        let model = try GPTModel(config: config, seed: 6)
        var r = TestRandom(9)
        let n = 2 * config.contextLength
        let tokens = (0..<n).map { _ in Int32(r.int(config.vocabSize)) }
        var targets = (0..<n).map { _ in Int32(r.int(config.vocabSize)) }
        targets[0] = GPTModel.ignoreIndex
        targets[5] = GPTModel.ignoreIndex
        let loss = model.forward(tokens: tokens, targets: targets, batch: 2)
        let losses = model.tokenLosses
        XCTAssertEqual(losses.count, n)
        XCTAssertEqual(losses[0], 0)
        let mean = losses.reduce(0, +) / Float(n - 2)
        XCTAssertEqual(loss, mean, accuracy: 1e-5)
        XCTAssertEqual(Double(loss), log(Double(config.vocabSize)), accuracy: 0.3)
    }
}

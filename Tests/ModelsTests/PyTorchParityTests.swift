import Foundation
import XCTest
@testable import Models

/// ticd's CLIP and GPT against PyTorch: bench/parity_fixture.py builds the same tiny models in PyTorch
/// (float64) from closed-form weights and inputs, and records the loss and gradient norms in
/// bench/parity_fixture.json. This test rebuilds the weights and inputs with the same formulas and checks
/// ticd's float32 results against that file to 1e-4 relative. It needs no PyTorch.
final class PyTorchParityTests: XCTestCase {
    struct Part: Decodable {
        let loss: Double
        let grad_norms: [String: Double]
        let grad_norm_total: Double
        let batch: Int
    }

    struct Fixture: Decodable {
        let clip: Part
        let gpt: Part
    }

    static let tolerance = 1e-4

    func fixture() throws -> Fixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/parity_fixture.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: path))
    }

    /// parity_fixture.py's `name_seed`.
    static func nameSeed(_ name: String) -> Int {
        name.utf8.enumerated().reduce(0) { $0 + ($1.offset + 1) * Int($1.element) } % 997
    }

    /// parity_fixture.py's `value`, rounded to float32 as the script does.
    static func value(_ name: String, shape: [Int], index i: Int) -> Float {
        if name == "logit_scale" { return Float(Foundation.log(1 / 0.07)) }
        let x = Foundation.sin(0.37 * Double(i) + 0.011 * Double(nameSeed(name)))
        if shape.count == 1 && name.hasSuffix(".weight") { return Float(1 + 0.1 * x) }
        if name.hasSuffix("bias") { return Float(0.02 * x) }
        if shape.count >= 2 { return Float(1.2 * x / Double(shape.dropFirst().reduce(1, *)).squareRoot()) }
        return Float(0.1 * x)
    }

    static func load(_ layout: ParameterLayout, into parameters: UnsafeMutableBufferPointer<Float>) {
        for e in layout.entries {
            for i in 0..<e.count { parameters[e.offset + i] = value(e.name, shape: e.shape, index: i) }
        }
    }

    static func norms(_ layout: ParameterLayout, _ gradients: UnsafeMutableBufferPointer<Float>) -> (named: [String: Double], total: Double) {
        var named: [String: Double] = [:], total = 0.0
        for e in layout.entries {
            var s = 0.0
            for i in 0..<e.count { s += Double(gradients[e.offset + i]) * Double(gradients[e.offset + i]) }
            named[e.name] = s.squareRoot()
            total += s
        }
        return (named, total.squareRoot())
    }

    func assertClose(_ ours: Double, _ theirs: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let rel = abs(ours - theirs) / max(abs(theirs), 1e-12)
        XCTAssertLessThanOrEqual(rel, Self.tolerance, "\(what): ticd \(ours), PyTorch \(theirs), relative \(rel)",
                                 file: file, line: line)
    }

    /// The loss, the named gradient norms and the total norm against the fixture.
    func assertMatches(_ expected: Part, loss: Float, _ layout: ParameterLayout,
                       _ gradients: UnsafeMutableBufferPointer<Float>, _ model: String) throws {
        assertClose(Double(loss), expected.loss, "\(model) loss")
        let (named, total) = Self.norms(layout, gradients)
        for (name, norm) in expected.grad_norms.sorted(by: { $0.key < $1.key }) {
            assertClose(try XCTUnwrap(named[name], "no tensor \(name)"), norm, "‖∇\(name)‖")
        }
        assertClose(total, expected.grad_norm_total, "\(model) total gradient norm")
    }

    func testCLIPLossAndGradientNormsMatchPyTorch() throws {
        let expected = try fixture().clip
        var config = CLIPConfig()
        config.imageSize = 32; config.patchSize = 8; config.visionWidth = 32; config.visionLayers = 2
        config.visionHeads = 2; config.mlpRatio = 4; config.contextLength = 16; config.vocabSize = 64
        config.textWidth = 32; config.textLayers = 2; config.textHeads = 2; config.embedDim = 16
        let model = try CLIPModel(config: config, seed: 0)
        Self.load(model.layout, into: model.parameters)
        let b = expected.batch, ctx = config.contextLength, vocab = config.vocabSize
        let images = (0..<(b * 3 * 32 * 32)).map { Float(0.8 * Foundation.sin(0.05 * Double($0) + 0.3)) }
        var tokens = [Int32](repeating: 0, count: b * ctx)
        for bi in 0..<b {
            let eot = 3 + (bi * 5) % (ctx - 4)
            for t in 0..<ctx {
                tokens[bi * ctx + t] = t < eot ? Int32(1 + (bi * 31 + t * 17) % (vocab - 2)) : (t == eot ? Int32(vocab - 1) : 0)
            }
        }
        model.zeroGradients()
        let loss = model.forward(images: images, tokens: tokens, batch: b)
        model.backward()
        try assertMatches(expected, loss: loss, model.layout, model.gradients, "CLIP")
    }

    func testGPTLossAndGradientNormsMatchPyTorch() throws {
        let expected = try fixture().gpt
        var config = GPTConfig()
        config.vocabSize = 64; config.contextLength = 16; config.width = 32; config.layers = 2; config.heads = 2
        config.mlpRatio = 4; config.tiedHead = true
        let model = try GPTModel(config: config, seed: 0)
        Self.load(model.layout, into: model.parameters)
        let b = expected.batch, t = config.contextLength
        let seq = { (bi: Int, ti: Int) in Int32((bi * 131 + ti * 71 + 7) % config.vocabSize) }
        let tokens = (0..<(b * t)).map { seq($0 / t, $0 % t) }
        var targets = (0..<(b * t)).map { seq($0 / t, $0 % t + 1) }
        targets[0] = GPTModel.ignoreIndex
        model.zeroGradients()
        let loss = model.forward(tokens: tokens, targets: targets, batch: b)
        model.backward()
        try assertMatches(expected, loss: loss, model.layout, model.gradients, "GPT")
    }
}

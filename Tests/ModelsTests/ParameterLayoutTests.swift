import XCTest
@testable import Models

final class ParameterLayoutTests: XCTestCase {
    func testCLIPLayoutUsesOpenCLIPNamesBackToBack() throws {
        let config = CLIPConfig()
        let model = try CLIPModel(config: config, seed: 0)
        let layout = model.layout
        var offset = 0
        for e in layout.entries {
            XCTAssertEqual(e.offset, offset, e.name)
            XCTAssertEqual(e.count, e.shape.reduce(1, *), e.name)
            offset += e.count
        }
        XCTAssertEqual(layout.count, offset)
        XCTAssertEqual(model.parameters.count, layout.count)
        XCTAssertEqual(layout["visual.conv1.weight"]?.shape, [128, 3, 4, 4])
        XCTAssertEqual(layout["visual.positional_embedding"]?.shape, [65, 128])
        XCTAssertEqual(layout["visual.transformer.resblocks.3.attn.in_proj_weight"]?.shape, [384, 128])
        XCTAssertEqual(layout["visual.transformer.resblocks.0.mlp.c_proj.weight"]?.shape, [128, 512])
        XCTAssertEqual(layout["visual.proj"]?.shape, [128, 128])
        XCTAssertEqual(layout["token_embedding.weight"]?.shape, [4096, 128])
        XCTAssertEqual(layout["positional_embedding"]?.shape, [32, 128])
        XCTAssertEqual(layout["transformer.resblocks.3.ln_2.bias"]?.shape, [128])
        XCTAssertEqual(layout["text_projection"]?.shape, [128, 128])
        XCTAssertEqual(layout["logit_scale"]?.shape, [])
        XCTAssertNil(layout["transformer.resblocks.4.ln_1.weight"])
        // 12·C² + 13·C per block (C = 128, MLP 4·C), plus stems and heads.
        let block = 12 * 128 * 128 + 13 * 128
        let expected = 8 * block + 128 * 48 + 128 + 65 * 128 + 4 * 128 + 128 * 128
            + 4096 * 128 + 32 * 128 + 2 * 128 + 128 * 128 + 1
        XCTAssertEqual(model.parameterCount, expected)
        XCTAssertEqual(model.parameters[layout["logit_scale"]!.offset], Float(log(1 / 0.07)), accuracy: 1e-6)
    }

    func testWeightDecaySkipsGainsBiasesPositionClassAndLogitScale() throws {
        let model = try CLIPModel(config: ModelFixtures.tinyCLIP, seed: 0)
        for e in model.layout.entries {
            let excluded = e.name.hasSuffix("bias") || e.name.contains("ln_") || e.name.contains("positional")
                || e.name.contains("class_embedding") || e.name == "logit_scale"
            XCTAssertEqual(e.decay, !excluded, e.name)
        }
        let gpt = try GPTModel(config: ModelFixtures.tinyGPT(tied: false), seed: 0)
        XCTAssertEqual(gpt.layout.entries.filter(\.decay).map(\.name).filter { !$0.hasPrefix("h.") },
                       ["wte.weight", "lm_head.weight"])
        XCTAssertEqual(gpt.layout["wpe.weight"]?.decay, false)
        let wte = gpt.layout["wte.weight"]!
        XCTAssertEqual(gpt.layout.decayRanges.first, wte.offset..<wte.offset + wte.count)
        let decayed = gpt.layout.decayRanges.map(\.count).reduce(0, +)
        XCTAssertEqual(decayed, gpt.layout.entries.filter(\.decay).map(\.count).reduce(0, +))
        // wte, four matrices per block (2 blocks), lm_head: none adjacent.
        XCTAssertEqual(gpt.layout.decayRanges.count, 1 + 4 * 2 + 1)
        XCTAssertEqual(gpt.layout["h.1.attn.c_attn.weight"]?.shape, [48, 16])
    }

    func testConfigsRoundTripThroughOpenCLIPStyleJSON() throws {
        let json = try JSONEncoder().encode(CLIPConfig())
        let text = String(decoding: json, as: UTF8.self)
        XCTAssertTrue(text.contains("\"vision_width\""))
        XCTAssertTrue(text.contains("\"context_length\""))
        XCTAssertEqual(try JSONDecoder().decode(CLIPConfig.self, from: json), CLIPConfig())
        var gpt = GPTConfig()
        gpt.tiedHead = false
        XCTAssertEqual(try JSONDecoder().decode(GPTConfig.self, from: JSONEncoder().encode(gpt)), gpt)
        let json64 = Data(#"{"image_size": 64, "patch_size": 8}"#.utf8)
        let partial = try JSONDecoder().decode(CLIPConfig.self, from: json64)
        var expected = CLIPConfig()
        expected.imageSize = 64
        expected.patchSize = 8
        XCTAssertEqual(partial, expected)
    }

    func testInvalidConfigsNameTheField() {
        var c = CLIPConfig()
        c.patchSize = 5
        XCTAssertThrowsError(try CLIPModel(config: c, seed: 0)) { error in
            XCTAssertEqual((error as? ModelConfigurationError)?.field, "patch_size")
        }
        var g = GPTConfig()
        g.contextLength = 2048
        XCTAssertThrowsError(try GPTModel(config: g, seed: 0)) { error in
            XCTAssertEqual((error as? ModelConfigurationError)?.field, "context_length")
        }
    }

    func testFlopsPerSampleFollowTheDocumentedFormula() {
        // GPT: 3 × (L·(2·T·(4C² + 2CF) + 4·T²·C) + 2·T·C·V).
        let t = 256.0, c = 256.0, f = 1024.0, v = 4096.0
        let gpt = 3 * (4 * (2 * t * (4 * c * c + 2 * c * f) + 4 * t * t * c) + 2 * t * c * v)
        XCTAssertEqual(GPTConfig().flopsPerSample(), gpt)
        // CLIP: both towers, patch embedding 2·P·48·C, and two projections 2·C·E.
        func tower(_ t: Double) -> Double { 4 * (2 * t * (4 * 128 * 128 + 2 * 128 * 512) + 4 * t * t * 128) }
        let clip = 3 * (tower(65) + tower(32) + 2 * 64 * 48 * 128 + 2 * 2 * 128 * 128)
        XCTAssertEqual(CLIPConfig().flopsPerSample(), clip)
    }
}

final class InitializationTests: XCTestCase {
    private func std(_ model: CLIPModel, _ name: String) -> Double {
        let e = model.layout[name]!
        let values = model.parameters[e.offset..<e.offset + e.count].map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    func testCLIPInitialWeightsFollowOpenCLIPScales() throws {
        let model = try CLIPModel(config: CLIPConfig(), seed: 5)
        XCTAssertEqual(std(model, "token_embedding.weight"), 0.02, accuracy: 0.001)
        XCTAssertEqual(std(model, "positional_embedding"), 0.01, accuracy: 0.001)
        XCTAssertEqual(std(model, "visual.proj"), 1 / 128.0.squareRoot(), accuracy: 0.003)
        XCTAssertEqual(std(model, "transformer.resblocks.0.attn.in_proj_weight"), 1 / 128.0.squareRoot(),
                       accuracy: 0.002)
        XCTAssertEqual(std(model, "transformer.resblocks.2.mlp.c_proj.weight"), 1 / (128.0 * 8).squareRoot(),
                       accuracy: 0.002)
        let gain = model.layout["visual.transformer.resblocks.1.ln_2.weight"]!
        XCTAssertTrue(model.parameters[gain.offset..<gain.offset + gain.count].allSatisfy { $0 == 1 })
        let bias = model.layout["transformer.resblocks.3.mlp.c_fc.bias"]!
        XCTAssertTrue(model.parameters[bias.offset..<bias.offset + bias.count].allSatisfy { $0 == 0 })
        XCTAssertEqual(model.parameters[model.layout["logit_scale"]!.offset], Float(log(1 / 0.07)), accuracy: 1e-6)
    }

    func testGPTInitialWeightsFollowGPT2Scales() throws {
        let model = try GPTModel(config: GPTConfig(), seed: 5)
        let e = model.layout["h.0.attn.c_attn.weight"]!
        let values = model.parameters[e.offset..<e.offset + e.count].map(Double.init)
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.001)
        let p = model.layout["h.3.mlp.c_proj.weight"]!
        let projection = model.parameters[p.offset..<p.offset + p.count].map(Double.init)
        XCTAssertEqual((projection.map { $0 * $0 }.reduce(0, +) / Double(projection.count)).squareRoot(),
                       0.02 / 8.0.squareRoot(), accuracy: 0.001)
        XCTAssertEqual(model.parameters[model.layout["ln_f.weight"]!.offset], 1)
    }
}

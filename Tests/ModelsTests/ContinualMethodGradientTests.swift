import XCTest
@testable import Models

/// LwF's distillation term and EWC's penalty against central differences, as the plain losses are checked.
extension ModelGradientTests {
    func testCLIPWithLwFDistillationGradientsMatchFiniteDifferences() throws {
        let config = ModelFixtures.tinyCLIP
        let batch = 3
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: batch, seed: 4)
        let teacher = try CLIPModel(config: config, seed: 11)
        _ = teacher.forward(images: images, tokens: tokens, batch: batch)
        let model = try CLIPModel(config: config, seed: 3)
        model.distillation = Distillation.Target(values: teacher.lastLogits(), temperature: 2, weight: 0.7)
        model.zeroGradients()
        let total = model.forward(images: images, tokens: tokens, batch: batch)
        XCTAssertGreaterThan(model.lastDistillationLoss, 0, "a different teacher gives a positive KL")
        let distilled = model.lastDistillationLoss
        model.distillation = nil
        XCTAssertEqual(model.forward(images: images, tokens: tokens, batch: batch), total - distilled, accuracy: 1e-5,
                       "the term adds to InfoNCE")
        model.distillation = Distillation.Target(values: teacher.lastLogits(), temperature: 2, weight: 0.7)
        _ = model.forward(images: images, tokens: tokens, batch: batch)
        model.backward()
        checkDirectional(layout: model.layout, parameters: model.parameters, gradients: model.gradients, seed: 5) {
            model.forward(images: images, tokens: tokens, batch: batch)
        }
    }

    func testGPTWithLwFDistillationGradientsMatchFiniteDifferences() throws {
        let config = ModelFixtures.tinyGPT(tied: false)
        var r = TestRandom(7)
        let batch = 2, length = 5
        let tokens = (0..<batch * length).map { _ in Int32(r.int(config.vocabSize)) }
        var targets = (0..<batch * length).map { _ in Int32(r.int(config.vocabSize)) }
        targets[3] = GPTModel.ignoreIndex
        let teacher = try GPTModel(config: config, seed: 12)
        _ = teacher.forward(tokens: tokens, targets: targets, batch: batch, length: length)
        let model = try GPTModel(config: config, seed: 6)
        model.distillation = Distillation.Target(values: teacher.lastProbabilities(), temperature: 2, weight: 0.5)
        model.zeroGradients()
        _ = model.forward(tokens: tokens, targets: targets, batch: batch, length: length)
        XCTAssertGreaterThan(model.lastDistillationLoss, 0)
        model.backward()
        checkDirectional(layout: model.layout, parameters: model.parameters, gradients: model.gradients, seed: 8) {
            model.forward(tokens: tokens, targets: targets, batch: batch, length: length)
        }
    }

    func testDistillingFromItselfAddsNothing() throws {
        let config = ModelFixtures.tinyCLIP
        let (images, tokens) = ModelFixtures.clipBatch(config, batch: 4, seed: 4)
        let model = try CLIPModel(config: config, seed: 3)
        model.zeroGradients()
        let plain = model.forward(images: images, tokens: tokens, batch: 4)
        model.backward()
        let plainGradients = Array(model.gradients)
        model.distillation = Distillation.Target(values: model.lastLogits(), temperature: 2, weight: 1)
        model.zeroGradients()
        XCTAssertEqual(model.forward(images: images, tokens: tokens, batch: 4), plain, accuracy: 1e-5)
        XCTAssertEqual(model.lastDistillationLoss, 0, accuracy: 1e-6)
        model.backward()
        for (a, b) in zip(model.gradients, plainGradients) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testEWCPenaltyGradientAndFisherMatchTheirDefinitions() {
        var r = TestRandom(21)
        let n = 50
        var theta = Reference.float(r.doubles(n)), anchor = Reference.float(r.doubles(n))
        let fisher = Reference.float(r.doubles(n)).map { abs($0) }
        let lambda: Float = 3
        var gradients = [Float](repeating: 0.25, count: n)
        EWCPenalty.backward(gradients: &gradients, parameters: theta, anchor: anchor, fisher: fisher, count: n, lambda: lambda)
        let h: Float = 1e-2
        for i in 0..<n {
            let saved = theta[i]
            theta[i] = saved + h
            let plus = EWCPenalty.forward(parameters: theta, anchor: anchor, fisher: fisher, count: n, lambda: lambda)
            theta[i] = saved - h
            let minus = EWCPenalty.forward(parameters: theta, anchor: anchor, fisher: fisher, count: n, lambda: lambda)
            theta[i] = saved
            XCTAssertEqual(gradients[i] - 0.25, (plus - minus) / (2 * h), accuracy: 2e-3, "parameter \(i)")
        }
        anchor = theta
        XCTAssertEqual(EWCPenalty.forward(parameters: theta, anchor: anchor, fisher: fisher, count: n, lambda: lambda), 0)
        var accumulated = [Float](repeating: 0, count: n)
        let g1 = Reference.float(r.doubles(n)), g2 = Reference.float(r.doubles(n))
        EWCPenalty.accumulateFisher(&accumulated, gradients: g1, count: n, scale: 0.5)
        EWCPenalty.accumulateFisher(&accumulated, gradients: g2, count: n, scale: 0.5)
        for i in 0..<n { XCTAssertEqual(accumulated[i], (g1[i] * g1[i] + g2[i] * g2[i]) / 2, accuracy: 1e-6) }
    }
}

import XCTest
@testable import Models

final class AdamWTests: XCTestCase {
    /// torch.optim.AdamW's update written out one element at a time.
    private struct ScalarAdamW {
        let config: AdamWConfig
        var m: [Float], v: [Float], t = 0

        init(count: Int, config: AdamWConfig) {
            self.config = config
            m = [Float](repeating: 0, count: count)
            v = m
        }

        mutating func step(_ p: inout [Float], _ g: [Float], decays: (Int) -> Bool, lr: Float) {
            t += 1
            let bias1 = 1 - pow(Double(config.beta1), Double(t)), bias2 = 1 - pow(Double(config.beta2), Double(t))
            let stepSize = Float(Double(lr) / bias1), bias2Sqrt = Float(bias2.squareRoot())
            for i in p.indices {
                if decays(i) { p[i] *= 1 - lr * config.weightDecay }
                m[i] += (1 - config.beta1) * (g[i] - m[i])
                v[i] = config.beta2 * v[i] + (1 - config.beta2) * (g[i] * g[i])
                p[i] -= stepSize * (m[i] / (v[i].squareRoot() / bias2Sqrt + config.eps))
            }
        }
    }

    private func randomVector(_ count: Int, _ rng: inout SplitMix64RNG, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in rng.normal() * scale }
    }

    func testStepsMatchScalarReferenceAcrossChunksAndMask() {
        let count = 70_001
        var rng = SplitMix64RNG(seed: 1)
        var p = randomVector(count, &rng), reference = p
        let mask = [5..<40_000, 65_000..<70_001]
        let optimizer = AdamW(parameterCount: count, config: .clip)
        var scalar = ScalarAdamW(count: count, config: .clip)
        for step in 0..<5 {
            let g = randomVector(count, &rng, scale: 0.1)
            let lr = Float(1e-3) * Float(step + 1)
            p.withUnsafeMutableBufferPointer { optimizer.step(parameters: $0.baseAddress!, gradients: g, decayMask: mask, lr: lr) }
            scalar.step(&reference, g, decays: { i in mask.contains { $0.contains(i) } }, lr: lr)
        }
        XCTAssertEqual(optimizer.t, 5)
        XCTAssertEqual(p, reference)
        XCTAssertEqual(Array(optimizer.m), scalar.m)
        XCTAssertEqual(Array(optimizer.v), scalar.v)
    }

    func testMaskedOutRangesGetNoWeightDecay() {
        let count = 100
        var p = [Float](repeating: 2, count: count)
        let g = [Float](repeating: 0, count: count)
        let optimizer = AdamW(parameterCount: count, config: AdamWConfig(lr: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5))
        p.withUnsafeMutableBufferPointer { optimizer.step(parameters: $0.baseAddress!, gradients: g, decayMask: [10..<20], lr: 0.1) }
        for i in 0..<count { XCTAssertEqual(p[i], (10..<20).contains(i) ? 2 * (1 - 0.1 * 0.5) : 2, "element \(i)") }
    }

    func testUnsortedOverlappingMaskRangesDecayTheirUnionOnce() {
        let count = 50
        var p = [Float](repeating: 1, count: count)
        let g = [Float](repeating: 0, count: count)
        let optimizer = AdamW(parameterCount: count, config: AdamWConfig(lr: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 1))
        p.withUnsafeMutableBufferPointer {
            optimizer.step(parameters: $0.baseAddress!, gradients: g, decayMask: [30..<40, 5..<12, 8..<15, 35..<60], lr: 0.1)
        }
        for i in 0..<count {
            let decayed = (5..<15).contains(i) || (30..<50).contains(i)
            XCTAssertEqual(p[i], decayed ? 0.9 : 1, "element \(i)")
        }
    }

    func testFirstStepMovesEachParameterByLrAgainstItsGradientSign() {
        var p: [Float] = [0, 0, 0]
        let g: [Float] = [3, -0.01, 100]
        let optimizer = AdamW(parameterCount: 3, config: AdamWConfig(lr: 0.01, beta1: 0.9, beta2: 0.98, eps: 1e-12, weightDecay: 0))
        p.withUnsafeMutableBufferPointer { optimizer.step(parameters: $0.baseAddress!, gradients: g, decayMask: [], lr: 0.01) }
        XCTAssertEqual(p[0], -0.01, accuracy: 1e-7)
        XCTAssertEqual(p[1], 0.01, accuracy: 1e-7)
        XCTAssertEqual(p[2], -0.01, accuracy: 1e-7)
    }

    func testClipGradientNormReturnsPreClipNormAndScalesToMaxNorm() {
        var g = [Float](repeating: 0, count: 100_000)
        g[3] = 3
        g[99_999] = 4
        let norm = g.withUnsafeMutableBufferPointer { AdamW.clipGradientNorm($0.baseAddress!, count: $0.count, maxNorm: 1) }
        XCTAssertEqual(norm, 5)
        XCTAssertEqual(g[3], 0.6, accuracy: 1e-6)
        XCTAssertEqual(g[99_999], 0.8, accuracy: 1e-6)
        let after = g.withUnsafeMutableBufferPointer { AdamW.clipGradientNorm($0.baseAddress!, count: $0.count, maxNorm: 1) }
        XCTAssertEqual(after, 1, accuracy: 1e-5)
    }

    func testClipGradientNormLeavesSmallGradientsUnchanged() {
        var g: [Float] = [0.1, -0.2, 0.2]
        let norm = g.withUnsafeMutableBufferPointer { AdamW.clipGradientNorm($0.baseAddress!, count: 3, maxNorm: 1) }
        XCTAssertEqual(norm, 0.3, accuracy: 1e-7)
        XCTAssertEqual(g, [0.1, -0.2, 0.2])
    }

    func testClipGradientNormSumsInDoublePrecision() {
        var rng = SplitMix64RNG(seed: 3)
        var g = randomVector(1_000_003, &rng, scale: 1e-3)
        let expected = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let norm = g.withUnsafeMutableBufferPointer { AdamW.clipGradientNorm($0.baseAddress!, count: $0.count, maxNorm: 100) }
        XCTAssertEqual(norm, Float(expected), accuracy: Float(expected).ulp)
    }

    func testClipGradientNormIsIdenticalRunToRun() {
        var rng = SplitMix64RNG(seed: 4)
        let g = randomVector(300_001, &rng)
        var norms = Set<Float>()
        for _ in 0..<5 {
            var copy = g
            norms.insert(copy.withUnsafeMutableBufferPointer { AdamW.clipGradientNorm($0.baseAddress!, count: $0.count, maxNorm: 1) })
        }
        XCTAssertEqual(norms.count, 1)
    }

    func testRestoredOptimizerContinuesIdentically() throws {
        let count = 1000
        var rng = SplitMix64RNG(seed: 5)
        var p = randomVector(count, &rng)
        let gradients = (0..<4).map { _ in randomVector(count, &rng) }
        let original = AdamW(parameterCount: count, config: .lm)
        for g in gradients.prefix(3) {
            p.withUnsafeMutableBufferPointer { original.step(parameters: $0.baseAddress!, gradients: g, decayMask: [0..<500], lr: 1e-3) }
        }
        let saved = Dictionary(uniqueKeysWithValues: original.stateTensors().map {
            ($0.name, CheckpointTensor(name: $0.name, shape: $0.shape, values: Array($0.values)))
        })
        let restored = AdamW(parameterCount: count, config: .lm)
        try restored.restore(t: original.t, tensors: saved)
        var q = p
        p.withUnsafeMutableBufferPointer { original.step(parameters: $0.baseAddress!, gradients: gradients[3], decayMask: [0..<500], lr: 1e-3) }
        q.withUnsafeMutableBufferPointer { restored.step(parameters: $0.baseAddress!, gradients: gradients[3], decayMask: [0..<500], lr: 1e-3) }
        XCTAssertEqual(p, q)
    }

    func testRestoreRejectsMomentsOfAnotherSize() {
        let optimizer = AdamW(parameterCount: 10, config: .clip)
        let tensors = [AdamW.firstMomentName: CheckpointTensor(name: AdamW.firstMomentName, shape: [9], values: Array(repeating: 0, count: 9)),
                       AdamW.secondMomentName: CheckpointTensor(name: AdamW.secondMomentName, shape: [9], values: Array(repeating: 0, count: 9))]
        XCTAssertThrowsError(try optimizer.restore(t: 3, tensors: tensors)) { error in
            XCTAssertEqual(error as? CheckpointError, .tensorShapeMismatch(name: AdamW.firstMomentName, expected: [10], found: [9]))
        }
        XCTAssertEqual(optimizer.t, 0)
    }

    func testPresetsFollowOpenCLIPAndTiCLM() {
        XCTAssertEqual([AdamWConfig.clip.beta1, AdamWConfig.clip.beta2, AdamWConfig.clip.eps, AdamWConfig.clip.weightDecay], [0.9, 0.98, 1e-6, 0.2])
        XCTAssertEqual([AdamWConfig.lm.beta1, AdamWConfig.lm.beta2, AdamWConfig.lm.eps, AdamWConfig.lm.weightDecay], [0.9, 0.95, 1e-8, 0.033])
    }
}

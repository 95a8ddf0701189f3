import XCTest
@testable import Models

/// The tiny CLIP learns a synthetic world of coloured shapes: images of a red, green or blue square, horizontal
/// bar or vertical bar at a random place and size, captioned "<start> colour shape <end>".
final class CLIPTrainingTests: XCTestCase {
    private let size = 16, colours = 3, shapes = 3
    private let start: Int32 = 7, end: Int32 = 8

    private func draw(colour: Int, shape: Int, into image: UnsafeMutablePointer<Float>, random r: inout TestRandom) {
        let s = size
        let radius = 3 + r.int(3), cx = radius + r.int(s - 2 * radius), cy = radius + r.int(s - 2 * radius)
        for y in 0..<s {
            for x in 0..<s {
                let dx = x - cx, dy = y - cy
                let inside: Bool
                switch shape {
                case 0: inside = abs(dx) <= radius && abs(dy) <= radius
                case 1: inside = abs(dx) <= radius && abs(dy) <= 1
                default: inside = abs(dx) <= 1 && abs(dy) <= radius
                }
                for ch in 0..<3 {
                    let noise = Float(r.double(scale: 0.1))
                    image[(ch * s + y) * s + x] = (inside ? (ch == colour ? 1 : -0.5) : -1) + noise
                }
            }
        }
    }

    private func caption(colour: Int, shape: Int, into tokens: UnsafeMutablePointer<Int32>) {
        tokens[0] = start
        tokens[1] = Int32(1 + colour)
        tokens[2] = Int32(1 + colours + shape)
        tokens[3] = end
    }

    func testTinyCLIPLearnsColouredShapesFarAboveChance() throws {
        var config = CLIPConfig()
        config.imageSize = size; config.patchSize = 4; config.visionWidth = 32; config.visionLayers = 2
        config.visionHeads = 2; config.mlpRatio = 2; config.contextLength = 8; config.vocabSize = 9
        config.textWidth = 32
        config.textLayers = 2; config.textHeads = 2; config.embedDim = 32
        let model = try CLIPModel(config: config, seed: 42)
        let classes = colours * shapes, pixels = 3 * size * size, t = config.contextLength
        var r = TestRandom(43)
        var images = [Float](repeating: 0, count: classes * pixels)
        var tokens = [Int32](repeating: 0, count: classes * t)
        tokens.withUnsafeMutableBufferPointer { p in
            for k in 0..<classes { caption(colour: k / shapes, shape: k % shapes, into: p.baseAddress! + k * t) }
        }

        // A minimal Adam, enough to train; the real AdamW lives elsewhere.
        let count = model.parameterCount
        var m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
        let lr: Float = 5e-4, beta1: Float = 0.9, beta2: Float = 0.98
        var first: Float = 0, last: Float = 0
        let steps = 150
        for step in 1...steps {
            images.withUnsafeMutableBufferPointer { p in
                for k in 0..<classes {
                    draw(colour: k / shapes, shape: k % shapes, into: p.baseAddress! + k * pixels, random: &r)
                }
            }
            model.zeroGradients()
            let loss = model.forward(images: images, tokens: tokens, batch: classes)
            model.backward()
            if step == 1 { first = loss }
            last = step > steps - 20 ? last + loss / 20 : last
            let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
            for i in 0..<count {
                let g = model.gradients[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                model.parameters[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-6)
            }
        }
        XCTAssertLessThan(last, 0.5 * first, "loss \(first) → \(last)")

        let perClass = 10, testCount = classes * perClass
        var testImages = [Float](repeating: 0, count: testCount * pixels)
        testImages.withUnsafeMutableBufferPointer { p in
            for i in 0..<testCount {
                let k = i % classes
                draw(colour: k / shapes, shape: k % shapes, into: p.baseAddress! + i * pixels, random: &r)
            }
        }
        let e = config.embedDim
        var imageEmbeddings = [Float](repeating: 0, count: testCount * e)
        var textEmbeddings = [Float](repeating: 0, count: classes * e)
        model.encodeImages(testImages, batch: testCount, into: &imageEmbeddings)
        model.encodeTexts(tokens, batch: classes, into: &textEmbeddings)
        var correct = 0
        for i in 0..<testCount {
            var best = 0, bestScore = -Float.infinity
            for k in 0..<classes {
                var s: Float = 0
                for j in 0..<e { s += imageEmbeddings[i * e + j] * textEmbeddings[k * e + j] }
                if s > bestScore { bestScore = s; best = k }
            }
            if best == i % classes { correct += 1 }
        }
        let recall = Double(correct) / Double(testCount)
        XCTAssertGreaterThan(recall, 0.6, "image→text R@1 \(recall), chance \(1.0 / Double(classes))")
    }
}

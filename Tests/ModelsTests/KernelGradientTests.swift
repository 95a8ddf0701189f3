import XCTest
@testable import Models

/// Every kernel's forward against its Double oracle and its backward against central finite differences of
/// that oracle. Gradient buffers start at 0.25 to check that backward adds rather than overwrites.
final class KernelGradientTests: XCTestCase {
    private typealias R = Reference
    private let base: Float = 0.25

    private func filled(_ count: Int) -> [Float] { [Float](repeating: base, count: count) }

    func testLinearBackwardMatchesFiniteDifferences() {
        var r = TestRandom(1)
        let n = 5, ic = 7, oc = 6
        let x = r.doubles(n * ic), w = r.doubles(oc * ic), b = r.doubles(oc), dy = r.doubles(n * oc)
        var y = [Float](repeating: 0, count: n * oc)
        Linear.forward(out: &y, input: R.float(x), weight: R.float(w), bias: R.float(b), rows: n,
                       inputChannels: ic, outputChannels: oc)
        assertClose(y, R.linear(x, w, b, n: n, ic: ic, oc: oc), "forward")
        var dx = filled(n * ic), dw = filled(oc * ic), db = filled(oc)
        Linear.backward(dInput: &dx, dWeight: &dw, dBias: &db, dOut: R.float(dy), input: R.float(x),
                        weight: R.float(w), rows: n, inputChannels: ic, outputChannels: oc)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            R.weighted(R.linear(x, w, b, n: n, ic: ic, oc: oc), dy)
        }
        assertClose(dx, R.numericGradient(x) { loss($0, w, b) }, base: base, "dInput")
        assertClose(dw, R.numericGradient(w) { loss(x, $0, b) }, base: base, "dWeight")
        assertClose(db, R.numericGradient(b) { loss(x, w, $0) }, base: base, "dBias")
    }

    /// Above the split threshold each worker takes a slice of the rows and dWeight is summed from per-worker
    /// partial products: the split step must equal the Double oracle as the single call does.
    func testLinearBackwardSplitAcrossWorkersMatchesOracle() {
        var r = TestRandom(21)
        let n = 4100, ic = 32, oc = 40
        let x = r.doubles(n * ic), w = r.doubles(oc * ic), dy = r.doubles(n * oc)
        var y = [Float](repeating: 0, count: n * oc)
        Linear.forward(out: &y, input: R.float(x), weight: R.float(w), bias: nil, rows: n, inputChannels: ic,
                       outputChannels: oc)
        assertClose(y, R.linear(x, w, nil, n: n, ic: ic, oc: oc), "forward")
        var dx = filled(n * ic), dw = filled(oc * ic), db = filled(oc)
        Linear.backward(dInput: &dx, dWeight: &dw, dBias: &db, dOut: R.float(dy), input: R.float(x),
                        weight: R.float(w), rows: n, inputChannels: ic, outputChannels: oc)
        assertClose(dx, R.matmul(dy, w, m: n, n: ic, k: oc), base: base, "dInput")
        assertClose(dw, R.matmul(R.transpose(dy, rows: n, columns: oc), x, m: oc, n: ic, k: n), base: base,
                    "dWeight")
        var sums = [Double](repeating: 0, count: oc)
        for i in 0..<n { for j in 0..<oc { sums[j] += dy[i * oc + j] } }
        assertClose(db, sums, base: base, "dBias")
        var again = filled(oc * ic), dx2 = filled(n * ic)
        Linear.backward(dInput: &dx2, dWeight: &again, dBias: nil, dOut: R.float(dy), input: R.float(x),
                        weight: R.float(w), rows: n, inputChannels: ic, outputChannels: oc)
        XCTAssertEqual(again, dw, "the same bits run to run")
    }

    func testLinearWithoutBiasMatchesOracle() {
        var r = TestRandom(2)
        let n = 4, ic = 3, oc = 5
        let x = r.doubles(n * ic), w = r.doubles(oc * ic)
        var y = [Float](repeating: 7, count: n * oc)
        Linear.forward(out: &y, input: R.float(x), weight: R.float(w), bias: nil, rows: n, inputChannels: ic,
                       outputChannels: oc)
        assertClose(y, R.linear(x, w, nil, n: n, ic: ic, oc: oc), "forward")
    }

    func testProjectionBackwardMatchesFiniteDifferences() {
        var r = TestRandom(3)
        let n = 4, ic = 6, oc = 5
        let x = r.doubles(n * ic), w = r.doubles(ic * oc), dy = r.doubles(n * oc)
        var y = [Float](repeating: 0, count: n * oc)
        Projection.forward(out: &y, input: R.float(x), weight: R.float(w), rows: n, inputChannels: ic,
                           outputChannels: oc)
        assertClose(y, R.matmul(x, w, m: n, n: oc, k: ic), "forward")
        var dx = filled(n * ic), dw = filled(ic * oc)
        Projection.backward(dInput: &dx, dWeight: &dw, dOut: R.float(dy), input: R.float(x), weight: R.float(w),
                            rows: n, inputChannels: ic, outputChannels: oc)
        func loss(_ x: [Double], _ w: [Double]) -> Double { R.weighted(R.matmul(x, w, m: n, n: oc, k: ic), dy) }
        assertClose(dx, R.numericGradient(x) { loss($0, w) }, base: base, "dInput")
        assertClose(dw, R.numericGradient(w) { loss(x, $0) }, base: base, "dWeight")
    }

    func testLayerNormBackwardMatchesFiniteDifferences() {
        for c in [19, 32] {
            var r = TestRandom(UInt64(c))
            let n = 4
            let x = r.doubles(n * c, scale: 2), w = r.doubles(c), b = r.doubles(c), dy = r.doubles(n * c)
            var y = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n)
            var rstd = [Float](repeating: 0, count: n)
            LayerNorm.forward(out: &y, mean: &mean, rstd: &rstd, input: R.float(x), weight: R.float(w),
                              bias: R.float(b), rows: n, channels: c)
            assertClose(y, R.layerNorm(x, w, b, n: n, c: c), "forward C=\(c)")
            var dx = filled(n * c), dw = filled(c), db = filled(c)
            LayerNorm.backward(dInput: &dx, dWeight: &dw, dBias: &db, dOut: R.float(dy), input: R.float(x),
                               mean: mean, rstd: rstd, weight: R.float(w), rows: n, channels: c)
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                R.weighted(R.layerNorm(x, w, b, n: n, c: c), dy)
            }
            assertClose(dx, R.numericGradient(x) { loss($0, w, b) }, base: base, tolerance: 1e-3, "dInput C=\(c)")
            assertClose(dw, R.numericGradient(w) { loss(x, $0, b) }, base: base, "dWeight C=\(c)")
            assertClose(db, R.numericGradient(b) { loss(x, w, $0) }, base: base, "dBias C=\(c)")
        }
    }

    func testFusedResidualLayerNormMatchesResidualThenLayerNormBitForBit() {
        for c in [19, 128] {
            var r = TestRandom(UInt64(40 + c))
            let n = 300
            let a = R.float(r.doubles(n * c)), b = R.float(r.doubles(n * c)), addBias = R.float(r.doubles(c))
            let w = R.float(r.doubles(c)), lnBias = R.float(r.doubles(c))
            var sum = [Float](repeating: 0, count: n * c), y = sum, mean = [Float](repeating: 0, count: n)
            var rstd = mean
            Residual.forward(out: &sum, a: a, b: b, bias: addBias, rows: n, columns: c)
            LayerNorm.forward(out: &y, mean: &mean, rstd: &rstd, input: sum, weight: w, bias: lnBias, rows: n,
                              channels: c)
            var fusedSum = [Float](repeating: 0, count: n * c), fusedY = fusedSum
            var fusedMean = [Float](repeating: 0, count: n), fusedRstd = fusedMean
            LayerNorm.forward(out: &fusedY, mean: &fusedMean, rstd: &fusedRstd, sum: &fusedSum, a: a, b: b,
                              addBias: addBias, weight: w, bias: lnBias, rows: n, channels: c)
            XCTAssertEqual(fusedSum, sum, "sum C=\(c)")
            XCTAssertEqual(fusedY, y, "out C=\(c)")
            XCTAssertEqual(fusedMean, mean, "mean C=\(c)")
            XCTAssertEqual(fusedRstd, rstd, "rstd C=\(c)")
        }
    }

    func testFusedGELUBiasBackwardMatchesGELUThenColumnSumsBitForBit() {
        for f in [37, 512] {
            var r = TestRandom(UInt64(60 + f))
            let n = 200
            let dy = R.float(r.doubles(n * f)), slope = R.float(r.doubles(n * f)), start = R.float(r.doubles(f))
            var dx = [Float](repeating: 0, count: n * f), db = start
            GELU.backward(dInput: &dx, dOut: dy, slope: slope, count: n * f, accumulate: false)
            Parallel.addColumnSums(&db, dx, rows: n, columns: f, stride: f)
            var fusedDx = [Float](repeating: 7, count: n * f), fusedDb = start
            GELU.backward(dInput: &fusedDx, dBias: &fusedDb, dOut: dy, slope: slope, rows: n, columns: f)
            XCTAssertEqual(fusedDx, dx, "dInput F=\(f)")
            XCTAssertEqual(fusedDb, db, "dBias F=\(f)")
        }
    }

    func testGELUBackwardMatchesFiniteDifferences() {
        var r = TestRandom(4)
        let rows = 2, columns = 37, count = rows * columns
        let x = r.doubles(count, scale: 6), dy = r.doubles(count), bias = r.doubles(columns)
        var y = [Float](repeating: 0, count: count), slope = y
        GELU.forward(out: &y, slope: &slope, input: R.float(x), bias: nil, rows: rows, columns: columns)
        assertClose(y, R.gelu(x), "forward")
        var biased = y
        GELU.forward(out: &biased, slope: &slope, input: R.float(x), bias: R.float(bias), rows: rows, columns: columns)
        assertClose(biased, R.gelu((0..<count).map { x[$0] + bias[$0 % columns] }), "forward with bias")
        GELU.forward(out: &y, slope: &slope, input: R.float(x), bias: nil, rows: rows, columns: columns)
        var dx = filled(count)
        GELU.backward(dInput: &dx, dOut: R.float(dy), slope: slope, count: count)
        assertClose(dx, R.numericGradient(x) { R.weighted(R.gelu($0), dy) }, base: base, "dInput")
    }

    func testSoftmaxBackwardMatchesFiniteDifferences() {
        var r = TestRandom(5)
        let rows = 3, columns = 21
        let x = r.doubles(rows * columns, scale: 4), dy = r.doubles(rows * columns)
        var y = [Float](repeating: 0, count: rows * columns)
        Softmax.forward(out: &y, input: R.float(x), rows: rows, columns: columns)
        assertClose(y, R.softmax(x, rows: rows, columns: columns), "forward")
        var dx = filled(rows * columns)
        Softmax.backward(dInput: &dx, dOut: R.float(dy), out: y, rows: rows, columns: columns)
        assertClose(dx, R.numericGradient(x) { R.weighted(R.softmax($0, rows: rows, columns: columns), dy) },
                    base: base, "dInput")
    }

    func testAttentionBackwardMatchesFiniteDifferencesFullAndCausal() {
        // t = 130 cuts causal rows into blocks of 64, 64 and 2: the skipped upper blocks are covered.
        for (causal, t, b) in [(false, 5, 2), (true, 5, 2), (true, 130, 1)] {
            var r = TestRandom(causal ? 6 : 7)
            let c = 8, h = 2
            let qkv = r.doubles(b * t * 3 * c), dy = r.doubles(b * t * c)
            var y = [Float](repeating: 0, count: b * t * c), att = [Float](repeating: 0, count: b * h * t * t)
            Attention.forward(out: &y, att: &att, qkv: R.float(qkv), batch: b, tokens: t, channels: c, heads: h,
                              causal: causal)
            assertClose(y, R.attention(qkv, b: b, t: t, c: c, heads: h, causal: causal), "forward causal=\(causal)")
            var dqkv = filled(b * t * 3 * c), scratch = [Float](repeating: 0, count: b * h * t * t)
            Attention.backward(dQKV: &dqkv, scratch: &scratch, dOut: R.float(dy), att: att, qkv: R.float(qkv),
                               batch: b, tokens: t, channels: c, heads: h, causal: causal)
            let expected = R.numericGradient(qkv) {
                R.weighted(R.attention($0, b: b, t: t, c: c, heads: h, causal: causal), dy)
            }
            assertClose(dqkv, expected, base: base, "dQKV causal=\(causal) t=\(t)")
        }
    }

    func testAttentionWithoutKeepingProbabilitiesGivesTheSameOutput() {
        var r = TestRandom(9)
        let b = 3, t = 130, c = 8, h = 2
        let qkv = R.float(r.doubles(b * t * 3 * c))
        for causal in [false, true] {
            var kept = [Float](repeating: 0, count: b * t * c), scratchOnly = kept
            var att = [Float](repeating: 0, count: b * h * t * t)
            Attention.forward(out: &kept, att: &att, qkv: qkv, batch: b, tokens: t, channels: c, heads: h,
                              causal: causal)
            Attention.forward(out: &scratchOnly, att: &att, qkv: qkv, batch: b, tokens: t, channels: c, heads: h,
                              causal: causal, keep: false)
            XCTAssertEqual(kept, scratchOnly, "causal=\(causal)")
        }
    }

    func testAttentionCausalRowsIgnoreLaterTokens() {
        var r = TestRandom(8)
        let t = 4, c = 4
        var qkv = r.doubles(t * 3 * c)
        var y1 = [Float](repeating: 0, count: t * c), y2 = y1, att = [Float](repeating: 0, count: t * t)
        Attention.forward(out: &y1, att: &att, qkv: R.float(qkv), batch: 1, tokens: t, channels: c, heads: 1,
                          causal: true)
        for j in 0..<3 * c { qkv[(t - 1) * 3 * c + j] += 1 }
        Attention.forward(out: &y2, att: &att, qkv: R.float(qkv), batch: 1, tokens: t, channels: c, heads: 1,
                          causal: true)
        XCTAssertEqual(Array(y1[0..<(t - 1) * c]), Array(y2[0..<(t - 1) * c]))
    }

    func testEmbeddingBackwardAddsRepeatedTokens() {
        var r = TestRandom(9)
        let b = 2, t = 3, v = 7, c = 18
        let tokens: [Int32] = [1, 3, 1, 0, 3, 3]
        let wte = r.doubles(v * c), wpe = r.doubles(t * c), dy = r.doubles(b * t * c)
        var y = [Float](repeating: 0, count: b * t * c)
        Embedding.forward(out: &y, tokens: tokens, tokenWeight: R.float(wte), positionWeight: R.float(wpe),
                          batch: b, length: t, channels: c)
        assertClose(y, R.embedding(tokens, wte, wpe, b: b, t: t, c: c), "forward")
        var dwte = filled(v * c), dwpe = filled(t * c)
        Embedding.backward(dTokenWeight: &dwte, dPositionWeight: &dwpe, dOut: R.float(dy), tokens: tokens,
                           batch: b, length: t, channels: c)
        assertClose(dwte, R.numericGradient(wte) { R.weighted(R.embedding(tokens, $0, wpe, b: b, t: t, c: c), dy) },
                    base: base, "dTokenWeight")
        assertClose(dwpe, R.numericGradient(wpe) { R.weighted(R.embedding(tokens, wte, $0, b: b, t: t, c: c), dy) },
                    base: base, "dPositionWeight")
    }

    func testPatchEmbeddingMatchesDirectConvolution() {
        var r = TestRandom(10)
        let b = 2, s = 8, p = 4, c = 5, g = s / p, k = 3 * p * p, tokens = g * g + 1
        let images = r.doubles(b * 3 * s * s), w = r.doubles(c * k, scale: 0.3), cls = r.doubles(c)
        let pos = r.doubles(tokens * c), dy = r.doubles(b * tokens * c)
        var y = [Float](repeating: 0, count: b * tokens * c), patches = [Float](repeating: 0, count: b * g * g * k)
        var projected = [Float](repeating: 0, count: b * g * g * c)
        PatchEmbedding.forward(out: &y, patches: &patches, projected: &projected, images: R.float(images),
                               weight: R.float(w), classEmbedding: R.float(cls), positionalEmbedding: R.float(pos),
                               batch: b, imageSize: s, patchSize: p, channels: c)
        assertClose(y, R.patchEmbedding(images, w, cls, pos, b: b, s: s, p: p, c: c), "forward")
        var dw = filled(c * k), dcls = filled(c), dpos = filled(tokens * c)
        PatchEmbedding.backward(dWeight: &dw, dClassEmbedding: &dcls, dPositionalEmbedding: &dpos,
                                scratch: &projected, dOut: R.float(dy), patches: patches, batch: b, imageSize: s,
                                patchSize: p, channels: c)
        func loss(_ w: [Double], _ cls: [Double], _ pos: [Double]) -> Double {
            R.weighted(R.patchEmbedding(images, w, cls, pos, b: b, s: s, p: p, c: c), dy)
        }
        assertClose(dw, R.numericGradient(w) { loss($0, cls, pos) }, base: base, "dWeight")
        assertClose(dcls, R.numericGradient(cls) { loss(w, $0, pos) }, base: base, "dClass")
        assertClose(dpos, R.numericGradient(pos) { loss(w, cls, $0) }, base: base, "dPositional")
    }

    func testL2NormalizeBackwardMatchesFiniteDifferences() {
        var r = TestRandom(11)
        let n = 3, d = 17
        let x = r.doubles(n * d), dy = r.doubles(n * d)
        var y = [Float](repeating: 0, count: n * d), norm = [Float](repeating: 0, count: n)
        L2Normalize.forward(out: &y, norm: &norm, input: R.float(x), rows: n, columns: d)
        assertClose(y, R.l2Normalize(x, rows: n, columns: d), "forward")
        var dx = filled(n * d)
        L2Normalize.backward(dInput: &dx, dOut: R.float(dy), out: y, norm: norm, rows: n, columns: d)
        assertClose(dx, R.numericGradient(x) { R.weighted(R.l2Normalize($0, rows: n, columns: d), dy) },
                    base: base, "dInput")
    }

    func testCrossEntropyBackwardMatchesFiniteDifferencesAndSkipsIgnoredRows() {
        var r = TestRandom(12)
        let n = 5, v = 11
        let logits = r.doubles(n * v, scale: 3)
        let targets: [Int32] = [3, -1, 0, 10, 3]
        var losses = [Float](repeating: 0, count: n), probabilities = [Float](repeating: 0, count: n * v)
        let mean = CrossEntropy.forward(losses: &losses, probabilities: &probabilities, logits: R.float(logits),
                                        targets: targets, rows: n, vocabulary: v, ignoreIndex: -1)
        let expected = R.crossEntropy(logits, targets, rows: n, vocabulary: v, ignore: -1)
        XCTAssertEqual(Double(mean), expected, accuracy: 1e-5)
        XCTAssertEqual(losses[1], 0)
        var dLogits = filled(n * v)
        CrossEntropy.backward(dLogits: &dLogits, probabilities: probabilities, targets: targets, rows: n,
                              vocabulary: v, ignoreIndex: -1)
        let expectedGradient = R.numericGradient(logits) {
            R.crossEntropy($0, targets, rows: n, vocabulary: v, ignore: -1)
        }
        assertClose(dLogits, expectedGradient, base: base, "dLogits")
        XCTAssertEqual(Array(dLogits[v..<2 * v]), [Float](repeating: base, count: v))
    }

    func testCrossEntropyProbabilitiesMayOverwriteLogits() {
        var r = TestRandom(13)
        let n = 2, v = 40
        let logits = R.float(r.doubles(n * v, scale: 5))
        var inPlace = logits, separate = [Float](repeating: 0, count: n * v)
        var l1 = [Float](repeating: 0, count: n), l2 = l1
        let targets: [Int32] = [4, 39]
        let a = CrossEntropy.forward(losses: &l1, probabilities: &separate, logits: logits, targets: targets,
                                     rows: n, vocabulary: v, ignoreIndex: -1)
        let b = inPlace.withUnsafeMutableBufferPointer { p in
            CrossEntropy.forward(losses: &l2, probabilities: p.baseAddress!, logits: p.baseAddress!,
                                 targets: targets, rows: n, vocabulary: v, ignoreIndex: -1)
        }
        XCTAssertEqual(a, b)
        XCTAssertEqual(separate, inPlace)
    }

    func testInfoNCEBackwardMatchesFiniteDifferences() {
        var r = TestRandom(14)
        let b = 4, e = 6
        let image = r.doubles(b * e), text = r.doubles(b * e)
        let logScale = log(1 / 0.07)
        var similarity = [Float](repeating: 0, count: b * b), pi = similarity, pt = similarity, dLogits = similarity
        let loss = InfoNCE.forward(similarity: &similarity, probabilitiesImage: &pi, probabilitiesText: &pt,
                                   image: R.float(image), text: R.float(text), logitScale: Float(logScale),
                                   batch: b, embed: e)
        XCTAssertEqual(Double(loss), R.infoNCE(image, text, logitScale: logScale, b: b, e: e), accuracy: 1e-4)
        var dImage = filled(b * e), dText = filled(b * e), dScale: [Float] = [base]
        InfoNCE.backward(dImage: &dImage, dText: &dText, dLogitScale: &dScale, dLogits: &dLogits,
                         probabilitiesImage: pi, probabilitiesText: pt, similarity: similarity,
                         image: R.float(image), text: R.float(text), logitScale: Float(logScale), batch: b, embed: e)
        assertClose(dImage, R.numericGradient(image) { R.infoNCE($0, text, logitScale: logScale, b: b, e: e) },
                    base: base, tolerance: 1e-3, "dImage")
        assertClose(dText, R.numericGradient(text) { R.infoNCE(image, $0, logitScale: logScale, b: b, e: e) },
                    base: base, tolerance: 1e-3, "dText")
        assertClose(dScale, R.numericGradient([logScale]) { R.infoNCE(image, text, logitScale: $0[0], b: b, e: e) },
                    base: base, tolerance: 1e-3, "dLogitScale")
    }

    func testInfoNCELogitScaleGetsNoGradientAboveTheClamp() {
        var r = TestRandom(15)
        let b = 3, e = 4
        let image = R.float(r.doubles(b * e)), text = R.float(r.doubles(b * e))
        var similarity = [Float](repeating: 0, count: b * b), pi = similarity, pt = similarity, dLogits = similarity
        let clamped = InfoNCE.forward(similarity: &similarity, probabilitiesImage: &pi, probabilitiesText: &pt,
                                      image: image, text: text, logitScale: 5, batch: b, embed: e)
        var dImage = filled(b * e), dText = filled(b * e), dScale: [Float] = [base]
        InfoNCE.backward(dImage: &dImage, dText: &dText, dLogitScale: &dScale, dLogits: &dLogits,
                         probabilitiesImage: pi, probabilitiesText: pt, similarity: similarity, image: image,
                         text: text, logitScale: 5, batch: b, embed: e)
        XCTAssertEqual(dScale[0], base)
        let atHundred = InfoNCE.forward(similarity: &similarity, probabilitiesImage: &pi, probabilitiesText: &pt,
                                        image: image, text: text, logitScale: InfoNCE.maximumLogScale, batch: b,
                                        embed: e)
        XCTAssertEqual(clamped, atHundred)
    }

    func testResidualBackwardAddsToBothInputs() {
        var r = TestRandom(16)
        let count = 35
        let a = r.doubles(count), b = r.doubles(count), dy = r.doubles(count)
        var y = [Float](repeating: 0, count: count)
        Residual.forward(out: &y, a: R.float(a), b: R.float(b), bias: nil, rows: 5, columns: 7)
        assertClose(y, zip(a, b).map { $0 + $1 }, "forward")
        let bias = r.doubles(7)
        Residual.forward(out: &y, a: R.float(a), b: R.float(b), bias: R.float(bias), rows: 5, columns: 7)
        assertClose(y, (0..<count).map { a[$0] + b[$0] + bias[$0 % 7] }, "forward with bias")
        var da = filled(count), db = filled(count)
        Residual.backward(dA: &da, dB: &db, dOut: R.float(dy), count: count)
        assertClose(da, R.numericGradient(a) { x in R.weighted(zip(x, b).map { $0 + $1 }, dy) }, base: base, "dA")
        assertClose(db, R.numericGradient(b) { x in R.weighted(zip(a, x).map { $0 + $1 }, dy) }, base: base, "dB")
    }

    func testOverwritingBackwardsIgnoreWhatTheBufferHeld() {
        var r = TestRandom(17)
        let b = 2, t = 5, c = 8, h = 2, n = b * t
        let qkv = R.float(r.doubles(n * 3 * c)), dy = R.float(r.doubles(n * c)), w = R.float(r.doubles(3 * c * c))
        let x = R.float(r.doubles(n * c))
        var y = [Float](repeating: 0, count: n * c), att = [Float](repeating: 0, count: b * h * t * t)
        Attention.forward(out: &y, att: &att, qkv: qkv, batch: b, tokens: t, channels: c, heads: h, causal: true)
        var scratch = att
        var added = [Float](repeating: 0, count: n * 3 * c), overwritten = [Float](repeating: 9, count: n * 3 * c)
        Attention.backward(dQKV: &added, scratch: &scratch, dOut: dy, att: att, qkv: qkv, batch: b, tokens: t,
                           channels: c, heads: h, causal: true)
        Attention.backward(dQKV: &overwritten, scratch: &scratch, dOut: dy, att: att, qkv: qkv, batch: b, tokens: t,
                           channels: c, heads: h, causal: true, accumulate: false)
        XCTAssertEqual(added, overwritten)

        var dw = [Float](repeating: 0, count: 3 * c * c)
        var dxAdded = [Float](repeating: 0, count: n * c), dxOverwritten = [Float](repeating: 9, count: n * c)
        Linear.backward(dInput: &dxAdded, dWeight: &dw, dBias: nil, dOut: added, input: x, weight: w, rows: n,
                        inputChannels: c, outputChannels: 3 * c)
        Linear.backward(dInput: &dxOverwritten, dWeight: &dw, dBias: nil, dOut: added, input: x, weight: w, rows: n,
                        inputChannels: c, outputChannels: 3 * c, accumulateInput: false)
        XCTAssertEqual(dxAdded, dxOverwritten)

        var geluAdded = [Float](repeating: 0, count: n * c), geluOverwritten = [Float](repeating: 9, count: n * c)
        GELU.backward(dInput: &geluAdded, dOut: dy, slope: x, count: n * c)
        GELU.backward(dInput: &geluOverwritten, dOut: dy, slope: x, count: n * c, accumulate: false)
        XCTAssertEqual(geluAdded, geluOverwritten)

        let v = 11, targets: [Int32] = [3, -1, 10, 0]
        var losses = [Float](repeating: 0, count: 4), probabilities = [Float](repeating: 0, count: 4 * v)
        CrossEntropy.forward(losses: &losses, probabilities: &probabilities, logits: R.float(r.doubles(4 * v)),
                             targets: targets, rows: 4, vocabulary: v, ignoreIndex: -1)
        var ceAdded = [Float](repeating: 0, count: 4 * v)
        CrossEntropy.backward(dLogits: &ceAdded, probabilities: probabilities, targets: targets, rows: 4,
                              vocabulary: v, ignoreIndex: -1)
        probabilities.withUnsafeMutableBufferPointer { p in
            CrossEntropy.backward(dLogits: p.baseAddress!, probabilities: p.baseAddress!, targets: targets, rows: 4,
                                  vocabulary: v, ignoreIndex: -1, accumulate: false)
        }
        XCTAssertEqual(ceAdded, probabilities)
    }
}

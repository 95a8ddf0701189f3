import Foundation

/// Plain Double implementations of every kernel: the test oracles. Slow and obvious on purpose.
enum Reference {
    /// (M,K)·(K,N) → (M,N).
    static func matmul(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    static func transpose(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        var t = [Double](repeating: 0, count: a.count)
        for i in 0..<rows { for j in 0..<columns { t[j * rows + i] = a[i * columns + j] } }
        return t
    }

    /// x (N,IC), w (OC,IC), b (OC).
    static func linear(_ x: [Double], _ w: [Double], _ b: [Double]?, n: Int, ic: Int, oc: Int) -> [Double] {
        var y = matmul(x, transpose(w, rows: oc, columns: ic), m: n, n: oc, k: ic)
        if let b { for i in 0..<n { for j in 0..<oc { y[i * oc + j] += b[j] } } }
        return y
    }

    static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double], n: Int, c: Int) -> [Double] {
        var y = x
        for i in 0..<n {
            let row = x[i * c..<(i + 1) * c]
            let mean = row.reduce(0, +) / Double(c)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c)
            for j in 0..<c { y[i * c + j] = (x[i * c + j] - mean) / (variance + 1e-5).squareRoot() * w[j] + b[j] }
        }
        return y
    }

    static func gelu(_ x: [Double]) -> [Double] {
        x.map { 0.5 * $0 * (1 + tanh(0.7978845608028654 * ($0 + 0.044715 * $0 * $0 * $0))) }
    }

    static func softmax(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        var y = x
        for i in 0..<rows {
            let m = x[i * columns..<(i + 1) * columns].max()!
            var s = 0.0
            for j in 0..<columns { y[i * columns + j] = exp(x[i * columns + j] - m); s += y[i * columns + j] }
            for j in 0..<columns { y[i * columns + j] /= s }
        }
        return y
    }

    /// qkv (B,T,3C) → (B,T,C).
    static func attention(_ qkv: [Double], b: Int, t: Int, c: Int, heads: Int, causal: Bool) -> [Double] {
        let hs = c / heads
        var out = [Double](repeating: 0, count: b * t * c)
        for bi in 0..<b { for h in 0..<heads { for i in 0..<t {
            var scores = [Double](repeating: -.infinity, count: t)
            for j in 0..<t where !causal || j <= i {
                var s = 0.0
                for d in 0..<hs {
                    s += qkv[(bi * t + i) * 3 * c + h * hs + d] * qkv[(bi * t + j) * 3 * c + c + h * hs + d]
                }
                scores[j] = s / Double(hs).squareRoot()
            }
            let m = scores.max()!
            let e = scores.map { $0 == -.infinity ? 0 : exp($0 - m) }
            let total = e.reduce(0, +)
            for j in 0..<t { for d in 0..<hs {
                out[(bi * t + i) * c + h * hs + d] += e[j] / total * qkv[(bi * t + j) * 3 * c + 2 * c + h * hs + d]
            } }
        } } }
        return out
    }

    static func embedding(_ tokens: [Int32], _ wte: [Double], _ wpe: [Double], b: Int, t: Int, c: Int) -> [Double] {
        var y = [Double](repeating: 0, count: b * t * c)
        for n in 0..<b * t { for j in 0..<c { y[n * c + j] = wte[Int(tokens[n]) * c + j] + wpe[(n % t) * c + j] } }
        return y
    }

    /// A strided convolution written directly, not through im2col: images (B,3,S,S), weight (C,3,p,p).
    static func patchEmbedding(_ images: [Double], _ weight: [Double], _ cls: [Double], _ pos: [Double],
                               b: Int, s: Int, p: Int, c: Int) -> [Double] {
        let g = s / p, tokens = g * g + 1
        var y = [Double](repeating: 0, count: b * tokens * c)
        for bi in 0..<b {
            for j in 0..<c { y[bi * tokens * c + j] = cls[j] + pos[j] }
            for py in 0..<g { for px in 0..<g { for o in 0..<c {
                var acc = pos[(1 + py * g + px) * c + o]
                for ch in 0..<3 { for ky in 0..<p { for kx in 0..<p {
                    acc += weight[((o * 3 + ch) * p + ky) * p + kx]
                        * images[((bi * 3 + ch) * s + py * p + ky) * s + px * p + kx]
                } } }
                y[(bi * tokens + 1 + py * g + px) * c + o] = acc
            } } }
        }
        return y
    }

    static func l2Normalize(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        var y = x
        for i in 0..<rows {
            let norm = max(x[i * columns..<(i + 1) * columns].map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
            for j in 0..<columns { y[i * columns + j] /= norm }
        }
        return y
    }

    static func crossEntropy(_ logits: [Double], _ targets: [Int32], rows: Int, vocabulary: Int,
                             ignore: Int32) -> Double {
        let p = softmax(logits, rows: rows, columns: vocabulary)
        var total = 0.0, valid = 0
        for i in 0..<rows where targets[i] != ignore {
            total -= log(p[i * vocabulary + Int(targets[i])])
            valid += 1
        }
        return valid == 0 ? 0 : total / Double(valid)
    }

    static func infoNCE(_ image: [Double], _ text: [Double], logitScale: Double, b: Int, e: Int) -> Double {
        let scale = exp(min(logitScale, log(100.0)))
        let logits = matmul(image, transpose(text, rows: b, columns: e), m: b, n: b, k: e).map { $0 * scale }
        let labels = (0..<b).map { Int32($0) }
        let transposed = transpose(logits, rows: b, columns: b)
        return 0.5 * (crossEntropy(logits, labels, rows: b, vocabulary: b, ignore: -1)
                      + crossEntropy(transposed, labels, rows: b, vocabulary: b, ignore: -1))
    }

    /// Central differences of a scalar function of `x`, in Double.
    static func numericGradient(_ x: [Double], step: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        var probe = x
        for i in 0..<x.count {
            probe[i] = x[i] + step
            let plus = f(probe)
            probe[i] = x[i] - step
            let minus = f(probe)
            probe[i] = x[i]
            g[i] = (plus - minus) / (2 * step)
        }
        return g
    }

    /// Σ weights ⊙ y: turns a tensor-valued function into a scalar whose gradient wrt y is `weights`.
    static func weighted(_ y: [Double], _ weights: [Double]) -> Double {
        zip(y, weights).map { $0 * $1 }.reduce(0, +)
    }
}

/// A seeded source of test data, so every test sees the same numbers.
struct TestRandom {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [−scale, scale).
    mutating func doubles(_ count: Int, scale: Double = 1) -> [Double] {
        (0..<count).map { _ in double(scale: scale) }
    }

    /// One uniform in [−scale, scale).
    mutating func double(scale: Double = 1) -> Double {
        (Double(next() >> 11) / 9_007_199_254_740_992 * 2 - 1) * scale
    }

    mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension Reference {
    /// The Float32 copy a kernel consumes.
    static func float(_ x: [Double]) -> [Float] { x.map(Float.init) }
}

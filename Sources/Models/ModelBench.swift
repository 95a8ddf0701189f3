import Foundation

/// Training and embedding throughput of the models on synthetic data, for `ticd bench`.
public enum ModelBench {
    /// One measurement, from the median step. `gflops` counts the config's `flopsPerSample` (forward + backward
    /// for training, a third of it for embedding).
    public struct Result: Equatable {
        public let batch: Int
        public let steps: Int
        public let secondsPerStep: Double
        public let samplesPerSecond: Double
        public let tokensPerSecond: Double
        public let gflops: Double
        /// The process's peak resident set so far (getrusage ru_maxrss), in MiB.
        public let peakResidentMiB: Double
    }

    /// Times `steps` training steps (forward, backward, zero gradients, then `update`) of a CLIP model after
    /// `warmup` untimed ones, on random images and captions.
    public static func trainCLIP(config: CLIPConfig = CLIPConfig(), batch: Int = 256, warmup: Int = 15,
                                 steps: Int = 20, update: (CLIPModel) -> Void = { _ in }) throws -> Result {
        let model = try CLIPModel(config: config, seed: 1)
        let (images, tokens) = clipData(config, batch: batch)
        let seconds = time(warmup: warmup, steps: steps) {
            model.zeroGradients()
            _ = model.forward(images: images, tokens: tokens, batch: batch)
            model.backward()
            update(model)
        }
        return result(batch: batch, steps: steps, seconds: seconds, tokens: config.imageTokens + config.contextLength,
                      flops: config.flopsPerSample())
    }

    /// Times embedding `batch` images and `batch` captions (eval), after `warmup` untimed rounds.
    public static func embedCLIP(config: CLIPConfig = CLIPConfig(), batch: Int = 256, warmup: Int = 5,
                                 steps: Int = 20) throws -> Result {
        let model = try CLIPModel(config: config, seed: 1)
        let (images, tokens) = clipData(config, batch: batch)
        var out = [Float](repeating: 0, count: batch * config.embedDim)
        let seconds = time(warmup: warmup, steps: steps) {
            model.encodeImages(images, batch: batch, into: &out)
            model.encodeTexts(tokens, batch: batch, into: &out)
        }
        return result(batch: batch, steps: steps, seconds: seconds, tokens: config.imageTokens + config.contextLength,
                      flops: config.flopsPerSample() / 3)
    }

    /// Times `steps` GPT training steps at full context after `warmup` untimed ones, on random tokens.
    public static func trainGPT(config: GPTConfig = GPTConfig(), batch: Int = 16, warmup: Int = 15,
                                steps: Int = 10, update: (GPTModel) -> Void = { _ in }) throws -> Result {
        let model = try GPTModel(config: config, seed: 1)
        var state: UInt64 = 7
        let n = batch * config.contextLength
        let tokens = (0..<n + 1).map { _ in Int32(truncatingIfNeeded: next(&state) % UInt64(config.vocabSize)) }
        let inputs = Array(tokens[0..<n]), targets = Array(tokens[1...n])
        let seconds = time(warmup: warmup, steps: steps) {
            model.zeroGradients()
            _ = model.forward(tokens: inputs, targets: targets, batch: batch)
            model.backward()
            update(model)
        }
        return result(batch: batch, steps: steps, seconds: seconds, tokens: config.contextLength,
                      flops: config.flopsPerSample())
    }

    /// GFLOP/s of one square sgemm of side `size` at the current OpenBLAS thread count: the ceiling the models
    /// are measured against.
    public static func sgemmGFLOPs(size: Int = 1024, repeats: Int = 10) -> Double {
        let a = [Float](repeating: 0.5, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        let seconds = time(warmup: 2, steps: repeats) {
            BLAS.sgemm(m: size, n: size, k: size, a: a, lda: size, b: a, ldb: size, c: &c, ldc: size)
        }
        return 2 * pow(Double(size), 3) / seconds / 1e9
    }

    /// The CPU's marketing name, the `model name` line of /proc/cpuinfo ("AMD EPYC", "Intel(R) Xeon(R) ..."),
    /// or "unknown".
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "unknown"
    }

    private static func clipData(_ config: CLIPConfig, batch: Int) -> (images: [Float], tokens: [Int32]) {
        var state: UInt64 = 3
        let images = (0..<batch * 3 * config.imageSize * config.imageSize).map { _ in
            Float(Double(next(&state) >> 11) / 9_007_199_254_740_992 * 2 - 1)
        }
        let t = config.contextLength
        var tokens = [Int32](repeating: 0, count: batch * t)
        for b in 0..<batch {
            let length = 2 + Int(next(&state) % UInt64(t - 2))
            for i in 0..<length - 1 { tokens[b * t + i] = Int32(1 + next(&state) % UInt64(config.vocabSize - 2)) }
            tokens[b * t + length - 1] = Int32(config.vocabSize - 1)
        }
        return (images, tokens)
    }

    private static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The median seconds of `steps` timed runs of `body` after `warmup` untimed ones: robust to the odd step
    /// slowed by another process on a small machine.
    private static func time(warmup: Int, steps: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        KernelProfile.reset()
        var seconds: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        seconds.sort()
        return seconds[seconds.count / 2]
    }

    private static func result(batch: Int, steps: Int, seconds perStep: Double, tokens: Int, flops: Double) -> Result {
        let samples = Double(batch) / perStep
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(batch: batch, steps: steps, secondsPerStep: perStep, samplesPerSecond: samples,
                      tokensPerSecond: samples * Double(tokens), gflops: samples * flops / 1e9,
                      peakResidentMiB: Double(usage.ru_maxrss) / 1024)
    }
}

/// The tiny GPT of DESIGN §6: token and position embeddings, pre-LN causal blocks, a final LayerNorm and a head
/// tied to the token embedding (or its own `lm_head.weight`), trained with next-token cross-entropy.
/// Parameters and gradients each live in one flat buffer named by `layout`; activations in one cache laid out
/// once per (batch, length).
public final class GPTModel {
    /// Targets equal to this are padding: no loss, no gradient.
    public static let ignoreIndex: Int32 = -1

    /// The shape the model was built with.
    public let config: GPTConfig
    /// The names, shapes and offsets of every tensor in `parameters` (and `gradients`).
    public let layout: ParameterLayout
    /// Every parameter, addressed through `layout`.
    public let parameters: UnsafeMutableBufferPointer<Float>
    /// The gradients of the last `backward`, laid out as `parameters`.
    public let gradients: UnsafeMutableBufferPointer<Float>

    private let stack: Transformer
    private let tokenEmbedding, positionEmbedding, lnFinalWeight, lnFinalBias, head: Int

    private let cache = ActivationCache()
    private var views: Views?
    private var tokenStore = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var targetStore = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)

    /// Builds the model with GPT-2's initial weights: N(0, 0.02²) for embeddings and matmuls, the residual
    /// projections (attn.c_proj, mlp.c_proj) scaled by (2·layers)⁻¹ᐟ², gains 1, biases 0.
    /// - Throws: `ModelConfigurationError` when the config cannot be built.
    public init(config: GPTConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        let c = config.width
        var tensors: [(name: String, shape: [Int], decay: Bool)] = [
            ("wte.weight", [config.vocabSize, c], true),
            ("wpe.weight", [config.contextLength, c], false),
        ]
        tensors += Transformer.tensors(prefix: "h.", names: .gpt, layers: config.layers, width: c,
                                       hidden: config.hidden)
        tensors += [("ln_f.weight", [c], false), ("ln_f.bias", [c], false)]
        if !config.tiedHead { tensors.append(("lm_head.weight", [config.vocabSize, c], true)) }
        let layout = ParameterLayout(tensors)
        self.layout = layout
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)
        stack = Transformer(layout: layout, prefix: "h.", names: .gpt, layers: config.layers, width: c,
                            heads: config.heads, hidden: config.hidden, causal: true)
        tokenEmbedding = layout.offset("wte.weight")
        positionEmbedding = layout.offset("wpe.weight")
        lnFinalWeight = layout.offset("ln_f.weight")
        lnFinalBias = layout.offset("ln_f.bias")
        head = config.tiedHead ? tokenEmbedding : layout.offset("lm_head.weight")

        var rng = SplitMix64RNG(seed: seed)
        let residualStd = 0.02 / (2 * Double(max(1, config.layers))).squareRoot()
        for entry in layout.entries {
            let p = parameters.baseAddress! + entry.offset
            if entry.name.hasSuffix("c_proj.weight") {
                for i in 0..<entry.count { p[i] = rng.normal(standardDeviation: Float(residualStd)) }
            } else if entry.name.hasSuffix("ln_1.weight") || entry.name.hasSuffix("ln_2.weight")
                        || entry.name == "ln_f.weight" {
                p.update(repeating: 1, count: entry.count)
            } else if entry.shape.count == 2 {
                for i in 0..<entry.count { p[i] = rng.normal(standardDeviation: 0.02) }
            }
        }
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        tokenStore.deallocate()
        targetStore.deallocate()
    }

    /// Parameters in the model.
    public var parameterCount: Int { layout.count }

    /// LwF: the teacher's next-token probabilities (B·T, vocab) for the next `forward`, which then adds the
    /// distillation term over the positions with a target, and the `backward` after it its gradient.
    public var distillation: Distillation.Target?
    /// The distillation term of the last `forward` (0 without a target).
    public private(set) var lastDistillationLoss: Float = 0
    /// Tempered (B·T, vocab) distributions of the last distilled forward: the student's, then the teacher's.
    private var distilled: [Float] = []
    private var distilledRows = 0

    /// The last forward's next-token probabilities (B·T, vocab), until `backward` turns them into gradients:
    /// what a teacher hands to `Distillation.Target`.
    public func lastProbabilities() -> [Float] {
        guard let v = views else { preconditionFailure("lastProbabilities() needs a forward() first") }
        return Array(UnsafeBufferPointer(start: v.probabilities, count: v.batch * v.length * config.vocabSize))
    }

    private struct Views {
        let batch, length: Int
        let stack: Transformer.Activations
        /// The logits, then their softmax, then (in backward) their gradient: one buffer of (B·T, vocab).
        let probabilities: UnsafeMutablePointer<Float>
        let lnFinal, lnFinalMean, lnFinalRstd, losses: UnsafeMutablePointer<Float>
        let scratch: Transformer.Scratch
    }

    private func views(batch b: Int, length t: Int) -> Views {
        if let v = views, v.batch == b, v.length == t { return v }
        let n = b * t, c = config.width, vocab = config.vocabSize, stack = self.stack
        let v = cache.lay { k in
            Views(batch: b, length: t, stack: stack.activations(&k, batch: b, tokens: t),
                  probabilities: k.take(n * vocab), lnFinal: k.take(n * c), lnFinalMean: k.take(n),
                  lnFinalRstd: k.take(n), losses: k.take(n),
                  scratch: Transformer.Scratch(&k, [(stack, b, t)]))
        }
        if tokenStore.count < n {
            tokenStore.deallocate()
            targetStore.deallocate()
            tokenStore = .allocate(capacity: n)
            tokenStore.initialize(repeating: 0)
            targetStore = .allocate(capacity: n)
            targetStore.initialize(repeating: 0)
        }
        views = v
        return v
    }

    /// Runs the model and the next-token loss, keeping every activation for `backward`.
    /// - Parameters:
    ///   - tokens: (B,T) input ids below vocab_size.
    ///   - targets: (B,T) the id each position should predict, or `GPTModel.ignoreIndex` for padding.
    ///   - batch: B.
    ///   - length: T, at most context_length; nil means context_length.
    /// - Returns: the mean loss over positions whose target is not ignored (0 if there are none).
    public func forward(tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch: Int,
                        length: Int? = nil) -> Float {
        let t = length ?? config.contextLength
        precondition(t >= 1 && t <= config.contextLength, "length \(t) outside 1...\(config.contextLength)")
        precondition(batch >= 1, "batch must be at least 1")
        let v = views(batch: batch, length: t)
        let n = batch * t, c = config.width, vocab = config.vocabSize
        let p = UnsafePointer(parameters.baseAddress!)
        let storedTokens = tokenStore.baseAddress!, storedTargets = targetStore.baseAddress!
        for i in 0..<n {
            precondition(tokens[i] >= 0 && Int(tokens[i]) < vocab, "token \(tokens[i]) at \(i) outside the vocabulary")
            precondition(targets[i] == Self.ignoreIndex || (targets[i] >= 0 && Int(targets[i]) < vocab),
                         "target \(targets[i]) at \(i) outside the vocabulary")
            storedTokens[i] = tokens[i]
            storedTargets[i] = targets[i]
        }
        Embedding.forward(out: v.stack.residual[0], tokens: storedTokens, tokenWeight: p + tokenEmbedding,
                          positionWeight: p + positionEmbedding, batch: batch, length: t, channels: c)
        stack.forward(parameters: p, v.stack, batch: batch, tokens: t)
        LayerNorm.forward(out: v.lnFinal, mean: v.lnFinalMean, rstd: v.lnFinalRstd,
                          input: v.stack.residual[stack.layers], weight: p + lnFinalWeight, bias: p + lnFinalBias,
                          rows: n, channels: c)
        Linear.forward(out: v.probabilities, input: v.lnFinal, weight: p + head, bias: nil, rows: n,
                       inputChannels: c, outputChannels: vocab)
        let loss = CrossEntropy.forward(losses: v.losses, probabilities: v.probabilities, logits: v.probabilities,
                                        targets: storedTargets, rows: n, vocabulary: vocab, ignoreIndex: Self.ignoreIndex)
        lastDistillationLoss = 0
        if let target = distillation {
            precondition(target.values.count == n * vocab, "the teacher's probabilities must be (B·T, vocab)")
            if distilled.count != 2 * n * vocab { distilled = [Float](repeating: 0, count: 2 * n * vocab) }
            let t = target.temperature
            distilled.withUnsafeMutableBufferPointer { d in
                target.values.withUnsafeBufferPointer { teacher in
                    for r in 0..<n where storedTargets[r] != Self.ignoreIndex {
                        Distillation.temper(d.baseAddress! + r * vocab, probabilities: v.probabilities + r * vocab,
                                            count: vocab, temperature: t)
                        Distillation.temper(d.baseAddress! + (n + r) * vocab, probabilities: teacher.baseAddress! + r * vocab,
                                            count: vocab, temperature: t)
                    }
                }
                (lastDistillationLoss, distilledRows) = Distillation.loss(
                    student: d.baseAddress!, teacher: d.baseAddress! + n * vocab, rows: n, columns: vocab,
                    temperature: t, weight: target.weight, include: { storedTargets[$0] != Self.ignoreIndex })
            }
        }
        return loss + lastDistillationLoss
    }

    /// The last forward's loss per position (B·T, row-major), 0 at ignored positions: for perplexity.
    public var tokenLosses: UnsafeBufferPointer<Float> {
        guard let v = views else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: v.losses, count: v.batch * v.length)
    }

    /// Adds the gradients of the last `forward`'s mean loss into `gradients`. Once per forward: it turns the
    /// kept probabilities into their gradient in place.
    public func backward() {
        guard let v = views else { preconditionFailure("backward() needs a forward() first") }
        let b = v.batch, t = v.length, n = b * t, c = config.width, vocab = config.vocabSize
        let p = UnsafePointer(parameters.baseAddress!), g = gradients.baseAddress!
        let dLogits = v.probabilities
        CrossEntropy.backward(dLogits: dLogits, probabilities: v.probabilities, targets: targetStore.baseAddress!,
                              rows: n, vocabulary: vocab, ignoreIndex: Self.ignoreIndex, accumulate: false)
        if let target = distillation, distilledRows > 0 {
            let targets = targetStore.baseAddress!
            distilled.withUnsafeBufferPointer { d in
                Distillation.addGradient(dLogits, student: d.baseAddress!, teacher: d.baseAddress! + n * vocab, rows: n,
                                         columns: vocab, scale: target.weight * target.temperature / Float(distilledRows),
                                         include: { targets[$0] != Self.ignoreIndex })
            }
        }
        Linear.backward(dInput: v.scratch.dLn, dWeight: g + head, dBias: nil, dOut: dLogits, input: v.lnFinal,
                        weight: p + head, rows: n, inputChannels: c, outputChannels: vocab, accumulateInput: false)
        v.scratch.dResidual.update(repeating: 0, count: n * c)
        LayerNorm.backward(dInput: v.scratch.dResidual, dWeight: g + lnFinalWeight, dBias: g + lnFinalBias,
                           dOut: v.scratch.dLn, input: v.stack.residual[stack.layers], mean: v.lnFinalMean,
                           rstd: v.lnFinalRstd, weight: p + lnFinalWeight, rows: n, channels: c)
        stack.backward(gradients: g, parameters: p, v.stack, v.scratch, batch: b, tokens: t)
        Embedding.backward(dTokenWeight: g + tokenEmbedding, dPositionWeight: g + positionEmbedding,
                           dOut: v.scratch.dResidual, tokens: tokenStore.baseAddress!, batch: b, length: t,
                           channels: c)
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        gradients.update(repeating: 0)
    }
}

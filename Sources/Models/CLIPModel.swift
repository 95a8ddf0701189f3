import Foundation

/// The tiny CLIP of DESIGN §6: a pre-LN ViT with a class token and a causal text transformer pooled at the
/// end-of-text token, both projected to a shared space and trained with symmetric InfoNCE.
/// Parameters and gradients each live in one flat buffer named by `layout` (open_clip's state-dict names);
/// activations live in one cache laid out once per batch size.
public final class CLIPModel {
    /// The shape the model was built with.
    public let config: CLIPConfig
    /// The open_clip names, shapes and offsets of every tensor in `parameters` (and `gradients`).
    public let layout: ParameterLayout
    /// Every parameter, addressed through `layout`.
    public let parameters: UnsafeMutableBufferPointer<Float>
    /// The gradients of the last `backward`, laid out as `parameters`.
    public let gradients: UnsafeMutableBufferPointer<Float>

    private let visual: Transformer
    private let text: Transformer
    private let conv1, classEmbedding, visualPositional, lnPreWeight, lnPreBias, lnPostWeight, lnPostBias: Int
    private let visualProjection, tokenEmbedding, positional, lnFinalWeight, lnFinalBias, textProjection: Int
    private let logitScale: Int

    /// LwF: the teacher's logits for the next `forward`, which then adds the distillation term (both directions,
    /// averaged) to InfoNCE, and the `backward` after it its gradient. Nil trains on InfoNCE alone.
    public var distillation: Distillation.Target?
    /// The distillation term of the last `forward` (0 without a target).
    public private(set) var lastDistillationLoss: Float = 0
    /// Tempered (B,B) distributions of the last distilled forward: student image→text, student text→image
    /// (row j is text j over images), then the teacher's two.
    private var distilled: [Float] = []

    private let cache = ActivationCache()
    private var views: Views?
    private var tokenStore = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    private var eotStore = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)

    /// Builds the model with open_clip-like initial weights.
    /// - Parameters:
    ///   - config: the shape.
    ///   - seed: fixes every initial weight.
    /// - Throws: `ModelConfigurationError` when the config cannot be built.
    public init(config: CLIPConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        let cv = config.visionWidth, ct = config.textWidth, e = config.embedDim, p = config.patchSize
        var tensors: [(name: String, shape: [Int], decay: Bool)] = [
            ("visual.conv1.weight", [cv, 3, p, p], true),
            ("visual.class_embedding", [cv], false),
            ("visual.positional_embedding", [config.imageTokens, cv], false),
            ("visual.ln_pre.weight", [cv], false), ("visual.ln_pre.bias", [cv], false),
        ]
        tensors += Transformer.tensors(prefix: "visual.transformer.resblocks.", names: .openCLIP,
                                       layers: config.visionLayers, width: cv, hidden: config.visionHidden)
        tensors += [
            ("visual.ln_post.weight", [cv], false), ("visual.ln_post.bias", [cv], false),
            ("visual.proj", [cv, e], true),
            ("token_embedding.weight", [config.vocabSize, ct], true),
            ("positional_embedding", [config.contextLength, ct], false),
        ]
        tensors += Transformer.tensors(prefix: "transformer.resblocks.", names: .openCLIP,
                                       layers: config.textLayers, width: ct, hidden: config.textHidden)
        tensors += [
            ("ln_final.weight", [ct], false), ("ln_final.bias", [ct], false),
            ("text_projection", [ct, e], true),
            ("logit_scale", [], false),
        ]
        let layout = ParameterLayout(tensors)
        self.layout = layout
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)
        visual = Transformer(layout: layout, prefix: "visual.transformer.resblocks.", names: .openCLIP,
                             layers: config.visionLayers, width: cv, heads: config.visionHeads,
                             hidden: config.visionHidden, causal: false)
        text = Transformer(layout: layout, prefix: "transformer.resblocks.", names: .openCLIP,
                           layers: config.textLayers, width: ct, heads: config.textHeads,
                           hidden: config.textHidden, causal: true)
        conv1 = layout.offset("visual.conv1.weight")
        classEmbedding = layout.offset("visual.class_embedding")
        visualPositional = layout.offset("visual.positional_embedding")
        lnPreWeight = layout.offset("visual.ln_pre.weight")
        lnPreBias = layout.offset("visual.ln_pre.bias")
        lnPostWeight = layout.offset("visual.ln_post.weight")
        lnPostBias = layout.offset("visual.ln_post.bias")
        visualProjection = layout.offset("visual.proj")
        tokenEmbedding = layout.offset("token_embedding.weight")
        positional = layout.offset("positional_embedding")
        lnFinalWeight = layout.offset("ln_final.weight")
        lnFinalBias = layout.offset("ln_final.bias")
        textProjection = layout.offset("text_projection")
        logitScale = layout.offset("logit_scale")
        initialize(seed: seed)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        tokenStore.deallocate()
        eotStore.deallocate()
    }

    /// Parameters in the model.
    public var parameterCount: Int { layout.count }

    /// open_clip's init: class and position embeddings and `visual.proj`/`text_projection` N(0, width⁻¹);
    /// token embedding N(0, 0.02²), text positions N(0, 0.01²); in every block (both towers) qkv N(0, width⁻¹),
    /// attention out and c_proj N(0, width⁻¹·(2·layers)⁻¹), c_fc N(0, (2·width)⁻¹);
    /// conv1 N(0, (3p²)⁻¹); LayerNorm gains 1, biases 0; logit_scale ln(1/0.07).
    private func initialize(seed: UInt64) {
        var rng = SplitMix64RNG(seed: seed)
        for entry in layout.entries {
            let p = parameters.baseAddress! + entry.offset
            if entry.name == "logit_scale" {
                p.pointee = Float(Foundation.log(1 / 0.07))
            } else if entry.shape.count == 1 && entry.name.hasSuffix(".weight") {
                p.update(repeating: 1, count: entry.count)
            } else if let std = initialStandardDeviation(entry.name) {
                for i in 0..<entry.count { p[i] = rng.normal(standardDeviation: Float(std)) }
            }
        }
    }

    private func initialStandardDeviation(_ name: String) -> Double? {
        let visual = name.hasPrefix("visual.")
        let width = Double(visual ? config.visionWidth : config.textWidth)
        let layers = Double(max(1, visual ? config.visionLayers : config.textLayers))
        switch name {
        case "visual.conv1.weight": return 1 / Double(3 * config.patchSize * config.patchSize).squareRoot()
        case "visual.class_embedding", "visual.positional_embedding", "visual.proj", "text_projection":
            return 1 / width.squareRoot()
        case "token_embedding.weight": return 0.02
        case "positional_embedding": return 0.01
        case _ where name.hasSuffix("attn.in_proj_weight"): return 1 / width.squareRoot()
        case _ where name.hasSuffix("attn.out_proj.weight") || name.hasSuffix("mlp.c_proj.weight"):
            return 1 / (width * 2 * layers).squareRoot()
        case _ where name.hasSuffix("mlp.c_fc.weight"): return 1 / (2 * width).squareRoot()
        default: return nil
        }
    }

    /// Every activation for one batch size, carved from the cache. Views laid out without `training` keep
    /// nothing for backward and serve `encodeImages`/`encodeTexts` in a fraction of the memory.
    private struct Views {
        let batch: Int
        let training: Bool
        let patches, projected, embedded, lnPreMean, lnPreRstd: UnsafeMutablePointer<Float>
        let vision: Transformer.Activations
        let imagePooled, imageLn, imageLnMean, imageLnRstd: UnsafeMutablePointer<Float>
        let imageFeatures, imageNorm, imageEmbeddings: UnsafeMutablePointer<Float>
        let textStack: Transformer.Activations
        let textPooled, textLn, textLnMean, textLnRstd: UnsafeMutablePointer<Float>
        let textFeatures, textNorm, textEmbeddings: UnsafeMutablePointer<Float>
        let similarity, probabilitiesImage, probabilitiesText, dLogits: UnsafeMutablePointer<Float>
        let dImageEmbeddings, dImageFeatures, dImageLn, dImagePooled: UnsafeMutablePointer<Float>
        let dTextEmbeddings, dTextFeatures, dTextLn, dTextPooled: UnsafeMutablePointer<Float>
        let scratch: Transformer.Scratch
    }

    private func views(batch b: Int, training: Bool) -> Views {
        if let v = views, v.batch == b, v.training || !training { return v }
        let cv = config.visionWidth, ct = config.textWidth, e = config.embedDim
        let ti = config.imageTokens, tt = config.contextLength, patches = ti - 1
        let k = 3 * config.patchSize * config.patchSize
        let visual = self.visual, text = self.text
        let v = cache.lay { c in
            Views(batch: b, training: training, patches: c.take(b * patches * k),
                  projected: c.take(b * patches * cv), embedded: c.take(b * ti * cv), lnPreMean: c.take(b * ti),
                  lnPreRstd: c.take(b * ti), vision: visual.activations(&c, batch: b, tokens: ti, training: training),
                  imagePooled: c.take(b * cv), imageLn: c.take(b * cv), imageLnMean: c.take(b),
                  imageLnRstd: c.take(b), imageFeatures: c.take(b * e), imageNorm: c.take(b),
                  imageEmbeddings: c.take(b * e),
                  textStack: text.activations(&c, batch: b, tokens: tt, training: training),
                  textPooled: c.take(b * ct), textLn: c.take(b * ct), textLnMean: c.take(b),
                  textLnRstd: c.take(b), textFeatures: c.take(b * e), textNorm: c.take(b),
                  textEmbeddings: c.take(b * e),
                  similarity: c.take(b * b), probabilitiesImage: c.take(b * b), probabilitiesText: c.take(b * b),
                  dLogits: c.take(b * b),
                  dImageEmbeddings: c.take(b * e), dImageFeatures: c.take(b * e), dImageLn: c.take(b * cv),
                  dImagePooled: c.take(b * cv),
                  dTextEmbeddings: c.take(b * e), dTextFeatures: c.take(b * e), dTextLn: c.take(b * ct),
                  dTextPooled: c.take(b * ct),
                  scratch: Transformer.Scratch(&c, training ? [(visual, b, ti), (text, b, tt)] : []))
        }
        if eotStore.count < b {
            tokenStore.deallocate()
            eotStore.deallocate()
            tokenStore = .allocate(capacity: b * tt)
            tokenStore.initialize(repeating: 0)
            eotStore = .allocate(capacity: b)
            eotStore.initialize(repeating: 0)
        }
        views = v
        return v
    }

    /// Runs both towers and the contrastive loss, keeping every activation for `backward`.
    /// - Parameters:
    ///   - images: (B,3,H,W) normalised pixels, H = W = image_size.
    ///   - tokens: (B,context_length) token ids below vocab_size.
    ///   - eotPositions: (B) the end-of-text position of each caption; nil takes the position of the largest
    ///     token id, as open_clip's argmax pooling does when EOT is the largest id.
    ///   - batch: B, at least 1.
    /// - Returns: the symmetric InfoNCE loss.
    public func forward(images: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                        eotPositions: UnsafePointer<Int32>? = nil, batch: Int) -> Float {
        precondition(batch >= 1, "batch must be at least 1")
        let v = views(batch: batch, training: true)
        encodeImages(v, images: images)
        encodeTexts(v, tokens: tokens, eotPositions: eotPositions)
        let scale = parameters[logitScale]
        let loss = InfoNCE.forward(similarity: v.similarity, probabilitiesImage: v.probabilitiesImage,
                                   probabilitiesText: v.probabilitiesText, image: v.imageEmbeddings,
                                   text: v.textEmbeddings, logitScale: scale, batch: batch, embed: config.embedDim)
        lastDistillationLoss = distillation.map { distill($0, similarity: v.similarity, batch: batch) } ?? 0
        return loss + lastDistillationLoss
    }

    /// The distillation term against `target` on logits exp(logit_scale)·similarity (B,B); keeps the tempered
    /// distributions for `backward`.
    private func distill(_ target: Distillation.Target, similarity: UnsafePointer<Float>, batch b: Int) -> Float {
        precondition(target.values.count == b * b, "the teacher's logits must be (B,B) for B = \(b)")
        let scale = Foundation.exp(min(parameters[logitScale], InfoNCE.maximumLogScale))
        let t = target.temperature
        if distilled.count != 4 * b * b { distilled = [Float](repeating: 0, count: 4 * b * b) }
        var loss: Float = 0
        distilled.withUnsafeMutableBufferPointer { d in
            let q = d.baseAddress!
            target.values.withUnsafeBufferPointer { teacher in
                for r in 0..<b {
                    // Student logits are scale·similarity: tempering by T is tempering similarity by T/scale.
                    Distillation.temperedSoftmax(q + r * b, logits: similarity + r * b, count: b, temperature: t / scale)
                    Distillation.temperedSoftmax(q + (b + r) * b, logits: similarity + r, count: b, stride: b,
                                                 temperature: t / scale)
                    Distillation.temperedSoftmax(q + (2 * b + r) * b, logits: teacher.baseAddress! + r * b, count: b,
                                                 temperature: t)
                    Distillation.temperedSoftmax(q + (3 * b + r) * b, logits: teacher.baseAddress! + r, count: b,
                                                 stride: b, temperature: t)
                }
            }
            let (imageToText, _) = Distillation.loss(student: q, teacher: q + 2 * b * b, rows: b, columns: b,
                                                     temperature: t, weight: target.weight)
            let (textToImage, _) = Distillation.loss(student: q + b * b, teacher: q + 3 * b * b, rows: b, columns: b,
                                                     temperature: t, weight: target.weight)
            loss = (imageToText + textToImage) / 2
        }
        return loss
    }

    /// The last forward's logits, exp(logit_scale)·image·textᵀ (B,B) row-major: what a teacher hands to
    /// `Distillation.Target`.
    public func lastLogits() -> [Float] {
        guard let v = views else { preconditionFailure("lastLogits() needs a forward() first") }
        let scale = Foundation.exp(min(parameters[logitScale], InfoNCE.maximumLogScale))
        return (0..<(v.batch * v.batch)).map { scale * v.similarity[$0] }
    }

    /// Adds the gradients of the last `forward`'s loss into `gradients`. `encodeImages`/`encodeTexts` reuse the
    /// activations, so call it before them.
    public func backward() {
        guard let v = views, v.training else { preconditionFailure("backward() needs a forward() first") }
        let b = v.batch, e = config.embedDim, cv = config.visionWidth, ct = config.textWidth
        let ti = config.imageTokens, tt = config.contextLength
        let p = UnsafePointer(parameters.baseAddress!), g = gradients.baseAddress!
        v.dImageEmbeddings.update(repeating: 0, count: b * e)
        v.dTextEmbeddings.update(repeating: 0, count: b * e)
        InfoNCE.backward(dImage: v.dImageEmbeddings, dText: v.dTextEmbeddings, dLogitScale: g + logitScale,
                         dLogits: v.dLogits, probabilitiesImage: v.probabilitiesImage,
                         probabilitiesText: v.probabilitiesText, similarity: v.similarity,
                         image: v.imageEmbeddings, text: v.textEmbeddings, logitScale: p[logitScale],
                         batch: b, embed: e, addToLogitGradient: distillation.map { target in { dLogits in
                             self.distilled.withUnsafeBufferPointer { d in
                                 let q = d.baseAddress!
                                 // Half of each direction's weight·T/B, as the loss averages the two.
                                 let step = target.weight * target.temperature / Float(2 * b)
                                 Distillation.addGradient(dLogits, student: q, teacher: q + 2 * b * b, rows: b,
                                                          columns: b, scale: step)
                                 Distillation.addGradient(dLogits, student: q + b * b, teacher: q + 3 * b * b, rows: b,
                                                          columns: b, scale: step, transposed: true)
                             }
                         } })

        headBackward(v.scratch.dResidual, pooledRows: { i in i * ti }, tokens: ti, width: cv,
                     dEmbeddings: v.dImageEmbeddings, dFeatures: v.dImageFeatures, dLn: v.dImageLn,
                     dPooled: v.dImagePooled, embeddings: v.imageEmbeddings, norm: v.imageNorm, ln: v.imageLn,
                     pooled: v.imagePooled, lnMean: v.imageLnMean, lnRstd: v.imageLnRstd,
                     projection: visualProjection, lnWeight: lnPostWeight, lnBias: lnPostBias, batch: b)
        visual.backward(gradients: g, parameters: p, v.vision, v.scratch, batch: b, tokens: ti)
        v.scratch.dLn.update(repeating: 0, count: b * ti * cv)
        LayerNorm.backward(dInput: v.scratch.dLn, dWeight: g + lnPreWeight, dBias: g + lnPreBias,
                           dOut: v.scratch.dResidual, input: v.embedded, mean: v.lnPreMean, rstd: v.lnPreRstd,
                           weight: p + lnPreWeight, rows: b * ti, channels: cv)
        PatchEmbedding.backward(dWeight: g + conv1, dClassEmbedding: g + classEmbedding,
                                dPositionalEmbedding: g + visualPositional, scratch: v.projected,
                                dOut: v.scratch.dLn, patches: v.patches, batch: b, imageSize: config.imageSize,
                                patchSize: config.patchSize, channels: cv)

        let eot = eotStore.baseAddress!
        headBackward(v.scratch.dResidual, pooledRows: { i in i * tt + Int(eot[i]) }, tokens: tt, width: ct,
                     dEmbeddings: v.dTextEmbeddings, dFeatures: v.dTextFeatures, dLn: v.dTextLn,
                     dPooled: v.dTextPooled, embeddings: v.textEmbeddings, norm: v.textNorm, ln: v.textLn,
                     pooled: v.textPooled, lnMean: v.textLnMean, lnRstd: v.textLnRstd,
                     projection: textProjection, lnWeight: lnFinalWeight, lnBias: lnFinalBias, batch: b)
        text.backward(gradients: g, parameters: p, v.textStack, v.scratch, batch: b, tokens: tt)
        Embedding.backward(dTokenWeight: g + tokenEmbedding, dPositionWeight: g + positional,
                           dOut: v.scratch.dResidual, tokens: tokenStore.baseAddress!, batch: b, length: tt,
                           channels: ct)
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        gradients.update(repeating: 0)
    }

    /// Writes L2-normalised image embeddings (B, embed_dim) of `images` (B,3,H,W) into `out`.
    public func encodeImages(_ images: UnsafePointer<Float>, batch: Int, into out: UnsafeMutablePointer<Float>) {
        let v = views(batch: batch, training: false)
        encodeImages(v, images: images)
        out.update(from: v.imageEmbeddings, count: batch * config.embedDim)
    }

    /// Writes L2-normalised text embeddings (B, embed_dim) of `tokens` (B,context_length) into `out`;
    /// `eotPositions` as in `forward`.
    public func encodeTexts(_ tokens: UnsafePointer<Int32>, eotPositions: UnsafePointer<Int32>? = nil, batch: Int,
                            into out: UnsafeMutablePointer<Float>) {
        let v = views(batch: batch, training: false)
        encodeTexts(v, tokens: tokens, eotPositions: eotPositions)
        out.update(from: v.textEmbeddings, count: batch * config.embedDim)
    }

    private func encodeImages(_ v: Views, images: UnsafePointer<Float>) {
        let b = v.batch, cv = config.visionWidth, ti = config.imageTokens
        let p = UnsafePointer(parameters.baseAddress!)
        PatchEmbedding.forward(out: v.embedded, patches: v.patches, projected: v.projected, images: images,
                               weight: p + conv1, classEmbedding: p + classEmbedding,
                               positionalEmbedding: p + visualPositional, batch: b, imageSize: config.imageSize,
                               patchSize: config.patchSize, channels: cv)
        LayerNorm.forward(out: v.vision.residual[0], mean: v.lnPreMean, rstd: v.lnPreRstd, input: v.embedded,
                          weight: p + lnPreWeight, bias: p + lnPreBias, rows: b * ti, channels: cv)
        visual.forward(parameters: p, v.vision, batch: b, tokens: ti)
        let out = v.vision.residual[visual.layers]
        for i in 0..<b { (v.imagePooled + i * cv).update(from: out + i * ti * cv, count: cv) }
        head(v, pooled: v.imagePooled, ln: v.imageLn, lnMean: v.imageLnMean, lnRstd: v.imageLnRstd,
             features: v.imageFeatures, norm: v.imageNorm, embeddings: v.imageEmbeddings, width: cv,
             projection: visualProjection, lnWeight: lnPostWeight, lnBias: lnPostBias)
    }

    private func encodeTexts(_ v: Views, tokens: UnsafePointer<Int32>, eotPositions: UnsafePointer<Int32>?) {
        let b = v.batch, ct = config.textWidth, tt = config.contextLength
        let p = UnsafePointer(parameters.baseAddress!)
        let stored = tokenStore.baseAddress!, eot = eotStore.baseAddress!
        for i in 0..<b * tt {
            precondition(tokens[i] >= 0 && Int(tokens[i]) < config.vocabSize,
                         "token \(tokens[i]) at \(i) is outside the vocabulary of \(config.vocabSize)")
            stored[i] = tokens[i]
        }
        for i in 0..<b {
            if let eotPositions {
                precondition(eotPositions[i] >= 0 && Int(eotPositions[i]) < tt, "EOT position outside the context")
                eot[i] = eotPositions[i]
            } else {
                var best = 0
                for t in 1..<tt where tokens[i * tt + t] > tokens[i * tt + best] { best = t }
                eot[i] = Int32(best)
            }
        }
        Embedding.forward(out: v.textStack.residual[0], tokens: stored, tokenWeight: p + tokenEmbedding,
                          positionWeight: p + positional, batch: b, length: tt, channels: ct)
        text.forward(parameters: p, v.textStack, batch: b, tokens: tt)
        let out = v.textStack.residual[text.layers]
        for i in 0..<b { (v.textPooled + i * ct).update(from: out + (i * tt + Int(eot[i])) * ct, count: ct) }
        head(v, pooled: v.textPooled, ln: v.textLn, lnMean: v.textLnMean, lnRstd: v.textLnRstd,
             features: v.textFeatures, norm: v.textNorm, embeddings: v.textEmbeddings, width: ct,
             projection: textProjection, lnWeight: lnFinalWeight, lnBias: lnFinalBias)
    }

    /// A tower's pooled token → final LayerNorm → projection → L2 norm. The norm runs on pooled rows only:
    /// LayerNorm is per token, so this equals open_clip's norm-then-pool.
    private func head(_ v: Views, pooled: UnsafeMutablePointer<Float>, ln: UnsafeMutablePointer<Float>,
                      lnMean: UnsafeMutablePointer<Float>, lnRstd: UnsafeMutablePointer<Float>,
                      features: UnsafeMutablePointer<Float>, norm: UnsafeMutablePointer<Float>,
                      embeddings: UnsafeMutablePointer<Float>, width: Int, projection: Int, lnWeight: Int,
                      lnBias: Int) {
        let b = v.batch, e = config.embedDim
        let p = UnsafePointer(parameters.baseAddress!)
        LayerNorm.forward(out: ln, mean: lnMean, rstd: lnRstd, input: pooled, weight: p + lnWeight,
                          bias: p + lnBias, rows: b, channels: width)
        Projection.forward(out: features, input: ln, weight: p + projection, rows: b, inputChannels: width,
                           outputChannels: e)
        L2Normalize.forward(out: embeddings, norm: norm, input: features, rows: b, columns: e)
    }

    /// The mirror of `head`, ending with the pooled rows' gradients scattered into a zeroed `dResidual`
    /// (B,T,width).
    private func headBackward(_ dResidual: UnsafeMutablePointer<Float>, pooledRows: (Int) -> Int, tokens: Int,
                              width: Int, dEmbeddings: UnsafeMutablePointer<Float>,
                              dFeatures: UnsafeMutablePointer<Float>, dLn: UnsafeMutablePointer<Float>,
                              dPooled: UnsafeMutablePointer<Float>, embeddings: UnsafePointer<Float>,
                              norm: UnsafePointer<Float>, ln: UnsafePointer<Float>, pooled: UnsafePointer<Float>,
                              lnMean: UnsafePointer<Float>, lnRstd: UnsafePointer<Float>, projection: Int,
                              lnWeight: Int, lnBias: Int, batch b: Int) {
        let e = config.embedDim
        let p = UnsafePointer(parameters.baseAddress!), g = gradients.baseAddress!
        dFeatures.update(repeating: 0, count: b * e)
        L2Normalize.backward(dInput: dFeatures, dOut: dEmbeddings, out: embeddings, norm: norm, rows: b, columns: e)
        dLn.update(repeating: 0, count: b * width)
        Projection.backward(dInput: dLn, dWeight: g + projection, dOut: dFeatures, input: ln,
                            weight: p + projection, rows: b, inputChannels: width, outputChannels: e)
        dPooled.update(repeating: 0, count: b * width)
        LayerNorm.backward(dInput: dPooled, dWeight: g + lnWeight, dBias: g + lnBias, dOut: dLn, input: pooled,
                           mean: lnMean, rstd: lnRstd, weight: p + lnWeight, rows: b, channels: width)
        dResidual.update(repeating: 0, count: b * tokens * width)
        for i in 0..<b { (dResidual + pooledRows(i) * width).update(from: dPooled + i * width, count: width) }
    }
}

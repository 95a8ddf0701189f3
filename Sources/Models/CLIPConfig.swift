/// The tiny CLIP's shape, with open_clip's key names in JSON. Defaults are the benchmark model of DESIGN §6:
/// ViT 32 px, patch 4, width 128, 4 layers, 4 heads; text context 32, width 128, 4 layers, 4 heads, vocab 4096;
/// embed 128.
public struct CLIPConfig: Codable, Equatable {
    public var imageSize = 32
    public var patchSize = 4
    public var visionWidth = 128
    public var visionLayers = 4
    public var visionHeads = 4
    public var mlpRatio = 4.0
    public var contextLength = 32
    public var vocabSize = 4096
    public var textWidth = 128
    public var textLayers = 4
    public var textHeads = 4
    public var embedDim = 128

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", patchSize = "patch_size", visionWidth = "vision_width"
        case visionLayers = "vision_layers", visionHeads = "vision_heads", mlpRatio = "mlp_ratio"
        case contextLength = "context_length", vocabSize = "vocab_size", textWidth = "text_width"
        case textLayers = "text_layers", textHeads = "text_heads", embedDim = "embed_dim"
    }

    /// The benchmark model's shape, the defaults above.
    public init() {}

    /// Reads a config; missing keys keep their defaults, so a file may name only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CLIPConfig()
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? d.imageSize
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
        visionWidth = try c.decodeIfPresent(Int.self, forKey: .visionWidth) ?? d.visionWidth
        visionLayers = try c.decodeIfPresent(Int.self, forKey: .visionLayers) ?? d.visionLayers
        visionHeads = try c.decodeIfPresent(Int.self, forKey: .visionHeads) ?? d.visionHeads
        mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? d.mlpRatio
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? d.contextLength
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        textWidth = try c.decodeIfPresent(Int.self, forKey: .textWidth) ?? d.textWidth
        textLayers = try c.decodeIfPresent(Int.self, forKey: .textLayers) ?? d.textLayers
        textHeads = try c.decodeIfPresent(Int.self, forKey: .textHeads) ?? d.textHeads
        embedDim = try c.decodeIfPresent(Int.self, forKey: .embedDim) ?? d.embedDim
    }

    /// Patches per image side.
    public var grid: Int { imageSize / patchSize }
    /// Image tokens: the patches plus the class token.
    public var imageTokens: Int { grid * grid + 1 }
    var visionHidden: Int { Int((Double(visionWidth) * mlpRatio).rounded()) }
    var textHidden: Int { Int((Double(textWidth) * mlpRatio).rounded()) }

    /// Checks the shape can be built.
    /// - Throws: `ModelConfigurationError` naming the first bad field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw ModelConfigurationError(field: field, reason: reason) }
        }
        try check(imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0, "patch_size",
                  "\(patchSize) must divide image_size \(imageSize)")
        try check(visionWidth > 0 && visionHeads > 0 && visionWidth % visionHeads == 0, "vision_heads",
                  "\(visionHeads) must divide vision_width \(visionWidth)")
        try check(textWidth > 0 && textHeads > 0 && textWidth % textHeads == 0, "text_heads",
                  "\(textHeads) must divide text_width \(textWidth)")
        try check(visionLayers >= 0 && textLayers >= 0, "layers", "must not be negative")
        try check(mlpRatio > 0, "mlp_ratio", "must be positive")
        try check(contextLength > 0, "context_length", "must be positive")
        try check(vocabSize > 1 && vocabSize <= Int(Int32.max), "vocab_size", "must be in 2...\(Int32.max)")
        try check(embedDim > 0, "embed_dim", "must be positive")
    }

    /// Training FLOPs per image–text pair (forward + backward = 3 × forward, whose matmuls count 2 per
    /// multiply-add): each tower's blocks (see `Transformer.forwardFlops`: 2·T·(4C² + 2CF) + 4·T²·C per layer,
    /// attention computed in full), the patch embedding 2·P·3p²·C, and both projections 2·C·E.
    /// The B×B similarity matrix (2·B·E per pair) is left out as it depends on the batch.
    public func flopsPerSample() -> Double {
        func tower(_ layers: Int, _ c: Int, _ f: Int, _ t: Int) -> Double {
            let t = Double(t), c = Double(c), f = Double(f)
            return Double(layers) * (2 * t * (4 * c * c + 2 * c * f) + 4 * t * t * c)
        }
        let patches = Double(grid * grid)
        let forward = tower(visionLayers, visionWidth, visionHidden, imageTokens)
            + tower(textLayers, textWidth, textHidden, contextLength)
            + 2 * patches * Double(3 * patchSize * patchSize * visionWidth)
            + 2 * Double(visionWidth * embedDim) + 2 * Double(textWidth * embedDim)
        return 3 * forward
    }
}

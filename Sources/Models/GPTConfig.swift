/// The tiny GPT's shape, GPT-2 style (pre-LN, learned positions, tanh GELU). Defaults: vocab 4096, context 256,
/// width 256, 4 layers, 4 heads, head tied to the token embedding.
public struct GPTConfig: Codable, Equatable {
    public var vocabSize = 4096
    public var contextLength = 256
    public var width = 256
    public var layers = 4
    public var heads = 4
    public var mlpRatio = 4.0
    public var tiedHead = true

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", contextLength = "context_length", width, layers, heads
        case mlpRatio = "mlp_ratio", tiedHead = "tied_head"
    }

    /// The benchmark model's shape, the defaults above.
    public init() {}

    /// Reads a config; missing keys keep their defaults, so a file may name only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GPTConfig()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? d.contextLength
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? d.mlpRatio
        tiedHead = try c.decodeIfPresent(Bool.self, forKey: .tiedHead) ?? d.tiedHead
    }

    var hidden: Int { Int((Double(width) * mlpRatio).rounded()) }

    /// Checks the shape can be built.
    /// - Throws: `ModelConfigurationError` naming the first bad field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw ModelConfigurationError(field: field, reason: reason) }
        }
        try check(width > 0 && heads > 0 && width % heads == 0, "heads", "\(heads) must divide width \(width)")
        try check(layers >= 0, "layers", "must not be negative")
        try check(mlpRatio > 0, "mlp_ratio", "must be positive")
        try check(contextLength > 0 && contextLength <= 1024, "context_length", "must be in 1...1024")
        try check(vocabSize > 1 && vocabSize <= Int(Int32.max), "vocab_size", "must be in 2...\(Int32.max)")
    }

    /// Training FLOPs per sequence of `contextLength` tokens (forward + backward = 3 × forward, 2 per
    /// multiply-add): per layer 2·T·(4C² + 2CF) + 4·T²·C (attention computed in full, mask and all), plus the
    /// head 2·T·C·V. Tokens per second × this / T gives the achieved FLOP rate.
    public func flopsPerSample() -> Double {
        let t = Double(contextLength), c = Double(width), f = Double(hidden)
        let blocks = Double(layers) * (2 * t * (4 * c * c + 2 * c * f) + 4 * t * t * c)
        return 3 * (blocks + 2 * t * c * Double(vocabSize))
    }
}

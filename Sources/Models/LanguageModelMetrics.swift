import Foundation

/// Running totals for language-model evaluation: summed token negative log-likelihood (nats), tokens and the
/// UTF-8 bytes those tokens decode to. Bits per byte does not depend on the tokenizer, so models with
/// different vocabularies compare on it.
public struct LanguageModelMetrics: Codable, Equatable {
    /// Σ −ln p(token) over all scored tokens, in nats.
    public var totalNegativeLogLikelihood: Double = 0
    /// Tokens scored.
    public var tokenCount: Int = 0
    /// Bytes of text the scored tokens stand for.
    public var byteCount: Int = 0

    /// Empty totals.
    public init() {}

    /// Adds a batch's summed loss.
    /// - Parameters:
    ///   - negativeLogLikelihood: Σ −ln p over the batch's scored tokens, in nats.
    ///   - tokens: how many tokens that sum covers.
    ///   - bytes: the byte length of the text those tokens decode to.
    public mutating func add(negativeLogLikelihood: Double, tokens: Int, bytes: Int) {
        totalNegativeLogLikelihood += negativeLogLikelihood
        tokenCount += tokens
        byteCount += bytes
    }

    /// Adds per-token losses (nats), summed in Double in index order.
    public mutating func add(tokenLosses: UnsafeBufferPointer<Float>, bytes: Int) {
        var sum = 0.0
        for loss in tokenLosses { sum += Double(loss) }
        add(negativeLogLikelihood: sum, tokens: tokenLosses.count, bytes: bytes)
    }

    /// Adds another accumulator's totals (e.g. one per worker or per shard).
    public mutating func merge(_ other: LanguageModelMetrics) {
        add(negativeLogLikelihood: other.totalNegativeLogLikelihood, tokens: other.tokenCount, bytes: other.byteCount)
    }

    /// Mean token loss in nats (0 when nothing was scored).
    public var meanTokenLoss: Double {
        tokenCount > 0 ? totalNegativeLogLikelihood / Double(tokenCount) : 0
    }

    /// exp(mean token loss).
    public var perplexity: Double { exp(meanTokenLoss) }

    /// Total nats / (ln 2 · bytes) (0 when no bytes were scored).
    public var bitsPerByte: Double {
        byteCount > 0 ? totalNegativeLogLikelihood / (M_LN2 * Double(byteCount)) : 0
    }

    /// The metrics under the names ticd reports and stores: "loss", "perplexity", "bits_per_byte",
    /// "tokens", "bytes".
    public var asDictionary: [String: Double] {
        ["loss": meanTokenLoss, "perplexity": perplexity, "bits_per_byte": bitsPerByte,
         "tokens": Double(tokenCount), "bytes": Double(byteCount)]
    }
}

@testable import Models

/// Tiny shapes the model tests share.
enum ModelFixtures {
    static var tinyCLIP: CLIPConfig {
        var c = CLIPConfig()
        c.imageSize = 8; c.patchSize = 4; c.visionWidth = 16; c.visionLayers = 2; c.visionHeads = 2
        c.mlpRatio = 2; c.contextLength = 6; c.vocabSize = 13; c.textWidth = 16; c.textLayers = 2
        c.textHeads = 2; c.embedDim = 8
        return c
    }

    static func tinyGPT(tied: Bool) -> GPTConfig {
        var c = GPTConfig()
        c.vocabSize = 13; c.contextLength = 8; c.width = 16; c.layers = 2; c.heads = 2; c.tiedHead = tied
        return c
    }

    /// Random normalised images (B,3,S,S) and captions whose EOT (the largest id) sits at varied positions.
    static func clipBatch(_ config: CLIPConfig, batch: Int, seed: UInt64) -> (images: [Float], tokens: [Int32]) {
        var r = TestRandom(seed)
        let images = Reference.float(r.doubles(batch * 3 * config.imageSize * config.imageSize))
        let t = config.contextLength, eotToken = Int32(config.vocabSize - 1)
        var tokens = [Int32](repeating: 0, count: batch * t)
        for b in 0..<batch {
            let eot = 1 + (b % (t - 1))
            for i in 0..<eot { tokens[b * t + i] = Int32(1 + r.int(config.vocabSize - 2)) }
            tokens[b * t + eot] = eotToken
        }
        return (images, tokens)
    }
}

import Foundation
import Models
import Timeline

/// The text the run's tokenizer is learned from: the first step's training samples (captions or documents),
/// read from the store, held-out samples excluded. TiC-LM learns its tokenizer once and freezes it; ticd does
/// the same and keeps it in every checkpoint.
enum TokenizerSample {
    /// Up to `limitBytes` of training text from the ready shards of months `first...last`, shards in sha256
    /// order: which text a capped sample holds must not depend on the order the shards arrived in.
    static func texts(catalog: Catalog, state: StateDirectory, first: Month, last: Month, scan: ScanOptions,
                      limitBytes: Int = 8 << 20) throws -> [String] {
        var options = scan
        options.decodeImages = false
        var texts: [String] = []
        var bytes = 0
        let shards = try catalog.shards(state: .ready).sorted { $0.sha256 < $1.sha256 }
        for shard in shards where shard.slices.keys.contains(where: { $0 >= first && $0 <= last }) {
            guard bytes < limitBytes, let stored = shard.storePath,
                  let format = ShardFormat(path: stored) else { continue }
            try ShardScanner(path: state.absolute(stored), format: format, options: options).scan { sample in
                guard !sample.heldOut, sample.month >= first, sample.month <= last, bytes < limitBytes else { return }
                texts.append(sample.text)
                bytes += sample.text.utf8.count
            }
        }
        return texts
    }

    /// Learns the run's tokenizer from `texts` with `vocabSize` tokens (the model's vocabulary).
    static func learn(_ texts: [String], vocabSize: Int) -> BPETokenizer {
        BPETokenizer.train(texts: texts, vocabSize: vocabSize)
    }
}

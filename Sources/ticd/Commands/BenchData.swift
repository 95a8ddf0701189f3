import Foundation
import Models
import Timeline

/// Generated inputs for `ticd bench ingest`: DCLM-shaped text and img2dataset-shaped image tars.
enum BenchData {
    /// Zipf-ish English-like documents of 1-6 KB with DCLM's fields, zstd level 3, written in 4 MiB frames.
    static func writeJSONL(path: String, megabytes: Int) throws {
        var rng = SplitMix64RNG(seed: 42)
        let writer = try ZstdWriter(path: path, level: 3, frameBytes: 4 << 20)
        var written = 0, index = 0
        while written < megabytes * 1_000_000 {
            let text = document(words: 150 + rng.nextInt(below: 900), rng: &rng)
            let day = 1 + rng.nextInt(below: 28)
            let record: [String: Any] = [
                "text": text, "url": "https://example.com/\(index)",
                "metadata": ["WARC-Date": String(format: "2021-06-%02dT10:00:00Z", day),
                             "WARC-Target-URI": "https://example.com/\(index)",
                             "WARC-Record-ID": "<urn:uuid:\(index)>", "language": "en", "fasttext_score": Double(rng.nextFloat())],
                "id": "doc-\(index)",
            ]
            var line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            line.append(0x0A)
            try line.withUnsafeBytes { try writer.write($0) }
            written += line.count
            index += 1
        }
        try writer.finish()
    }

    /// 6000 made-up words of 1-4 syllables, most common first.
    static let vocabulary: [String] = (0..<6000).map { i -> String in
        let syllables = ["ka", "to", "ri", "en", "sa", "lo", "mi", "tha", "ver", "ing", "de", "qu", "ab", "ze"]
        var w = ""
        var n = i
        repeat { w += syllables[n % syllables.count]; n /= syllables.count } while n > 0
        return w
    }

    /// An English-like text of `words` words drawn Zipf-ishly (the k-th word with probability ∝ k^(−2/3)), with a
    /// sentence break every 17 words and a quoted non-ASCII word every 41.
    static func document(words: Int, rng: inout SplitMix64RNG) -> String {
        var text = ""
        for j in 0..<words {
            let r = Double(rng.nextFloat())
            text += vocabulary[Int(Double(vocabulary.count) * r * r * r)]
            text += j % 17 == 16 ? ".\n" : (j % 41 == 40 ? " \"café\" — " : " ")
        }
        return text
    }

    /// img2dataset's layout: 256x256 JPEG, caption .txt and metadata .json per key.
    static func writeImageTar(path: String, count: Int) throws {
        var rng = SplitMix64RNG(seed: 7)
        let world = SyntheticWorld(firstYear: 2021)
        let writer = try TarWriter(path: path)
        for i in 0..<count {
            let (image, caption, _) = world.sample(month: Month(year: 2021, month: 6)!, size: 256, rng: &rng)
            let key = String(format: "%09d", i)
            try writer.add(name: "\(key).jpg", data: JPEGEncoder.encode(image, quality: 90))
            try writer.add(name: "\(key).txt", data: Array(caption.utf8))
            let meta = "{\"key\":\"\(key)\",\"caption\":\"\(caption)\",\"timestamp\":\"2021-06-\(String(format: "%02d", 1 + i % 28))T00:00:00Z\",\"width\":256,\"height\":256}"
            try writer.add(name: "\(key).json", data: Array(meta.utf8))
        }
        try writer.finish()
    }
}

import Models
/// Documents whose vocabulary drifts by year: a stable core of words, plus topic words that enter and leave
/// the language over time, so perplexity on later years rises for a model trained on earlier ones.
struct SyntheticText {
    static let core = ["the", "a", "of", "to", "and", "in", "is", "for", "with", "on", "that", "this", "we",
                       "it", "new", "release", "support", "fixed", "update", "build", "users", "system", "now",
                       "version", "added", "removed", "changes", "package", "default", "file", "server"]
    static let topics = ["floppy", "modem", "cdrom", "sourceforge", "xml", "soap", "java", "applet", "ajax",
                         "jquery", "netbook", "android", "git", "cloud", "hadoop", "docker", "systemd", "python3",
                         "arm64", "kubernetes", "rust", "wayland", "transformer", "gpu", "llm", "diffusion",
                         "quantization", "agent"]

    let firstYear: Int

    /// Topic words in use in a year: a window of six sliding one word a year.
    func topics(in year: Int) -> ArraySlice<String> {
        let start = min(max(0, year - firstYear), Self.topics.count - 6)
        return Self.topics[start..<(start + 6)]
    }

    func document(year: Int, rng: inout SplitMix64RNG) -> String {
        let topicWords = Array(topics(in: year))
        var sentences: [String] = []
        for _ in 0..<(2 + rng.nextInt(below: 4)) {
            var words: [String] = []
            for _ in 0..<(6 + rng.nextInt(below: 10)) {
                words.append(Double(rng.nextFloat()) < 0.3 ? topicWords[rng.nextInt(below: topicWords.count)]
                                              : Self.core[rng.nextInt(below: Self.core.count)])
            }
            sentences.append(words.joined(separator: " ").capitalizedFirst + ".")
        }
        return sentences.joined(separator: " ")
    }
}

private extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

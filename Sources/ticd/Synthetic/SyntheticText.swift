import Foundation
import Models
import Timeline

/// Documents whose language drifts with time, so perplexity on later years rises for a model trained on
/// earlier ones (TiC-LM's premise, in miniature).
///
/// A document is about one topic. Topics come and go on the schedule below (years since the corpus's first
/// year): a topic fades in over the first half of its first year and fades out over the year before it
/// retires. Sentences follow a few fixed patterns of function words, common words and the topic's words,
/// and the frequency of every common word drifts slowly up or down month by month.
struct SyntheticText {
    struct Topic {
        let name: String
        let words: [String]
    }

    static let topics: [Scheduled<Topic>] = [
        Scheduled(Topic(name: "desktop", words: ["floppy", "modem", "cdrom", "dialup", "printer", "scanner"]), from: 0, until: 2),
        Scheduled(Topic(name: "web", words: ["xml", "soap", "applet", "ajax", "jquery", "flash"]), from: 0, until: 3),
        Scheduled(Topic(name: "mobile", words: ["android", "netbook", "tablet", "touchscreen", "smartphone", "bluetooth"]), from: 1, until: 4),
        Scheduled(Topic(name: "cloud", words: ["git", "docker", "cloud", "container", "hadoop", "microservice"]), from: 1),
        Scheduled(Topic(name: "systems", words: ["systemd", "rust", "wayland", "arm64", "kubernetes", "firmware"]), from: 2),
        Scheduled(Topic(name: "learning", words: ["transformer", "gpu", "tensor", "gradient", "dataset", "checkpoint"]), from: 3),
        Scheduled(Topic(name: "generative", words: ["llm", "prompt", "agent", "diffusion", "quantization", "embedding"]), from: 4),
        Scheduled(Topic(name: "hardware", words: ["riscv", "qubit", "chiplet", "photonic", "neuromorphic", "exascale"]), from: 5),
    ]

    static let determiners = ["the", "a", "this", "every", "our", "no"]
    static let nouns = ["system", "user", "file", "server", "release", "version", "package", "network", "project",
                        "team", "update", "bug", "feature", "page", "service", "driver"]
    static let verbs = ["supports", "fixes", "adds", "removes", "breaks", "needs", "replaces", "runs", "loads",
                        "ships", "improves", "drops"]
    static let adjectives = ["new", "old", "fast", "slow", "stable", "broken", "small", "large", "default", "free"]
    static let prepositions = ["with", "for", "on", "in", "without", "after", "before", "over"]

    /// Months over which a new topic fades in.
    static let fadeInMonths = 6.0
    /// Months over which a retiring topic fades out.
    static let fadeOutMonths = 12.0
    /// Share of noun slots that take one of the document's topic words rather than a common noun.
    static let topicNounShare = 0.6

    let firstMonth: Month

    init(firstYear: Int) {
        firstMonth = Month(year: firstYear, month: 1)!
    }

    /// How much of the conversation `topic` holds in `month`, 0...1: 0 before its first year and from its
    /// retirement year on, ramping in and out at the edges.
    func popularity(_ topic: Scheduled<Topic>, in month: Month) -> Double {
        let t = Double(month.index - firstMonth.index) + 0.5
        let start = Double(12 * topic.from)
        guard t >= start else { return 0 }
        var weight = min(1, (t - start) / Self.fadeInMonths)
        if let until = topic.until {
            let end = Double(12 * until)
            weight = min(weight, max(0, (end - t) / Self.fadeOutMonths))
        }
        return weight
    }

    /// The relative frequency of the k-th word of a common-word list in `month`: Zipf in the list's order,
    /// times a trend that multiplies or divides it by up to e^0.45 ≈ 1.57 a year, differently for each word.
    func wordWeights(count: Int, in month: Month) -> [Double] {
        let years = Double(month.index - firstMonth.index) / 12
        return (0..<count).map { k in
            let trend: Double = 0.45 * sin(Double(k) * 2.4 + 1)
            return exp(trend * years) / Double(k + 1)
        }
    }

    /// One document of `month`: two to five sentences about one topic.
    func document(month: Month, rng: inout SplitMix64RNG) -> String {
        let live = Self.topics.map { ($0, popularity($0, in: month)) }.filter { $0.1 > 0 }
        let topic = pick(live.map(\.0.value), weights: live.map(\.1), &rng)
        let weights = (nouns: wordWeights(count: Self.nouns.count, in: month),
                       verbs: wordWeights(count: Self.verbs.count, in: month),
                       adjectives: wordWeights(count: Self.adjectives.count, in: month),
                       prepositions: wordWeights(count: Self.prepositions.count, in: month))
        func noun() -> String {
            Double(rng.nextFloat()) < Self.topicNounShare
                ? topic.words[rng.nextInt(below: topic.words.count)] : pick(Self.nouns, weights: weights.nouns, &rng)
        }
        func phrase() -> String {
            let determiner = Self.determiners[rng.nextInt(below: Self.determiners.count)]
            return rng.nextInt(below: 3) == 0
                ? "\(determiner) \(pick(Self.adjectives, weights: weights.adjectives, &rng)) \(noun())"
                : "\(determiner) \(noun())"
        }
        var sentences: [String] = []
        for _ in 0..<(2 + rng.nextInt(below: 4)) {
            var sentence = "\(phrase()) \(pick(Self.verbs, weights: weights.verbs, &rng)) \(phrase())"
            if rng.nextInt(below: 2) == 0 {
                sentence += " \(pick(Self.prepositions, weights: weights.prepositions, &rng)) \(phrase())"
            }
            sentences.append(sentence.prefix(1).uppercased() + sentence.dropFirst() + ".")
        }
        return sentences.joined(separator: " ")
    }

    private func pick<Value>(_ values: [Value], weights: [Double], _ rng: inout SplitMix64RNG) -> Value {
        var ticket = Double(rng.nextFloat()) * weights.reduce(0, +)
        for (value, weight) in zip(values, weights) {
            if ticket < weight { return value }
            ticket -= weight
        }
        return values[values.count - 1]
    }
}

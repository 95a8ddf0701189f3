import Foundation

/// A continual-learning method on top of a step's replay mix (DESIGN §4, "Also"; TiC-CLIP §5).
enum TrainingMethod: String, Codable, CaseIterable {
    case none
    /// Learning without Forgetting: a KL term pulls the model's in-batch similarity (CLIP) or next-token
    /// (LM) distributions towards the previous step's model.
    case lwf
    /// Elastic weight consolidation, online: a diagonal Fisher penalty towards the previous step's weights.
    case ewc
    /// Fine-tune on the new data, then interpolate with the previous weights; β chosen on past slices' eval.
    case patching
}

/// `"lwf": {"temperature": 2, "weight": 1}`: the KL term's temperature T and its weight; the loss is
/// weight·T²·KL(teacher_T ‖ student_T), as Hinton et al. scale it so its gradient keeps its size across T.
struct LwFSettings: Codable, Equatable {
    var temperature = 2.0
    var weight = 1.0

    enum CodingKeys: String, CodingKey, CaseIterable { case temperature, weight }

    init() {}

    init(from decoder: Decoder) throws {
        try requireKnownKeys(decoder, CodingKeys.self, section: "lwf")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 2
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
    }

    func validate() throws {
        guard temperature > 0, weight >= 0 else {
            throw ConfigError(path: "", detail: "lwf.temperature must be above 0 and lwf.weight at least 0")
        }
    }
}

/// `"ewc": {"lambda": 100, "gamma": 1, "fisher_batches": 8}`: the penalty λ/2·Σ F·(θ−θ*)², the decay γ of the
/// running Fisher (online EWC: F ← γF + F_step), and the batches of a step's data its Fisher is estimated from.
struct EWCSettings: Codable, Equatable {
    var lambda = 100.0
    var gamma = 1.0
    var fisherBatches = 8

    enum CodingKeys: String, CodingKey, CaseIterable { case lambda, gamma, fisherBatches = "fisher_batches" }

    init() {}

    init(from decoder: Decoder) throws {
        try requireKnownKeys(decoder, CodingKeys.self, section: "ewc")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lambda = try c.decodeIfPresent(Double.self, forKey: .lambda) ?? 100
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? 1
        fisherBatches = try c.decodeIfPresent(Int.self, forKey: .fisherBatches) ?? 8
    }

    func validate() throws {
        guard lambda >= 0, (0...1).contains(gamma), fisherBatches >= 1 else {
            throw ConfigError(path: "", detail: "ewc.lambda must be at least 0, ewc.gamma within [0, 1] and ewc.fisher_batches at least 1")
        }
    }
}

/// `"patching": {"grid": [0, 0.1, ..., 1]}`: the interpolation coefficients β tried, θ = (1−β)·θ_old + β·θ_new.
struct PatchingSettings: Codable, Equatable {
    var grid: [Double] = (0...10).map { Double($0) / 10 }

    enum CodingKeys: String, CodingKey, CaseIterable { case grid }

    init() {}

    init(from decoder: Decoder) throws {
        try requireKnownKeys(decoder, CodingKeys.self, section: "patching")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        grid = try c.decodeIfPresent([Double].self, forKey: .grid) ?? PatchingSettings().grid
    }

    func validate() throws {
        guard !grid.isEmpty, grid.allSatisfy({ (0...1).contains($0) }) else {
            throw ConfigError(path: "", detail: "patching.grid must be a non-empty list of values within [0, 1]")
        }
    }
}

/// Refuses a key of a config section that `Keys` does not name, as the top level does.
private func requireKnownKeys<Keys: CodingKey & CaseIterable>(_ decoder: Decoder, _: Keys.Type, section: String) throws {
    let known = Set(Keys.allCases.map(\.stringValue))
    let given = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    if let unknown = given.sorted().first(where: { !known.contains($0) }) {
        throw ConfigError(path: "", detail: "unknown key \"\(section).\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The replay settings of a run: the config keys `policy`, `alpha`, `buffer_size`, `samples_per_step` and
/// `seed`.
public struct ReplayConfig: Codable, Equatable, Sendable {
    public var policy: ReplayPolicyName
    public var alpha: Alpha
    /// B: how many old samples `cumulative-exp`, `cumulative-equal` and `reservoir` keep.
    public var bufferSize: Int
    /// C: the samples one step trains on (`oracle` trains on t·C at step t).
    public var samplesPerStep: Int
    public var seed: UInt64

    public init(policy: ReplayPolicyName, alpha: Alpha, bufferSize: Int, samplesPerStep: Int, seed: UInt64) {
        self.policy = policy; self.alpha = alpha; self.bufferSize = bufferSize
        self.samplesPerStep = samplesPerStep; self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case policy, alpha, bufferSize = "buffer_size", samplesPerStep = "samples_per_step", seed
    }

    /// Checks the values the planner relies on.
    /// - Throws: `ReplayError.badConfig` or `.badAlpha` naming the key.
    public func validate() throws {
        guard samplesPerStep > 0 else {
            throw ReplayError.badConfig(key: "samples_per_step", reason: "must be at least 1, not \(samplesPerStep)")
        }
        guard bufferSize >= 0 else {
            throw ReplayError.badConfig(key: "buffer_size", reason: "must not be negative, not \(bufferSize)")
        }
        if case .fixed(let share) = alpha, !(share >= 0 && share <= 1) {
            throw ReplayError.badAlpha("\(share)")
        }
    }
}

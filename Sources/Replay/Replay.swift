import Timeline

/// Replay policies turn the catalog into a deterministic training plan per step (issue #4).
public enum ReplayPolicyName: String, CaseIterable, Codable, Sendable {
    case sequential, cumulativeAll = "cumulative-all", cumulativeExp = "cumulative-exp"
    case cumulativeEqual = "cumulative-equal", reservoir, restart, oracle
}

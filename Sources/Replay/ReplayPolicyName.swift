/// The replay policies of DESIGN §4, by TiC's names: which data a step trains on and where it starts.
public enum ReplayPolicyName: String, CaseIterable, Codable, Sendable {
    case sequential, cumulativeAll = "cumulative-all", cumulativeExp = "cumulative-exp"
    case cumulativeEqual = "cumulative-equal", reservoir, restart, oracle

    /// Where a step of this policy starts: `restart` and `oracle` from random weights, the rest from the
    /// previous step's checkpoint.
    public var initialization: StepInit {
        switch self {
        case .restart, .oracle: return .random
        default: return .warm
        }
    }
}

/// How a step's model is initialized.
public enum StepInit: String, Codable, Sendable {
    /// From the weights of the last accepted checkpoint.
    case warm
    /// From a fresh random initialization.
    case random
}

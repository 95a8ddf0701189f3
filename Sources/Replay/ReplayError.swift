/// Why a replay setting or plan is refused; `description` names the value and the reason.
public enum ReplayError: Error, Equatable, CustomStringConvertible {
    /// A `step_unit` that is not "year", "month" or "months:N" (N ≥ 1).
    case badStepUnit(String)
    /// An `alpha` that is not a number in [0, 1], "pool" or "1/t".
    case badAlpha(String)
    /// A config value out of range, e.g. a `samples_per_step` of 0.
    case badConfig(key: String, reason: String)
    /// A step number outside 1...count of the step groups.
    case stepOutOfRange(step: Int, steps: Int)
    /// Counts the planner cannot use: out of order, duplicated, negative, or before the first group.
    case badInput(String)
    /// The step has no train samples to draw from under its policy.
    case nothingToTrain(step: Int, label: String, policy: String)
    /// A draw larger than its (shard, slice) can give after the slice's repeats: a planner bug, never data.
    case drawExceedsAvailable(shardID: Int64, slice: String, count: Int, available: Int, repeats: Int)
    /// Draws that do not add up to the step's budget: a planner bug.
    case drawsMissBudget(drawn: Int, budget: Int)

    public var description: String {
        switch self {
        case .badStepUnit(let text):
            return "step_unit \"\(text)\" is not \"year\", \"month\" or \"months:N\" with N ≥ 1"
        case .badAlpha(let text):
            return "alpha \(text) is not a number in [0, 1], \"pool\" or \"1/t\""
        case .badConfig(let key, let reason):
            return "\(key): \(reason)"
        case .stepOutOfRange(let step, let steps):
            return "step \(step) is out of range: there are \(steps) step groups"
        case .badInput(let reason):
            return "plan input: \(reason)"
        case .nothingToTrain(let step, let label, let policy):
            return "step \(step) (\(label)) has no train samples to draw from under \(policy)"
        case .drawExceedsAvailable(let shard, let slice, let count, let available, let repeats):
            return "draw of \(count) from shard \(shard) slice \(slice) exceeds its \(available) available "
                + "samples repeated \(repeats) times"
        case .drawsMissBudget(let drawn, let budget):
            return "draws add up to \(drawn), not the budget \(budget)"
        }
    }
}

import Timeline

/// How many months make one training step: the config's `step_unit`, "year" | "month" | "months:N".
public enum StepUnit: Equatable, Codable, Sendable {
    /// Calendar years.
    case year
    /// Single months.
    case month
    /// Runs of N consecutive months, counted from the end of the first step.
    case months(Int)

    /// Parses "year", "month" or "months:N" with N ≥ 1.
    /// - Throws: `ReplayError.badStepUnit` naming the text.
    public init(parsing text: String) throws {
        switch text {
        case "year": self = .year
        case "month": self = .month
        default:
            let prefix = "months:"
            guard text.hasPrefix(prefix), let n = Int(text.dropFirst(prefix.count)), n >= 1,
                  !text.dropFirst(prefix.count).hasPrefix("+")
            else { throw ReplayError.badStepUnit(text) }
            self = .months(n)
        }
    }

    /// The config text: "year", "month" or "months:N".
    public var text: String {
        switch self {
        case .year: return "year"
        case .month: return "month"
        case .months(let n): return "months:\(n)"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// The last month of the step that starts at `start`; `.months(N)` with N < 1 counts as one month.
    func lastMonth(from start: Month) -> Month {
        switch self {
        case .year: return Month(year: start.year, month: 12) ?? start
        case .month: return start
        case .months(let n): return start.adding(months: max(n, 1) - 1)
        }
    }
}

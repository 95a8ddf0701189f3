/// The mix ratio α: the share of a step's budget drawn from the step's own (new) slices; the rest comes
/// from old data. JSON `0.5` | `"pool"` | `"1/t"`.
public enum Alpha: Codable, Equatable, Sendable {
    /// A fixed share in [0, 1]; 0.5 is TiC-LM's fixed-ratio replay.
    case fixed(Double)
    /// Uniform over the union of new and kept old samples, as TiC-CLIP's resampled loader: the new share
    /// is N_new / (N_new + N_old).
    case pool
    /// TiC-LM's 1/t: step t draws 1/t of its budget from new data.
    case inverseT

    /// Reads a config value: a number in [0, 1], "pool" or "1/t".
    /// - Throws: `ReplayError.badAlpha` naming the value.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let share = try? container.decode(Double.self) {
            guard share >= 0, share <= 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "\(ReplayError.badAlpha("\(share)"))"))
            }
            self = .fixed(share)
            return
        }
        let text = (try? container.decode(String.self)) ?? "(not a number or string)"
        switch text {
        case "pool": self = .pool
        case "1/t": self = .inverseT
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(ReplayError.badAlpha("\"\(text)\""))"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fixed(let share): try container.encode(share)
        case .pool: try container.encode("pool")
        case .inverseT: try container.encode("1/t")
        }
    }
}

import Foundation
import Timeline

/// What one training step trains on: the budget, how it splits between new and old data, and the draws
/// per (shard, slice). The output of `Planner.plan` and of `ticd plan --json`.
///
/// Which samples a draw means: the first `available` train samples of the (shard, slice) in the order
/// of a permutation seeded by (`seed`, the shard's sha256, slice), cycled when `count` exceeds `available`. What a
/// later step of the run may draw from a (shard, slice) is a prefix of that same order and never longer
/// than the share of it counted in `keep`, so the samples counted in `droppable` can go, as long as the
/// counts of old slices do not change (late shards for an old month can move a few samples).
///
/// JSON keys are snake_case (`new_share`, `buffer_size`, …). `draws` is written by slice, as columns:
/// `[{"slice": "2019-03", "shard_id": [...], "count": [...], "available": [...]}]`, which keeps a plan
/// over a million shards compact and quick to encode.
public struct StepPlan: Codable, Equatable, Sendable {
    /// 1-based step number.
    public var step: Int
    /// The step group's label, e.g. "2014-2016", and its first and last month.
    public var label: String
    public var first: Month
    public var last: Month
    public var policy: ReplayPolicyName
    /// The configured α; `restart` and `oracle` always mix as `pool`, `sequential` takes only new data.
    public var alpha: Alpha
    /// The run's seed: it orders samples within a (shard, slice) and leaves the counts alone.
    public var seed: UInt64
    /// "init" in JSON: `random` for `restart` and `oracle`, else `warm`.
    public var initialization: StepInit
    /// Samples the step trains on: C, or t·C for `oracle`.
    public var budget: Int
    /// B, the old samples a bounded buffer keeps.
    public var bufferSize: Int
    /// Samples drawn from the step's own slices, and from older ones; they sum to `budget`.
    public var newSamples: Int
    public var oldSamples: Int
    /// `newSamples` and `oldSamples` as fractions of `budget`.
    public var newShare: Double
    public var oldShare: Double
    /// Samples drawn per slice ("YYYY-MM"), for slices drawn from.
    public var slices: [String: Int]
    /// Train samples per slice that the draws come from (what the buffer holds of it), for slices drawn from.
    public var available: [String: Int]
    /// Draws over available samples, for the slices whose samples repeat (TiC's upsampling factors).
    public var upsampling: [String: Double]
    /// Per slice with train data up to this step: train samples this or a later step may still need.
    public var keep: [String: Int]
    /// Per slice: train samples no step from this one on needs; storage may drop them.
    public var droppable: [String: Int]
    /// Draws per (shard, slice), ordered by slice, then shard id.
    public var draws: [ShardDraw]

    enum CodingKeys: String, CodingKey {
        case step, label, first, last, policy, alpha, seed, initialization = "init", budget
        case bufferSize = "buffer_size", newSamples = "new_samples", oldSamples = "old_samples"
        case newShare = "new_share", oldShare = "old_share", slices, available, upsampling, keep, droppable
        case draws
    }

    /// The draws of one slice, as parallel columns.
    fileprivate struct SliceDraws: Codable {
        var slice: Month
        var shardID: [Int64]
        var count: [Int]
        var available: [Int]

        enum CodingKeys: String, CodingKey {
            case slice, shardID = "shard_id", count, available
        }
    }
}

extension StepPlan {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        label = try c.decode(String.self, forKey: .label)
        first = try c.decode(Month.self, forKey: .first)
        last = try c.decode(Month.self, forKey: .last)
        policy = try c.decode(ReplayPolicyName.self, forKey: .policy)
        alpha = try c.decode(Alpha.self, forKey: .alpha)
        seed = try c.decode(UInt64.self, forKey: .seed)
        initialization = try c.decode(StepInit.self, forKey: .initialization)
        budget = try c.decode(Int.self, forKey: .budget)
        bufferSize = try c.decode(Int.self, forKey: .bufferSize)
        newSamples = try c.decode(Int.self, forKey: .newSamples)
        oldSamples = try c.decode(Int.self, forKey: .oldSamples)
        newShare = try c.decode(Double.self, forKey: .newShare)
        oldShare = try c.decode(Double.self, forKey: .oldShare)
        slices = try c.decode([String: Int].self, forKey: .slices)
        available = try c.decode([String: Int].self, forKey: .available)
        upsampling = try c.decode([String: Double].self, forKey: .upsampling)
        keep = try c.decode([String: Int].self, forKey: .keep)
        droppable = try c.decode([String: Int].self, forKey: .droppable)
        draws = []
        for group in try c.decode([SliceDraws].self, forKey: .draws) {
            guard group.shardID.count == group.count.count, group.count.count == group.available.count else {
                throw DecodingError.dataCorruptedError(forKey: .draws, in: c, debugDescription:
                    "draws of \(group.slice): shard_id, count and available differ in length")
            }
            for i in group.shardID.indices {
                draws.append(ShardDraw(shardID: group.shardID[i], slice: group.slice, count: group.count[i],
                                       available: group.available[i]))
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(label, forKey: .label)
        try c.encode(first, forKey: .first)
        try c.encode(last, forKey: .last)
        try c.encode(policy, forKey: .policy)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(seed, forKey: .seed)
        try c.encode(initialization, forKey: .initialization)
        try c.encode(budget, forKey: .budget)
        try c.encode(bufferSize, forKey: .bufferSize)
        try c.encode(newSamples, forKey: .newSamples)
        try c.encode(oldSamples, forKey: .oldSamples)
        try c.encode(newShare, forKey: .newShare)
        try c.encode(oldShare, forKey: .oldShare)
        try c.encode(slices, forKey: .slices)
        try c.encode(available, forKey: .available)
        try c.encode(upsampling, forKey: .upsampling)
        try c.encode(keep, forKey: .keep)
        try c.encode(droppable, forKey: .droppable)
        // Consecutive draws of one slice form one group, so any order round-trips.
        var groups: [SliceDraws] = []
        for draw in draws {
            if groups.last?.slice != draw.slice {
                groups.append(SliceDraws(slice: draw.slice, shardID: [], count: [], available: []))
            }
            groups[groups.count - 1].shardID.append(draw.shardID)
            groups[groups.count - 1].count.append(draw.count)
            groups[groups.count - 1].available.append(draw.available)
        }
        try c.encode(groups, forKey: .draws)
    }

    /// The plan as JSON with sorted keys: the same plan always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a plan written by `jsonData()`.
    /// - Throws: `DecodingError`.
    public init(jsonData: Data) throws {
        self = try JSONDecoder().decode(StepPlan.self, from: jsonData)
    }
}

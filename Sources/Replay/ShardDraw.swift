import Timeline

/// How many samples a step takes from one shard's train samples in one slice.
public struct ShardDraw: Codable, Equatable, Sendable {
    /// The catalog's shard id and the slice ("YYYY-MM" in JSON).
    public var shardID: Int64
    public var slice: Month
    /// Samples to draw; more than `available` means the samples repeat.
    public var count: Int
    /// The (shard, slice)'s train samples the step may draw from: all of them, or the part a bounded
    /// buffer keeps.
    public var available: Int

    enum CodingKeys: String, CodingKey {
        case shardID = "shard_id", slice, count, available
    }

    public init(shardID: Int64, slice: Month, count: Int, available: Int) {
        self.shardID = shardID; self.slice = slice; self.count = count; self.available = available
    }
}

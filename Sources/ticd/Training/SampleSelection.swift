import Models
import Replay
import Timeline

/// Which train samples a step trains on, as references: per (shard, slice), train-sample ranks (a sample's
/// position among the train samples of that shard and slice, in scan order) and how often each is drawn.
///
/// This is `StepPlan`'s contract made concrete: a draw takes the first `available` train samples in the
/// order of a permutation seeded by (plan seed, shard content, slice), cycled while `count` exceeds
/// `available`. The shard enters by its sha256, not its catalog id: ids follow arrival order (a quarantined
/// shard takes one too), and the same data must give the same samples however it arrived.
/// The permutation is a forward Fisher–Yates, so its first k entries do not depend on how many more are
/// taken: a later step's shorter prefix of the same (shard, slice) picks a subset of the same samples.
/// How many train samples a (shard, slice) has comes from the catalog (what ingest counted), so nothing is
/// scanned here; the loader checks the count again when it scans.
struct SampleSelection {
    /// The draws of one shard.
    struct Shard: Equatable {
        var id: Int64
        /// Absolute path of the shard in the store.
        var path: String
        var format: ShardFormat
        /// The file's sha256 as ingest recorded it.
        var sha256: String
        /// Ascending by slice.
        var slices: [Slice]
    }

    /// One draw with the train count it draws from.
    struct Slice: Equatable {
        var draw: ShardDraw
        /// Train samples of the (shard, slice), as ingest recorded them.
        var train: Int

        /// For each rank in 0..<train, how many times the draw takes it (0 for samples not drawn).
        /// - Parameter shardKey: `SampleSelection.key(sha256:)` of the shard.
        func multiplicities(seed: UInt64, shardKey: UInt64) -> [Int32] {
            var times = [Int32](repeating: 0, count: train)
            guard draw.count > 0 else { return times }
            let order = SampleSelection.order(seed: seed, shardKey: shardKey, slice: draw.slice, train: train,
                                              prefix: min(draw.available, draw.count))
            let each = Int32(draw.count / order.count), extra = draw.count % order.count
            for (j, rank) in order.enumerated() { times[rank] = each + (j < extra ? 1 : 0) }
            return times
        }
    }

    /// The plan's seed, which orders samples within each (shard, slice).
    let seed: UInt64
    /// Shards with at least one draw, ascending by sha256: the loader shuffles this list with the step's seed,
    /// so it must not follow catalog ids (arrival order).
    let shards: [Shard]

    /// Resolves a plan's draws against the catalog.
    /// - Parameters:
    ///   - plan: the step's plan.
    ///   - catalog: the catalog the plan was made from.
    ///   - state: the state directory, for store paths.
    /// - Throws: `LoaderError` `.unknownShard`, `.shardNotReady` or `.drawExceedsTrain`; `CatalogError`.
    init(plan: StepPlan, catalog: Catalog, state: StateDirectory) throws {
        seed = plan.seed
        var byShard: [Int64: [ShardDraw]] = [:]
        for draw in plan.draws where draw.count > 0 { byShard[draw.shardID, default: []].append(draw) }
        var shards: [Shard] = []
        shards.reserveCapacity(byShard.count)
        for id in byShard.keys.sorted() {
            guard let record = try catalog.shard(id: id) else {
                throw LoaderError(.unknownShard, shardID: id, detail: "the plan draws from a shard the catalog does not have")
            }
            guard record.state == .ready, let stored = record.storePath, let format = ShardFormat(path: stored) else {
                throw LoaderError(.shardNotReady, shardID: id, path: record.storePath,
                                  detail: "the shard is \(record.state.rawValue), not ready with a store file")
            }
            let path = state.absolute(stored)
            var slices: [Slice] = []
            for draw in byShard[id]!.sorted(by: { $0.slice < $1.slice }) {
                let train = record.slices[draw.slice]?.train ?? 0
                guard draw.available >= 1, draw.available <= train else {
                    throw LoaderError(.drawExceedsTrain, shardID: id, path: path, slice: draw.slice,
                                      detail: "draw of \(draw.count) from \(draw.available) available, but the slice has \(train) train samples")
                }
                slices.append(Slice(draw: draw, train: train))
            }
            shards.append(Shard(id: id, path: path, format: format, sha256: record.sha256, slices: slices))
        }
        self.shards = shards.sorted { $0.sha256 < $1.sha256 }
    }

    /// A shard's content as a seed: the first 64 bits of its sha256.
    static func key(sha256: String) -> UInt64 { UInt64(sha256.prefix(16), radix: 16) ?? 0 }

    /// The first `prefix` entries of the permutation of 0..<train seeded by (seed, shard key, slice).
    static func order(seed: UInt64, shardKey: UInt64, slice: Month, train: Int, prefix: Int) -> [Int] {
        precondition(prefix <= train, "a permutation prefix cannot be longer than the permutation")
        var rng = SplitMix64RNG(seed: mix(mix(seed, shardKey), UInt64(slice.index)))
        var ranks = Array(0..<train)
        for i in 0..<prefix { ranks.swapAt(i, i + rng.nextInt(below: train - i)) }
        return Array(ranks[..<prefix])
    }

    /// Folds `value` into `state` through SplitMix64's finalizer, so nearby ids give unrelated seeds.
    static func mix(_ state: UInt64, _ value: UInt64) -> UInt64 {
        var z = (state ^ value) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

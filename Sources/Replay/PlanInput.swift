import Timeline

/// The train counts a plan is made from, laid out by slice: for each slice with data, the run of its
/// (shard, train) pairs in shard-id order. Built from `Catalog.trainCounts(through:)`; it holds no eval
/// counts, so nothing held out can enter a plan.
public struct PlanInput: Equatable, Sendable {
    /// The slices with train samples, in time order.
    public let months: [Month]
    /// Train samples per slice, parallel to `months`.
    public let monthTotals: [Int]
    /// Shard ids, content keys and train counts of all slices, slice after slice.
    let shardIDs: [Int64]
    let contentKeys: [UInt64]
    let trains: [Int]
    /// `runStarts[i] ..< runStarts[i + 1]` are the positions of `months[i]` in `shardIDs` and `trains`;
    /// one more element than `months`.
    let runStarts: [Int]

    /// Lays out `rows`, sorting them by slice and shard id unless they already are (as the catalog returns
    /// them). Rows with no train samples are skipped.
    /// - Throws: `ReplayError.badInput` for a negative count or a (shard, slice) given twice.
    public init(_ rows: [ShardSliceCount]) throws {
        func before(_ a: ShardSliceCount, _ b: ShardSliceCount) -> Bool {
            a.slice != b.slice ? a.slice < b.slice : a.shardID < b.shardID
        }
        var sorted = true
        for i in rows.indices.dropFirst() where !before(rows[i - 1], rows[i]) {
            sorted = false
            break
        }
        let ordered = sorted ? rows : rows.sorted(by: before)

        var months: [Month] = [], totals: [Int] = [], starts: [Int] = []
        var ids: [Int64] = [], keys: [UInt64] = [], trains: [Int] = []
        ids.reserveCapacity(ordered.count)
        keys.reserveCapacity(ordered.count)
        trains.reserveCapacity(ordered.count)
        for (i, row) in ordered.enumerated() {
            guard row.train >= 0 else {
                throw ReplayError.badInput("shard \(row.shardID) has \(row.train) train samples in \(row.slice)")
            }
            if i > 0 && !before(ordered[i - 1], row) {
                throw ReplayError.badInput("shard \(row.shardID) slice \(row.slice) is given twice")
            }
            if row.train == 0 { continue }
            if months.last != row.slice {
                months.append(row.slice)
                totals.append(0)
                starts.append(ids.count)
            }
            totals[totals.count - 1] += row.train
            ids.append(row.shardID)
            keys.append(row.contentKey)
            trains.append(row.train)
        }
        starts.append(ids.count)
        self.months = months; monthTotals = totals; shardIDs = ids; contentKeys = keys; self.trains = trains
        runStarts = starts
    }

    /// Reads the train counts of every slice through `last` from `catalog` with one query.
    /// - Throws: `CatalogError`.
    public init(catalog: Catalog, through last: Month) throws {
        try self.init(catalog.trainCounts(through: last))
    }

    /// The number of (shard, slice) pairs with train samples.
    public var count: Int { shardIDs.count }

    /// Train samples in `month` (0 when it has none).
    public func total(of month: Month) -> Int {
        guard let i = position(of: month) else { return 0 }
        return monthTotals[i]
    }

    /// Index of `month` in `months`, by binary search.
    func position(of month: Month) -> Int? {
        var low = 0, high = months.count
        while low < high {
            let mid = (low + high) / 2
            if months[mid] < month { low = mid + 1 } else { high = mid }
        }
        return low < months.count && months[low] == month ? low : nil
    }
}

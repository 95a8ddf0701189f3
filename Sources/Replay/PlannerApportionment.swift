extension Planner {
    /// Splits `total` over `weights` in proportion, by largest remainder: each part gets the floor of its
    /// exact share, and the parts left over go to the largest fractional remainders, ties to the lower
    /// `ties` key (when given), then to the lower index. Every part is at most the ceiling of its exact
    /// share, and at most its weight when `total` does not exceed the weights' sum.
    /// - Parameter ties: one key per weight, or nil to break ties by index alone.
    /// - Returns: one part per weight, summing to `total`; all zeros when the weights sum to 0.
    static func apportion<C: Collection>(_ total: Int, over weights: C,
                                         ties: ArraySlice<UInt64>? = nil) -> [Int] where C.Element == Int {
        let sum = weights.reduce(0, +)
        guard sum > 0, total > 0 else { return [Int](repeating: 0, count: weights.count) }
        if total == sum { return Array(weights) }
        var parts = [Int](repeating: 0, count: weights.count)
        var remainders = [Int](repeating: 0, count: weights.count)
        var given = 0
        parts.withUnsafeMutableBufferPointer { parts in
            remainders.withUnsafeMutableBufferPointer { remainders in
                for (i, weight) in weights.enumerated() {
                    // total × weight overflows 64 bits at TiC-DataComp scale (1e10 × 1e10).
                    let (quotient, remainder) = sum.dividingFullWidth(weight.multipliedFullWidth(by: total))
                    parts[i] = quotient
                    remainders[i] = remainder
                    given += quotient
                }
            }
        }
        let left = total - given
        guard left > 0 else { return parts }
        var candidates = [Int]()
        candidates.reserveCapacity(weights.count)
        for i in remainders.indices where remainders[i] > 0 { candidates.append(i) }
        let keys = ties.map(Array.init)
        let order: (Int, Int) -> Bool = { a, b in
            if remainders[a] != remainders[b] { return remainders[a] > remainders[b] }
            if let keys, keys[a] != keys[b] { return keys[a] < keys[b] }
            return a < b
        }
        candidates.sort(by: order)
        for i in candidates.prefix(left) { parts[i] += 1 }
        return parts
    }

    /// ⌈total × weight / sum⌉ without overflow: the most any largest-remainder part can be.
    static func ceilShare(_ total: Int, weight: Int, of sum: Int) -> Int {
        guard sum > 0 else { return 0 }
        let (quotient, remainder) = sum.dividingFullWidth(weight.multipliedFullWidth(by: total))
        return remainder > 0 ? quotient + 1 : quotient
    }

    /// total × numerator / denominator rounded to nearest (halves up), without overflow.
    static func roundedShare(_ total: Int, numerator: Int, of denominator: Int) -> Int {
        let (quotient, remainder) = denominator.dividingFullWidth(numerator.multipliedFullWidth(by: total))
        return remainder * 2 >= denominator ? quotient + 1 : quotient
    }
}

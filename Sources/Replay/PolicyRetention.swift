extension ReplayPolicyName {
    /// Samples of each old step group the policy holds at a step: the old data it may draw from.
    ///
    /// - `cumulative-exp` gives B/2 to the newest old group (t−1), B/4 to t−2, B/8 to t−3, and so on
    ///   (floors), as TiC-CLIP describes it; what the halving leaves of B (B/2ⁿ) is not used, so the
    ///   composition of old steps never depends on how many steps came before. At t = 4 with B = 800 that
    ///   is 400/200/100 from newest to oldest, at t = 5 400/200/100/50.
    /// - `cumulative-equal` gives B/(t−1) to each, largest remainder, the extra samples to the oldest.
    /// - `reservoir` holds min(B, all old samples) spread in proportion to each group's samples: the
    ///   expected make-up of a uniform reservoir, without its sampling noise.
    ///
    /// No group is given more than it has, and what a small group cannot use is not passed on, so a buffer
    /// may hold less than B.
    /// - Parameters:
    ///   - available: train samples per old group, oldest first.
    ///   - bufferSize: B.
    /// - Returns: samples held per old group, oldest first.
    func retained(available: [Int], bufferSize: Int) -> [Int] {
        let n = available.count
        guard n > 0 else { return [] }
        let quotas: [Int]
        switch self {
        case .sequential:
            return [Int](repeating: 0, count: n)
        case .cumulativeAll, .restart, .oracle:
            return available
        case .cumulativeExp:
            // Index n − 1 is the newest old group (t−1): B/2; n − 2 gets B/4; index 0, the oldest, B/2ⁿ.
            quotas = (0..<n).map { i in
                let age = n - i
                return age < Int.bitWidth - 1 ? bufferSize >> age : 0
            }
        case .cumulativeEqual:
            quotas = Planner.apportion(bufferSize, over: [Int](repeating: 1, count: n))
        case .reservoir:
            return Planner.apportion(min(bufferSize, available.reduce(0, +)), over: available)
        }
        return zip(quotas, available).map { min($0, $1) }
    }

    /// The most samples of each old group, oldest first, that this or any later step can hold, given what
    /// it holds now (`held`).
    ///
    /// A group's quota only shrinks as steps go by: B/2ᵏ and B/(t−1) fall with t, and a reservoir's
    /// share B·a/N falls as N grows, though its rounding may give one more than now.
    func mostHeldLater(held: [Int], available: [Int], bufferSize: Int) -> [Int] {
        guard self == .reservoir else { return held }
        let old = available.reduce(0, +)
        let kept = min(bufferSize, old)
        return available.map { min($0, Planner.ceilShare(kept, weight: $0, of: old)) }
    }
}

import Timeline

/// Turns train counts into the plan of one step: pure arithmetic over (shard, slice) counts, never
/// sample rows, so a step over a million shards plans in well under a second.
public enum Planner {
    /// The plan of step `step`.
    ///
    /// The budget (C, or t·C for `oracle`) splits into new samples, from the step's own group, and old
    /// samples, from what the policy holds of earlier groups (see `ReplayPolicyName.retained`): by α, or
    /// uniformly over the union for `pool`, `restart` and `oracle`; all new for `sequential` and when
    /// nothing old is held, all old when the step's group has no data. Each count is then spread over
    /// groups, months and shards in proportion to what they hold, by largest remainder (ties to the
    /// earlier month, the lower shard id). A draw larger than what is held repeats samples.
    /// - Parameters:
    ///   - step: 1-based index into `groups`.
    ///   - groups: the step groups, e.g. from `StepGrouping.groups`; only the first `step` are used.
    ///   - counts: train counts per (shard, slice); slices after the step are ignored.
    ///   - config: policy, α, B, C and seed.
    /// - Returns: the plan; the same inputs give the same plan.
    /// - Throws: `ReplayError`: `.badConfig`/`.badAlpha`, `.stepOutOfRange`, `.badInput` for counts in a
    ///   month no group covers, `.nothingToTrain`, and `.drawExceedsAvailable` or `.drawsMissBudget` if
    ///   the plan fails its own check.
    public static func plan(step: Int, groups: [StepGroup], counts: PlanInput, config: ReplayConfig) throws -> StepPlan {
        try config.validate()
        guard step >= 1, step <= groups.count else {
            throw ReplayError.stepOutOfRange(step: step, steps: groups.count)
        }
        let group = groups[step - 1]
        let ranges = try monthRanges(of: Array(groups[..<step]), in: counts)
        let available = ranges.map { $0.reduce(0) { $0 + counts.monthTotals[$1] } }
        let policy = config.policy
        let oldAvailable = Array(available[..<(step - 1)])
        let held = policy.retained(available: oldAvailable, bufferSize: config.bufferSize)
        let budget = policy == .oracle ? step * config.samplesPerStep : config.samplesPerStep

        let newHeld = available[step - 1]
        let oldHeld = held.reduce(0, +)
        let newSamples: Int
        if newHeld == 0 && (oldHeld == 0 || policy == .sequential) {
            throw ReplayError.nothingToTrain(step: step, label: group.label, policy: policy.rawValue)
        } else if policy == .sequential || oldHeld == 0 {
            newSamples = budget
        } else if newHeld == 0 {
            newSamples = 0
        } else if policy == .restart || policy == .oracle {
            newSamples = roundedShare(budget, numerator: newHeld, of: newHeld + oldHeld)
        } else {
            switch config.alpha {
            case .fixed(let share): newSamples = min(budget, Int((share * Double(budget)).rounded()))
            case .pool: newSamples = roundedShare(budget, numerator: newHeld, of: newHeld + oldHeld)
            case .inverseT: newSamples = roundedShare(budget, numerator: 1, of: step)
            }
        }
        let oldSamples = budget - newSamples

        var plan = StepPlan(step: step, label: group.label, first: group.first, last: group.last, policy: policy,
                            alpha: config.alpha, seed: config.seed, initialization: policy.initialization,
                            budget: budget, bufferSize: config.bufferSize, newSamples: newSamples,
                            oldSamples: oldSamples,
                            newShare: Double(newSamples) / Double(budget),
                            oldShare: Double(oldSamples) / Double(budget),
                            slices: [:], available: [:], upsampling: [:], keep: [:], droppable: [:], draws: [])

        let oldDraws = apportion(oldSamples, over: held)
        let mostLater = policy.mostHeldLater(held: held, available: oldAvailable, bufferSize: config.bufferSize)
        for k in 0..<step {
            // The step's own group is needed whole now; an old one as far as any later step can hold.
            let isNew = k == step - 1
            addGroup(ranges[k], held: isNew ? available[k] : held[k], draws: isNew ? newSamples : oldDraws[k],
                     keepQuota: isNew ? available[k] : mostLater[k], groupTotal: available[k], counts: counts,
                     to: &plan)
        }
        try check(plan, against: counts)
        return plan
    }

    /// Positions in `counts.months` of each group's months, checking that every month up to the last
    /// group's end falls in a group.
    private static func monthRanges(of groups: [StepGroup], in counts: PlanInput) throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        for group in groups {
            let start = i
            while i < counts.months.count && counts.months[i] <= group.last {
                guard counts.months[i] >= group.first else {
                    throw ReplayError.badInput("slice \(counts.months[i]) has train samples but is in no step group")
                }
                i += 1
            }
            ranges.append(start..<i)
        }
        return ranges
    }

    /// Spreads a group's held samples and draws over its months and shards, and records its keep and
    /// droppable counts.
    /// - Parameters:
    ///   - held: samples of the group the step may draw from.
    ///   - draws: samples to draw from the group.
    ///   - keepQuota: the most samples of the group this or a later step can hold.
    private static func addGroup(_ months: Range<Int>, held: Int, draws: Int, keepQuota: Int, groupTotal: Int,
                                 counts: PlanInput, to plan: inout StepPlan) {
        let totals = counts.monthTotals[months]
        let monthHeld = apportion(held, over: totals)
        let monthDraws = apportion(draws, over: monthHeld)
        for (j, m) in months.enumerated() {
            let month = counts.months[m], label = month.description
            let run = counts.runStarts[m]..<counts.runStarts[m + 1]
            let trains = counts.trains[run]
            let total = counts.monthTotals[m]

            let keep: Int
            if keepQuota >= groupTotal {
                keep = total
            } else if keepQuota == 0 {
                keep = 0
            } else {
                // Any later split of at most keepQuota gives this month at most monthMost, and each shard
                // at most the ceiling of its share of that.
                let monthMost = min(total, ceilShare(keepQuota, weight: total, of: groupTotal))
                keep = trains.reduce(0) { $0 + min($1, ceilShare(monthMost, weight: $1, of: total)) }
            }
            plan.keep[label] = keep
            plan.droppable[label] = total - keep

            let drawn = monthDraws[j]
            guard drawn > 0 else { continue }
            plan.slices[label] = drawn
            plan.available[label] = monthHeld[j]
            if drawn > monthHeld[j] { plan.upsampling[label] = Double(drawn) / Double(monthHeld[j]) }
            // Shards that tie for a rounded-off sample are ordered by content, not id (arrival order).
            let keys = counts.contentKeys[run]
            let shardHeld = monthHeld[j] == total ? Array(trains) : apportion(monthHeld[j], over: trains, ties: keys)
            let shardDraws = apportion(drawn, over: shardHeld, ties: keys)
            for (s, count) in shardDraws.enumerated() where count > 0 {
                plan.draws.append(ShardDraw(shardID: counts.shardIDs[run.lowerBound + s], slice: month,
                                            count: count, available: shardHeld[s]))
            }
        }
    }

    /// Checks every draw against the input: its (shard, slice) has train samples, it claims no more than
    /// those as available, and it draws no more than available × the slice's repeats; and the draws add up
    /// to the budget. Eval samples are not in the input, so this also proves none is drawn. Draws must be
    /// in plan order (slice, then shard id); one out of order fails the check.
    static func check(_ plan: StepPlan, against counts: PlanInput) throws {
        var m = 0, at = 0
        var drawn = 0
        var slice: Month?, label = "", repeats = 0
        for draw in plan.draws {
            if draw.slice != slice {
                slice = draw.slice
                label = draw.slice.description
                let held = plan.available[label] ?? 0
                repeats = held > 0 ? ceilShare(plan.slices[label] ?? 0, weight: 1, of: held) : 0
            }
            while m < counts.months.count && counts.months[m] < draw.slice { m += 1 }
            var train = 0
            if m < counts.months.count && counts.months[m] == draw.slice {
                at = max(at, counts.runStarts[m])
                let end = counts.runStarts[m + 1]
                while at < end && counts.shardIDs[at] < draw.shardID { at += 1 }
                if at < end && counts.shardIDs[at] == draw.shardID { train = counts.trains[at] }
            }
            guard draw.available <= train, draw.count <= draw.available * repeats else {
                throw ReplayError.drawExceedsAvailable(shardID: draw.shardID, slice: label, count: draw.count,
                                                       available: min(draw.available, train), repeats: repeats)
            }
            drawn += draw.count
        }
        guard drawn == plan.budget else {
            throw ReplayError.drawsMissBudget(drawn: drawn, budget: plan.budget)
        }
    }
}

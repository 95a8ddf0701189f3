import Timeline

/// Cuts the catalogued months into consecutive training steps.
public enum StepGrouping {
    /// The step groups covering every month from the earliest in `months` through the latest.
    ///
    /// Groups are contiguous ranges of calendar time, so a group may hold months without data. The first
    /// group starts at the earliest month and, when `firstStepUntil` is given (and not before the earliest
    /// month), runs through it, the way TiC-CLIP's first step holds 2014–2016. Every later group starts
    /// the month after the previous one ends and runs to the end of its unit: the calendar year for
    /// `.year` (so a `firstStepUntil` in mid-year leaves a partial year next), one month for `.month`,
    /// N months for `.months(N)`. The last group may end after the latest month; it is then incomplete.
    /// - Parameters:
    ///   - months: the slices with data, in any order; duplicates are fine.
    ///   - unit: the config's `step_unit`.
    ///   - firstStepUntil: the config's `first_step_until`, if any.
    /// - Returns: the groups in time order, indexed from 1; none when `months` is empty.
    public static func groups(months: [Month], unit: StepUnit, firstStepUntil: Month?) -> [StepGroup] {
        guard let earliest = months.min(), let latest = months.max() else { return [] }
        var groups: [StepGroup] = []
        var start = earliest
        while start <= latest {
            var last = unit.lastMonth(from: start)
            var extended = groups.isEmpty && unit == .year
            if groups.isEmpty, let until = firstStepUntil, until >= earliest {
                last = until
                extended = true
            }
            // The first group owns its years back to the earliest data, so it reads as whole years too.
            let wholeYears = (start.month == 1 || extended) && last.month == 12
            groups.append(StepGroup(index: groups.count + 1,
                                    label: label(first: start, last: last, wholeYears: wholeYears),
                                    first: start, last: last))
            start = last.adding(months: 1)
        }
        return groups
    }

    /// True when a month after the group's last has data: no more of its months are expected.
    public static func isComplete(_ group: StepGroup, latestMonth: Month) -> Bool {
        latestMonth > group.last
    }

    private static func label(first: Month, last: Month, wholeYears: Bool) -> String {
        if wholeYears {
            return first.year == last.year ? String(first.year) : "\(first.year)-\(last.year)"
        }
        return first == last ? first.description : "\(first)..\(last)"
    }
}

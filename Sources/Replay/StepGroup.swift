import Timeline

/// One training step's stretch of calendar time: the months from `first` through `last`, with or without
/// data in each.
public struct StepGroup: Codable, Equatable, Sendable {
    /// 1-based position among the step groups.
    public var index: Int
    /// "2017" for a calendar year, "2014-2016" for whole years, "2019-03" for one month,
    /// "2019-01..2019-03" for any other range. Unique among the groups of one grouping.
    public var label: String
    public var first: Month
    public var last: Month

    public init(index: Int, label: String, first: Month, last: Month) {
        self.index = index; self.label = label; self.first = first; self.last = last
    }

    /// True when `month` falls in this group.
    public func contains(_ month: Month) -> Bool { first <= month && month <= last }
}

/// What a changelog corpus run found, kept, and skipped and why; printed as a small table.
struct ChangelogSummary {
    var entriesByYear: [Int: Int] = [:]
    var entriesBySource: [ChangelogSource: Int] = [:]
    var filesRead = 0
    var aliasedPackages = 0
    var fileProblems: [ChangelogProblem.Kind: Int] = [:]
    var entrySkips: [EntrySkip: Int] = [:]
    /// Entries kept, but cut to the text limit.
    var entriesCut = 0
    var shards: [String] = []

    var total: Int { entriesByYear.values.reduce(0, +) }

    /// The per-year table, the total, and the counts of everything skipped, for stdout.
    func table(out: String, maxEntryBytes: Int) -> String {
        var lines = ["year  entries"]
        for year in entriesByYear.keys.sorted() {
            let count = String(entriesByYear[year]!)
            lines.append("\(year)  " + String(repeating: " ", count: max(0, 7 - count.count)) + count)
        }
        lines.append("total \(total) entries in \(shards.count) monthly shards under \(out)")
        func counts<Key>(_ keys: [Key], _ values: [Key: Int], _ name: (Key) -> String) -> String {
            keys.map { "\(name($0)) \(values[$0] ?? 0)" }.joined(separator: ", ")
        }
        lines.append("by source: " + counts(ChangelogSource.allCases, entriesBySource, \.rawValue))
        lines.append("files: \(filesRead) read; \(aliasedPackages) package directories are symlinks to ones already read")
        lines.append("file problems: " + counts(ChangelogProblem.Kind.allCases, fileProblems, \.rawValue))
        lines.append("skipped entries: " + counts(EntrySkip.allCases, entrySkips, \.rawValue))
        lines.append("entries cut to \(maxEntryBytes) bytes: \(entriesCut)")
        return lines.joined(separator: "\n")
    }
}

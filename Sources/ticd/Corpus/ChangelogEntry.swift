/// The formats a changelog corpus record can come from; the record's `source` field.
enum ChangelogSource: String, CaseIterable, Sendable {
    case debianChangelog = "debian-changelog"
    case gnuChangelog = "gnu-changelog"
    case gitLog = "git-log"
    case news
}

/// What a parser found for an entry's date.
enum EntryDate: Equatable {
    /// Seconds since 1970-01-01T00:00:00Z.
    case at(Int64)
    /// The entry has no date line at all (a Debian entry without its ` -- ` trailer, a commit without
    /// `Date:`, an undated NEWS section).
    case missing
    /// A date line is there but cannot be read; the text is kept for the skip report.
    case unreadable(String)
}

/// One entry as a parser delimits it: line indices into its `ChangelogText`, not text yet, so entries that
/// are dropped for their date cost nothing to decode.
struct ParsedEntry: Equatable {
    /// Bytes of `ChangelogText.bytes`, within one line, kept above the body: a Debian `pkg (version)
    /// dist; urgency=...` line, or what follows the date of a NEWS heading that opens with its date.
    var heading: Range<Int>?
    /// The body's lines; dedented and trimmed when rendered.
    var body: Range<Int>
    var date: EntryDate
    /// 0-based index of the line that starts the entry, for reports.
    var line: Int
}

/// A record of the changelog corpus, one JSON line in a monthly shard.
struct ChangelogRecord: Encodable {
    let text: String
    /// RFC 3339 UTC, e.g. "2019-03-04T11:00:00Z".
    let timestamp: String
    let source: String
    /// The `/usr/share/doc` directory the file was found in (the binary package's name).
    let package: String
}

/// Which parser reads a file, decided from its content: names lie (many `changelog.gz` files are Debian
/// changelogs of native packages, `git log` dumps, or NEWS files).
enum ChangelogFormat {
    /// Lines looked at: every format shows its headers within the first few hundred lines.
    static let sniffLines = 400

    /// - Debian: a `name (version)` heading and a ` -- ` trailer with a date;
    /// - git log: a `commit <hash>` or `Author:` line, and a `Date:` line;
    /// - GNU ChangeLog: a header line with a date at the first column;
    /// - otherwise NEWS, whose parser keeps only sections under dated headings and so finds nothing in
    ///   files of any other kind.
    static func detect(_ text: ChangelogText) -> ChangelogSource {
        var debianHeadings = 0, debianTrailers = 0, commits = 0, gitDates = 0, gnuHeaders = 0
        for line in 0 ..< min(text.count, sniffLines) {
            let bytes = text[line]
            if DebianChangelogParser.isHeading(bytes) { debianHeadings += 1 }
            if DebianChangelogParser.trailerDate(bytes).map({ !$0.isEmpty }) ?? false { debianTrailers += 1 }
            if GitLogParser.isCommitLine(bytes) || bytes.starts(with: "Author:".utf8) { commits += 1 }
            if GitLogParser.field(bytes, names: GitLogParser.dateFields) != nil { gitDates += 1 }
            if GNUChangelogParser.headerDate(bytes) != nil { gnuHeaders += 1 }
        }
        if debianHeadings > 0 && debianTrailers > 0 { return .debianChangelog }
        if commits > 0 && gitDates > 0 { return .gitLog }
        if gnuHeaders > 0 { return .gnuChangelog }
        return .news
    }

    static func entries(in text: ChangelogText, as format: ChangelogSource) -> [ParsedEntry] {
        switch format {
        case .debianChangelog: return DebianChangelogParser.entries(in: text)
        case .gnuChangelog: return GNUChangelogParser.entries(in: text)
        case .gitLog: return GitLogParser.entries(in: text)
        case .news: return NewsParser.entries(in: text)
        }
    }
}

import Foundation

/// Entries of a `git log` dump, which many projects ship as their ChangeLog:
///
///     commit 084911ce875f444a5739fae6255770b6a575aba4
///     Merge: 1a2b3c4 5d6e7f8
///     Author: Jane Doe <jane@example.org>
///     Date:   Mon Mar 4 12:00:00 2019 +0100
///
///         The commit message, indented by four spaces.
///
/// Some projects print their log without the `commit` lines; an `Author:` line at the first column then
/// opens the block. The date is `Date:` (or `AuthorDate:` from `--format=fuller`), in any form git prints or
/// `RFC2822Date` reads. The body is the indented message; `--stat` lines and patches after it are left out.
enum GitLogParser {
    static func entries(in text: ChangelogText) -> [ParsedEntry] {
        var entries: [ParsedEntry] = []
        var line = 0
        while line < text.count {
            guard isCommitLine(text[line]) || text.hasPrefix(line, "Author:") else { line += 1; continue }
            let start = line
            var date = EntryDate.missing
            line += 1
            while line < text.count, !text.isBlank(line), !isCommitLine(text[line]) {
                if case .missing = date, let value = field(text[line], names: dateFields) {
                    date = RFC2822Date.unixSeconds(value).map(EntryDate.at) ?? .unreadable(value)
                }
                line += 1
            }
            let bodyStart = line
            while line < text.count, text.isBlank(line) || isMessageLine(text[line]) { line += 1 }
            entries.append(ParsedEntry(heading: nil, body: bodyStart ..< line, date: date, line: start))
        }
        return entries
    }

    /// `commit ` and at least seven hex digits at the first column.
    static func isCommitLine(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.starts(with: "commit ".utf8) else { return false }
        let hash = line.dropFirst(7).prefix(while: { ChangelogText.isDigit($0) || (0x61...0x66).contains($0) })
        return hash.count >= 7 && (hash.endIndex == line.endIndex || line[hash.endIndex] == 0x20)
    }

    /// git indents message lines by four spaces; `--stat` lines by one.
    private static func isMessageLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.starts(with: "    ".utf8) || line.first == 0x09
    }

    /// The header lines that carry a commit's date: `git log` and `git log --format=fuller`.
    static let dateFields = ["Date:", "AuthorDate:"]

    /// The value of a header line `Name:   value` for one of `names`, trimmed.
    static func field(_ line: ArraySlice<UInt8>, names: [String]) -> String? {
        guard let name = names.first(where: { line.starts(with: $0.utf8) }) else { return nil }
        return EntryText.decode(line.dropFirst(name.utf8.count)).trimmingCharacters(in: .whitespaces)
    }
}

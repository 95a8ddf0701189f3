import Timeline

/// Why a file, or part of one, did not make it into the changelog corpus. The run goes on; problems are
/// counted by `kind` and the ones worth a look (unreadable, damaged, cut) are printed with their context.
struct ChangelogProblem: Error, CustomStringConvertible, Equatable {
    enum Kind: String, CaseIterable {
        /// open/read/stat failed (permissions, a dangling symlink, a directory that vanished).
        case unreadable
        /// The gzip stream ends early; entries before the damage are kept, the last one dropped.
        case truncated
        /// Undecodable gzip data; as for `truncated`.
        case corrupt
        /// Over the per-file read limit; the rest of the file is not read, the last entry read is dropped.
        case tooLarge = "too_large"
        /// Readable, but no entry with a date (a README-like changelog, an undated NEWS).
        case noDatedEntries = "no_dated_entries"
    }

    var kind: Kind
    var path: String
    /// Byte offset (for gzip: in the compressed file) where the problem was found.
    var offset: Int64?
    var detail: String

    init(_ kind: Kind, path: String, offset: Int64? = nil, detail: String) {
        self.kind = kind; self.path = path; self.offset = offset; self.detail = detail
    }

    /// Keeps the context a Timeline `ShardError` from the reader already has.
    init(_ error: ShardError) {
        let kind: Kind = switch error.kind {
        case .truncated: .truncated
        case .corrupt: .corrupt
        default: .unreadable
        }
        self.init(kind, path: error.path, offset: error.offset, detail: error.detail)
    }

    var description: String {
        "\(path):\(offset.map { " offset \($0):" } ?? "") \(kind.rawValue): \(detail)"
    }
}

/// Why one entry was left out (counted, not reported one by one).
enum EntrySkip: String, CaseIterable {
    /// No date line (Debian entry without trailer, commit without `Date:`, undated NEWS section).
    case missingDate = "missing_date"
    /// A date line that cannot be read.
    case badDate = "bad_date"
    /// Before 1990 or after now + 1 day, which ingest would reject (DESIGN §2).
    case outOfRange = "out_of_range"
    /// Outside `--since`/`--until`.
    case outsideYears = "outside_years"
    /// Nothing but blanks under its heading.
    case empty
    /// The same normalized text as an entry already kept.
    case duplicate
    /// The last entry of a file that was not read to its end; it may be cut short.
    case unfinished
}

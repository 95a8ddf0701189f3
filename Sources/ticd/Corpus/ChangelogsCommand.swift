/// `ticd corpus changelogs --out DIR [--since YYYY] [--until YYYY] [--doc-root DIR]` (DESIGN §10).
///
/// Prints the per-year table and the skip counts on stdout, one line per damaged or unreadable file on
/// stderr, and exits 0 even when some files could not be read: a corpus of what could be read is the
/// point. Only an unlistable documentation root or an unwritable output directory fail the run.
enum ChangelogsCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["out", "since", "until", "doc-root"])
        guard a.positionals.isEmpty else { throw UsageError("corpus changelogs: unexpected \(a.positionals[0])") }
        let since = try year(a, "since") ?? 1
        let until = try year(a, "until") ?? 9999
        guard since <= until else { throw UsageError("--since \(since) is after --until \(until)") }
        var corpus = ChangelogCorpus(out: try a.require("out"))
        corpus.years = since ... until
        if let root = a.string("doc-root") { corpus.docRoot = root }
        let summary = try corpus.build { printError("ticd corpus: \($0)") }
        print(summary.table(out: corpus.out, maxEntryBytes: corpus.maxEntryBytes))
        return 0
    }

    private static func year(_ a: Arguments, _ name: String) throws -> Int? {
        guard let value = try a.int(name) else { return nil }
        guard (1...9999).contains(value) else { throw UsageError("--\(name) expects a year YYYY, got \(value)") }
        return value
    }
}

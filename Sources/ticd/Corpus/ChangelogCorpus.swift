import Timeline

/// `ticd corpus changelogs`: real, timestamped text from the changelogs and NEWS files under
/// `/usr/share/doc`, one record per entry, written as monthly `YYYY-MM.jsonl.zst` shards that
/// `ticd ingest` accepts.
///
/// Each file's format is sniffed from its content (`ChangelogFormat`), its entries parsed and dated,
/// and each entry kept when its date lies in the ingest window (DESIGN §2) and in `--since`...`--until`,
/// its text is not empty, and the same text (after masking e-mail addresses and normalizing blanks and
/// case) was not kept before. Nothing in one file can stop the run: problems are counted and reported.
struct ChangelogCorpus {
    var docRoot = "/usr/share/doc"
    var out: String
    /// Inclusive bounds on an entry's (UTC) year.
    var years: ClosedRange<Int> = 1...9999
    /// Decompressed bytes read per file at most; larger files lose their tail.
    var maxFileBytes = 8 << 20
    /// UTF-8 bytes of text per entry at most; longer ones are cut (at a line end when one is near).
    var maxEntryBytes = 16 << 10
    var window = TimeWindow()

    /// Reads every file, writes the shards and returns what happened. `report` receives one line per file
    /// that could not be read in full.
    /// - Throws: `ChangelogProblem` when the documentation root cannot be listed, `ShardError` when a
    ///   shard cannot be written.
    func build(report: (ChangelogProblem) -> Void) throws -> ChangelogSummary {
        let walk = try ChangelogWalk.files(under: docRoot)
        var summary = ChangelogSummary()
        summary.aliasedPackages = walk.aliasedPackages
        for problem in walk.problems {
            summary.fileProblems[problem.kind, default: 0] += 1
            report(problem)
        }
        var shards = MonthlyShards()
        var seen = Set<UInt64>()
        for file in walk.files {
            let contents: ChangelogFile.Contents
            do {
                contents = try ChangelogFile.read(file.path, limit: maxFileBytes)
            } catch let problem as ChangelogProblem {
                summary.fileProblems[problem.kind, default: 0] += 1
                report(problem)
                continue
            }
            summary.filesRead += 1
            if let problem = contents.problem {
                summary.fileProblems[problem.kind, default: 0] += 1
                report(problem)
            }
            let text = ChangelogText(contents.bytes)
            let format = ChangelogFormat.detect(text)
            var entries = ChangelogFormat.entries(in: text, as: format)
            if contents.problem != nil, !entries.isEmpty {
                entries.removeLast()
                summary.entrySkips[.unfinished, default: 0] += 1
            }
            if !entries.contains(where: { if case .at = $0.date { true } else { false } }) {
                summary.fileProblems[.noDatedEntries, default: 0] += 1
            }
            for entry in entries {
                switch keep(entry, in: text, seen: &seen) {
                case .skip(let reason):
                    summary.entrySkips[reason, default: 0] += 1
                case .keep(let bytes, let seconds, let cut):
                    let record = ChangelogRecord(text: String(decoding: bytes, as: UTF8.self),
                                                 timestamp: Civil.format(seconds), source: format.rawValue,
                                                 package: file.package)
                    shards.add(jsonLine(record), at: seconds)
                    summary.entriesByYear[Month(unixSeconds: seconds).year, default: 0] += 1
                    summary.entriesBySource[format, default: 0] += 1
                    if cut { summary.entriesCut += 1 }
                }
            }
        }
        summary.shards = try shards.write(to: out)
        return summary
    }

    private enum Decision {
        case keep([UInt8], seconds: Int64, cut: Bool)
        case skip(EntrySkip)
    }

    /// The checks in order of cost: date, window, years, then the text's rendering and its duplicate key.
    private func keep(_ entry: ParsedEntry, in text: ChangelogText, seen: inout Set<UInt64>) -> Decision {
        let seconds: Int64
        switch entry.date {
        case .at(let value): seconds = value
        case .missing: return .skip(.missingDate)
        case .unreadable: return .skip(.badDate)
        }
        guard window.contains(seconds) else { return .skip(.outOfRange) }
        guard years.contains(Month(unixSeconds: seconds).year) else { return .skip(.outsideYears) }
        var bytes = EntryText.render(entry, in: text)
        guard !bytes.isEmpty else { return .skip(.empty) }
        bytes = EntryText.maskEmails(bytes)
        let cut = EntryText.capped(bytes, maxBytes: maxEntryBytes)
        if let cut { bytes = cut }
        guard seen.insert(EntryText.duplicateKey(bytes)).inserted else { return .skip(.duplicate) }
        return .keep(bytes, seconds: seconds, cut: cut != nil)
    }
}

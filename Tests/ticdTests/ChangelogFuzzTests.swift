import Foundation
import FuzzSupport
import XCTest
import Timeline
@testable import ticd

/// `make fuzz` (not `make test`): mutated changelogs of every format. Most iterations run every parser on the
/// text and render each entry; every fourth, and every gzip-compressed one, runs `ChangelogCorpus.build` on a
/// documentation root holding the file and reads the shards back. Oracles: no crash; entries inside the text;
/// rendered text valid UTF-8; every record a non-empty text with a timestamp inside the window, in the shard of
/// its month; every file problem names the file, and a damaged gzip stream the offset.
final class ChangelogFuzzTests: TemporaryDirectoryTestCase {
    static let seeds: [(text: [UInt8], name: String)] = [
        (ChangelogParserTests.debian, "changelog.Debian"),
        (ChangelogFixtures.debian(package: "foo", count: 8), "changelog.Debian"),
        (ChangelogParserTests.gnu, "ChangeLog"),
        (ChangelogParserTests.git, "changelog"),
        (ChangelogParserTests.news, "NEWS"),
        ("What's New in Python 3.11.2 final?\n===\n\n*Release date: 2023-02-07*\n\n- A fix.\n\n"
            + "Version 4.3 (19 Jan 2020)\n\n  * Something.\n\n2022/04/11: implement whole option\n", "NEWS.md"),
    ].map { (Array($0.0.utf8), $0.1) }

    func testChangelogs() throws {
        let campaign = FuzzCampaign("changelog")
        campaign.run { it in
            let seed = it.rng.pick(Self.seeds)
            var text = seed.text
            if it.rng.chance(0.3) { Self.mutateLines(&text, &it.rng) }
            if !it.rng.chance(0.1) { Mutator.mutate(&text, &it.rng) }
            let compressed = it.rng.chance(0.25)
            if compressed {
                let path = root + "/gz-\(it.index).gz"
                defer { unlink(path) }
                try ChangelogFixtures.gzip(text, to: path)
                text = Array(FileManager.default.contents(atPath: path) ?? Data())
                if it.rng.chance(0.5) { Mutator.mutate(&text, &it.rng) }  // a damaged gzip stream
            }
            it.setInput(text, fileExtension: compressed ? "gz" : "txt")
            if compressed || it.index % 4 == 0 {
                try build(text, name: seed.name + (compressed ? ".gz" : ""), &it)
            } else {
                parse(text, &it)
            }
        }
        for failure in campaign.failures { XCTFail(failure) }
    }

    /// Every parser, not only the one `detect` picks, on the text; each entry rendered, masked and capped.
    private func parse(_ bytes: [UInt8], _ it: inout FuzzIteration) {
        let text = ChangelogText(bytes)
        it.note(ChangelogFormat.detect(text).rawValue)
        for format in ChangelogSource.allCases {
            for entry in ChangelogFormat.entries(in: text, as: format) {
                guard (0..<text.count).contains(entry.line), entry.body.lowerBound >= 0, entry.body.upperBound <= text.count,
                      entry.heading.map({ $0.lowerBound >= 0 && $0.upperBound <= bytes.count }) ?? true else {
                    return it.fail("\(format) entry at line \(entry.line), body \(entry.body), heading "
                                   + "\(String(describing: entry.heading)) lies outside the \(text.count) lines")
                }
                let rendered = EntryText.maskEmails(EntryText.render(entry, in: text))
                let capped = EntryText.capped(rendered, maxBytes: 1 + it.rng.below(200)) ?? rendered
                if String(validating: capped, as: UTF8.self) == nil { it.fail("\(format) rendered invalid UTF-8") }
            }
        }
    }

    private func build(_ bytes: [UInt8], name: String, _ it: inout FuzzIteration) throws {
        let docs = root + "/doc-\(it.index)", out = root + "/out-\(it.index)", file = docs + "/pkg/" + name
        defer { try? FileManager.default.removeItem(atPath: docs); try? FileManager.default.removeItem(atPath: out) }
        try ChangelogFixtures.write(bytes, to: file)
        var corpus = ChangelogCorpus(out: out)
        corpus.docRoot = docs
        var problems: [ChangelogProblem] = []
        let summary = try corpus.build { problems.append($0) }
        it.note(summary.total > 0 ? "records" : "no records")
        for problem in problems {
            it.note(problem.kind.rawValue)
            if problem.path != file || !problem.description.hasPrefix(file + ":") || problem.detail.isEmpty {
                it.fail("a file problem that does not name the file and a reason: \(problem)")
            }
            if [.truncated, .corrupt].contains(problem.kind), problem.offset == nil {
                it.fail("a damaged gzip stream reported without an offset: \(problem)")
            }
        }
        var records = 0
        for (shard, lines) in try ChangelogFixtures.records(in: out) {
            for record in lines {
                records += 1
                let text = record["text"] as? String ?? ""
                let timestamp = record["timestamp"] as? String ?? ""
                guard let seconds = SampleTime.unixSeconds(rfc3339: Substring(timestamp)),
                      corpus.window.contains(seconds), shard == "\(Month(unixSeconds: seconds)).jsonl.zst" else {
                    return it.fail("record in \(shard) with timestamp '\(timestamp)' outside the window or its month")
                }
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { it.fail("record in \(shard) with an empty text") }
                if record["package"] as? String != "pkg" || ChangelogSource(rawValue: record["source"] as? String ?? "") == nil {
                    it.fail("record in \(shard) with package \(record["package"] ?? "nil"), source \(record["source"] ?? "nil")")
                }
            }
        }
        if records != summary.total { it.fail("\(records) records written, the summary counts \(summary.total)") }
    }

    /// Duplicates, deletes or swaps whole lines, as hand edits and bad merges do.
    private static func mutateLines(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard lines.count > 1 else { return }
        let a = rng.below(lines.count), b = rng.below(lines.count)
        switch rng.below(3) {
        case 0: lines.insert(lines[a], at: b)
        case 1: lines.remove(at: a)
        default: lines.swapAt(a, b)
        }
        let joined = Array(lines.joined(separator: [0x0A]))
        if joined.count <= Mutator.maxBytes { bytes = joined }
    }
}

import Foundation
import FoundationXML
import XCTest
import Timeline
@testable import ticd

/// A state directory for report tests: a real synthetic corpus (image-text, or text for the LM task) ingested
/// with a held-out split, then yearly steps, accepted checkpoints, compute and evaluation cells recorded
/// straight through the catalog's API, so a report can be checked against known numbers without training.
struct ReportRun {
    let config: TicdConfig
    let catalog: Catalog

    /// - Parameters:
    ///   - root: the test's temporary directory; the corpus, state and config are made under it.
    ///   - name: the state directory's and config's name (any characters a file name may hold).
    ///   - steps: step labels, one year each unless the label is not a year (then it covers 2014).
    ///   - values: E[i][j] for the first `values.count` steps (rows) and every step's group (columns); those
    ///     rows get an accepted checkpoint and compute (step i: 1000 samples, (i+1)·1e12 FLOPs, 2 s).
    static func make(root: String, name: String = "state", task: String = "clip", policy: String = "cumulative-all",
                     steps: [String] = ["2014", "2015", "2016"], values: [[Double?]]) throws -> ReportRun {
        let corpus = root + "/corpus-" + UUID().uuidString
        let synthetic = SyntheticCorpus(out: corpus, firstYear: 2014, lastYear: 2016, seed: 3, perMonth: 6, imageSize: 16)
        if task == "lm" { try synthetic.writeText { _ in } } else { try synthetic.writeImageText { _ in } }
        let stateDir = root + "/" + name
        var options = IngestOptions()
        options.scan.evalFraction = 0.2
        let ingestor = try Ingestor(state: StateDirectory(stateDir), options: options)
        for path in try IngestCommand.expand([corpus]) {
            XCTAssertEqual(try ingestor.ingest(path: path).outcome, .accepted)
        }
        let catalog = ingestor.catalog
        for (i, label) in steps.enumerated() {
            let year = Int(label) ?? 2014
            try catalog.savePlan("{}", stepLabel: label, first: Month(year: year, month: 1)!,
                                 last: Month(year: year, month: 12)!, policy: policy)
            guard i < values.count else { continue }
            let checkpoint = try catalog.addCheckpoint(stepLabel: label, path: "checkpoints/\(i)", sha256: nil)
            try catalog.acceptCheckpoint(id: checkpoint)
            try catalog.setStepState(label: label, "evaluated", samplesSeen: 1000, flops: Double(i + 1) * 1e12, seconds: 2)
            for (j, group) in steps.enumerated() {
                guard let value = values[i][j] else { continue }
                try catalog.recordEval(EvalResult(checkpointID: checkpoint, sliceGroup: group,
                                                  metric: task == "clip" ? "mean_recall@1" : "perplexity",
                                                  value: value, detailJSON: nil))
            }
        }
        let configPath = root + "/" + name + ".json"
        let json: [String: Any] = ["state_dir": stateDir, "task": task, "policy": policy, "step_unit": "year",
                                   "samples_per_step": 1000]
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: configPath))
        return ReportRun(config: try TicdConfig.load(configPath), catalog: catalog)
    }
}

/// The elements of a report page as an XML parser sees them: proof that the page is well-formed, and a way
/// to find the heatmap's cells and the page's text.
final class ParsedPage: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
    }

    private(set) var elements: [Element] = []
    private(set) var text = ""

    /// Why a page is not well-formed XML: the parser's message and where.
    struct Malformed: Error, CustomStringConvertible {
        let line: Int
        let column: Int
        let message: String
        let excerpt: String
        var description: String { "not well-formed at line \(line), column \(column): \(message)\n\(excerpt)" }
    }

    /// Parses `html`.
    /// - Throws: `Malformed` with the parser's error, its position and the offending line.
    init(_ html: String) throws {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        guard parser.parse() else {
            let lines = html.split(separator: "\n", omittingEmptySubsequences: false)
            let line = parser.lineNumber
            throw Malformed(line: line, column: parser.columnNumber,
                            message: parser.parserError.map { "\($0)" } ?? "unknown error",
                            excerpt: line >= 1 && line <= lines.count ? String(lines[line - 1].prefix(300)) : "")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// The heatmap's cells: `rect` elements whose class list holds `cell`.
    var cells: [Element] {
        elements.filter { $0.name == "rect" && ($0.attributes["class"] ?? "").split(separator: " ").contains("cell") }
    }
}

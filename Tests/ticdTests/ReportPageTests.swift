import Foundation
import XCTest
import Timeline
@testable import ticd

/// The report page built from a real catalog: well-formed, one heatmap cell per matrix entry with its value,
/// missing cells empty, labels escaped, and a page even before anything was evaluated.
final class ReportPageTests: TemporaryDirectoryTestCase {
    let values: [[Double?]] = [[0.25, 0.125, nil], [0.5, 0.625, 0.0625], [0.375, 0.5, 0.75]]

    func testHeatmapHasOneCellPerMatrixEntryWithItsValue() throws {
        let run = try ReportRun.make(root: root, values: values)
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        let page = try ParsedPage(ReportPage.html(data))
        XCTAssertEqual(page.cells.count, 9, "rows × columns")
        for cell in page.cells {
            let i = try XCTUnwrap(cell.attributes["data-row"].flatMap(Int.init))
            let j = try XCTUnwrap(cell.attributes["data-col"].flatMap(Int.init))
            if let expected = values[i][j] {
                XCTAssertEqual(cell.attributes["data-value"].flatMap(Double.init), expected, "E[\(i)][\(j)]")
            } else {
                XCTAssertNil(cell.attributes["data-value"], "E[\(i)][\(j)] was never evaluated")
                XCTAssertTrue(cell.attributes["class"]!.contains("missing"))
            }
        }
        XCTAssertEqual(Set(page.cells.map { "\($0.attributes["data-row"]!)/\($0.attributes["data-col"]!)" }).count, 9)
        XCTAssertFalse(page.text.contains("No evaluations yet"))
        for section in ["matrix", "curves", "compute", "summary", "corpus"] {
            XCTAssertTrue(page.elements.contains { $0.name == "section" && $0.attributes["id"] == section }, section)
        }
    }

    func testSummaryAndComputeFollowTheMatrix() throws {
        let run = try ReportRun.make(root: root, values: values)
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        XCTAssertEqual(data.evaluation.summary.id!, (0.25 + 0.625 + 0.75) / 3, accuracy: 1e-12)
        let points = try XCTUnwrap(data.runs.first?.points)
        XCTAssertEqual(points.map(\.step), ["2014", "2015", "2016"])
        XCTAssertEqual(points.map(\.flops), [1e12, 3e12, 6e12], "FLOPs add up over the steps")
        XCTAssertEqual(points.map(\.samplesSeen), [1000, 2000, 3000])
        // Each row's mean over the groups trained on so far: its own and the earlier ones.
        XCTAssertEqual(points[0].quality!, 0.25, accuracy: 1e-12)
        XCTAssertEqual(points[1].quality!, (0.5 + 0.625) / 2, accuracy: 1e-12)
        XCTAssertEqual(points[2].quality!, (0.375 + 0.5 + 0.75) / 3, accuracy: 1e-12)
        let html = ReportPage.html(data)
        XCTAssertTrue(html.contains(ReportFormat.metric(data.evaluation.summary.id)), "the ID summary is printed")
        XCTAssertEqual(data.slices.count, 36, "the corpus timeline covers 2014-2016 month by month")
        let page = try ParsedPage(html)
        XCTAssertEqual(page.elements.filter { $0.name == "g" && $0.attributes["class"] == "bar" }.count, 36)
    }

    func testARunWithNoEvaluationsStillGivesAPageThatSaysSo() throws {
        let run = try ReportRun.make(root: root, values: [])
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        XCTAssertFalse(data.hasEvaluations)
        let page = try ParsedPage(ReportPage.html(data))
        XCTAssertTrue(page.text.contains("No evaluations yet"))
        XCTAssertEqual(page.cells.count, 0)
        XCTAssertEqual(page.elements.filter { $0.name == "g" && $0.attributes["class"] == "bar" }.count, 36,
                       "the corpus is shown before any training")
    }

    func testACheckpointNotYetScoredShowsARowOfEmptyCells() throws {
        let run = try ReportRun.make(root: root, values: [[nil, nil, nil]])
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        let page = try ParsedPage(ReportPage.html(data))
        XCTAssertEqual(page.cells.count, 3)
        XCTAssertTrue(page.cells.allSatisfy { $0.attributes["data-value"] == nil })
        XCTAssertTrue(page.text.contains("No evaluations yet"))
    }

    func testLabelsAndPathsFromDataAreEscaped() throws {
        let hostile = "a<b>&c\"d'e"
        let run = try ReportRun.make(root: root, name: "state \(hostile)", steps: ["2014", "2015 \(hostile)"],
                                     values: [[0.5, 0.25], [0.5, 0.75]])
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        XCTAssertTrue(data.evaluation.columns.contains("2015 \(hostile)"))
        let html = ReportPage.html(data)
        XCTAssertFalse(html.contains("<b>"), "a label never opens a tag")
        let page = try ParsedPage(html)
        XCTAssertTrue(page.text.contains("2015 \(hostile)"), "the label reads as written")
        XCTAssertTrue(page.text.contains("state \(hostile)"), "so does the state directory")
        XCTAssertEqual(page.cells.count, 4)
    }

    func testComparedRunsAddOneSeriesEachLabelledByPolicy() throws {
        let this = try ReportRun.make(root: root, values: values)
        let other = try ReportRun.make(root: root, name: "sequential", policy: "sequential",
                                       values: [[0.25, 0.125, 0.0625], [0.125, 0.5, 0.0625]])
        let data = try ReportData.load(config: this.config, catalog: this.catalog, compare: [other.config])
        XCTAssertEqual(data.runs.map(\.label), ["cumulative-all", "sequential"])
        XCTAssertEqual(data.runs[1].points.count, 2)
        let page = try ParsedPage(ReportPage.html(data))
        let series = page.elements.filter { $0.name == "g" && $0.attributes["class"] == "series" }.compactMap { $0.attributes["data-series"] }
        XCTAssertTrue(series.contains("sequential"))
        XCTAssertTrue(series.contains("cumulative-all"))
    }

    func testARunComparedWithItselfGetsDistinctLabels() throws {
        let this = try ReportRun.make(root: root, values: values)
        let data = try ReportData.load(config: this.config, catalog: this.catalog, compare: [this.config])
        XCTAssertEqual(Set(data.runs.map(\.label)).count, 2, "\(data.runs.map(\.label))")
    }

    func testAComparedRunOfAnotherTaskIsRefused() throws {
        let this = try ReportRun.make(root: root, values: values)
        let lm = try ReportRun.make(root: root, name: "lm", task: "lm", values: [[40, 50, 60]])
        XCTAssertThrowsError(try ReportData.load(config: this.config, catalog: this.catalog, compare: [lm.config])) { error in
            XCTAssertTrue("\(error)".contains("lm.json"), "the error names the config: \(error)")
        }
    }

    func testPerplexityPagesParseAndPrintTheMetric() throws {
        let run = try ReportRun.make(root: root, task: "lm", values: [[410.5, 900, nil], [380.25, 350.75, 700]])
        let data = try ReportData.load(config: run.config, catalog: run.catalog, compare: [])
        XCTAssertEqual(data.metric, "perplexity")
        XCTAssertFalse(data.higherIsBetter)
        let page = try ParsedPage(ReportPage.html(data))
        XCTAssertEqual(page.cells.count, 6)
        XCTAssertTrue(page.text.contains("410.5"))
    }
}

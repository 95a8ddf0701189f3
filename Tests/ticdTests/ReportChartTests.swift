import Foundation
import XCTest
@testable import ticd

/// The chart builders on their own: colour direction, escaping and number formats.
final class ReportChartTests: XCTestCase {
    /// The fill of each heatmap cell by (row, column).
    func fills(_ heatmap: SVGHeatmap) throws -> [String: String] {
        let page = try ParsedPage(heatmap.svg())
        return Dictionary(uniqueKeysWithValues: page.cells.map {
            ("\($0.attributes["data-row"]!),\($0.attributes["data-col"]!)", $0.attributes["fill"]!)
        })
    }

    func testColourRunsFromWorstToBestWhicheverWayTheMetricGoes() throws {
        let best = ReportColors.scale(1), worst = ReportColors.scale(0)
        let recall = try fills(SVGHeatmap(rows: ["a", "b"], columns: ["a", "b"], values: [[0.1, 0.9], [0.5, nil]],
                                          higherIsBetter: true, metric: "mean_recall@1"))
        XCTAssertEqual(recall["0,1"], best)
        XCTAssertEqual(recall["0,0"], worst)
        let perplexity = try fills(SVGHeatmap(rows: ["a", "b"], columns: ["a", "b"], values: [[10, 90], [50, nil]],
                                              higherIsBetter: false, metric: "perplexity"))
        XCTAssertEqual(perplexity["0,0"], best, "the lowest perplexity is the best")
        XCTAssertEqual(perplexity["0,1"], worst)
        XCTAssertNotEqual(perplexity["1,1"], best)
        XCTAssertNotEqual(perplexity["1,1"], worst)
    }

    func testEscapingKeepsMarkupOutAndTheTextWellFormed() {
        XCTAssertEqual(HTML.escape(#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(HTML.escape("tab\there\u{1}bell\u{7}"), "tab\there\u{FFFD}bell\u{FFFD}",
                       "control characters XML forbids are replaced")
        XCTAssertEqual(HTML.escape("2015 – é"), "2015 – é")
    }

    func testNumbersReadWell() {
        XCTAssertEqual(ReportFormat.metric(0.27345), "0.273")
        XCTAssertEqual(ReportFormat.metric(412.64), "412.6")
        XCTAssertEqual(ReportFormat.metric(nil), "–")
        XCTAssertEqual(ReportFormat.si(1.234e12), "1.23 T")
        XCTAssertEqual(ReportFormat.si(456e9), "456 G")
        XCTAssertEqual(ReportFormat.si(0), "0")
        XCTAssertEqual(ReportFormat.si(2000), "2 k")
        XCTAssertEqual(ReportFormat.si(999_700), "1 M")
        XCTAssertEqual(ReportFormat.tick(0.05), "0.05")
        XCTAssertEqual(ReportFormat.tick(5000), "5000")
        XCTAssertEqual(ReportFormat.count(1234567), "1,234,567")
        XCTAssertEqual(ReportFormat.coordinate(12.3456), "12.35")
        XCTAssertEqual(ReportFormat.coordinate(40), "40")
    }

    func testNiceScaleCoversTheValuesWithRoundTicks() {
        let scale = NiceScale([0.041, 0.469])
        XCTAssertLessThanOrEqual(scale.lower, 0.041)
        XCTAssertGreaterThanOrEqual(scale.upper, 0.469)
        XCTAssertEqual(scale.ticks.first, scale.lower)
        XCTAssertEqual(scale.ticks.last!, scale.upper, accuracy: 1e-12)
        XCTAssertTrue((4...8).contains(scale.ticks.count), "\(scale.ticks)")
        let single = NiceScale([7])
        XCTAssertLessThan(single.lower, 7)
        XCTAssertGreaterThan(single.upper, 7)
        XCTAssertEqual(NiceScale([12, 60], includeZero: true, count: 4).lower, 0)
        let perplexity = NiceScale([26.5, 4094], logarithmic: true)
        XCTAssertTrue(perplexity.logarithmic)
        XCTAssertEqual(perplexity.ticks, [20, 50, 100, 200, 500, 1000, 2000, 5000])
        XCTAssertEqual(perplexity.position(500, from: 0, to: 1), log10(25) / log10(250), accuracy: 1e-12)
        XCTAssertFalse(NiceScale([30, 50], logarithmic: true).logarithmic, "a narrow range keeps a linear axis")
    }

    func testALineBreaksWhereAValueIsMissing() throws {
        let chart = SVGLineChart(label: "t", series: [.init(label: "2014", points: [
            .init(x: 0, y: 1, note: ""), .init(x: 1, y: 2, note: ""), .init(x: 2, y: nil, note: ""),
            .init(x: 3, y: 3, note: ""), .init(x: 4, y: 4, note: ""),
        ])], xTitle: "x", yTitle: "y", xCategories: ["a", "b", "c", "d", "e"])
        let page = try ParsedPage(chart.svg())
        XCTAssertEqual(page.elements.filter { $0.name == "polyline" }.count, 2)
        XCTAssertEqual(page.elements.filter { $0.name == "circle" }.count, 4)
    }

    func testAnInfinitePerplexityIsAGapNotBrokenMarkup() throws {
        let chart = SVGLineChart(label: "t", series: [.init(label: "2014", points: [
            .init(x: 0, y: 12, note: ""), .init(x: 1, y: .infinity, note: ""), .init(x: 2, y: .nan, note: ""),
            .init(x: 3, y: 30, note: ""), .init(x: 4, y: 25, note: ""),
        ])], xTitle: "x", yTitle: "perplexity", xCategories: ["a", "b", "c", "d", "e"], yLogarithmic: true)
        let svg = chart.svg()
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf") || svg.contains("-9223372036854775808"), svg)
        let page = try ParsedPage(svg)
        XCTAssertEqual(page.elements.filter { $0.name == "polyline" }.count, 1)
        XCTAssertEqual(page.elements.filter { $0.name == "circle" }.count, 3)
    }
}

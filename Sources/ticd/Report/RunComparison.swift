import Foundation

/// The report's part for several runs side by side (an experiment, or `--compare`): each run's own heatmap, its
/// ID, backward and forward after every step, and total compute against final quality with the Pareto front,
/// the runs no other run beats on both.
enum RunComparison {
    static func section(_ data: ReportData) -> String {
        guard data.runs.count > 1 else { return "" }
        return paretoSection(data) + perStepSection(data) + heatmapsSection(data)
    }

    /// The final model's mean over the slice groups it was trained on, and the run's total compute.
    struct Outcome: Equatable {
        let label: String
        let compute: Double
        let quality: Double
    }

    static func outcomes(_ data: ReportData) -> [Outcome] {
        data.runs.compactMap { run in
            guard let last = run.points.last, let quality = last.quality else { return nil }
            let compute = last.flops ?? last.samplesSeen.map(Double.init)
            return compute.map { Outcome(label: run.label, compute: $0, quality: quality) }
        }
    }

    /// The outcomes no other outcome matches or beats on both compute (less) and quality, by compute.
    static func paretoFront(_ outcomes: [Outcome], higherIsBetter: Bool) -> [Outcome] {
        func better(_ a: Double, _ b: Double) -> Bool { higherIsBetter ? a > b : a < b }
        return outcomes.filter { o in
            !outcomes.contains { p in
                p != o && p.compute <= o.compute && !better(o.quality, p.quality)
                    && (p.compute < o.compute || better(p.quality, o.quality))
            }
        }.sorted { $0.compute < $1.compute }
    }

    private static func paretoSection(_ data: ReportData) -> String {
        let points = outcomes(data)
        guard !points.isEmpty else { return "" }
        let front = paretoFront(points, higherIsBetter: data.higherIsBetter)
        var series = points.map { o in
            SVGLineChart.Series(label: o.label, points: [SVGLineChart.Point(
                x: o.compute, y: o.quality, note: "\(o.label): \(ReportFormat.si(o.compute)) FLOPs, "
                    + "\(data.metric) \(ReportFormat.metric(o.quality))", ringed: front.contains(o))])
        }
        series.append(SVGLineChart.Series(label: "Pareto front", points: front.map {
            SVGLineChart.Point(x: $0.compute, y: $0.quality, note: "front: \($0.label)", ringed: false)
        }))
        let chart = SVGLineChart(label: "Total compute against the final model's quality, one point per run",
                                 series: series, xTitle: "total training FLOPs (with each method's extra passes)",
                                 yTitle: "\(data.metric), mean over groups trained on", yLogarithmic: data.logarithmic).svg()
        return ReportPage.section("pareto", "Compute against quality across runs",
                                  why: "Each run's total compute and the mean \(data.metric) of its final model over every "
                                  + "slice group it was trained on. Ringed runs are on the Pareto front: no other run is both "
                                  + "cheaper and better. Front: " + front.map(\.label).joined(separator: ", ") + ".",
                                  content: chart)
    }

    private static func perStepSection(_ data: ReportData) -> String {
        func cell(_ v: Double?) -> String { "<td class=\"num\">\(HTML.escape(ReportFormat.metric(v)))</td>" }
        let steps = data.runs.first?.detail.steps.map(\.step) ?? []
        var table = "<table class=\"runs\">\n<tr><th>run</th>"
        for s in steps { table += "<th class=\"num\" colspan=\"3\">after \(HTML.escape(s)): ID / back / fwd</th>" }
        table += "</tr>\n"
        for run in data.runs {
            let byStep = Dictionary(run.detail.steps.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
            table += "<tr><td>\(HTML.escape(run.label))</td>"
            for s in steps {
                let step = byStep[s]
                table += cell(step?.id) + cell(step?.backward) + cell(step?.forward)
            }
            table += "</tr>\n"
        }
        table += "</table>\n"
        return "<section id=\"per-step\">\n<h2>ID, backward and forward after each step, per run</h2>\n"
            + "<p class=\"why\">For each run, after each training step: its score on that step's own slice group (ID), "
            + "the mean over earlier groups (backward) and over later ones (forward).</p>\n\(table)</section>\n"
    }

    private static func heatmapsSection(_ data: ReportData) -> String {
        var body = ""
        for run in data.runs {
            let d = run.detail
            body += "<h3>\(HTML.escape(run.label))</h3>\n<div class=\"figure\">"
            body += d.rows.isEmpty ? "<p class=\"notice\">No evaluated step yet.</p>"
                : SVGHeatmap(rows: d.rows, columns: d.columns, values: d.matrix, higherIsBetter: data.higherIsBetter,
                             metric: d.metric, logarithmic: data.logarithmic).svg()
            body += "</div>\n"
        }
        return "<section id=\"heatmaps\">\n<h2>Evaluation matrix of each run</h2>\n<p class=\"why\">E[i][j] of every "
            + "run on the same eval splits: rows are the steps of that run, columns the slice groups.</p>\n\(body)</section>\n"
    }
}

import Foundation

/// The report's tables: TiC's summaries per run, and each step's compute.
enum ReportTables {
    static func summarySection(_ data: ReportData) -> String {
        var runs = "<table class=\"runs\">\n<tr><th>run</th><th>state dir</th><th class=\"num\">steps evaluated</th>"
            + "<th class=\"num\">ID</th><th class=\"num\">backward</th><th class=\"num\">forward</th>"
            + "<th class=\"num\">samples</th><th class=\"num\">FLOPs</th><th class=\"num\">train time</th></tr>\n"
        for (k, run) in data.runs.enumerated() {
            let last = run.points.last
            runs += "<tr\(k == 0 ? " class=\"this\"" : "")><td>\(HTML.escape(run.label))\(k == 0 && data.runs.count > 1 ? " (this run)" : "")</td>"
                + "<td><code>\(HTML.escape(run.stateDir))</code></td>"
                + number(String(run.points.count)) + number(ReportFormat.metric(run.summary.id))
                + number(ReportFormat.metric(run.summary.backward)) + number(ReportFormat.metric(run.summary.forward))
                + number(ReportFormat.count(last?.samplesSeen)) + number(ReportFormat.si(last?.flops))
                + number(ReportFormat.duration(last?.seconds)) + "</tr>\n"
        }
        runs += "</table>\n"
        let quality = Dictionary(data.runs.first?.points.map { ($0.step, $0.quality) } ?? [], uniquingKeysWith: { a, _ in a })
        var steps = "<table class=\"steps\">\n<tr><th>step</th><th>months</th><th>state</th><th class=\"num\">samples seen</th>"
            + "<th class=\"num\">FLOPs</th><th class=\"num\">seconds</th><th class=\"num\">mean over groups seen</th></tr>\n"
        for s in data.steps {
            steps += "<tr><td>\(HTML.escape(s.label))</td><td>\(s.first) to \(s.last)</td><td>\(HTML.escape(s.state))</td>"
                + number(ReportFormat.count(s.samplesSeen)) + number(ReportFormat.si(s.flops))
                + number(s.seconds.map { String(format: "%.1f", $0) } ?? "–")
                + number(ReportFormat.metric(quality[s.label] ?? nil)) + "</tr>\n"
        }
        if data.steps.isEmpty { steps += "<tr><td colspan=\"7\">No step planned yet.</td></tr>\n" }
        steps += "</table>\n"
        return "<section id=\"summary\">\n<h2>Summary</h2>\n<p class=\"why\">ID: mean of E[i][i], each step on its own "
            + "slice group. Backward: mean below the diagonal (retained). Forward: mean above it (ahead of time). For "
            + "\(HTML.escape(data.metric)) \(data.higherIsBetter ? "higher" : "lower") is better. Samples, FLOPs and time "
            + "are totals through the last evaluated step.</p>\n\(runs)<h3>Steps of this run</h3>\n\(steps)</section>\n"
    }

    private static func number(_ text: String) -> String { "<td class=\"num\">\(HTML.escape(text))</td>" }
}

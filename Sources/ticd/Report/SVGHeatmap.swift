import Foundation

/// The evaluation matrix E[i][j] as a grid: one row per training step, one column per evaluation slice group,
/// each cell coloured by how good its value is on this page's range and labelled with the value.
///
/// Every cell is one `<rect class="cell">` carrying `data-row`, `data-col` and (when evaluated) `data-value`
/// with the value at full precision, so tests and scripts can read the matrix back out of the page. A cell
/// not evaluated yet is drawn empty (`class="cell missing"`, no `data-value`). The in-distribution cells,
/// where a step meets its own slice group, get a dark outline: their mean is TiC's ID summary.
struct SVGHeatmap {
    var rows: [String]
    var columns: [String]
    /// rows.count × columns.count
    var values: [[Double?]]
    /// Colour direction: light is better either way (recall rises, perplexity falls).
    var higherIsBetter: Bool
    var metric: String
    /// Colour by the logarithm of the value. Perplexity is exp(loss), so its logarithm is the loss: equal
    /// colour steps are equal changes in loss, and one far-off slice does not wash out the rest.
    var logarithmic = false
    /// Widest the drawing may be, in pixels; past about 40 columns the cells reach their minimum width and
    /// the drawing grows wider (the page scrolls it).
    var maxWidth = 1100.0

    func svg() -> String {
        let known = values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite)
        let lo = known.min() ?? 0, hi = known.max() ?? 1
        let useLog = logarithmic && lo > 0
        let quality = { (v: Double) -> Double in
            let t = hi > lo ? (useLog ? log(v / lo) / log(hi / lo) : (v - lo) / (hi - lo)) : 0.5
            return higherIsBetter ? t : 1 - t
        }
        let rowChars = rows.map(\.count).max() ?? 4
        let columnChars = columns.map(\.count).max() ?? 4
        let left = max(110, Double(rowChars) * 7.5 + 44)
        let cellWidth = min(140, max(24, (maxWidth - left - 24) / Double(max(1, columns.count))))
        let cellHeight = rows.count > 24 ? 22.0 : 34
        let slanted = Double(columnChars) * 7 > cellWidth - 8
        let top = slanted ? Double(columnChars) * 5.5 + 48 : 50
        let gridWidth = cellWidth * Double(columns.count), gridHeight = cellHeight * Double(rows.count)
        // Four significant digits where they fit, three in narrow cells, in a smaller type in the narrowest.
        let wide = cellWidth >= 56
        let fontSize = wide ? 12.0 : cellWidth >= 34 ? 10 : 8.5
        var out = ""
        out += SVG.text("evaluated on (slice group)", x: left + gridWidth / 2, y: 14, anchor: "middle", size: 12,
                        fill: "#333333", cssClass: "axis-title")
        out += SVG.text("trained through (step)", x: 14, y: top + gridHeight / 2, anchor: "middle", size: 12,
                        fill: "#333333", rotate: -90, cssClass: "axis-title")
        for (j, column) in columns.enumerated() {
            let x = left + (Double(j) + 0.5) * cellWidth
            out += slanted
                ? SVG.text(column, x: x, y: top - 8, anchor: "start", size: 11, rotate: -40, cssClass: "tick")
                : SVG.text(column, x: x, y: top - 8, anchor: "middle", size: 11, cssClass: "tick")
        }
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * cellHeight
            out += SVG.text(row, x: left - 8, y: y + cellHeight / 2 + 4, anchor: "end", size: 11, cssClass: "tick")
            for (j, column) in columns.enumerated() {
                let x = left + Double(j) * cellWidth
                let value = values[i][j]
                let ownGroup = row == column
                let tooltip = "trained through \(row), evaluated on \(column): "
                    + (value.map { "\(metric) \(ReportFormat.metric($0))" } ?? "not evaluated")
                let fill = value.map { ReportColors.scale(quality($0)) } ?? "#f4f4f4"
                out += SVG.element("rect", [
                    "class": value == nil ? "cell missing" : "cell", "data-row": String(i), "data-col": String(j),
                    "data-value": value.map { "\($0)" } ?? "",
                    "x": ReportFormat.coordinate(x), "y": ReportFormat.coordinate(y),
                    "width": ReportFormat.coordinate(cellWidth), "height": ReportFormat.coordinate(cellHeight),
                    "fill": fill, "stroke": ownGroup ? "#111111" : "#ffffff", "stroke-width": ownGroup ? "2.5" : "1",
                ], content: SVG.title(tooltip))
                if let v = value {
                    out += SVG.text(wide ? ReportFormat.metric(v) : ReportFormat.metricShort(v), x: x + cellWidth / 2,
                                    y: y + cellHeight / 2 + 4, anchor: "middle", size: fontSize,
                                    fill: ReportColors.textOn(quality(v)), cssClass: "cell-value")
                }
            }
        }
        let legendTop = top + gridHeight + 26
        out += legend(x: left, y: legendTop, lo: lo, hi: hi, hasValues: !known.isEmpty)
        let width = max(left + gridWidth + 24, left + 560)
        return SVG.root(width: width, height: legendTop + 58, label: "Heatmap of \(metric) by training step and evaluation slice group",
                        cssClass: "chart heatmap", content: out)
    }

    /// The colour bar: worse on the left, better on the right, with the values at its ends.
    private func legend(x: Double, y: Double, lo: Double, hi: Double, hasValues: Bool) -> String {
        guard hasValues else { return "" }
        let stops = ReportColors.scaleStops.map { offset, colour in
            SVG.element("stop", ["offset": ReportFormat.coordinate(offset), "stop-color": colour])
        }.joined()
        let gradient = SVG.element("defs", [:], content: SVG.element("linearGradient", ["id": "heat-scale"], content: stops))
        let barWidth = 240.0
        let worse = higherIsBetter ? lo : hi, better = higherIsBetter ? hi : lo
        return gradient
            + SVG.element("rect", ["class": "scale", "x": ReportFormat.coordinate(x), "y": ReportFormat.coordinate(y),
                                   "width": ReportFormat.coordinate(barWidth), "height": "12", "fill": "url(#heat-scale)"])
            + SVG.text("worse \(ReportFormat.metric(worse))", x: x, y: y + 28, size: 11, cssClass: "tick")
            + SVG.text("better \(ReportFormat.metric(better))", x: x + barWidth, y: y + 28, anchor: "end", size: 11, cssClass: "tick")
            + SVG.text("\(metric), \(higherIsBetter ? "higher" : "lower") is better\(logarithmic ? " (colour on a log scale)" : ""); "
                       + "outlined: each step on its own slice group",
                       x: x, y: y + 46, size: 11, fill: "#444444", cssClass: "note")
    }
}

/// Lines over a shared x axis with a legend. The report uses it for each slice group's metric across
/// training steps (a categorical x axis of step labels) and for compute versus quality (a numeric x axis of
/// cumulative FLOPs or samples, one series per run).
///
/// A point without a y value breaks its line, so a cell not evaluated yet never draws a made-up segment;
/// every point is also a marker with a tooltip, so a series of one point still shows. Up to ten series get
/// distinct hues and a legend on the right; more (a monthly run's slice groups) get colours along the viridis
/// scale in series order, so time reads as colour, and a legend in columns under the plot.
struct SVGLineChart {
    struct Point {
        var x: Double
        var y: Double?
        /// The marker's tooltip.
        var note: String
        /// Drawn with a ring around the marker, to single out a point (a slice group's own training step).
        var ringed = false
    }

    struct Series {
        var label: String
        var points: [Point]
    }

    /// What the chart shows, for screen readers.
    var label: String
    var series: [Series]
    var xTitle: String
    var yTitle: String
    /// Labels of a categorical x axis, whose points have x = 0, 1, 2...; nil for a numeric axis from zero
    /// with round ticks.
    var xCategories: [String]?
    var xFormat: (Double) -> String = { ReportFormat.si($0) }
    var yFormat: (Double) -> String = { ReportFormat.tick($0) }
    /// A logarithmic y axis (for perplexity, whose logarithm is the loss), when the values span enough.
    var yLogarithmic = false
    var width = 1100.0
    var plotHeight = 300.0

    func svg() -> String {
        let manyHues = series.count > ReportColors.series.count
        let legendRight = !manyHues
        let legendWidth = legendRight ? 230.0 : 0
        let categories = xCategories ?? []
        let area = PlotArea(left: 80, top: 14, width: width - 80 - legendWidth - 20,
                            height: legendRight ? max(plotHeight, Double(series.count) * 20 + 10) : plotHeight)
        let slanted = Double(categories.map(\.count).max() ?? 0) * 7 > area.width / Double(max(1, categories.count)) - 6
        let ys = series.flatMap { $0.points.compactMap(\.y) }
        let yScale = NiceScale(ys, logarithmic: yLogarithmic)
        let xPosition: (Double) -> Double
        let xTicks: [(Double, String)]
        if let categories = xCategories {
            let step = area.width / Double(max(1, categories.count))
            xPosition = { area.left + ($0 + 0.5) * step }
            xTicks = categories.enumerated().map { (xPosition(Double($0.offset)), $0.element) }
        } else {
            let xScale = NiceScale(series.flatMap { $0.points.map(\.x) }, includeZero: true)
            xPosition = { xScale.position($0, from: area.left, to: area.right) }
            xTicks = xScale.ticks.map { (xPosition($0), xFormat($0)) }
        }
        let yPosition = { (v: Double) in yScale.position(v, from: area.bottom, to: area.top) }
        var out = area.axes(xTicks: xTicks, yTicks: yScale.ticks.map { (yPosition($0), yFormat($0)) },
                            xTitle: xTitle, yTitle: yTitle + (yScale.logarithmic ? " (log scale)" : ""), rotateX: slanted)
        if ys.isEmpty {
            out += SVG.text("no values yet", x: area.left + area.width / 2, y: area.top + area.height / 2,
                            anchor: "middle", size: 13, fill: "#777777", cssClass: "note")
        }
        let legendTop = area.bottom + (slanted ? 84 : 58)
        let columnWidth = max(100, Double(series.map(\.label.count).max() ?? 0) * 7 + 44)
        let perRow = max(1, Int((width - area.left) / columnWidth))
        for (k, s) in series.enumerated() {
            let colour = manyHues ? ReportColors.scale(0.85 * Double(k) / Double(series.count - 1))
                : ReportColors.series[k]
            out += SVG.element("g", ["class": "series", "data-series": s.label], content: lines(s, colour: colour, x: xPosition, y: yPosition))
            let (lx, ly) = legendRight
                ? (area.right + 24, area.top + 8 + Double(k) * 20)
                : (area.left + Double(k % perRow) * columnWidth, legendTop + Double(k / perRow) * 20)
            out += SVG.line(x1: lx, y1: ly, x2: lx + 22, y2: ly, stroke: colour, width: 3)
            out += SVG.text(s.label, x: lx + 30, y: ly + 4, size: 12, cssClass: "legend")
        }
        let legendRows = legendRight ? 0 : (series.count + perRow - 1) / perRow
        let height = legendRight ? area.bottom + (slanted ? 76 : 50) : legendTop + Double(legendRows) * 20
        return SVG.root(width: width, height: height, label: label, cssClass: "chart line-chart", content: out)
    }

    /// A series' polylines (one per run of points with values) and markers.
    private func lines(_ s: Series, colour: String, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var runs: [[(Double, Double)]] = [[]]
        // A diverged model's perplexity is infinite (exp of a huge loss): a gap in the line, as a missing cell is.
        for p in s.points {
            guard let value = p.y, value.isFinite else { runs.append([]); continue }
            runs[runs.count - 1].append((x(p.x), y(value)))
        }
        var out = ""
        for run in runs where run.count > 1 {
            let points = run.map { "\(ReportFormat.coordinate($0.0)),\(ReportFormat.coordinate($0.1))" }.joined(separator: " ")
            out += SVG.element("polyline", ["points": points, "fill": "none", "stroke": colour, "stroke-width": "2"])
        }
        for p in s.points {
            guard let value = p.y, value.isFinite else { continue }
            let cx = ReportFormat.coordinate(x(p.x)), cy = ReportFormat.coordinate(y(value))
            if p.ringed {
                out += SVG.element("circle", ["class": "ring", "cx": cx, "cy": cy, "r": "8", "fill": "none",
                                              "stroke": colour, "stroke-width": "2"])
            }
            out += SVG.element("circle", ["cx": cx, "cy": cy, "r": "4", "fill": colour, "stroke": "#ffffff", "stroke-width": "1"],
                               content: SVG.title("\(s.label): \(p.note)"))
        }
        return out
    }
}

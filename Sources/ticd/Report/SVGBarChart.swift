/// Stacked bars, one per category, with a legend above the plot. The report uses it for the corpus
/// timeline: per month, the training samples with the held-out evaluation samples on top.
struct SVGBarChart {
    struct Series {
        var label: String
        var colour: String
        /// One value per category.
        var values: [Double]
    }

    /// What the chart shows, for screen readers.
    var label: String
    /// One per bar, for tooltips.
    var categories: [String]
    /// The label under each bar, nil for none (a long timeline labels only some bars).
    var tickLabels: [String?]
    /// Stacked bottom to top.
    var series: [Series]
    var xTitle: String
    var yTitle: String
    var width = 1100.0
    var plotHeight = 240.0

    func svg() -> String {
        let area = PlotArea(left: 80, top: 34, width: width - 80 - 20, height: plotHeight)
        let totals = categories.indices.map { i in series.reduce(0) { $0 + (i < $1.values.count ? $1.values[i] : 0) } }
        let scale = NiceScale(totals, includeZero: true, count: 4)
        let y = { (v: Double) in scale.position(v, from: area.bottom, to: area.top) }
        let slot = area.width / Double(max(1, categories.count))
        let barWidth = max(1, slot * 0.8)
        let labelled = tickLabels.enumerated().compactMap { i, text in text.map { (area.left + (Double(i) + 0.5) * slot, $0) } }
        let slanted = Double(labelled.map(\.1.count).max() ?? 0) * 7 > slot * Double(categories.count) / Double(max(1, labelled.count)) - 6
        var out = area.axes(xTicks: labelled, yTicks: scale.ticks.map { (y($0), ReportFormat.si($0)) },
                            xTitle: xTitle, yTitle: yTitle, rotateX: slanted)
        for (i, category) in categories.enumerated() {
            var base = 0.0
            var bar = ""
            let note = category + ": " + series.map { "\($0.label) \(ReportFormat.count(Int(i < $0.values.count ? $0.values[i] : 0)))" }
                .joined(separator: ", ")
            for s in series {
                let v = i < s.values.count ? s.values[i] : 0
                guard v > 0 else { continue }
                bar += SVG.element("rect", ["x": ReportFormat.coordinate(area.left + Double(i) * slot + (slot - barWidth) / 2),
                                            "y": ReportFormat.coordinate(y(base + v)), "width": ReportFormat.coordinate(barWidth),
                                            "height": ReportFormat.coordinate(y(base) - y(base + v)), "fill": s.colour],
                                   content: SVG.title(note))
                base += v
            }
            out += SVG.element("g", ["class": "bar", "data-category": category], content: bar)
        }
        var lx = area.left
        for s in series {
            out += SVG.element("rect", ["x": ReportFormat.coordinate(lx), "y": "8", "width": "14", "height": "14", "fill": s.colour])
            out += SVG.text(s.label, x: lx + 20, y: 20, size: 12, cssClass: "legend")
            lx += 40 + Double(s.label.count) * 7
        }
        return SVG.root(width: width, height: area.bottom + (slanted ? 80 : 50), label: label, cssClass: "chart bar-chart",
                        content: out)
    }
}

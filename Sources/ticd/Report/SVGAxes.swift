import Foundation

/// A numeric axis range with round tick values, so gridlines fall on numbers a reader can use: steps of 1, 2
/// or 5 times a power of ten on a linear axis, and the values 1, 2 and 5 times a power of ten on a logarithmic
/// one.
struct NiceScale {
    let lower: Double
    let upper: Double
    let ticks: [Double]
    /// Positions follow log10 of the value.
    let logarithmic: Bool

    /// A range covering `values` with about `count` intervals; `includeZero` for quantities such as counts,
    /// whose bars must start at zero. A single value gets a small range around it. `logarithmic` is honoured
    /// when every value is positive and they span more than a factor of 3; below that a log axis looks linear
    /// and would get too few round ticks.
    init(_ values: [Double], includeZero: Bool = false, count: Int = 5, logarithmic: Bool = false) {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if logarithmic, lo > 0, hi / lo > 3 {
            // (mantissa, value) pairs, so the powers of ten can be picked out without comparing logarithms.
            let candidates = (Int(log10(lo).rounded(.down))...Int(log10(hi).rounded(.up))).flatMap { k in
                [1.0, 2, 5].map { ($0, $0 * pow(10, Double(k))) }
            }
            let first = candidates.last { $0.1 <= lo }?.1 ?? lo, last = candidates.first { $0.1 >= hi }?.1 ?? hi
            let inside = candidates.filter { $0.1 >= first && $0.1 <= last }
            lower = first
            upper = last
            ticks = (inside.count > 10 ? inside.filter { $0.0 == 1 } : inside).map(\.1)
            self.logarithmic = true
            return
        }
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo = includeZero && lo >= 0 ? 0 : lo - pad
            hi += pad
        }
        let raw = (hi - lo) / Double(max(1, count))
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw * 0.999 } ?? 10 * power
        let first = (lo / step).rounded(.down) * step, last = (hi / step).rounded(.up) * step
        let n = Int(((last - first) / step).rounded())
        lower = first
        upper = last
        ticks = (0...n).map { first + Double($0) * step }
        self.logarithmic = false
    }

    /// Where `value` falls between `from` (at `lower`) and `to` (at `upper`).
    func position(_ value: Double, from: Double, to: Double) -> Double {
        let f = logarithmic ? log10(value / lower) / log10(upper / lower) : (value - lower) / (upper - lower)
        return from + f * (to - from)
    }
}

/// The rectangle inside a chart where data is drawn, with its axes, gridlines, tick labels and titles.
struct PlotArea {
    var left: Double
    var top: Double
    var width: Double
    var height: Double

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// Horizontal gridlines with labels at `yTicks` (position, label), tick labels under the x axis at
    /// `xTicks`, the two axis lines and the axis titles. `rotateX` slants x labels that would collide.
    func axes(xTicks: [(Double, String)], yTicks: [(Double, String)], xTitle: String, yTitle: String,
              rotateX: Bool = false) -> String {
        var out = ""
        for (y, label) in yTicks {
            out += SVG.line(x1: left, y1: y, x2: right, y2: y, stroke: "#e3e3e3")
            out += SVG.text(label, x: left - 6, y: y + 4, anchor: "end", size: 11, fill: "#444444", cssClass: "tick")
        }
        for (x, label) in xTicks {
            out += SVG.line(x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: "#888888")
            out += rotateX
                ? SVG.text(label, x: x + 3, y: bottom + 14, anchor: "end", size: 11, fill: "#444444", rotate: -40, cssClass: "tick")
                : SVG.text(label, x: x, y: bottom + 17, anchor: "middle", size: 11, fill: "#444444", cssClass: "tick")
        }
        out += SVG.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#888888")
        out += SVG.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#888888")
        out += SVG.text(xTitle, x: left + width / 2, y: bottom + (rotateX ? 62 : 38), anchor: "middle", size: 12,
                        fill: "#333333", cssClass: "axis-title")
        out += SVG.text(yTitle, x: left - 52, y: top + height / 2, anchor: "middle", size: 12, fill: "#333333",
                        rotate: -90, cssClass: "axis-title")
        return out
    }
}

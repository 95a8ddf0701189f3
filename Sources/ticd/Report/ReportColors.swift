/// The report's colours: a perceptually uniform scale for the heatmap (viridis, dark = worse, light =
/// better, whichever way the metric runs) and distinct hues for series, all readable on a white page.
enum ReportColors {
    /// Viridis at nine evenly spaced points, from matplotlib's table.
    private static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// Tableau 10: one hue per series, for up to ten series.
    static let series = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// The heatmap colour of quality `t` in [0, 1], 1 being the best value on the page.
    static func scale(_ t: Double) -> String {
        let (r, g, b) = rgb(t)
        return hex(r, g, b)
    }

    /// Black or white, whichever reads better on `scale(t)`.
    static func textOn(_ t: Double) -> String {
        let (r, g, b) = rgb(t)
        let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        return luminance > 140 ? "#111111" : "#ffffff"
    }

    /// Stops for an SVG gradient of the scale, as (offset 0...1, colour).
    static var scaleStops: [(Double, String)] {
        viridis.indices.map { i in (Double(i) / Double(viridis.count - 1), hex(viridis[i].0, viridis[i].1, viridis[i].2)) }
    }

    private static func rgb(_ t: Double) -> (Double, Double, Double) {
        let x = (t.isFinite ? min(1, max(0, t)) : 0) * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2)
        let f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    private static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        let digits = [r, g, b].map { c -> String in
            let v = String(Int(c.rounded()), radix: 16)
            return v.count == 1 ? "0" + v : v
        }
        return "#" + digits.joined()
    }
}

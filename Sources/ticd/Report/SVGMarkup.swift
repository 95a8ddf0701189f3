/// Small builders for SVG elements. Every attribute value and every text goes through `HTML.escape`, so the
/// chart files only pass data in and never splice raw labels into markup.
enum SVG {
    /// An element; `content` is markup already built (nil makes it self-closing). Attributes whose value is
    /// empty are left out, so optional ones (a transform) need no separate code path.
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) -> String {
        var out = "<" + name
        for (key, value) in attributes where !value.isEmpty { out += " \(key)=\"\(HTML.escape(value))\"" }
        guard let content else { return out + "/>" }
        return out + ">" + content + "</\(name)>"
    }

    /// The root of one chart: fixed pixel size, its own coordinate system, and a label for screen readers.
    static func root(width: Double, height: Double, label: String, cssClass: String, content: String) -> String {
        let w = ReportFormat.coordinate(width), h = ReportFormat.coordinate(height)
        return element("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": cssClass, "width": w, "height": h,
                               "viewBox": "0 0 \(w) \(h)", "role": "img", "aria-label": label], content: content)
    }

    /// Text at (x, y); `anchor` is start, middle or end; `rotate` turns it about its anchor point.
    static func text(_ text: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                     fill: String = "#222222", rotate: Double? = nil,
                     cssClass: String = "label") -> String {
        let cx = ReportFormat.coordinate(x), cy = ReportFormat.coordinate(y)
        let transform = rotate.map { "rotate(\(ReportFormat.coordinate($0)) \(cx) \(cy))" } ?? ""
        return element("text", ["class": cssClass, "x": cx, "y": cy, "text-anchor": anchor,
                                "font-size": ReportFormat.coordinate(size), "fill": fill,
                                "transform": transform], content: HTML.escape(text))
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) -> String {
        element("line", ["x1": ReportFormat.coordinate(x1), "y1": ReportFormat.coordinate(y1),
                         "x2": ReportFormat.coordinate(x2), "y2": ReportFormat.coordinate(y2),
                         "stroke": stroke, "stroke-width": ReportFormat.coordinate(width)])
    }

    /// A hover tooltip for the enclosing shape (browsers show `<title>` children without any script).
    static func title(_ text: String) -> String { "<title>\(HTML.escape(text))</title>" }
}

import Foundation

/// How the report prints numbers: few digits where a person reads them, full precision where a program
/// does (`data-value`).
enum ReportFormat {
    /// A metric value with about four significant digits: recall as 0.273, perplexity as 412.6.
    static func metric(_ value: Double?) -> String {
        guard let v = value else { return "–" }
        guard v.isFinite else { return "\(v)" }
        let magnitude = abs(v)
        let decimals = magnitude < 10 ? 3 : magnitude < 100 ? 2 : magnitude < 10_000 ? 1 : 0
        return String(format: "%.\(decimals)f", v)
    }

    /// An axis tick: round numbers from NiceScale print without trailing zeros (0.05, 20, 5000).
    static func tick(_ value: Double) -> String {
        abs(value) < 1e-12 ? "0" : String(format: "%g", value)
    }

    /// A shorter metric value for narrow heatmap cells.
    static func metricShort(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        let decimals = magnitude < 1 ? 2 : magnitude < 100 ? 1 : 0
        return String(format: "%.\(decimals)f", value)
    }

    /// A count or quantity with three significant digits and an SI prefix, as FLOPs are read: 1.23 T, 456 G, 2 k.
    static func si(_ value: Double?) -> String {
        guard let v = value else { return "–" }
        guard v.isFinite, v != 0 else { return v == 0 ? "0" : "\(v)" }
        let prefixes = ["", "k", "M", "G", "T", "P", "E"]
        var scaled = v, index = 0
        // Compare the rounded digits, so 999,700 reads "1 M" rather than "1e+03 k".
        while abs(Double(String(format: "%.3g", scaled)) ?? scaled) >= 1000, index < prefixes.count - 1 {
            scaled /= 1000
            index += 1
        }
        let number = String(format: "%.3g", scaled)
        return index == 0 ? number : number + " " + prefixes[index]
    }

    /// An integer with thousands separators: 12,288.
    static func count(_ value: Int?) -> String {
        guard let v = value else { return "–" }
        let digits = String(abs(v))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// Seconds of training time: 3.4 s, 12 min, 2.5 h.
    static func duration(_ seconds: Double?) -> String {
        guard let s = seconds else { return "–" }
        if s < 120 { return String(format: "%.1f s", s) }
        if s < 7200 { return String(format: "%.1f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }

    /// The generation time in UTC, as ISO 8601 without fractions.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// An SVG coordinate: at most two decimals, no exponent, so the markup stays short and parses anywhere.
    /// Values no chart can place (not finite, or beyond any page) are pinned to 0 rather than turned into
    /// `Int.min` or `nan`, which would break the markup.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
    }
}

/// Escaping for text that comes from data (step and slice labels, paths, policy names) on its way into the
/// report's XHTML and SVG, so a label such as `a<b & "c"` shows as written and never opens a tag.
enum HTML {
    /// `text` made safe as element content and as a double- or single-quoted attribute value. Control
    /// characters that XML 1.0 forbids even as character references become U+FFFD, so the page stays
    /// well-formed for XML parsers as well as browsers.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                let forbidden = v < 0x20 || v == 0xFFFE || v == 0xFFFF
                out.unicodeScalars.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }
}

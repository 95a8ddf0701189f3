import Models
import Timeline

/// A procedural world of shapes whose vocabulary and drawing style drift year by year, so a model trained
/// on early years measurably ages on later ones (TiC's premise, in miniature).
///
/// Each year adds shapes and colours and retires some; backgrounds darken and get noisier over time.
struct SyntheticWorld {
    static let shapes = ["circle", "square", "triangle", "cross", "ring", "diamond", "bar", "dot"]
    static let colours: [(name: String, rgb: (UInt8, UInt8, UInt8))] = [
        ("red", (220, 40, 40)), ("green", (40, 180, 60)), ("blue", (40, 70, 220)), ("yellow", (235, 210, 40)),
        ("purple", (140, 60, 190)), ("orange", (245, 140, 30)), ("cyan", (40, 200, 210)), ("pink", (240, 120, 180)),
    ]
    static let countWords = ["one", "two", "three"]

    let firstYear: Int

    /// Shapes in use in a year: a window that slides over the list, four wide, one step every two years.
    func shapes(in year: Int) -> ArraySlice<String> {
        let start = min(max(0, (year - firstYear) / 2), Self.shapes.count - 4)
        return Self.shapes[start..<(start + 4)]
    }

    /// Colours in use in a year: five wide, sliding one step a year.
    func colours(in year: Int) -> ArraySlice<(name: String, rgb: (UInt8, UInt8, UInt8))> {
        let start = min(max(0, year - firstYear), Self.colours.count - 5)
        return Self.colours[start..<(start + 5)]
    }

    /// One image and its caption for a month.
    func sample(year: Int, size: Int, rng: inout SplitMix64RNG) -> (image: RGBImage, caption: String) {
        let shapeList = Array(shapes(in: year)), colourList = Array(colours(in: year))
        let shape = shapeList[rng.nextInt(below: shapeList.count)]
        let colour = colourList[rng.nextInt(below: colourList.count)]
        let count = 1 + rng.nextInt(below: 3)
        let age = Double(year - firstYear)
        let background = UInt8(max(30, 235 - Int(age * 18)))
        let noise = Int(4 + age * 3)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<(size * size) {
            let n = rng.nextInt(below: 2 * noise + 1) - noise
            let v = UInt8(clamping: Int(background) + n)
            pixels[3 * i] = v; pixels[3 * i + 1] = v; pixels[3 * i + 2] = v
        }
        let cell = size / count
        for k in 0..<count {
            let radius = Double(min(cell, size) / 3) * (0.7 + 0.3 * Double(rng.nextFloat()))
            let cx = Double(k * cell + cell / 2) + (Double(rng.nextFloat()) - 0.5) * Double(cell) * 0.2
            let cy = Double(size / 2) + (Double(rng.nextFloat()) - 0.5) * Double(size) * 0.3
            draw(shape, cx: cx, cy: cy, r: radius, colour: colour.rgb, size: size, into: &pixels)
        }
        let tone = background > 150 ? "light" : background > 90 ? "grey" : "dark"
        let plural = count > 1 ? "s" : ""
        let templates = [
            "\(Self.countWords[count - 1]) \(colour.name) \(shape)\(plural) on a \(tone) background",
            "a photo of \(Self.countWords[count - 1]) \(colour.name) \(shape)\(plural)",
            "\(colour.name) \(shape)\(plural), \(Self.countWords[count - 1]) of them, \(tone) backdrop",
        ]
        return (RGBImage(width: size, height: size, pixels: pixels), templates[rng.nextInt(below: templates.count)])
    }

    private func draw(_ shape: String, cx: Double, cy: Double, r: Double, colour: (UInt8, UInt8, UInt8),
                      size: Int, into pixels: inout [UInt8]) {
        let lo = { (v: Double) in max(0, Int(v - r - 1)) }, hi = { (v: Double) in min(size - 1, Int(v + r + 1)) }
        guard lo(cy) <= hi(cy), lo(cx) <= hi(cx) else { return }
        for y in lo(cy)...hi(cy) {
            for x in lo(cx)...hi(cx) {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let inside: Bool
                switch shape {
                case "circle": inside = dx * dx + dy * dy <= r * r
                case "square": inside = abs(dx) <= r * 0.8 && abs(dy) <= r * 0.8
                case "triangle": inside = dy <= r * 0.8 && dy >= -r * 0.8 && abs(dx) <= (dy + r * 0.8) * 0.6
                case "cross": inside = (abs(dx) <= r * 0.25 && abs(dy) <= r) || (abs(dy) <= r * 0.25 && abs(dx) <= r)
                case "ring": let d = dx * dx + dy * dy; inside = d <= r * r && d >= r * r * 0.4
                case "diamond": inside = abs(dx) + abs(dy) <= r
                case "bar": inside = abs(dx) <= r && abs(dy) <= r * 0.3
                default: inside = dx * dx + dy * dy <= r * r * 0.25
                }
                if inside {
                    let o = 3 * (y * size + x)
                    pixels[o] = colour.0; pixels[o + 1] = colour.1; pixels[o + 2] = colour.2
                }
            }
        }
    }
}

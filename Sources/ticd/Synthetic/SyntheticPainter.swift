import Models
import Timeline

/// Draws a synthetic scene in a month's style: background, objects with a dark outline and a textured
/// inside, then blur and noise. Pixel centres are sampled once (no anti-aliasing); the blur softens the edges.
enum SyntheticPainter {
    /// Grey level of the outline around every object.
    static let outlineGrey = 25.0
    /// The darker ink of stripes, dots, checks and gradients: the object's colour times this.
    static let shadeFactor = 0.38

    /// One `size`×`size` picture of `scene`; `rng` jitters the background, the object size, the placement
    /// and the noise.
    static func paint(_ scene: SyntheticScene, style: SyntheticStyle, size: Int, rng: inout SplitMix64RNG) -> RGBImage {
        let side = Double(size)
        let background = style.background + Double(rng.nextInt(below: 17) - 8)
        var canvas = [Double](repeating: background, count: size * size * 3)
        let radius = style.radius * side * (0.9 + 0.2 * Double(rng.nextFloat()))
        let ink = inkColour(scene.colour, saturation: style.saturation)
        let pen = Pen(shape: scene.shape, texture: scene.texture, radius: radius, ink: ink,
                      shade: ink.map { $0 * shadeFactor }, stroke: max(1, style.stroke * side),
                      period: max(4, 0.75 * radius))
        for (cx, cy) in centres(scene, radius: radius, side: side, rng: &rng) {
            pen.draw(cx: cx, cy: cy, size: size, into: &canvas)
        }
        if style.blur > 0 { blend(&canvas, withBoxBlurOf: size, share: style.blur) }
        var pixels = [UInt8](repeating: 0, count: canvas.count)
        for p in 0..<(size * size) {
            let n = (Double(rng.nextFloat()) * 2 - 1) * style.noise
            for c in 0..<3 { pixels[3 * p + c] = UInt8(clamping: Int((canvas[3 * p + c] + n).rounded())) }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// The colour mixed toward its own luminance by `1 - saturation`.
    static func inkColour(_ colour: SyntheticColour, saturation: Double) -> [Double] {
        let rgb = [Double(colour.red), Double(colour.green), Double(colour.blue)]
        let grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
        return rgb.map { grey + ($0 - grey) * saturation }
    }

    /// Object centres: the group's anchor for its position, objects in a column on the left and right and
    /// in a row elsewhere, 2.2 radii apart, the whole group jittered a little.
    private static func centres(_ scene: SyntheticScene, radius: Double, side: Double,
                                rng: inout SplitMix64RNG) -> [(Double, Double)] {
        let (ax, ay): (Double, Double)
        switch scene.position {
        case .left: (ax, ay) = (0.27, 0.5)
        case .right: (ax, ay) = (0.73, 0.5)
        case .top: (ax, ay) = (0.5, 0.27)
        case .bottom: (ax, ay) = (0.5, 0.73)
        case .centre: (ax, ay) = (0.5, 0.5)
        }
        let jitter = { (rng: inout SplitMix64RNG) in (Double(rng.nextFloat()) - 0.5) * 0.06 * side }
        let gx = ax * side + jitter(&rng), gy = ay * side + jitter(&rng)
        let column = scene.position == .left || scene.position == .right
        return (0..<scene.count).map { k in
            let along = (Double(k) - Double(scene.count - 1) / 2) * 2.2 * radius
            return column ? (gx, gy + along) : (gx + along, gy)
        }
    }

    /// canvas = (1 - share)·canvas + share·(3×3 box blur of canvas), edges clamped.
    private static func blend(_ canvas: inout [Double], withBoxBlurOf size: Int, share: Double) {
        let source = canvas
        for y in 0..<size {
            for x in 0..<size {
                for c in 0..<3 {
                    var sum = 0.0
                    for ny in max(0, y - 1)...min(size - 1, y + 1) {
                        for nx in max(0, x - 1)...min(size - 1, x + 1) { sum += source[3 * (ny * size + nx) + c] }
                    }
                    let taps = Double((min(size - 1, y + 1) - max(0, y - 1) + 1) * (min(size - 1, x + 1) - max(0, x - 1) + 1))
                    let o = 3 * (y * size + x) + c
                    canvas[o] = (1 - share) * source[o] + share * sum / taps
                }
            }
        }
    }

    /// Everything needed to draw one object of a scene.
    private struct Pen {
        let shape: SyntheticShape
        let texture: SyntheticTexture
        let radius: Double
        let ink: [Double]
        let shade: [Double]
        /// Outline width in pixels.
        let stroke: Double
        /// Pixels per repeat of stripes, dots and checks.
        let period: Double

        func draw(cx: Double, cy: Double, size: Int, into canvas: inout [Double]) {
            let lo = { (v: Double) in max(0, Int((v - radius - 1).rounded(.down))) }
            let hi = { (v: Double) in min(size - 1, Int((v + radius + 1).rounded(.up))) }
            guard lo(cx) <= hi(cx), lo(cy) <= hi(cy) else { return }
            for y in lo(cy)...hi(cy) {
                for x in lo(cx)...hi(cx) {
                    let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                    guard let colour = colour(dx: dx, dy: dy) else { continue }
                    let o = 3 * (y * size + x)
                    canvas[o] = colour[0]; canvas[o + 1] = colour[1]; canvas[o + 2] = colour[2]
                }
            }
        }

        /// The colour at (dx, dy) from the centre, or nil where the object leaves the background showing.
        private func colour(dx: Double, dy: Double) -> [Double]? {
            guard shape.contains(dx: dx, dy: dy, radius: radius) else { return nil }
            let inner = radius - stroke
            guard shape.contains(dx: dx, dy: dy, radius: inner) else {
                return [SyntheticPainter.outlineGrey, SyntheticPainter.outlineGrey, SyntheticPainter.outlineGrey]
            }
            let half = period / 2
            let band = { (v: Double) in Int((v / half).rounded(.down)) & 1 }
            switch texture {
            case .solid:
                return ink
            case .outlined:
                return shape.contains(dx: dx, dy: dy, radius: inner - max(stroke, 0.25 * radius)) ? nil : ink
            case .striped:
                return band(dy + radius) == 0 ? ink : shade
            case .diagonal:
                return band(dx + dy + 2 * radius) == 0 ? ink : shade
            case .checkered:
                return band(dx + radius) ^ band(dy + radius) == 0 ? ink : shade
            case .dotted:
                let u = (dx + radius).truncatingRemainder(dividingBy: period) - half
                let v = (dy + radius).truncatingRemainder(dividingBy: period) - half
                return u * u + v * v <= 0.09 * period * period ? shade : ink
            case .gradient:
                let t = min(max((dy + radius) / (2 * radius), 0), 1)
                return (0..<3).map { ink[$0] + (shade[$0] - ink[$0]) * t }
            }
        }
    }
}

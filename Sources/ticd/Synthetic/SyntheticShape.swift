import Foundation

/// The shapes of the synthetic world, each an inside test around its centre, so drawing, outlining and
/// texturing share one geometry.
enum SyntheticShape: String, CaseIterable {
    case circle, square, triangle, cross, ring, diamond, star, hexagon, crescent, heart

    /// The caption's word for two or more.
    var plural: String { self == .cross ? "crosses" : rawValue + "s" }

    /// Whether the point (dx, dy) from the centre, y pointing down, lies inside the shape of radius `r`.
    /// Shrinking `r` gives the inset used for outlines.
    func contains(dx: Double, dy: Double, radius r: Double) -> Bool {
        guard r > 0 else { return false }
        let x = dx / r, y = dy / r
        switch self {
        case .circle:
            return x * x + y * y <= 1
        case .square:
            return max(abs(x), abs(y)) <= 0.82
        case .triangle:
            // Apex up at y = -0.9, base at y = 0.75.
            return y <= 0.75 && abs(x) <= (y + 0.9) / 1.65
        case .cross:
            return (abs(x) <= 0.32 && abs(y) <= 1) || (abs(y) <= 0.32 && abs(x) <= 1)
        case .ring:
            let d = x * x + y * y
            return d <= 1 && d >= 0.3
        case .diamond:
            return abs(x) + abs(y) <= 1
        case .star:
            // Five points: the radius limit swings between 1 at a point and 0.45 between two points.
            let sector = 2 * Double.pi / 5
            let angle = atan2(x, -y) + sector / 2
            let u = angle - sector * (angle / sector).rounded(.down)
            let t = abs(u / sector - 0.5) * 2
            return (x * x + y * y).squareRoot() <= 1 - 0.55 * t
        case .hexagon:
            return abs(y) <= 0.87 && 0.87 * abs(x) + 0.5 * abs(y) <= 0.87
        case .crescent:
            let bx = x - 0.45, by = y + 0.2
            return x * x + y * y <= 1 && bx * bx + by * by > 0.6
        case .heart:
            // (u² + v² - 1)³ - u² v³ ≤ 0, v pointing up.
            let u = x * 1.15, v = -y * 1.15 + 0.15
            let a = u * u + v * v - 1
            return a * a * a - u * u * v * v * v <= 0
        }
    }
}

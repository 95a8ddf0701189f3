/// How synthetic pictures are drawn in a given month. The style drifts slowly and smoothly with time, as
/// cameras, compression and fashion change the look of web images, so even a familiar concept looks a little
/// different to a model trained on older months.
///
/// Every property moves linearly from its first-month value to its final value over `driftMonths`, then
/// stays; sizes are fractions of the image side, so the drift looks the same at any `--image-size`.
struct SyntheticStyle: Equatable {
    /// Background grey level, 0...255 (light paper to dark screen).
    var background: Double
    /// Amplitude of the uniform per-pixel noise, in grey levels.
    var noise: Double
    /// Width of the dark outline around every object, as a fraction of the image side.
    var stroke: Double
    /// How much of each ink's colour survives its mix with its own grey, 0...1.
    var saturation: Double
    /// Share of a 3×3 box blur mixed into the picture, 0...1.
    var blur: Double
    /// Object radius as a fraction of the image side.
    var radius: Double

    static let driftMonths = 60.0
    static let first = SyntheticStyle(background: 232, noise: 3, stroke: 0.016, saturation: 1.0, blur: 0, radius: 0.15)
    static let last = SyntheticStyle(background: 80, noise: 20, stroke: 0.035, saturation: 0.6, blur: 0.5, radius: 0.12)

    /// The style `months` after the corpus's first month.
    init(monthsSinceStart months: Int) {
        let t = min(max(Double(months) / Self.driftMonths, 0), 1)
        let a = Self.first, b = Self.last
        func mix(_ p: KeyPath<SyntheticStyle, Double>) -> Double { a[keyPath: p] + (b[keyPath: p] - a[keyPath: p]) * t }
        self.init(background: mix(\.background), noise: mix(\.noise), stroke: mix(\.stroke),
                  saturation: mix(\.saturation), blur: mix(\.blur), radius: mix(\.radius))
    }

    init(background: Double, noise: Double, stroke: Double, saturation: Double, blur: Double, radius: Double) {
        self.background = background; self.noise = noise; self.stroke = stroke
        self.saturation = saturation; self.blur = blur; self.radius = radius
    }
}

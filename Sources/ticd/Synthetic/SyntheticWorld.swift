import Models
import Timeline

/// The synthetic image-text world of one corpus: what a picture of a given month shows (the concept schedule
/// by year) and how it looks (the style by month).
struct SyntheticWorld {
    let firstMonth: Month

    init(firstYear: Int) {
        firstMonth = Month(year: firstYear, month: 1)!
    }

    /// One picture of `month` and its caption.
    func sample(month: Month, size: Int, rng: inout SplitMix64RNG) -> (image: RGBImage, caption: String, scene: SyntheticScene) {
        let scene = SyntheticScene.random(inYear: month.year - firstMonth.year, rng: &rng)
        let caption = scene.caption(template: rng.nextInt(below: SyntheticScene.templateCount))
        let style = SyntheticStyle(monthsSinceStart: month.index - firstMonth.index)
        return (SyntheticPainter.paint(scene, style: style, size: size, rng: &rng), caption, scene)
    }
}

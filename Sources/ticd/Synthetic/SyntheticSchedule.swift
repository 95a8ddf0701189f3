/// A word of a synthetic corpus and the years it is in use, counted from the corpus's first year (0 = the
/// first year). It is used from year `from` on and is gone from year `until` on; nil means it never retires.
struct Scheduled<Value> {
    let value: Value
    let from: Int
    let until: Int?

    init(_ value: Value, from: Int, until: Int? = nil) {
        self.value = value; self.from = from; self.until = until
    }

    /// Whether the word is in use in year `offset` (years since the corpus's first year).
    func isLive(inYear offset: Int) -> Bool { offset >= from && until.map { offset < $0 } != false }
}

/// The concept schedule of the synthetic image-text corpus: which shapes, colours and textures exist in
/// each year. docs/corpora.md ("Synthetic corpus") prints this table, and the tests hold the captions to it.
///
/// Every year until year 5 brings new concepts and retires old ones, so a model trained through year i
/// meets unseen words and objects in year i + 1 (TiC's premise, in miniature). After year 5 the set stays
/// as it is and only the drawing style keeps drifting.
enum SyntheticSchedule {
    static let shapes: [Scheduled<SyntheticShape>] = [
        Scheduled(.circle, from: 0),
        Scheduled(.square, from: 0, until: 2),
        Scheduled(.triangle, from: 0),
        Scheduled(.cross, from: 0, until: 1),
        Scheduled(.ring, from: 1),
        Scheduled(.diamond, from: 1, until: 4),
        Scheduled(.star, from: 2),
        Scheduled(.hexagon, from: 3),
        Scheduled(.crescent, from: 4),
        Scheduled(.heart, from: 5),
    ]

    static let colours: [Scheduled<SyntheticColour>] = [
        Scheduled(SyntheticColour("red", 220, 40, 40), from: 0),
        Scheduled(SyntheticColour("green", 40, 170, 60), from: 0, until: 2),
        Scheduled(SyntheticColour("blue", 40, 80, 230), from: 0),
        Scheduled(SyntheticColour("yellow", 240, 215, 40), from: 0, until: 1),
        Scheduled(SyntheticColour("purple", 140, 60, 200), from: 1, until: 3),
        Scheduled(SyntheticColour("orange", 250, 140, 20), from: 1),
        Scheduled(SyntheticColour("cyan", 30, 210, 220), from: 2),
        Scheduled(SyntheticColour("pink", 250, 120, 190), from: 2, until: 4),
        Scheduled(SyntheticColour("brown", 130, 80, 40), from: 3),
        Scheduled(SyntheticColour("lime", 170, 240, 40), from: 4),
        Scheduled(SyntheticColour("magenta", 230, 30, 220), from: 5),
    ]

    static let textures: [Scheduled<SyntheticTexture>] = [
        Scheduled(.solid, from: 0),
        Scheduled(.striped, from: 0),
        Scheduled(.outlined, from: 0, until: 2),
        Scheduled(.dotted, from: 1),
        Scheduled(.checkered, from: 2),
        Scheduled(.gradient, from: 3),
        Scheduled(.diagonal, from: 4),
    ]

    /// How much likelier a concept is in the year it appears than an established one: new things are in
    /// fashion, so a new year's data is dominated by what the previous model never saw.
    static let newConceptWeight = 3

    /// The live entries of `table` in year `offset`, each with its sampling weight.
    static func live<Value>(_ table: [Scheduled<Value>], inYear offset: Int) -> [(value: Value, weight: Int)] {
        table.filter { $0.isLive(inYear: offset) }.map { ($0.value, $0.from == offset ? newConceptWeight : 1) }
    }
}

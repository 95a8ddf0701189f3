import Models

/// A named ink of the synthetic world.
struct SyntheticColour: Equatable {
    let name: String
    let red: UInt8, green: UInt8, blue: UInt8

    init(_ name: String, _ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.name = name; self.red = red; self.green = green; self.blue = blue
    }
}

/// How the inside of an object is filled (SyntheticPainter draws them).
enum SyntheticTexture: String, CaseIterable {
    case solid, striped, outlined, dotted, checkered, gradient, diagonal
}

/// Where the group of objects sits in the picture, with the caption's phrase for it.
enum SyntheticPosition: String, CaseIterable {
    case left, right, top, bottom, centre

    var phrase: String {
        switch self {
        case .left: return "on the left"
        case .right: return "on the right"
        case .top: return "at the top"
        case .bottom: return "at the bottom"
        case .centre: return "in the centre"
        }
    }
}

/// What one synthetic picture shows: `count` equal objects in one place. Its caption names every attribute,
/// so retrieval has to see all of them to tell two pictures apart.
struct SyntheticScene: Equatable {
    var shape: SyntheticShape
    var colour: SyntheticColour
    var texture: SyntheticTexture
    /// 1...3
    var count: Int
    var position: SyntheticPosition

    static let countWords = ["one", "two", "three"]
    /// Caption templates; "{n} {texture} {colour} {shape} {where}" in three word orders.
    static let templateCount = 3

    /// A scene drawn from the concepts live in year `offset` (years since the corpus's first year), each
    /// concept by its schedule weight.
    static func random(inYear offset: Int, rng: inout SplitMix64RNG) -> SyntheticScene {
        SyntheticScene(shape: pick(SyntheticSchedule.live(SyntheticSchedule.shapes, inYear: offset), &rng),
                       colour: pick(SyntheticSchedule.live(SyntheticSchedule.colours, inYear: offset), &rng),
                       texture: pick(SyntheticSchedule.live(SyntheticSchedule.textures, inYear: offset), &rng),
                       count: 1 + rng.nextInt(below: 3),
                       position: SyntheticPosition.allCases[rng.nextInt(below: SyntheticPosition.allCases.count)])
    }

    /// The caption in template `template` (0..<templateCount), e.g. "two striped red circles at the top".
    func caption(template: Int) -> String {
        let things = "\(Self.countWords[count - 1]) \(texture.rawValue) \(colour.name) \(count > 1 ? shape.plural : shape.rawValue)"
        switch template {
        case 0: return "\(things) \(position.phrase)"
        case 1: return "a picture of \(things) \(position.phrase)"
        default: return "\(position.phrase), \(things)"
        }
    }

    private static func pick<Value>(_ weighted: [(value: Value, weight: Int)], _ rng: inout SplitMix64RNG) -> Value {
        var ticket = rng.nextInt(below: weighted.reduce(0) { $0 + $1.weight })
        for entry in weighted {
            if ticket < entry.weight { return entry.value }
            ticket -= entry.weight
        }
        preconditionFailure("a ticket below the total weight falls on some entry")
    }
}

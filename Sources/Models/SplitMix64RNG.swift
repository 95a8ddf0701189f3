import Foundation

/// A small deterministic random number generator (SplitMix64, Steele–Lea–Flood 2014) for weight init and
/// data shuffling. Its whole state is one UInt64, so it round-trips through a checkpoint header exactly and a
/// resumed run draws the same numbers. The algorithms below are fixed here, not borrowed from the standard
/// library, so results do not change with the Swift version.
public struct SplitMix64RNG: RandomNumberGenerator, Codable, Equatable {
    /// The full generator state.
    public var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift with rejection, so without modulo bias).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A normal sample with the given mean and standard deviation (Box–Muller, one sample per two draws, so
    /// no cached spare lives outside `state`).
    public mutating func normal(mean: Float = 0, standardDeviation: Float = 1) -> Float {
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return mean + standardDeviation * Float(z)
    }

    /// Shuffles in place with Fisher–Yates over `nextInt(below:)`.
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, nextInt(below: i + 1))
        }
    }

    /// An independent generator for a worker or a sub-task, seeded from this one's next output.
    public mutating func fork() -> SplitMix64RNG {
        SplitMix64RNG(seed: next() ^ 0x6A09_E667_F3BC_C909)
    }
}

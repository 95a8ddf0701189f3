import Models

/// The fuzzers' random numbers: the models' SplitMix64, so a seed means the same inputs whatever the Swift
/// version.
public typealias SplitMix64 = SplitMix64RNG

extension SplitMix64RNG {
    /// A number in 0..<bound (modulo bias is irrelevant here).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    public mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < probability
    }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A length in 1...max, most often small: a power-of-two scale first, then a value under it.
    public mutating func length(max: Int) -> Int {
        guard max > 1 else { return 1 }
        let scale = 1 << below(Int.bitWidth - max.leadingZeroBitCount)
        return 1 + below(Swift.min(scale, max))
    }
}

/// Byte-level mutations of a valid input, as a mutation fuzzer applies them: bit flips, "interesting" bytes,
/// truncation, insertion and deletion of ranges, and duplicated chunks. Results never exceed `maxBytes`.
public enum Mutator {
    /// Inputs stay at most this long (the fuzz oracles time one parse of at most this many bytes).
    public static let maxBytes = 64 << 10

    /// Bytes that move parsers onto their edge cases: NUL, 0xFF, a digit, a blank, a newline, JSON's `{` and `"`.
    public static let interesting: [UInt8] = [0x00, 0xFF, 0x30, 0x20, 0x0A, 0x7B, 0x22]

    public enum Kind: String, CaseIterable {
        case flipBit, interestingByte, randomByte, truncate, insertRandom, deleteRange, duplicateChunk
    }

    /// Applies one to four mutations (mostly one or two).
    public static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let rounds = rng.chance(0.6) ? 1 : 2 + rng.below(3)
        for _ in 0..<rounds { apply(rng.pick(Kind.allCases), to: &bytes, &rng) }
    }

    public static func apply(_ kind: Kind, to bytes: inout [UInt8], _ rng: inout SplitMix64) {
        switch kind {
        case .flipBit:
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] ^= 1 << UInt8(rng.below(8))
        case .interestingByte:
            guard !bytes.isEmpty else { return }
            let start = rng.below(bytes.count)
            let end = min(bytes.count, start + (rng.chance(0.8) ? 1 : rng.length(max: 16)))
            let value = rng.pick(interesting)
            for k in start..<end { bytes[k] = value }
        case .randomByte:
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
        case .truncate:
            guard !bytes.isEmpty else { return }
            bytes.removeSubrange(rng.below(bytes.count)...)
        case .insertRandom:
            let count = min(rng.length(max: 4096), maxBytes - bytes.count)
            guard count > 0 else { return }
            let at = rng.below(bytes.count + 1)
            let filler: [UInt8] = rng.chance(0.5)
                ? (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                : Array(repeating: rng.pick(interesting), count: count)
            bytes.insert(contentsOf: filler, at: at)
        case .deleteRange:
            guard !bytes.isEmpty else { return }
            let start = rng.below(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + rng.length(max: 4096)))
        case .duplicateChunk:
            guard !bytes.isEmpty else { return }
            let start = rng.below(bytes.count)
            let chunk = Array(bytes[start..<min(bytes.count, start + rng.length(max: 4096))])
            guard bytes.count + chunk.count <= maxBytes else { return }
            bytes.insert(contentsOf: chunk, at: rng.below(bytes.count + 1))
        }
    }
}

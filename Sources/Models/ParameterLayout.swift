/// Named views into one flat Float32 buffer; parameters, gradients and the optimizer's moments share it.
public struct ParameterLayout: Equatable, Codable {
    /// One tensor: its open_clip-style name, shape, place in the flat buffer and whether weight decay applies.
    public struct Entry: Equatable, Codable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public let count: Int
        /// False for gains, biases, position and class embeddings and the logit scale, as open_clip excludes them.
        public let decay: Bool
    }

    /// Every tensor, in buffer order.
    public let entries: [Entry]
    /// Floats in the whole buffer.
    public let count: Int
    private let index: [String: Int]

    /// Lays out `tensors` back to back in the given order.
    init(_ tensors: [(name: String, shape: [Int], decay: Bool)]) {
        var entries: [Entry] = []
        var offset = 0
        for t in tensors {
            let count = t.shape.reduce(1, *)
            entries.append(Entry(name: t.name, shape: t.shape, offset: offset, count: count, decay: t.decay))
            offset += count
        }
        self.entries = entries
        self.count = offset
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// The entry called `name`, or nil.
    public subscript(name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// The flat-buffer ranges that get weight decay, adjacent entries merged: AdamW's decay mask.
    public var decayRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        for e in entries where e.decay && e.count > 0 {
            if let last = ranges.last, last.upperBound == e.offset {
                ranges[ranges.count - 1] = last.lowerBound..<e.offset + e.count
            } else {
                ranges.append(e.offset..<e.offset + e.count)
            }
        }
        return ranges
    }

    /// The offset of `name`, which the model itself declared.
    func offset(_ name: String) -> Int {
        guard let e = self[name] else { preconditionFailure("no parameter named \(name)") }
        return e.offset
    }
}

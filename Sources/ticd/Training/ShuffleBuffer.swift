import Models

/// A bounded shuffle buffer, as in WebDataset and tf.data: it fills to `capacity`, then each new element
/// takes the place of a uniformly chosen resident, which leaves. Memory is `capacity` elements however
/// long the stream; the order is fixed by the seed and the order of arrival.
struct ShuffleBuffer<Element> {
    private var elements: [Element] = []
    private let capacity: Int
    private var rng: SplitMix64RNG

    init(capacity: Int, seed: UInt64) {
        precondition(capacity >= 1, "a shuffle buffer holds at least one element")
        self.capacity = capacity
        rng = SplitMix64RNG(seed: seed)
        elements.reserveCapacity(capacity)
    }

    /// Adds `element`; once the buffer is full, returns the resident it replaced.
    mutating func push(_ element: Element) -> Element? {
        guard elements.count == capacity else {
            elements.append(element)
            return nil
        }
        let j = rng.nextInt(below: capacity)
        let leaving = elements[j]
        elements[j] = element
        return leaving
    }

    /// Removes and returns a uniformly chosen resident; nil when empty. Drains the buffer at the stream's end.
    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        let j = rng.nextInt(below: elements.count)
        elements.swapAt(j, elements.count - 1)
        return elements.removeLast()
    }
}

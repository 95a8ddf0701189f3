/// One 64-byte-aligned Float32 allocation for every activation of a model, laid out once per batch size.
final class ActivationCache {
    private var storage: UnsafeMutablePointer<Float>
    private var capacity: Int

    /// Hands out consecutive 64-byte-aligned slices of the cache.
    struct Carver {
        let base: UnsafeMutablePointer<Float>
        private(set) var used = 0

        init(base: UnsafeMutablePointer<Float>) { self.base = base }

        mutating func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = base + used
            used += (count + 15) & ~15
            return p
        }
    }

    init() {
        capacity = 16
        storage = Self.allocate(capacity)
    }

    deinit { UnsafeMutableRawPointer(storage).deallocate() }

    /// Runs `plan` once to measure, grows the allocation if needed, then runs it for real and returns its views.
    /// The growth is zero-filled so a fresh cache holds no garbage.
    func lay<Views>(_ plan: (inout Carver) -> Views) -> Views {
        var measure = Carver(base: storage)
        _ = plan(&measure)
        if measure.used > capacity {
            UnsafeMutableRawPointer(storage).deallocate()
            capacity = measure.used
            storage = Self.allocate(capacity)
        }
        var carver = Carver(base: storage)
        return plan(&carver)
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
        let p = raw.bindMemory(to: Float.self, capacity: count)
        p.initialize(repeating: 0, count: count)
        return p
    }
}

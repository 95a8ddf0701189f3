/// 16-lane SIMD helpers over raw Float pointers for the elementwise kernels' inner loops. Swift compiles
/// SIMD16<Float> for the baseline x86-64 target, so every helper here avoids the generic operations that
/// lower to scalar loops (pointwiseMin/Max, rounding, float→int conversion).
enum Lanes {
    typealias Vector = SIMD16<Float>
    static let width = 16

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Loads `count` (≤ 16 used) floats, filling the missing lanes with `fill`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> Vector {
        if count >= width { return load(p) }
        var v = Vector(repeating: fill)
        withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: count * 4) }
        return v
    }

    /// Stores the first `count` (≤ 16 used) lanes.
    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= width { store(v, p); return }
        withUnsafeBytes(of: v) { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: count * 4) }
    }

    /// eˣ per lane, Cephes' expf polynomial: relative error about 1e-7, inputs clamped to [−87.3, 88.3].
    /// Rounding and the 2ⁿ scale use the 1.5·2²³ trick in plain vector arithmetic, because the generic
    /// SIMD rounding and float→int conversions compile to scalar code.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        var x = x
        x.replace(with: -87.3, where: x .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        let magic: Vector = Vector(repeating: 12_582_912)
        let shifted: Vector = x * 1.44269504088896341 + magic
        let n: Vector = shifted - magic
        let r: Vector = x - n * 0.693359375 + n * 2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }
}

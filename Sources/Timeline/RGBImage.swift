/// A decoded image: 8-bit RGB, interleaved, row-major, `width * height * 3` bytes.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// RGB8 interleaved, row-major, `width * height * 3` bytes.
    public var pixels: [UInt8]

    /// - Precondition: `width, height > 0` and `pixels.count == width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// Caps that keep one hostile image header from making the decoder allocate gigabytes.
public struct ImageLimits: Equatable, Sendable {
    /// Largest declared `width * height` that is decoded; bigger images are refused from their header.
    public var maxPixels: Int = 64_000_000

    public init(maxPixels: Int = 64_000_000) {
        self.maxPixels = maxPixels
    }
}

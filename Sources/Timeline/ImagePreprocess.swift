/// CLIP's image preprocessing, exactly as open_clip's eval transform with Pillow and torchvision:
/// Resize(shorter side → size, BICUBIC, antialiased), CenterCrop(size), ToTensor (/255), Normalize(mean, std).
public enum ImagePreprocess {
    /// open_clip's OPENAI_DATASET_MEAN (R, G, B).
    public static let mean: (Float, Float, Float) = (0.48145466, 0.4578275, 0.40821073)
    /// open_clip's OPENAI_DATASET_STD (R, G, B).
    public static let std: (Float, Float, Float) = (0.26862954, 0.26130258, 0.27577711)

    /// Resizes, centre-crops and normalizes an image into a CHW float tensor (3, size, size).
    ///
    /// The resize is Pillow's `Image.resize(..., BICUBIC)` reproduced bit for bit (checked against Pillow 13.0):
    /// a separable filter with Keys' cubic (a = -0.5) whose support widens by the downscale factor
    /// (antialiasing), weights in 22-bit fixed point, two passes in Pillow's order, each rounded to 8 bits.
    /// Only the pixels inside the centre crop are computed; the one intermediate buffer holds the lines of
    /// the first pass that the crop needs.
    /// - Parameters:
    ///   - image: any size.
    ///   - size: the model's input side (e.g. 32 or 64).
    ///   - out: room for `3 * size * size` floats, written channel-major (R plane, G plane, B plane).
    public static func clipTensor(_ image: RGBImage, size: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(size > 0, "clipTensor size must be positive")
        // torchvision's Resize(int): shorter side to `size`, longer side int(size * long / short).
        let (resizedWidth, resizedHeight) = image.width <= image.height
            ? (size, Int(Double(size) * Double(image.height) / Double(image.width)))
            : (Int(Double(size) * Double(image.width) / Double(image.height)), size)
        // torchvision's CenterCrop: offsets int(round((resized - size) / 2)), with Python's half-to-even round.
        let left = Int((Double(resizedWidth - size) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(resizedHeight - size) / 2).rounded(.toNearestOrEven))

        let horizontal = BicubicAxis(inputSize: image.width, outputSize: resizedWidth, first: left, count: size)
        let vertical = BicubicAxis(inputSize: image.height, outputSize: resizedHeight, first: top, count: size)
        // Pillow 13 runs the vertical pass first when it removes more than twice as many rows as the
        // horizontal pass removes columns (older Pillow always went horizontal first); the order changes
        // the 8-bit rounding between the passes, so it is copied too.
        let dropsRows = image.height - resizedHeight, dropsColumns = image.width - resizedWidth
        let verticalFirst = dropsRows > 0 && dropsRows > 2 * dropsColumns
        let first = verticalFirst ? vertical : horizontal, second = verticalFirst ? horizontal : vertical
        // The intermediate holds only the lines of the first pass's output that the second pass reads.
        let lines = second.inputRange
        let pixelStride = 3, rowStride = image.width * 3

        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: lines.count * size * 3) { temp in
            let t = temp.baseAddress!
            image.pixels.withUnsafeBufferPointer { pixels in
                let source = pixels.baseAddress!
                if verticalFirst {
                    // temp: size rows of `lines.count` columns (the source columns the crop needs).
                    for c in 0..<lines.count {
                        let column = source + (lines.lowerBound + c) * pixelStride
                        first.resample(column, tapStride: rowStride) { y, r, g, b in
                            let o = t + (y * lines.count + c) * 3
                            o[0] = r; o[1] = g; o[2] = b
                        }
                    }
                } else {
                    // temp: `lines.count` rows (the source rows the crop needs) of size columns.
                    for row in 0..<lines.count {
                        let sourceRow = source + (lines.lowerBound + row) * rowStride
                        first.resample(sourceRow, tapStride: pixelStride) { x, r, g, b in
                            let o = t + (row * size + x) * 3
                            o[0] = r; o[1] = g; o[2] = b
                        }
                    }
                }
            }
            normalizeTable.withUnsafeBufferPointer { table in
                let red = table.baseAddress!, green = red + 256, blue = red + 512
                let plane = size * size
                // The second pass reads temp with its own index shifted by the lines it skipped.
                let origin = t - lines.lowerBound * (verticalFirst ? 3 : size * 3)
                let (lineStride, tapStride) = verticalFirst ? (lines.count * 3, 3) : (3, size * 3)
                for line in 0..<size {
                    second.resample(origin + line * lineStride, tapStride: tapStride) { j, r, g, b in
                        let (y, x) = verticalFirst ? (line, j) : (j, line)
                        let o = out + y * size + x
                        o[0] = red[Int(r)]; o[plane] = green[Int(g)]; o[2 * plane] = blue[Int(b)]
                    }
                }
            }
        }
    }

    /// (v / 255 - mean) / std for each channel and byte value, in Float as torch computes it: R, G, B tables.
    private static let normalizeTable: [Float] = {
        let means = [mean.0, mean.1, mean.2], stds = [std.0, std.1, std.2]
        return (0..<3).flatMap { c in (0..<256).map { v in (Float(v) / 255 - means[c]) / stds[c] } }
    }()
}

/// Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis, for the output range
/// `first ..< first + count` of a resize from `inputSize` to `outputSize`.
private struct BicubicAxis {
    /// Taps per output position (the stride of `weights`).
    let kernelSize: Int
    /// Per output position: first input index, number of taps.
    let bounds: [Int]
    /// Per output position: `kernelSize` weights in 22-bit fixed point, summing to about 1 << 22.
    let weights: [Int32]

    /// Pillow's fixed-point precision for 8-bit resampling (PRECISION_BITS = 32 - 8 - 2).
    static let precisionBits = 22
    /// Pillow starts every sum at one half, so the final shift rounds to nearest.
    static let rounding = 1 << (precisionBits - 1)

    /// Pillow's clip8: drop the fraction, clamp to a byte.
    @inline(__always) static func clip8(_ sum: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(sum >> Self.precisionBits, 0), 255))
    }

    /// Keys' cubic convolution kernel with a = -0.5 (Pillow's bicubic_filter), support 2.
    @inline(__always) static func bicubic(_ x: Double) -> Double {
        let a = -0.5, x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    init(inputSize: Int, outputSize: Int, first: Int, count: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)          // widen the kernel when downscaling: Pillow's antialiasing
        let support = 2 * filterScale
        let inverseScale = 1 / filterScale       // Pillow multiplies by this; dividing can differ in the last bit
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: 2 * count)
        var weights = [Int32](repeating: 0, count: count * kernelSize)
        var k = [Double](repeating: 0, count: kernelSize)
        for i in 0..<count {
            let center = (Double(first + i) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let taps = min(Int(center + support + 0.5), inputSize) - lo
            var total = 0.0
            for x in 0..<taps {
                k[x] = Self.bicubic((Double(x + lo) - center + 0.5) * inverseScale)
                total += k[x]
            }
            for x in 0..<taps {
                let w = total != 0 ? k[x] / total : k[x]
                let fixed = w * Double(1 << Self.precisionBits)
                weights[i * kernelSize + x] = Int32(w < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            bounds[2 * i] = lo
            bounds[2 * i + 1] = taps
        }
        self.kernelSize = kernelSize; self.bounds = bounds; self.weights = weights
    }

    /// The input indices the computed outputs read.
    var inputRange: Range<Int> {
        let last = bounds.count - 2
        return bounds[0] ..< bounds[last] + bounds[last + 1]
    }

    /// Pillow's ImagingResampleHorizontal/Vertical_8bpc along one line of RGB pixels: for each computed output
    /// j, sums `taps` pixels starting at input index bounds[2j], `tapStride` bytes apart, from `line`
    /// (which points at input index 0), and hands the rounded, clamped bytes to `store(j, r, g, b)`.
    @inline(__always)
    func resample(_ line: UnsafePointer<UInt8>, tapStride: Int, store: (Int, UInt8, UInt8, UInt8) -> Void) {
        bounds.withUnsafeBufferPointer { bounds in
            weights.withUnsafeBufferPointer { weights in
                for j in 0..<bounds.count / 2 {
                    let taps = bounds[2 * j + 1]
                    var p = line + bounds[2 * j] * tapStride
                    let k = weights.baseAddress! + j * kernelSize
                    var s0 = Self.rounding, s1 = Self.rounding, s2 = Self.rounding
                    for i in 0..<taps {
                        let w = Int(k[i])
                        s0 += Int(p[0]) * w; s1 += Int(p[1]) * w; s2 += Int(p[2]) * w
                        p += tapStride
                    }
                    store(j, Self.clip8(s0), Self.clip8(s1), Self.clip8(s2))
                }
            }
        }
    }
}

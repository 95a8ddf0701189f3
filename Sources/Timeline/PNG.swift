import CPNG

/// Encodes images as PNG with libpng's simplified API, for tests, synthetic corpora and benchmarks.
public enum PNGEncoder {
    /// Encodes an RGB image as an 8-bit RGB PNG (lossless).
    /// - Throws: `SampleProblem` `.badImage` with libpng's message (only for images libpng cannot represent).
    ///
    /// C counterpart: `png_image_write_to_memory`.
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        guard image.width <= Int(Int32.max) / 3 else {
            throw SampleProblem(.badImage, detail: "png encode: \(image.width) pixels is too wide")
        }
        let writer = PNGControl()
        let control = writer.control
        control.pointee.width = png_uint_32(image.width)
        control.pointee.height = png_uint_32(image.height)
        control.pointee.format = png_uint_32(PNG_FORMAT_RGB)
        let stride = Int32(image.width * 3)
        // Room for deflate's worst case (stored blocks) plus chunk framing, as PNG_IMAGE_PNG_SIZE_MAX allows.
        let raw = (image.width * 3 + 1) * image.height
        var capacity = raw + raw / 8 + raw / 64 + 12 * (raw / 65_536 + 1) + 1024
        return try image.pixels.withUnsafeBufferPointer { pixels in
            while true {
                var written = capacity
                var ok: Int32 = 0
                let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                    ok = png_image_write_to_memory(control, buffer.baseAddress, &written, 0,
                                                   pixels.baseAddress, stride, nil)
                    initialized = ok != 0 ? written : 0
                }
                if ok != 0 { return out }
                guard written > capacity else {
                    throw SampleProblem(.badImage, detail: "png encode: " + writer.message)
                }
                capacity = written
            }
        }
    }
}

extension ImageDecoder {
    /// Decodes a PNG of any colour type and bit depth to RGB8, refusing it from its header when
    /// `width * height` exceeds `limits.maxPixels`. Alpha (and tRNS transparency) is dropped, not composited,
    /// as Pillow's `convert("RGB")` in open_clip's transform drops it; 16-bit samples without gamma information
    /// are taken as sRGB and narrowed to 8 bits.
    /// - Throws: `SampleProblem` `.imageTooLarge`, or `.badImage` with libpng's message (bad CRC in a critical
    ///   chunk, truncated data, not a PNG).
    ///
    /// C counterpart: `png_image_begin_read_from_memory`, `png_image_finish_read`.
    static func decodePNG(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits) throws -> RGBImage {
        let reader = PNGControl()
        let control = reader.control
        guard png_image_begin_read_from_memory(control, bytes.baseAddress, bytes.count) != 0 else {
            throw SampleProblem(.badImage, detail: "png: " + reader.message)
        }
        let width = Int(control.pointee.width), height = Int(control.pointee.height)
        guard width * height <= limits.maxPixels, width <= Int(Int32.max) / 4 else {
            throw SampleProblem(.imageTooLarge, detail: "png declares \(width)x\(height) = \(width * height) pixels, "
                                + "over the cap of \(limits.maxPixels)")
        }
        let hasAlpha = control.pointee.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = hasAlpha ? 4 : 3
        // PNG_FORMAT_RGBA is a compound macro Swift does not import.
        control.pointee.format = png_uint_32(hasAlpha ? PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA : PNG_FORMAT_RGB)
        control.pointee.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var ok: Int32 = 0
        var pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels) { buffer, initialized in
            ok = png_image_finish_read(control, nil, buffer.baseAddress, Int32(width * channels), nil)
            initialized = width * height * channels
        }
        guard ok != 0 else { throw SampleProblem(.badImage, detail: "png: " + reader.message) }
        if hasAlpha {
            pixels.withUnsafeMutableBufferPointer { p in
                // In place and front to back: pixel i moves from 4i to 3i, never over a pixel not yet read.
                for i in 0..<width * height {
                    p[3 * i] = p[4 * i]; p[3 * i + 1] = p[4 * i + 1]; p[3 * i + 2] = p[4 * i + 2]
                }
            }
            pixels.removeLast(width * height)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The size a PNG declares in its IHDR, or nil when the header does not parse.
    static func pngSize(_ bytes: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        let reader = PNGControl()
        guard png_image_begin_read_from_memory(reader.control, bytes.baseAddress, bytes.count) != 0 else { return nil }
        return (Int(reader.control.pointee.width), Int(reader.control.pointee.height))
    }
}

/// A png_image control structure at a fixed address (libpng keeps a pointer to it between begin_read and
/// finish_read, so it cannot be a Swift inout temporary), freed with the object.
private final class PNGControl {
    let control = UnsafeMutablePointer<png_image>.allocate(capacity: 1)

    init() {
        control.initialize(to: png_image())
        control.pointee.version = png_uint_32(PNG_IMAGE_VERSION)
    }

    deinit {
        // Frees what begin_read allocated when finish_read was never reached; a no-op otherwise.
        png_image_free(control)
        control.deallocate()
    }

    var message: String { pngMessage(&control.pointee) }
}

private func pngMessage(_ control: inout png_image) -> String {
    let text = withUnsafeBytes(of: &control.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    return text.isEmpty ? "libpng failed without a message" : text
}

extension PNGEncoder {
    /// png_access_version_number(), as "major.minor.release".
    public static var libraryVersion: String {
        let v = Int(png_access_version_number())
        return "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }
}

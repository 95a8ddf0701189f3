import CJPEG
#if canImport(Glibc)
import Glibc
#endif

/// Encodes images as baseline JPEG with libjpeg(-turbo), for tests, synthetic corpora and benchmarks.
public enum JPEGEncoder {
    /// Encodes an RGB image.
    /// - Parameters:
    ///   - image: at most 65500 pixels on a side (the JPEG limit).
    ///   - quality: libjpeg quality, 1...100 (clamped).
    /// - Returns: a complete JFIF file.
    ///
    /// C counterpart: `jpeg_set_quality`, `jpeg_mem_dest`, `jpeg_write_scanlines`.
    public static func encode(_ image: RGBImage, quality: Int = 90) -> [UInt8] {
        image.pixels.withUnsafeBufferPointer {
            encode(samples: $0.baseAddress!, width: image.width, height: image.height, layout: .rgb, quality: quality)
        }
    }

    /// How the samples given to `encode(samples:...)` are laid out.
    enum Layout {
        case gray, rgb
        /// Four channels written as given under an Adobe marker, which readers (and `ImageDecoder`) take to
        /// mean inverted CMYK, as Photoshop writes it.
        case invertedCMYK

        var components: Int { self == .gray ? 1 : self == .rgb ? 3 : 4 }
        var colorSpace: J_COLOR_SPACE { self == .gray ? JCS_GRAYSCALE : self == .rgb ? JCS_RGB : JCS_CMYK }
    }

    /// Encodes interleaved samples, `width * layout.components` bytes a row.
    static func encode(samples: UnsafePointer<UInt8>, width: Int, height: Int, layout: Layout,
                       quality: Int) -> [UInt8] {
        precondition((1...65_500).contains(width) && (1...65_500).contains(height),
                     "JPEG sides must be 1...65500, got \(width)x\(height)")
        let c = JPEGCompressor()
        guard ticd_jpeg_create_compress(c.cinfo, c.error) != 0 else { preconditionFailure(c.message) }
        c.created = true
        c.cinfo.pointee.image_width = JDIMENSION(width)
        c.cinfo.pointee.image_height = JDIMENSION(height)
        c.cinfo.pointee.input_components = Int32(layout.components)
        c.cinfo.pointee.in_color_space = layout.colorSpace
        let q = Int32(min(max(quality, 1), 100))
        guard ticd_jpeg_start_compress(c.cinfo, q, c.output, c.outputSize) != 0 else { preconditionFailure(c.message) }
        let stride = width * layout.components
        var row: JSAMPROW? = nil
        for y in 0..<height {
            row = UnsafeMutablePointer(mutating: samples + y * stride)
            guard ticd_jpeg_write_scanlines(c.cinfo, &row, 1) != 0 else { preconditionFailure(c.message) }
        }
        guard ticd_jpeg_finish_compress(c.cinfo) != 0 else { preconditionFailure(c.message) }
        return Array(UnsafeBufferPointer(start: c.output.pointee, count: Int(c.outputSize.pointee)))
    }
}

extension ImageDecoder {
    /// Decodes a JPEG to RGB, refusing it from its header when `width * height` exceeds `limits.maxPixels`.
    /// - Parameter minSide: when given, decode at the smallest DCT scale (1/2, 1/4, 1/8) whose shorter side is
    ///   still at least `minSide`.
    /// - Throws: `SampleProblem` `.imageTooLarge`, or `.badImage` with libjpeg's message; libjpeg's warnings
    ///   (corrupt data, premature end of file) count as errors.
    ///
    /// C counterpart: `jpeg_read_header`, `jpeg_start_decompress`, `jpeg_read_scanlines`.
    static func decodeJPEG(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits, minSide: Int?) throws -> RGBImage {
        let d = try JPEGDecompressor(bytes)
        let cinfo = d.cinfo
        let width = Int(cinfo.pointee.image_width), height = Int(cinfo.pointee.image_height)
        guard width * height <= limits.maxPixels else {
            throw SampleProblem(.imageTooLarge, detail: "jpeg declares \(width)x\(height) = \(width * height) pixels, "
                                + "over the cap of \(limits.maxPixels)")
        }
        let cmyk: Bool
        switch cinfo.pointee.jpeg_color_space {
        case JCS_GRAYSCALE, JCS_YCbCr, JCS_RGB: cmyk = false
        case JCS_CMYK, JCS_YCCK: cmyk = true
        default:
            let space = cinfo.pointee.jpeg_color_space.rawValue
            throw SampleProblem(.badImage, detail: "jpeg: unsupported colour space \(space)")
        }
        // libjpeg converts gray and YCbCr to RGB itself, and YCCK to CMYK, but not CMYK to RGB.
        cinfo.pointee.out_color_space = cmyk ? JCS_CMYK : JCS_RGB
        cinfo.pointee.scale_num = 1
        cinfo.pointee.scale_denom = JDIMENSION(dctScaleDenominator(width: width, height: height, minSide: minSide))
        guard ticd_jpeg_start_decompress(cinfo) != 0 else { throw d.problem }

        let outWidth = Int(cinfo.pointee.output_width), outHeight = Int(cinfo.pointee.output_height)
        let rowBytes = outWidth * Int(cinfo.pointee.output_components)
        // Photoshop (the writer of nearly every CMYK JPEG) stores inverted CMYK and marks it with an Adobe APP14.
        let inverted = cinfo.pointee.saw_Adobe_marker != 0
        let pixels = try [UInt8](unsafeUninitializedCapacity: outWidth * outHeight * 3) { out, initialized in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: cmyk ? rowBytes : 0) { cmykRow in
                var row: JSAMPROW? = nil
                var got: JDIMENSION = 0
                for y in 0..<outHeight {
                    let rgb = out.baseAddress! + y * outWidth * 3
                    row = cmyk ? cmykRow.baseAddress! : rgb
                    guard ticd_jpeg_read_scanlines(cinfo, &row, 1, &got) != 0 else { throw d.problem }
                    guard got == 1 else { throw SampleProblem(.badImage, detail: "jpeg: decoder returned no scanline") }
                    if cmyk { jpegCMYKToRGB(cmykRow.baseAddress!, rgb, count: outWidth, inverted: inverted) }
                }
            }
            initialized = outWidth * outHeight * 3
        }
        guard ticd_jpeg_finish_decompress(cinfo) != 0 else { throw d.problem }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }

    /// The size a JPEG declares in its frame header, or nil when the header does not parse.
    static func jpegSize(_ bytes: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        guard let d = try? JPEGDecompressor(bytes) else { return nil }
        return (Int(d.cinfo.pointee.image_width), Int(d.cinfo.pointee.image_height))
    }

    /// The scale denominator libjpeg should decode at: the largest of 8, 4, 2 that keeps the shorter side
    /// (rounded up, as libjpeg rounds) at least `minSide`, else 1.
    static func dctScaleDenominator(width: Int, height: Int, minSide: Int?) -> Int {
        guard let minSide, minSide > 0 else { return 1 }
        let shorter = min(width, height)
        return [8, 4, 2].first { (shorter + $0 - 1) / $0 >= minSide } ?? 1
    }
}

/// CMYK to RGB as Pillow converts it: R = (255 - K) * (255 - C) / 255, rounded.
private func jpegCMYKToRGB(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, count: Int,
                           inverted: Bool) {
    let flip: Int = inverted ? 255 : 0
    for i in 0..<count {
        let k = Int(src[4 * i + 3]) ^ flip
        let nk = 255 - k
        for c in 0..<3 {
            let t = (Int(src[4 * i + c]) ^ flip) * nk + 128
            dst[3 * i + c] = UInt8(nk - (((t >> 8) + t) >> 8))
        }
    }
}

/// A libjpeg decompressor with its header read; destroyed with the object.
private final class JPEGDecompressor {
    let cinfo = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
    let error = UnsafeMutablePointer<ticd_jpeg_error>.allocate(capacity: 1)
    private var created = false

    init(_ bytes: UnsafeRawBufferPointer) throws {
        guard ticd_jpeg_create_decompress(cinfo, error) != 0 else { throw problem }
        created = true
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard ticd_jpeg_read_header(cinfo, base, UInt(bytes.count)) != 0 else { throw problem }
    }

    deinit {
        if created { jpeg_destroy_decompress(cinfo) }
        cinfo.deallocate()
        error.deallocate()
    }

    var problem: SampleProblem { SampleProblem(.badImage, detail: "jpeg: " + jpegMessage(error)) }
}

/// A libjpeg compressor writing to a malloc'd buffer that libjpeg grows; both freed with the object.
private final class JPEGCompressor {
    let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
    let error = UnsafeMutablePointer<ticd_jpeg_error>.allocate(capacity: 1)
    // libjpeg keeps these two addresses until jpeg_finish_compress, so they cannot be Swift inout temporaries.
    let output = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
    let outputSize = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
    var created = false

    init() {
        output.initialize(to: nil)
        outputSize.initialize(to: 0)
    }

    deinit {
        if created { jpeg_destroy_compress(cinfo) }
        free(output.pointee)
        cinfo.deallocate(); error.deallocate(); output.deallocate(); outputSize.deallocate()
    }

    var message: String { "jpeg encode: " + jpegMessage(error) }
}

private func jpegMessage(_ error: UnsafeMutablePointer<ticd_jpeg_error>) -> String {
    withUnsafeBytes(of: &error.pointee.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension JPEGEncoder {
    /// The libjpeg API version compiled against (JPEG_LIB_VERSION; 62 for libjpeg-turbo's default ABI).
    public static var libraryVersion: String { "libjpeg API \(JPEG_LIB_VERSION)" }
}

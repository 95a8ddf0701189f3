/// Decodes the image member of a sample (JPEG or PNG) to RGB8, choosing the format by its magic bytes.
public enum ImageDecoder {
    /// Decodes a JPEG or PNG. The member's extension is only a hint: a `.jpg` holding a PNG decodes as PNG.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - ext: the member's extension without the dot ("jpg", "png", "webp"), used only when the bytes
    ///     match no known format.
    ///   - limits: images declaring more pixels are refused from their header, before any pixel buffer exists.
    ///   - minSide: for JPEG, decode at the smallest DCT scale (1/2, 1/4, 1/8) whose shorter side stays at
    ///     least `minSide`, which makes a 256 px JPEG for a 32 px model about 8x cheaper. PNG ignores it.
    /// - Returns: the image; its size is the scaled size when `minSide` reduced it.
    /// - Throws: `SampleProblem`: `.unsupportedImage` (webp, gif, bmp, tiff), `.imageTooLarge`, or `.badImage`
    ///   (empty, unknown format, corrupt or truncated data, with the decoder's message).
    public static func decode(_ bytes: UnsafeRawBufferPointer, extension ext: String,
                              limits: ImageLimits = ImageLimits(), minSide: Int? = nil) throws -> RGBImage {
        switch SniffedImageFormat(sniffing: bytes) {
        case .jpeg: return try decodeJPEG(bytes, limits: limits, minSide: minSide)
        case .png: return try decodePNG(bytes, limits: limits)
        case .unsupported(let name): throw unsupported(name)
        case nil:
            guard !bytes.isEmpty else { throw SampleProblem(.badImage, detail: "empty image member") }
            if ext.lowercased() == "webp" { throw unsupported("webp") }
            let head = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            throw SampleProblem(.badImage, detail: "not a jpeg or png (.\(ext), starts with \(head))")
        }
    }

    /// The width and height a JPEG or PNG declares in its header, without decoding pixels; nil for other
    /// formats or a header that does not parse.
    public static func size(_ bytes: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        switch SniffedImageFormat(sniffing: bytes) {
        case .jpeg: return jpegSize(bytes)
        case .png: return pngSize(bytes)
        case .unsupported, nil: return nil
        }
    }

    private static func unsupported(_ name: String) -> SampleProblem {
        SampleProblem(.unsupportedImage, detail: "\(name) is not supported; convert to jpeg or png")
    }
}

/// What the first bytes of an image file say it is.
private enum SniffedImageFormat: Equatable {
    case jpeg, png
    /// A recognised format this decoder does not read.
    case unsupported(String)

    init?(sniffing bytes: UnsafeRawBufferPointer) {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && zip(bytes[offset...], magic).allSatisfy { $0 == $1 }
        }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg }
        else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { self = .unsupported("webp") }
        else if starts(Array("GIF8".utf8)) { self = .unsupported("gif") }
        else if starts(Array("BM".utf8)) && bytes.count >= 26 { self = .unsupported("bmp") }
        else if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { self = .unsupported("tiff") }
        else if starts(Array("ftypavif".utf8), at: 4) { self = .unsupported("avif") }
        else if starts(Array("ftypheic".utf8), at: 4) { self = .unsupported("heic") }
        else { return nil }
    }
}

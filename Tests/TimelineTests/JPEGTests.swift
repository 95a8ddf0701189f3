import XCTest
@testable import Timeline

final class JPEGTests: XCTestCase {
    /// A smooth RGB gradient, which JPEG reproduces closely.
    private func gradient(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(x * 255 / max(width - 1, 1))
                pixels[i + 1] = UInt8(y * 255 / max(height - 1, 1))
                pixels[i + 2] = UInt8((x + y) * 255 / max(width + height - 2, 1))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func decode(_ bytes: [UInt8], minSide: Int? = nil, limits: ImageLimits = ImageLimits()) throws -> RGBImage {
        try bytes.withUnsafeBytes { try ImageDecoder.decode($0, extension: "jpg", limits: limits, minSide: minSide) }
    }

    private func problem(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) -> SampleProblem? {
        do { _ = try decode(bytes, limits: limits); return nil } catch { return error as? SampleProblem }
    }

    func testJPEGRoundTripStaysWithinTolerance() throws {
        let image = gradient(width: 67, height: 45)
        let decoded = try decode(JPEGEncoder.encode(image, quality: 90))
        XCTAssertEqual(decoded.width, 67)
        XCTAssertEqual(decoded.height, 45)
        let diffs = zip(image.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThan(Double(diffs.reduce(0, +)) / Double(diffs.count), 2.0)
        XCTAssertLessThan(diffs.max()!, 24)
    }

    func testGrayJPEGDecodesToRGBWithEqualChannels() throws {
        let (width, height) = (40, 24)
        let gray = (0..<width * height).map { UInt8(($0 % width) * 6) }
        let jpeg = gray.withUnsafeBufferPointer {
            JPEGEncoder.encode(samples: $0.baseAddress!, width: width, height: height, layout: .gray, quality: 95)
        }
        let decoded = try decode(jpeg)
        XCTAssertEqual(decoded.pixels.count, width * height * 3)
        for i in 0..<width * height {
            XCTAssertEqual(decoded.pixels[3 * i], decoded.pixels[3 * i + 1])
            XCTAssertEqual(decoded.pixels[3 * i], decoded.pixels[3 * i + 2])
            XCTAssertLessThanOrEqual(abs(Int(decoded.pixels[3 * i]) - Int(gray[i])), 8)
        }
    }

    func testAdobeCMYKJPEGConvertsToRGBAsPillowDoes() throws {
        // True CMYK (c, m, y, k) = (0, 255, 255, 0) is red; (0, 0, 0, 128) is mid grey. Stored inverted.
        let (width, height) = (16, 16)
        var samples = [UInt8]()
        for i in 0..<width * height {
            samples += (i < width * height / 2 ? [0, 255, 255, 0] : [0, 0, 0, 128]).map { 255 - $0 }
        }
        let jpeg = samples.withUnsafeBufferPointer {
            JPEGEncoder.encode(samples: $0.baseAddress!, width: width, height: height, layout: .invertedCMYK,
                               quality: 100)
        }
        let decoded = try decode(jpeg)
        let red = decoded.pixels[(4 * width + 4) * 3 ..< (4 * width + 4) * 3 + 3]
        let grey = decoded.pixels[(12 * width + 4) * 3 ..< (12 * width + 4) * 3 + 3]
        // Pillow: R = (255 - K) - (255 - K) * C / 255, so red is (255, 0, 0) and grey is (127, 127, 127).
        for (got, want) in zip(red + grey, [255, 0, 0, 127, 127, 127]) {
            XCTAssertLessThanOrEqual(abs(Int(got) - want), 3, "\(Array(red)) \(Array(grey))")
        }
    }

    func testDCTScalingPicksTheSmallestScaleKeepingMinSide() throws {
        let square = JPEGEncoder.encode(gradient(width: 256, height: 256))
        let wide = JPEGEncoder.encode(gradient(width: 256, height: 200))
        let cases: [([UInt8], Int?, Int, Int)] = [
            (square, nil, 256, 256), (square, 32, 32, 32), (square, 33, 64, 64), (square, 64, 64, 64),
            (square, 65, 128, 128), (square, 129, 256, 256), (square, 1000, 256, 256),
            (wide, 32, 64, 50), (wide, 25, 32, 25), (wide, 26, 64, 50), (wide, 101, 256, 200),
        ]
        for (bytes, minSide, width, height) in cases {
            let decoded = try decode(bytes, minSide: minSide)
            XCTAssertEqual([decoded.width, decoded.height], [width, height], "minSide \(String(describing: minSide))")
        }
    }

    func testJPEGDeclaringHugeFrameIsRefusedAsTooLargeBeforeDecoding() throws {
        var jpeg = JPEGEncoder.encode(gradient(width: 16, height: 16))
        let sof = try XCTUnwrap((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        // SOF0: FF C0, length (2), precision (1), height (2), width (2).
        jpeg[sof + 5] = 0xFD; jpeg[sof + 6] = 0xE8     // 65000
        jpeg[sof + 7] = 0xFD; jpeg[sof + 8] = 0xE8
        let p = try XCTUnwrap(problem(jpeg))
        XCTAssertEqual(p.kind, .imageTooLarge)
        XCTAssertTrue(p.detail.contains("65000x65000"), p.detail)
    }

    func testPixelCapRefusesJPEGJustOverIt() throws {
        let jpeg = JPEGEncoder.encode(gradient(width: 20, height: 10))
        XCTAssertEqual(problem(jpeg, limits: ImageLimits(maxPixels: 199))?.kind, .imageTooLarge)
        XCTAssertNil(problem(jpeg, limits: ImageLimits(maxPixels: 200)))
    }

    func testTruncatedJPEGIsBadImageAtEveryCut() {
        let jpeg = JPEGEncoder.encode(gradient(width: 64, height: 64))
        for cut in [3, 20, 100, jpeg.count / 3, jpeg.count / 2, jpeg.count - 10, jpeg.count - 2, jpeg.count - 1] {
            let p = problem(Array(jpeg.prefix(cut)))
            XCTAssertEqual(p?.kind, .badImage, "cut at \(cut) of \(jpeg.count)")
        }
        XCTAssertTrue(problem(Array(jpeg.prefix(jpeg.count / 2)))?.detail.contains("Premature end") ?? false)
    }

    func testCorruptJPEGReportsLibjpegMessage() throws {
        var jpeg = JPEGEncoder.encode(gradient(width: 32, height: 32))
        let sof = try XCTUnwrap((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 4] = 12   // 12-bit precision: this libjpeg build decodes only 8-bit samples
        let p = try XCTUnwrap(problem(jpeg))
        XCTAssertEqual(p.kind, .badImage)
        XCTAssertTrue(p.detail.hasPrefix("jpeg: "), p.detail)
        XCTAssertGreaterThan(p.detail.count, "jpeg: ".count + 5)
    }
}

import XCTest
@testable import Timeline

final class ImagePreprocessTests: XCTestCase {
    private func solid(width: Int, height: Int, _ rgb: [UInt8]) -> RGBImage {
        RGBImage(width: width, height: height, pixels: Array((0..<width * height).map { _ in rgb }.joined()))
    }

    private func tensor(_ image: RGBImage, size: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: 3 * size * size) { buffer, count in
            ImagePreprocess.clipTensor(image, size: size, into: buffer.baseAddress!)
            count = 3 * size * size
        }
    }

    /// open_clip's ToTensor + Normalize for one byte, in Float as torch computes it.
    private func normalized(_ v: UInt8, channel: Int) -> Float {
        let mean = [ImagePreprocess.mean.0, ImagePreprocess.mean.1, ImagePreprocess.mean.2]
        let std = [ImagePreprocess.std.0, ImagePreprocess.std.1, ImagePreprocess.std.2]
        return (Float(v) / 255 - mean[channel]) / std[channel]
    }

    func testConstantColourGivesExactNormalizedConstants() {
        let colour: [UInt8] = [200, 17, 99]
        for (width, height) in [(97, 61), (32, 32), (20, 300), (7, 5)] {
            let out = tensor(solid(width: width, height: height, colour), size: 32)
            for c in 0..<3 {
                XCTAssertEqual(Set(out[c * 1024 ..< (c + 1) * 1024]), [normalized(colour[c], channel: c)],
                               "\(width)x\(height) channel \(c)")
            }
        }
    }

    func testCentreCropKeepsTheMiddleThirdOfAWideImage() {
        // 96x32 with red, green and blue thirds: the shorter side is already 32, so the crop is columns 32..<64.
        var pixels = [UInt8]()
        for _ in 0..<32 { for x in 0..<96 { pixels += x < 32 ? [255, 0, 0] : x < 64 ? [0, 255, 0] : [0, 0, 255] } }
        let out = tensor(RGBImage(width: 96, height: 32, pixels: pixels), size: 32)
        XCTAssertEqual(Set(out[0 ..< 1024]), [normalized(0, channel: 0)])
        XCTAssertEqual(Set(out[1024 ..< 2048]), [normalized(255, channel: 1)])
        XCTAssertEqual(Set(out[2048 ..< 3072]), [normalized(0, channel: 2)])
    }

    func testDownscaledWideImageCropsToTheMiddleThird() {
        // 384x128 thirds resize to 96x32; away from the two seams only green remains.
        var pixels = [UInt8]()
        for _ in 0..<128 { for x in 0..<384 { pixels += x < 128 ? [255, 0, 0] : x < 256 ? [0, 255, 0] : [0, 0, 255] } }
        let out = tensor(RGBImage(width: 384, height: 128, pixels: pixels), size: 32)
        for y in 0..<32 {
            for x in 3..<29 {
                XCTAssertEqual(out[y * 32 + x], normalized(0, channel: 0))
                XCTAssertEqual(out[1024 + y * 32 + x], normalized(255, channel: 1))
                XCTAssertEqual(out[2048 + y * 32 + x], normalized(0, channel: 2))
            }
        }
        XCTAssertGreaterThan(out[0], normalized(0, channel: 0), "red bleeds into the left seam, as bicubic does")
    }

    func testOutputIsExactlyThreeSquarePlanes() {
        let size = 24
        let out = UnsafeMutablePointer<Float>.allocate(capacity: 3 * size * size + 16)
        defer { out.deallocate() }
        out.initialize(repeating: .nan, count: 3 * size * size + 16)
        ImagePreprocess.clipTensor(solid(width: 50, height: 130, [1, 2, 3]), size: size, into: out)
        XCTAssertFalse((0..<3 * size * size).contains { out[$0].isNaN })
        XCTAssertTrue((3 * size * size ..< 3 * size * size + 16).allSatisfy { out[$0].isNaN })
    }

    func testUpscalingSmallImageFillsTheCrop() {
        let out = tensor(solid(width: 5, height: 9, [0, 128, 255]), size: 32)
        XCTAssertEqual(Set(out[1024 ..< 2048]), [normalized(128, channel: 1)])
    }

    /// The test pattern the Pillow reference values below were computed from.
    private func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { pixels.append(UInt8((x * 37 + y * 91 + c * 53) % 256) ^ UInt8((x * y) & 0xF0)) }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func assertMatchesPillow(_ image: RGBImage, size: Int, _ pillowCHW: [UInt8], file: StaticString = #filePath,
                                     line: UInt = #line) {
        let expected = pillowCHW.enumerated().map { normalized($0.element, channel: $0.offset / (size * size)) }
        XCTAssertEqual(tensor(image, size: size), expected, file: file, line: line)
    }

    // Reference bytes: Pillow 13.0.0 `img.resize((w, h), Image.BICUBIC)`, torchvision's centre crop offsets,
    // transposed to CHW.
    func testTallImageMatchesPillowBitForBitWithVerticalPassFirst() {
        // 13x29 -> 6x13 removes 16 rows but only 7 columns, so Pillow resamples vertically first.
        assertMatchesPillow(pattern(width: 13, height: 29), size: 6, [
            130, 147, 130, 116, 138, 119, 125, 125, 127, 111, 143, 136, 146, 128, 131, 115, 109, 110,
            119, 135, 123, 126, 120, 128, 128, 115, 116, 97, 120, 116, 130, 135, 122, 141, 142, 143,
            124, 121, 129, 130, 125, 102, 136, 136, 119, 104, 137, 146, 134, 144, 132, 126, 90, 122,
            122, 118, 113, 147, 131, 142, 141, 134, 132, 139, 136, 134, 127, 137, 119, 152, 115, 148,
            145, 128, 128, 124, 111, 140, 128, 146, 131, 133, 127, 164, 115, 133, 119, 120, 153, 128,
            111, 125, 131, 115, 133, 124, 136, 119, 150, 122, 144, 107, 120, 133, 136, 116, 113, 133,
        ])
    }

    func testWideImageMatchesPillowBitForBitWithHorizontalPassFirst() {
        assertMatchesPillow(pattern(width: 29, height: 13), size: 6, [
            132, 140, 99, 126, 141, 107, 111, 132, 128, 118, 133, 124, 120, 134, 127, 129, 138, 135,
            142, 133, 145, 153, 153, 103, 138, 133, 117, 116, 134, 117, 134, 116, 153, 142, 131, 128,
            116, 130, 119, 127, 134, 115, 116, 121, 131, 112, 119, 144, 131, 120, 124, 124, 144, 119,
            136, 121, 145, 126, 107, 79, 126, 94, 65, 110, 126, 137, 135, 135, 160, 110, 130, 149,
            117, 91, 141, 122, 97, 141, 145, 111, 121, 133, 116, 131, 137, 140, 131, 146, 124, 122,
            118, 121, 117, 88, 103, 115, 119, 118, 114, 128, 115, 114, 130, 172, 127, 128, 124, 155,
        ])
    }
}

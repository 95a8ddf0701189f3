import XCTest
@testable import Timeline

final class ImageDecoderTests: XCTestCase {
    private let image: RGBImage = {
        var pixels = [UInt8](repeating: 0, count: 48 * 32 * 3)
        for i in 0..<48 * 32 {
            pixels[3 * i] = UInt8(i % 48 * 5); pixels[3 * i + 1] = UInt8(i / 48 * 7); pixels[3 * i + 2] = 90
        }
        return RGBImage(width: 48, height: 32, pixels: pixels)
    }()

    private func decode(_ bytes: [UInt8], extension ext: String) throws -> RGBImage {
        try bytes.withUnsafeBytes { try ImageDecoder.decode($0, extension: ext) }
    }

    private func problem(_ bytes: [UInt8], extension ext: String) -> SampleProblem? {
        do { _ = try decode(bytes, extension: ext); return nil } catch { return error as? SampleProblem }
    }

    func testPNGNamedJPGDecodesByItsMagicBytes() throws {
        XCTAssertEqual(try decode(PNGEncoder.encode(image), extension: "jpg"), image)
    }

    func testJPEGNamedPNGDecodesByItsMagicBytes() throws {
        let decoded = try decode(JPEGEncoder.encode(image), extension: "png")
        XCTAssertEqual([decoded.width, decoded.height], [48, 32])
    }

    func testWebPMagicIsUnsupportedWithAdvice() throws {
        let webp = Array("RIFF".utf8) + [26, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [UInt8](repeating: 0, count: 18)
        let p = try XCTUnwrap(problem(webp, extension: "jpg"))
        XCTAssertEqual(p.kind, .unsupportedImage)
        XCTAssertEqual(p.detail, "webp is not supported; convert to jpeg or png")
    }

    func testWebPExtensionWithUnknownBytesIsUnsupported() {
        XCTAssertEqual(problem([1, 2, 3, 4, 5, 6, 7, 8, 9], extension: "webp")?.kind, .unsupportedImage)
    }

    func testGarbageIsBadImage() {
        let garbage = (0..<500).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }
        XCTAssertEqual(problem(garbage, extension: "jpg")?.kind, .badImage)
        XCTAssertEqual(problem(Array("hello, world".utf8), extension: "png")?.kind, .badImage)
    }

    func testEmptyMemberIsBadImage() {
        XCTAssertEqual(problem([], extension: "jpg")?.kind, .badImage)
    }

    func testFlippedBytesGiveBadImageOrAnImageNeverACrash() throws {
        let files = [JPEGEncoder.encode(image), try PNGEncoder.encode(image)]
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        var outcomes = [String: Int]()
        for file in files {
            for _ in 0..<300 {
                var damaged = file
                for _ in 0..<1 + next(4) { damaged[next(damaged.count)] ^= UInt8(1 << next(8)) }
                do {
                    let decoded = try decode(damaged, extension: "jpg")
                    XCTAssertEqual(decoded.pixels.count, decoded.width * decoded.height * 3)
                    outcomes["decoded", default: 0] += 1
                } catch let p as SampleProblem {
                    XCTAssertTrue([.badImage, .imageTooLarge].contains(p.kind), p.description)
                    outcomes[p.kind.rawValue, default: 0] += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes[SampleProblem.Kind.badImage.rawValue, default: 0], 0)
    }

    func testSizeReadsJPEGAndPNGHeadersOnly() throws {
        let jpeg = JPEGEncoder.encode(image), png = try PNGEncoder.encode(image)
        XCTAssertEqual(jpeg.withUnsafeBytes { ImageDecoder.size($0) }.map { [$0.width, $0.height] }, [48, 32])
        XCTAssertEqual(png.withUnsafeBytes { ImageDecoder.size($0) }.map { [$0.width, $0.height] }, [48, 32])
        // Headers alone suffice: the pixel data is cut off.
        XCTAssertEqual(Array(png.prefix(60)).withUnsafeBytes { ImageDecoder.size($0) }.map { [$0.width, $0.height] },
                       [48, 32])
        XCTAssertNil(Array("GIF89a....".utf8).withUnsafeBytes { ImageDecoder.size($0) })
    }
}

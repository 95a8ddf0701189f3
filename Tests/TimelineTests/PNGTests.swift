import XCTest
@testable import Timeline

final class PNGTests: XCTestCase {
    private func decode(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws -> RGBImage {
        try bytes.withUnsafeBytes { try ImageDecoder.decode($0, extension: "png", limits: limits) }
    }

    private func problem(_ bytes: [UInt8]) -> SampleProblem? {
        do { _ = try decode(bytes); return nil } catch { return error as? SampleProblem }
    }

    private func noise(width: Int, height: Int) -> RGBImage {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let pixels = (0..<width * height * 3).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func testPNGRoundTripIsExact() throws {
        let image = noise(width: 37, height: 23)
        XCTAssertEqual(try decode(PNGEncoder.encode(image)), image)
    }

    func testGrayPNGDecodesToRGBWithEqualChannels() throws {
        let rows = (0..<3).map { y in (0..<5).map { x in UInt8(x * 50 + y) } }
        let decoded = try decode(HandMadePNG.file(width: 5, height: 3, bitDepth: 8, colorType: 0, rows: rows))
        XCTAssertEqual(decoded.pixels, rows.flatMap { $0.flatMap { [$0, $0, $0] } })
    }

    func testPalettePNGDecodesToPaletteColours() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let rows: [[UInt8]] = [[0, 1, 2, 3], [3, 2, 1, 0]]
        let decoded = try decode(HandMadePNG.file(width: 4, height: 2, bitDepth: 8, colorType: 3, rows: rows,
                                                  palette: palette))
        XCTAssertEqual(decoded.pixels, rows.flatMap { $0.flatMap { palette[Int($0) * 3 ..< Int($0) * 3 + 3] } })
    }

    func testRGBAPNGDropsAlphaKeepingColour() throws {
        // Alpha 0 and 128 must not darken the colour: open_clip's convert("RGB") drops alpha, not composites.
        let rows: [[UInt8]] = [[200, 100, 50, 0, 10, 20, 30, 128], [1, 2, 3, 255, 250, 251, 252, 7]]
        let decoded = try decode(HandMadePNG.file(width: 2, height: 2, bitDepth: 8, colorType: 6, rows: rows))
        XCTAssertEqual(decoded.pixels, [200, 100, 50, 10, 20, 30, 1, 2, 3, 250, 251, 252])
    }

    func testSixteenBitPNGNarrowsToHighByte() throws {
        let values: [UInt16] = [0, 0x1234, 0x8000, 0xFFFF, 0x7F80, 0x00FF]
        let row = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let decoded = try decode(HandMadePNG.file(width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [row]))
        for (got, want) in zip(decoded.pixels, values) {
            XCTAssertLessThanOrEqual(abs(Int(got) - Int(want >> 8)), 1, "\(decoded.pixels)")
        }
    }

    func testPNGDeclaring60000SquareIsRefusedAsTooLargeWithoutAllocating() throws {
        let png = HandMadePNG.file(width: 60_000, height: 60_000, bitDepth: 8, colorType: 2, rows: [[0, 0, 0]])
        let p = try XCTUnwrap(problem(png))
        XCTAssertEqual(p.kind, .imageTooLarge)
        XCTAssertTrue(p.detail.contains("60000x60000"), p.detail)
    }

    func testTruncatedPNGIsBadImage() throws {
        let png = try PNGEncoder.encode(noise(width: 32, height: 32))
        for cut in [8, 20, 40, png.count / 2, png.count - 20, png.count - 13] {
            XCTAssertEqual(problem(Array(png.prefix(cut)))?.kind, .badImage, "cut at \(cut) of \(png.count)")
        }
    }

    func testBadIDATCRCIsBadImageWithLibpngMessage() throws {
        var png = HandMadePNG.file(width: 4, height: 4, bitDepth: 8, colorType: 0,
                                   rows: Array(repeating: [1, 2, 3, 4], count: 4))
        let idat = try XCTUnwrap((0..<png.count - 4).first { Array(png[$0 ..< $0 + 4]) == Array("IDAT".utf8) })
        png[idat + 6] ^= 0x01   // inside the zlib data, so the stored CRC no longer matches
        let p = try XCTUnwrap(problem(png))
        XCTAssertEqual(p.kind, .badImage)
        XCTAssertTrue(p.detail.lowercased().contains("crc"), p.detail)
    }
}

/// Builds PNG files byte by byte (stored deflate blocks, real CRCs), so tests can make colour types, bit depths
/// and headers that `PNGEncoder` never writes.
enum HandMadePNG {
    /// - Parameter rows: each row's raw samples, without the filter byte.
    static func file(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                     palette: [UInt8]? = nil) -> [UInt8] {
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [bitDepth, colorType, 0, 0, 0]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", ihdr)
        if let palette { out += chunk("PLTE", palette) }
        out += chunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }))
        out += chunk("IEND", [])
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let n = min(65_535, data.count - start)
            let final: UInt8 = start + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[start ..< start + n]
            start += n
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + bigEndian(b << 16 | a)
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}

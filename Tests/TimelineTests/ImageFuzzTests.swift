import Foundation
import FuzzSupport
import XCTest
@testable import Timeline

/// `make fuzz` (not `make test`): mutated PNG and JPEG members straight into `ImageDecoder`, far faster than
/// through a tar. PNG chunk CRCs are usually fixed after a mutation, and header fields (PNG's IHDR, JPEG's
/// frame header) are mutated on purpose, so inputs get past the first check into libpng's and libjpeg's
/// decoders. Oracle: an image of the declared shape, or a `SampleProblem` of an image kind with a reason.
final class ImageFuzzTests: XCTestCase {
    func testPNGAndJPEGDecoding() throws {
        let seeds: [(bytes: [UInt8], ext: String)] = [
            (Fixtures.png(seed: 1), "png"), (Fixtures.png(seed: 2, size: 33), "png"), (Fixtures.png(seed: 3, size: 1), "png"),
            (Fixtures.jpeg(seed: 1), "jpg"), (Fixtures.jpeg(seed: 2, size: 67), "jpg"),
            (Self.jpeg(layout: .gray, components: 1), "jpg"), (Self.jpeg(layout: .invertedCMYK, components: 4), "jpeg"),
        ]
        let campaign = FuzzCampaign("image")
        campaign.run { it in
            let seed = it.rng.pick(seeds)
            var bytes = seed.bytes
            if it.rng.chance(0.3) { Self.mutateHeader(&bytes, &it.rng) }
            if !it.rng.chance(0.2) { Mutator.mutate(&bytes, &it.rng) }
            if seed.ext == "png", it.rng.chance(0.7) { Self.fixPNGCRCs(&bytes) }
            let ext = it.rng.chance(0.9) ? seed.ext : it.rng.pick(["png", "jpg", "webp", "gif"])
            let minSide = it.rng.pick([nil, 8, 64] as [Int?])
            it.setInput(bytes, fileExtension: ext)
            do {
                let image = try bytes.withUnsafeBytes { try ImageDecoder.decode($0, extension: ext, minSide: minSide) }
                it.note("decoded")
                if image.width <= 0 || image.height <= 0 || image.pixels.count != image.width * image.height * 3 {
                    it.fail("decoded a \(image.width)x\(image.height) image with \(image.pixels.count) bytes of pixels")
                }
                // A decoded image has a header `size` reads: the same size, or, DCT-scaled, no larger.
                guard let declared = bytes.withUnsafeBytes({ ImageDecoder.size($0) }) else {
                    it.fail("decoded an image whose header ImageDecoder.size cannot read")
                    return
                }
                let fits = minSide == nil ? declared == (image.width, image.height)
                                          : image.width <= declared.width && image.height <= declared.height
                if !fits { it.fail("declares \(declared), decoded \(image.width)x\(image.height) (minSide \(minSide ?? 0))") }
            } catch let problem as SampleProblem {
                it.note(problem.kind.rawValue)
                if ![.badImage, .imageTooLarge, .unsupportedImage].contains(problem.kind) || problem.detail.isEmpty {
                    it.fail("image refused as \(problem.kind.rawValue) with reason '\(problem.detail)'")
                }
            }
        }
        for failure in campaign.failures { XCTFail(failure) }
    }

    private static func jpeg(layout: JPEGEncoder.Layout, components: Int) -> [UInt8] {
        let pixels = (0..<24 * 16 * components).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        return pixels.withUnsafeBufferPointer {
            JPEGEncoder.encode(samples: $0.baseAddress!, width: 24, height: 16, layout: layout, quality: 80)
        }
    }

    /// Rewrites a field of PNG's IHDR (width, height, bit depth, colour type, interlace) or of a JPEG frame header
    /// (its SOF marker type, precision, height, width, component count).
    private static func mutateHeader(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), bytes.count >= 33 {
            let field = rng.pick([16, 18, 20, 22, 24, 25, 26, 27, 28])
            bytes[field] = rng.pick([0, 1, 2, 3, 4, 6, 8, 16, 0x7F, 0xFF, UInt8(truncatingIfNeeded: rng.next())])
            return
        }
        guard let sof = (2..<max(2, bytes.count - 9)).first(where: { bytes[$0] == 0xFF && (0xC0...0xC3).contains(bytes[$0 + 1]) })
        else { return }
        switch rng.below(4) {
        case 0: bytes[sof + 1] = rng.pick([0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC9, 0xCF])
        case 1: bytes[sof + 4] = rng.pick([0, 1, 8, 12, 16, 0xFF])
        case 2: bytes[sof + 5 + 2 * rng.below(2) + rng.below(2)] = rng.pick([0, 1, 0x1F, 0x7F, 0xFF])
        default: bytes[sof + 9] = rng.pick([0, 1, 2, 3, 4, 5, 0xFF])
        }
    }

    /// Recomputes every chunk's CRC, so a mutation inside a chunk reaches the decoder instead of the CRC check.
    static func fixPNGCRCs(_ bytes: inout [UInt8]) {
        var at = 8
        while at + 12 <= bytes.count {
            let length = bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) }
            guard length <= bytes.count - at - 12 else { return }
            let crc = crc32(bytes[(at + 4)..<(at + 8 + length)])
            for k in 0..<4 { bytes[at + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            at += 12 + length
        }
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    private static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crcTable[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}

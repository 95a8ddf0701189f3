import XCTest
@testable import Timeline

final class Hash64Tests: XCTestCase {
    /// Bytes (i * 31 + 7) mod 256, hashed by the reference `xxhash` 3.x Python binding of C XXH64.
    private let input: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    private let referenceSeed0: [(Int, UInt64)] = [
        (0, 0xef46_db37_51d8_e999), (1, 0xa96c_7f0c_e858_bbb7), (3, 0x56e6_9576_32a4_87f9),
        (4, 0xc60d_15b1_e3ff_8f04), (7, 0xafbe_fc3d_6c6f_9a8e), (8, 0x3da5_c7aa_2696_83e0),
        (9, 0x4b17_a9ba_9e21_5c09), (15, 0xae2a_37eb_9357_caa7), (31, 0x4a74_f3a1_a39a_d4a1),
        (32, 0x8d57_d6a4_671c_c43d), (33, 0x62c9_fd21_ed85_7664), (63, 0x5c32_0a0d_2707_057f),
        (64, 0x7bba_bbc4_5729_d17e), (100, 0xefa0_ad2d_3e70_c151), (1000, 0x9959_4f48_2804_3d35),
    ]

    private let referenceSeedGolden: [(Int, UInt64)] = [
        (0, 0xc434_9fc9_3c01_0000), (1, 0x5858_8242_2a61_65e7), (3, 0x5acb_303e_7813_3c22),
        (4, 0x7d51_d5e2_4617_32b3), (7, 0x2ce9_adec_2b2c_8104), (8, 0x7588_48f0_33fa_76a2),
        (9, 0xd457_6cf5_54b7_d929), (15, 0xa18d_5c90_d722_cee3), (31, 0x8137_041f_5af8_8413),
        (32, 0x184e_bcf3_745c_d46c), (33, 0x52fa_c3c9_81f3_cc2e), (63, 0x64ef_99a2_e94c_c7bd),
        (64, 0xf7f2_2435_fe1a_b128), (100, 0xbc7a_b33b_e752_8c18), (1000, 0xda71_7f74_1f39_9f3f),
    ]

    func testEmptyInputMatchesPublishedXXH64() {
        XCTAssertEqual(Hash64.hash([UInt8]()), 0xEF46_DB37_51D8_E999)
    }

    func testAbcMatchesPublishedXXH64() {
        XCTAssertEqual(Hash64.hash("abc"), 0x44BC_2CF5_AD77_0999)
    }

    func testEveryTailLengthMatchesReferenceWithSeedZero() {
        for (length, expected) in referenceSeed0 {
            XCTAssertEqual(Hash64.hash(Array(input[0..<length])), expected, "length \(length)")
        }
    }

    func testEveryTailLengthMatchesReferenceWithNonZeroSeed() {
        for (length, expected) in referenceSeedGolden {
            XCTAssertEqual(Hash64.hash(Array(input[0..<length]), seed: 0x9E37_79B9_7F4A_7C15), expected,
                           "length \(length)")
        }
    }

    func testStringHashesItsUTF8Bytes() {
        XCTAssertEqual(Hash64.hash("2019-03 é"), 0x09A2_675C_A590_6FF5)
        XCTAssertEqual(Hash64.hash("2019-03 é"), Hash64.hash(Array("2019-03 é".utf8)))
    }

    func testUnalignedInputHashesLikeAligned() {
        let padded = [UInt8](repeating: 0, count: 3) + input
        let aligned = Hash64.hash(input)
        padded.withUnsafeBytes { raw in
            XCTAssertEqual(Hash64.hash(UnsafeRawBufferPointer(rebasing: raw[3...])), aligned)
        }
    }
}

import XCTest
@testable import Models

final class CRC32Tests: XCTestCase {
    func testStandardCheckValueOf123456789() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testEmptyInputIsZero() {
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
    }

    func testSlicingBy8MatchesBitwiseDefinitionForEveryLengthAndAlignment() {
        var rng = SplitMix64RNG(seed: 7)
        let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for start in 0..<9 {
            for length in stride(from: 0, through: data.count - start, by: 7) {
                let piece = Array(data[start..<(start + length)])
                XCTAssertEqual(CRC32.checksum(piece), bitwiseCRC32(piece), "start \(start) length \(length)")
            }
        }
    }

    func testPiecewiseUpdatesEqualOneShot() {
        var rng = SplitMix64RNG(seed: 8)
        let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var crc = CRC32()
        var position = 0
        for size in [1, 3, 8, 13, 64, 200, 711] {
            data[position..<(position + size)].withUnsafeBytes { crc.update($0) }
            position += size
        }
        XCTAssertEqual(position, data.count)
        XCTAssertEqual(crc.value, CRC32.checksum(data))
    }

    private func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

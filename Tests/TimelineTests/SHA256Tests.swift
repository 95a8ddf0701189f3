import XCTest
@testable import Timeline

final class SHA256Tests: XCTestCase {
    private func digest(_ text: String) -> String { SHA256.hexDigest(of: Array(text.utf8)) }

    func testEmptyMessageMatchesFIPSVector() {
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testAbcMatchesFIPSVector() {
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testTwoBlock448BitMessageMatchesFIPSVector() {
        XCTAssertEqual(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessageMatchesFIPSVector() {
        XCTAssertEqual(digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                              + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionLetterAMatchesFIPSVector() {
        XCTAssertEqual(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesOnRandomSplitsEqualOneShot() {
        var generator = StreamsTestSupport.SplitMix64(seed: 7)
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_001] {
            let message = StreamsTestSupport.randomBytes(count: length, seed: UInt64(length))
            let expected = SHA256.hexDigest(of: message)
            for _ in 0..<8 {
                var hasher = SHA256()
                var offset = 0
                message.withUnsafeBytes { raw in
                    while offset < length {
                        let piece = min(length - offset, Int(generator.next() % 150))
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + piece]))
                        offset += piece
                    }
                }
                XCTAssertEqual(SHA256.hex(hasher.finalize()), expected, "length \(length)")
            }
        }
    }

    func testFinalizeResetsTheHasherForANewMessage() {
        var hasher = SHA256()
        Array("abc".utf8).withUnsafeBytes { hasher.update($0) }
        _ = hasher.finalize()
        XCTAssertEqual(SHA256.hex(hasher.finalize()), digest(""))
    }

    func testDigestIs32Bytes() {
        var hasher = SHA256()
        XCTAssertEqual(hasher.finalize().count, 32)
    }
}

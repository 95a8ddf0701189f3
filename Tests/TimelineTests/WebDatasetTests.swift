import Foundation
import Timeline
import XCTest

final class WebDatasetTests: XCTestCase {
    private func samples(_ bytes: [UInt8], maxSampleBytes: Int = 128 << 20) throws -> ([WebDatasetSample], Int) {
        let reader = WebDatasetReader(TarReader(MemoryStream(bytes), path: "wds.tar"), maxSampleBytes: maxSampleBytes)
        var out: [WebDatasetSample] = []
        while let sample = try reader.next() { out.append(sample) }
        return (out, reader.skippedMembers)
    }

    func testMembersInADirectoryGroupUnderDirectoryAndBasename() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "train/000001.jpg", data: [1])
            try writer.add(name: "train/000001.txt", data: Array("a cat".utf8))
            try writer.add(name: "train/000002.jpg", data: [2])
            try writer.add(name: "train/000002.txt", data: Array("a dog".utf8))
        }
        let (found, skipped) = try samples(bytes)
        XCTAssertEqual(found.map(\.key), ["train/000001", "train/000002"])
        XCTAssertEqual(found[0].members["txt"]?.data, Array("a cat".utf8))
        XCTAssertEqual(Set(found[1].members.keys), ["jpg", "txt"])
        XCTAssertEqual(found.map(\.headerOffset), [0, 2048])
        XCTAssertEqual(skipped, 0)
    }

    func testExtensionIsEverythingAfterTheFirstDotLowercased() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "shard.v2/s1.JPG", data: [1])
            try writer.add(name: "shard.v2/s1.seg.png", data: [2])
            try writer.add(name: "shard.v2/s1.json", data: [3])
        }
        let (found, _) = try samples(bytes)
        XCTAssertEqual(found.map(\.key), ["shard.v2/s1"])
        XCTAssertEqual(Set(found[0].members.keys), ["jpg", "seg.png", "json"])
    }

    func testMetadataAndExtensionlessMembersAreSkippedAndCounted() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "__index__", data: [0])
            try writer.add(name: "a.jpg", data: [1])
            try writer.add(name: "__key__.txt", data: [0])
            try writer.add(name: "README", data: [0])
            try writer.add(name: "a.txt", data: [2])
            try writer.add(name: "dir/.hidden", data: [0])
        }
        let (found, skipped) = try samples(bytes)
        XCTAssertEqual(found.map(\.key), ["a"])
        XCTAssertEqual(Set(found[0].members.keys), ["jpg", "txt"])
        XCTAssertEqual(skipped, 4)
    }

    func testKeyThatReappearsAfterAnotherKeyStartsANewSample() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "k1.jpg", data: [1])
            try writer.add(name: "k2.jpg", data: [2])
            try writer.add(name: "k1.txt", data: [3])
        }
        let (found, _) = try samples(bytes)
        XCTAssertEqual(found.map(\.key), ["k1", "k2", "k1"])
        XCTAssertEqual(found.map { $0.members.keys.sorted() }, [["jpg"], ["jpg"], ["txt"]])
    }

    func testRepeatedExtensionKeepsTheFirstAndCountsTheSecond() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "s.txt", data: Array("first".utf8))
            try writer.add(name: "s.TXT", data: Array("second".utf8))
        }
        let (found, skipped) = try samples(bytes)
        XCTAssertEqual(found.first?.members["txt"]?.data, Array("first".utf8))
        XCTAssertEqual(skipped, 1)
    }

    func testSampleOverTheByteCapIsTooLarge() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "ok.jpg", data: tarTestBytes(600, seed: 1))
            try writer.add(name: "big.jpg", data: tarTestBytes(600, seed: 2))
            try writer.add(name: "big.txt", data: tarTestBytes(600, seed: 3))
        }
        let reader = WebDatasetReader(TarReader(MemoryStream(bytes), path: "wds.tar"), maxSampleBytes: 1000)
        XCTAssertEqual(try reader.next()?.key, "ok")
        let error = assertTarError(.tooLarge) { _ = try reader.next() }
        XCTAssert(error?.detail.contains("big") == true)
    }

    func testTarErrorsPassThrough() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "../x.jpg", data: [1]) }
        assertTarError(.unsafeMember) { _ = try samples(bytes) }
    }

    func testRandomTruncationNeverCrashesAndYieldsOnlyCompleteMembers() throws {
        var originals: [String: [UInt8]] = [:]
        let bytes = try TarScratch().tar { writer in
            for i in 0..<40 {
                let key = String(format: "part%02d/%06d", i / 10, i)
                let jpg = tarTestBytes(200 + i * 97, seed: UInt64(i)), txt = Array("caption \(i)".utf8)
                try writer.add(name: key + ".jpg", data: jpg)
                try writer.add(name: key + ".txt", data: txt)
                originals[key + ".jpg"] = jpg
                originals[key + ".txt"] = txt
            }
        }
        var rng = SystemRandomNumberGenerator()
        let cuts = (0..<300).map { _ in Int.random(in: 0...bytes.count, using: &rng) }
            + Array(stride(from: 0, through: bytes.count, by: 512))
        for cut in cuts {
            do {
                let (found, _) = try samples(Array(bytes[0..<cut]))
                for sample in found {
                    for (ext, member) in sample.members {
                        XCTAssertEqual(member.name, sample.key + "." + ext)
                        XCTAssertEqual(member.data, originals[member.name], "cut \(cut) \(member.name)")
                    }
                }
            } catch let error as ShardError {
                XCTAssert([.truncated, .empty].contains(error.kind), "cut \(cut): \(error)")
            }
        }
    }
}

import Foundation
import Timeline
import XCTest

final class TarReaderTests: XCTestCase {
    private let regular = UInt8(ascii: "0")

    func testRoundTripReturnsNamesDataAndOffsets() throws {
        let scratch = try TarScratch()
        let files: [(String, [UInt8])] = [("a.txt", Array("hello".utf8)), ("dir/b.bin", tarTestBytes(1536, seed: 1)),
                                          ("c", tarTestBytes(513, seed: 2)), ("d.txt", [0x41])]
        let bytes = try scratch.tar { writer in
            for (name, data) in files { try writer.add(name: name, data: data) }
        }
        let members = try tarMembers(bytes, chunk: 700)
        XCTAssertEqual(members.map(\.name), files.map(\.0))
        XCTAssertEqual(members.map(\.data), files.map(\.1))
        XCTAssertEqual(members.map(\.size), files.map(\.1.count))
        XCTAssertEqual(members.map(\.headerOffset), [0, 1024, 3072, 4608])
        for member in members {
            XCTAssertEqual(member.dataOffset, member.headerOffset + 512)
            XCTAssertEqual(Array(bytes[Int(member.dataOffset)..<Int(member.dataOffset) + member.size]), member.data)
        }
    }

    func testReadingThroughTestFileStreamMatchesMemory() throws {
        let scratch = try TarScratch()
        let path = scratch.file("f.tar")
        let writer = try TarWriter(path: path)
        for i in 0..<20 { try writer.add(name: "m\(i).bin", data: tarTestBytes(i * 40_000, seed: UInt64(i))) }
        try writer.finish()
        let reader = TarReader(try TestFileStream(path: path), path: path)
        var count = 0
        while let member = try reader.next() {
            XCTAssertEqual(member.data, tarTestBytes(count * 40_000, seed: UInt64(count)))
            count += 1
        }
        XCTAssertEqual(count, 20)
    }

    func testPaxLongNameOver200BytesIsResolved() throws {
        let scratch = try TarScratch()
        let long = (0..<12).map { "directory\($0)xxxxxxx" }.joined(separator: "/") + "/sample.jpg"
        XCTAssertGreaterThan(long.utf8.count, 200)
        let bytes = try scratch.tar { try $0.add(name: long, data: [1, 2, 3]) }
        let members = try tarMembers(bytes)
        XCTAssertEqual(members.map(\.name), [long])
        XCTAssertEqual(members.first?.headerOffset, 0, "headerOffset points at the pax header")
        XCTAssertEqual(members.first?.dataOffset, 1536)
    }

    func testGNULongNameIsResolved() throws {
        let scratch = try TarScratch()
        let long = String(repeating: "n", count: 150) + "/" + String(repeating: "m", count: 120) + ".txt"
        let bytes = try scratch.tar(longNames: .gnu) { writer in
            try writer.add(name: long, data: Array("x".utf8))
            try writer.add(name: "short.txt", data: Array("y".utf8))
        }
        let members = try tarMembers(bytes)
        XCTAssertEqual(members.map(\.name), [long, "short.txt"])
    }

    func testGNULongLinkRecordIsConsumed() throws {
        var bytes = try TarScratch().tar(longNames: .gnu) { try $0.add(name: "after.txt", data: [7]) }
        let kRecord = try TarScratch().tar(longNames: .gnu) {
            try $0.addEntry(name: "x", typeflag: UInt8(ascii: "0"), linkName: String(repeating: "k", count: 300))
        }
        // Keep only the 'K' header and its data (two blocks), drop the entry it describes.
        bytes.insert(contentsOf: kRecord[0..<1024], at: 0)
        XCTAssertEqual(try tarMembers(bytes).map(\.name), ["after.txt"])
    }

    func testPaxGlobalHeaderIsConsumed() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        let global = try TarScratch().tar {
            try $0.addEntry(name: "pax_global_header", typeflag: UInt8(ascii: "g"), data: Array("20 comment=hello\n".utf8))
        }
        bytes.insert(contentsOf: global[0..<1024], at: 0)
        let members = try tarMembers(bytes)
        XCTAssertEqual(members.map(\.name), ["a.txt"])
        XCTAssertEqual(members.first?.headerOffset, 1024)
    }

    func testPaxSizeRecordOverridesHeaderSize() throws {
        var bytes = try TarScratch().tar { writer in
            try writer.addEntry(name: "pax", typeflag: UInt8(ascii: "x"), data: Array("9 size=5\n".utf8))
            try writer.add(name: "five.bin", data: [1, 2, 3, 4, 5])
        }
        patchTarHeader(&bytes, at: 1024) { header in
            header.replaceSubrange(124..<136, with: Array("00000000000\0".utf8))
        }
        XCTAssertEqual(try tarMembers(bytes).first?.data, [1, 2, 3, 4, 5])
    }

    func testMalformedPaxRecordIsCorrupt() throws {
        for records in ["10 path=abc\n", "path=abc\n", "3 p\n", "8 =abcd\n", "9 path=abc"] {
            let bytes = try TarScratch().tar { writer in
                try writer.addEntry(name: "pax", typeflag: UInt8(ascii: "x"), data: Array(records.utf8))
                try writer.add(name: "a.txt", data: [1])
            }
            let error = assertTarError(.corrupt) { _ = try tarMembers(bytes) }
            XCTAssert(error?.detail.contains("pax record") == true, "\(records): \(String(describing: error))")
        }
    }

    func testUstarPrefixIsJoinedToName() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "file.txt", data: [9]) }
        patchTarHeader(&bytes, at: 0) { header in
            let prefix = Array("some/deep/prefix".utf8)
            header.replaceSubrange(345..<345 + prefix.count, with: prefix)
        }
        XCTAssertEqual(try tarMembers(bytes).map(\.name), ["some/deep/prefix/file.txt"])
    }

    func testV7HeaderWithNulTypeflagIsARegularFile() throws {
        var bytes = try TarScratch().tar { writer in
            try writer.add(name: "olddir/", data: [])
            try writer.add(name: "olddir/old.txt", data: Array("v7".utf8))
        }
        for offset in [0, 512] {
            patchTarHeader(&bytes, at: offset) { header in
                header[156] = 0
                header.replaceSubrange(257..<265, with: repeatElement(0, count: 8))
            }
        }
        let members = try tarMembers(bytes)
        XCTAssertEqual(members.map(\.name), ["olddir/old.txt"])
        XCTAssertEqual(members.first?.typeflag, 0)
    }

    func testSignedChecksumIsAccepted() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "caf\u{e9}.txt", data: [1]) }
        var header = Array(bytes[0..<512])
        header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: " "), count: 8))
        let signed = header.reduce(0) { $0 + Int(Int8(bitPattern: $1)) }
        let digits = Array(String(signed, radix: 8).utf8)
        header.replaceSubrange(148..<156, with: repeatElement(UInt8(ascii: "0"), count: 6 - digits.count) + digits
                               + [0, UInt8(ascii: " ")])
        bytes.replaceSubrange(0..<512, with: header)
        XCTAssertEqual(try tarMembers(bytes).map(\.name), ["caf\u{e9}.txt"])
    }

    func testBase256SizeIsDecoded() throws {
        let data = tarTestBytes(700, seed: 3)
        var bytes = try TarScratch().tar { try $0.add(name: "big.bin", data: data) }
        patchTarHeader(&bytes, at: 0) { header in
            header.replaceSubrange(124..<136, with: [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0xBC])
        }
        XCTAssertEqual(try tarMembers(bytes).first?.data, data)
    }

    func testNegativeBase256SizeIsCorrupt() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "neg.bin", data: [1]) }
        patchTarHeader(&bytes, at: 0) { header in
            header.replaceSubrange(124..<136, with: repeatElement(0xFF, count: 12))
        }
        assertTarError(.corrupt) { _ = try tarMembers(bytes) }
    }

    func testDirectoriesAreSkipped() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.addEntry(name: "./", typeflag: UInt8(ascii: "5"))
            try writer.addEntry(name: "train/", typeflag: UInt8(ascii: "5"))
            try writer.add(name: "./train/a.txt", data: [1])
        }
        XCTAssertEqual(try tarMembers(bytes).map(\.name), ["train/a.txt"])
    }

    func testDirectorySizeFieldDoesNotHideTheMembersAfterIt() throws {
        // Found by `make fuzz` (shard-tar): a directory header whose size field was not 0 made the reader skip that
        // many bytes as its "data", silently dropping the members there. GNU tar 1.34 and Python's tarfile list them.
        var bytes = try TarScratch().tar { writer in
            try writer.addEntry(name: "train/", typeflag: UInt8(ascii: "5"))
            try writer.add(name: "train/a.txt", data: Array("hello".utf8))
            try writer.add(name: "train/b.txt", data: Array("bye".utf8))
        }
        patchTarHeader(&bytes, at: 0) { header in
            header.replaceSubrange(124..<136, with: Array("00000002000\u{0}".utf8))
        }
        XCTAssertEqual(try tarMembers(bytes, chunk: 333).map(\.name), ["train/a.txt", "train/b.txt"])
    }

    func testContiguousFileTypeIsReadAsRegular() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "c.bin", typeflag: UInt8(ascii: "7"), data: [4]) }
        XCTAssertEqual(try tarMembers(bytes).first?.data, [4])
    }

    // MARK: End of archive

    func testEndAfterOneZeroBlockIsClean() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        XCTAssertEqual(try tarMembers(Array(bytes.dropLast(512))).count, 1)
    }

    func testEndAtBlockBoundaryWithoutEndBlocksIsTruncated() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        XCTAssertThrowsError(try tarMembers(Array(bytes.dropLast(1024)))) { error in
            XCTAssertEqual((error as? ShardError)?.kind, .truncated, "\(error)")
        }
    }

    func testTrailingZeroRecordPaddingIsIgnored() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) } + [UInt8](repeating: 0, count: 8192)
        XCTAssertEqual(try tarMembers(bytes).count, 1)
    }

    func testMembersAfterTheEndOfArchiveBlocksAreCorrupt() throws {
        // Found by `make fuzz` (shard-tar): a member blanked to zeros ends the archive early, and the members
        // after it were never read, yet the shard read without an error. Concatenated archives did the same.
        let one = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        let two = try TarScratch().tar { try $0.add(name: "b.txt", data: [2]) }
        let concatenated = assertTarError(.corrupt) { _ = try tarMembers(one + two, chunk: 333) }
        XCTAssertEqual(concatenated?.offset, Int64(one.count), "\(String(describing: concatenated))")
        var blanked = try TarScratch().tar { writer in
            try writer.add(name: "k0.png", data: [1])
            try writer.add(name: "k0.txt", data: [2])
            try writer.add(name: "k1.png", data: [3])
        }
        blanked.replaceSubrange(1024..<2048, with: repeatElement(0, count: 1024))
        let error = assertTarError(.corrupt) { _ = try tarMembers(blanked) }
        XCTAssertEqual(error?.offset, 2048)
        XCTAssert(error?.detail.contains("end-of-archive") == true, "\(String(describing: error))")
    }

    func testLoneZeroBlockFollowedByHeaderIsCorrupt() throws {
        let one = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        let two = try TarScratch().tar { try $0.add(name: "b.txt", data: [2]) }
        let bytes = Array(one.dropLast(512)) + two
        assertTarError(.corrupt) { _ = try tarMembers(bytes) }
    }

    func testEndRightAfterPaxHeaderIsTruncated() throws {
        let bytes = try TarScratch().tar { try $0.add(name: String(repeating: "p", count: 150), data: [1]) }
        let error = assertTarError(.truncated) { _ = try tarMembers(Array(bytes[0..<1024])) }
        XCTAssertEqual(error?.offset, 1024)
    }

    func testTruncationInsideDataReportsMemberAndOffset() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "cut.bin", data: tarTestBytes(2000, seed: 4)) }
        let error = assertTarError(.truncated) { _ = try tarMembers(Array(bytes[0..<1000])) }
        XCTAssertEqual(error?.offset, 1000)
        XCTAssert(error?.detail.contains("cut.bin") == true, "\(String(describing: error))")
    }

    func testTruncationInsidePaddingIsTruncated() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "pad.bin", data: tarTestBytes(100, seed: 5)) }
        let error = assertTarError(.truncated) { _ = try tarMembers(Array(bytes[0..<700])) }
        XCTAssert(error?.detail.contains("padding") == true, "\(String(describing: error))")
    }

    func testTruncationAtEveryBlockBoundaryAndRandomOffsetsNeverLosesMembersSilently() throws {
        let scratch = try TarScratch()
        var sizes: [Int] = []
        let bytes = try scratch.tar { writer in
            for i in 0..<24 {
                let size = [0, 1, 511, 512, 513, 1024, 3000][i % 7] + i
                sizes.append(size)
                let name = i % 5 == 0 ? String(repeating: "long\(i)/", count: 30) + "f.bin" : "f\(i).bin"
                try writer.add(name: name, data: tarTestBytes(size, seed: UInt64(i)))
            }
        }
        let full = try tarMembers(bytes)
        XCTAssertEqual(full.count, 24)
        let ends = full.map { Int($0.dataOffset) + ($0.size + 511) / 512 * 512 }
        var cuts = Array(stride(from: 0, to: bytes.count, by: 512))
        var rng = SystemRandomNumberGenerator()
        cuts += (0..<400).map { _ in Int.random(in: 0..<bytes.count, using: &rng) }
        for cut in cuts {
            let prefix = Array(bytes[0..<cut])
            do {
                let members = try tarMembers(prefix, chunk: 333)
                let complete = ends.filter { $0 <= cut }.count
                XCTAssertEqual(members, Array(full.prefix(complete)), "cut \(cut)")
                // Only a cut past the first end-of-archive zero block is a clean end: a cut at a member
                // boundary has no end marker and is refused as truncated.
                XCTAssertGreaterThanOrEqual(cut, ends.last! + 512, "cut \(cut) read \(members.count) members without an error")
            } catch let error as ShardError {
                XCTAssert(cut == 0 ? error.kind == .empty : error.kind == .truncated, "cut \(cut): \(error)")
            }
        }
    }

    func testRandomHeaderMutationsWithValidChecksumsNeverCrash() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: String(repeating: "p", count: 130) + ".jpg", data: tarTestBytes(700, seed: 1))
            try writer.add(name: "b.txt", data: tarTestBytes(40, seed: 2))
        }
        let headers = [0, 512, 1024, 2560]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var mutated = bytes
            let header = headers.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let field = Int.random(in: 0..<512, using: &rng)
                mutated[header + field] = [0, 0x20, 0x30, 0x37, 0x80, 0xFF, UInt8(ascii: "\n"),
                                           UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            }
            if Bool.random(using: &rng) { patchTarHeader(&mutated, at: header) { _ in } }
            do {
                _ = try tarMembers(mutated, limits: TarLimits(maxMemberBytes: 1 << 16, maxPaxHeaderBytes: 1 << 12))
            } catch is ShardError {
                continue  // any typed refusal is fine; the property is that nothing traps
            }
        }
    }

    // MARK: Refused members

    func testPathTraversalIsUnsafe() throws {
        for name in ["../etc/x", "a/../../x", "a/..", ".."] {
            let bytes = try TarScratch().tar { try $0.add(name: name, data: [1]) }
            let error = assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
            XCTAssert(error?.detail.contains(name) == true, "\(String(describing: error))")
        }
    }

    func testTraversalInPaxPathIsUnsafe() throws {
        let name = String(repeating: "d/", count: 60) + "../../../../../../../../../../../../../../../../../../../"
            + String(repeating: "../", count: 50) + "etc/passwd"
        let bytes = try TarScratch().tar { try $0.add(name: name, data: [1]) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testAbsolutePathIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "/etc/passwd", data: [1]) }
        let error = assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
        XCTAssert(error?.detail.contains("/etc/passwd") == true)
    }

    func testTraversalDirectoryIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "../up/", typeflag: UInt8(ascii: "5")) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testNulByteInNameIsUnsafe() throws {
        let name = String(repeating: "a", count: 120) + "\0hidden.txt"
        let bytes = try TarScratch().tar { try $0.add(name: name, data: [1]) }
        let error = assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
        XCTAssert(error?.detail.contains("NUL") == true)
    }

    func testEmptyNameIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "", data: [1]) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testSymlinkIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "link", typeflag: UInt8(ascii: "2"), linkName: "/etc/passwd") }
        let error = assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
        XCTAssert(error?.detail.contains("link") == true)
    }

    func testHardLinkIsUnsafe() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "a.txt", data: [1])
            try writer.addEntry(name: "b.txt", typeflag: UInt8(ascii: "1"), linkName: "a.txt")
        }
        let reader = TarReader(MemoryStream(bytes), path: "t.tar")
        XCTAssertEqual(try reader.next()?.name, "a.txt")
        let error = assertTarError(.unsafeMember) { _ = try reader.next() }
        XCTAssert(error?.detail.contains("hard link") == true)
        XCTAssertEqual(error?.offset, 1024)
    }

    func testCharacterDeviceIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "dev/null", typeflag: UInt8(ascii: "3")) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testBlockDeviceIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "dev/sda", typeflag: UInt8(ascii: "4")) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testFIFOIsUnsafe() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "pipe", typeflag: UInt8(ascii: "6")) }
        assertTarError(.unsafeMember) { _ = try tarMembers(bytes) }
    }

    func testGNUSparseIsUnsupported() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "sparse", typeflag: UInt8(ascii: "S"), data: [1]) }
        assertTarError(.unsupported) { _ = try tarMembers(bytes) }
    }

    func testPaxSparseRecordIsUnsupported() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.addEntry(name: "pax", typeflag: UInt8(ascii: "x"), data: Array("22 GNU.sparse.major=1\n".utf8))
            try writer.add(name: "s.bin", data: [1])
        }
        assertTarError(.unsupported) { _ = try tarMembers(bytes) }
    }

    func testUnknownTypeflagIsUnsupported() throws {
        let bytes = try TarScratch().tar { try $0.addEntry(name: "odd", typeflag: UInt8(ascii: "Q")) }
        let error = assertTarError(.unsupported) { _ = try tarMembers(bytes) }
        XCTAssert(error?.detail.contains("'Q'") == true)
    }

    // MARK: Not a tar

    func testCorruptChecksumIsCorrupt() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "a.txt", data: [1]) }
        bytes[10] ^= 0x01
        let error = assertTarError(.corrupt) { _ = try tarMembers(bytes) }
        XCTAssert(error?.detail.contains("checksum mismatch") == true)
        XCTAssertEqual(error?.offset, 0)
    }

    func testZeroBytesIsEmpty() throws {
        assertTarError(.empty) { _ = try tarMembers([]) }
    }

    func testBinaryGarbageIsCorrupt() throws {
        let error = assertTarError(.corrupt) { _ = try tarMembers(tarTestBytes(4096, seed: 99)) }
        XCTAssert(error?.detail.hasPrefix("not a tar header: checksum mismatch") == true)
    }

    func testErrorIsRepeatedOnLaterCalls() throws {
        let reader = TarReader(MemoryStream(tarTestBytes(1024, seed: 7)), path: "g.tar")
        let first = assertTarError(.corrupt) { _ = try reader.next() }
        let second = assertTarError(.corrupt) { _ = try reader.next() }
        XCTAssertEqual(first, second)
    }

    // MARK: Caps

    func testMemberOverCapIsTooLarge() throws {
        let bytes = try TarScratch().tar { writer in
            try writer.add(name: "small.bin", data: [1])
            try writer.add(name: "huge.bin", data: tarTestBytes(5000, seed: 6))
        }
        let error = assertTarError(.tooLarge) { _ = try tarMembers(bytes, limits: TarLimits(maxMemberBytes: 4096)) }
        XCTAssert(error?.detail.contains("huge.bin") == true)
        XCTAssertEqual(error?.offset, 1024)
    }

    func testHugeDeclaredSizeIsTooLargeBeforeReading() throws {
        var bytes = try TarScratch().tar { try $0.add(name: "claims.bin", data: [1]) }
        patchTarHeader(&bytes, at: 0) { header in
            header.replaceSubrange(124..<136, with: [0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        }
        assertTarError(.tooLarge) { _ = try tarMembers(bytes) }
    }

    func testPaxHeaderOverCapIsTooLarge() throws {
        let bytes = try TarScratch().tar { try $0.add(name: String(repeating: "z", count: 3000), data: [1]) }
        assertTarError(.tooLarge) { _ = try tarMembers(bytes, limits: TarLimits(maxPaxHeaderBytes: 1024)) }
    }

    func testWriterEncodesNegativeMtimeInBase256() throws {
        let bytes = try TarScratch().tar { try $0.add(name: "old.txt", data: [1], mtime: -1) }
        XCTAssertEqual(Array(bytes[136..<148]), [UInt8](repeating: 0xFF, count: 12))
        XCTAssertEqual(try tarMembers(bytes).map(\.name), ["old.txt"])
    }

    // MARK: System tar

    func testSystemTarArchivesReadInEveryFormat() throws {
        let tarPath = "/usr/bin/tar"
        guard FileManager.default.isExecutableFile(atPath: tarPath) else { throw XCTSkip("no \(tarPath)") }
        let scratch = try TarScratch()
        let root = scratch.file("tree")
        var expected: [String: [UInt8]] = [:]
        let deep = String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60)
        let names = ["top.txt", "sub/one.jpg", "sub/inner/two.json", deep + "/" + String(repeating: "f", count: 90) + ".txt",
                     "empty.bin"]
        for (i, name) in names.enumerated() {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let data = name == "empty.bin" ? [] : tarTestBytes(300 + i * 700, seed: UInt64(i))
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(data)))
            expected[name] = data
        }
        try checkSystemTar(format: "ustar", root: root, archive: scratch.file("ustar.tar"), expected: expected)
        // Over ustar's 155 + 100 byte limit: only gnu and pax can hold it.
        let veryLong = String(repeating: "g", count: 120) + "/" + String(repeating: "h", count: 150) + ".txt"
        let path = root + "/" + veryLong
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        expected[veryLong] = [1, 2, 3]
        for format in ["gnu", "pax"] {
            try checkSystemTar(format: format, root: root, archive: scratch.file("\(format).tar"), expected: expected)
        }
    }

    private func checkSystemTar(format: String, root: String, archive: String, expected: [String: [UInt8]]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        process.arguments = ["--format=\(format)", "-cf", archive, "-C", root, "."]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, format)
        let reader = TarReader(try TestFileStream(path: archive), path: archive)
        var seen: [String: [UInt8]] = [:]
        while let member = try reader.next() { seen[member.name] = member.data }
        XCTAssertEqual(seen, expected, format)
    }
}

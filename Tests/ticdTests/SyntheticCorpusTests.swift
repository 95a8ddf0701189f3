import Foundation
import XCTest
import Timeline
@testable import ticd

/// The files `ticd corpus synthetic` writes: img2dataset's layout, complete samples, reproducible bytes, and
/// shards that `ticd ingest` takes.
final class SyntheticCorpusTests: TemporaryDirectoryTestCase {
    /// Writes a small corpus of `kind` under `root/name` and returns its directory.
    func write(_ kind: String, name: String, seed: UInt64 = 1, years: (Int, Int) = (2015, 2015), months: Int? = 2,
               perMonth: Int = 5, imageSize: Int = 16) throws -> String {
        var corpus = SyntheticCorpus(out: root + "/" + name, firstYear: years.0, lastYear: years.1, seed: seed,
                                     perMonth: perMonth, imageSize: imageSize)
        corpus.monthLimit = months
        if kind == "text" { try corpus.writeText { _ in } } else { try corpus.writeImageText { _ in } }
        return corpus.out
    }

    /// Every file under `dir` by relative path, with its bytes.
    func files(_ dir: String) throws -> [String: Data] {
        let names = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: dir))
        var files: [String: Data] = [:]
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory),
                  !isDirectory.boolValue else { continue }
            files[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return files
    }

    /// The WebDataset samples of one tar.
    static func samples(_ path: String) throws -> [WebDatasetSample] {
        let reader = WebDatasetReader(TarReader(try FileStream(path: path), path: path))
        var samples: [WebDatasetSample] = []
        while let sample = try reader.next() { samples.append(sample) }
        return samples
    }

    func testImageTextUsesImg2datasetNamesAndLeavesNoTemporaryFiles() throws {
        let out = try write("image-text", name: "a")
        XCTAssertEqual(try files(out).keys.sorted(),
                       ["2015-01/00000.tar", "2015-01/00000_stats.json", "2015-02/00000.tar", "2015-02/00000_stats.json"])
    }

    func testSameArgumentsGiveByteIdenticalFiles() throws {
        for kind in ["image-text", "text"] {
            let a = try files(try write(kind, name: kind + "-a")), b = try files(try write(kind, name: kind + "-b"))
            XCTAssertFalse(a.isEmpty)
            XCTAssertEqual(a, b, kind)
        }
    }

    func testDifferentSeedsGiveDifferentContent() throws {
        for kind in ["image-text", "text"] {
            let one = try files(try write(kind, name: kind + "-1", seed: 1))
            let two = try files(try write(kind, name: kind + "-2", seed: 2))
            XCTAssertEqual(one.keys.sorted(), two.keys.sorted())
            for name in one.keys where !name.hasSuffix("_stats.json") {
                XCTAssertNotEqual(one[name], two[name], "\(kind) \(name)")
            }
        }
    }

    func testEverySampleHasPNGCaptionAndMetadataAndThePNGHasTheRequestedSize() throws {
        let out = try write("image-text", name: "m", imageSize: 24)
        let samples = try Self.samples(out + "/2015-02/00000.tar")
        XCTAssertEqual(samples.count, 5)
        for sample in samples {
            XCTAssertEqual(sample.members.keys.sorted(), ["json", "png", "txt"], sample.key)
            let png = try XCTUnwrap(sample.members["png"]?.data)
            let image = try png.withUnsafeBytes { try ImageDecoder.decode($0, extension: "png") }
            XCTAssertEqual([image.width, image.height], [24, 24])
            let caption = String(decoding: try XCTUnwrap(sample.members["txt"]?.data), as: UTF8.self)
            let meta = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(sample.members["json"]?.data)))
                                     as? [String: Any])
            XCTAssertEqual(meta["key"] as? String, sample.key)
            XCTAssertEqual(meta["caption"] as? String, caption)
            let stamp = try XCTUnwrap(meta["timestamp"] as? String)
            let seconds = try XCTUnwrap(SampleTime.unixSeconds(rfc3339: Substring(stamp)), stamp)
            XCTAssertEqual(Month(unixSeconds: seconds), Month("2015-02"))
        }
    }

    func testStatsMarkerCountsTheShardAndIsWrittenAfterIt() throws {
        let out = try write("image-text", name: "s", perMonth: 7)
        for month in ["2015-01", "2015-02"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(month)/00000_stats.json"))
            let stats = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(stats["count"] as? Int, 7)
            XCTAssertEqual(stats["successes"] as? Int, 7)
            XCTAssertEqual(stats["failed_to_download"] as? Int, 0)
            for key in ["failed_to_resize", "duration", "start_time", "end_time", "status_dict"] {
                XCTAssertNotNil(stats[key], key)
            }
            XCTAssertEqual(try Self.samples("\(out)/\(month)/00000.tar").count, 7)
            let modified = { (name: String) in
                try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: "\(out)/\(month)/\(name)")[.modificationDate] as? Date)
            }
            XCTAssertGreaterThanOrEqual(try modified("00000_stats.json"), try modified("00000.tar"))
        }
    }

    func testTicdIngestAcceptsTheShardsOfBothKinds() throws {
        for kind in ["image-text", "text"] {
            let out = root + "/cli-" + kind
            let made = try Ticd.run(["corpus", "synthetic", "--out", out, "--kind", kind, "--years", "2014-2015",
                                     "--per-month", "3", "--months", "14", "--image-size", "16", "--seed", "9"])
            XCTAssertEqual(made.status, 0, made.stderr)
            XCTAssertEqual(made.lines.count, 14)
            let ingest = try Ticd.run(["ingest", "--state", root + "/state-" + kind, "--json", out])
            XCTAssertEqual(ingest.status, 0, ingest.stderr)
            let outcomes = ingest.lines.compactMap(Ticd.json)
            XCTAssertEqual(outcomes.count, 14)
            XCTAssertTrue(outcomes.allSatisfy { $0["outcome"] as? String == "accepted" && $0["samples"] as? Int == 3 },
                          ingest.stdout)
        }
    }

    func testOutOfRangeNumbersAreUsageErrorsThatWriteNothing() throws {
        for (flag, value) in [("--seed", "-1"), ("--per-month", "-2"), ("--image-size", "0"),
                             ("--image-size", "1800000000"), ("--months", "-1"), ("--years", "0"), ("--years", "1980-1990"),
                             ("--years", "2014-9999")] {
            let r = try Ticd.run(["corpus", "synthetic", "--out", root + "/bad", "--kind", "image-text", flag, value])
            XCTAssertEqual(r.status, 2, flag)
            XCTAssertTrue(r.stderr.contains(flag), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/bad"))
    }
}

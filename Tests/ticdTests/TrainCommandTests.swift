import Foundation
import XCTest
import Models
@testable import ticd

/// `ticd train` and `ticd eval` end to end through the binary, on a small synthetic image-text series whose
/// shapes and colours drift by year.
final class TrainCommandTests: TemporaryDirectoryTestCase {
    /// A corpus of 2014-2016 ingested into `name/state`, and a config for it.
    /// - Parameter newestFirst: ingest the months newest first, so catalog ids run against time.
    func prepare(_ name: String, policy: String, samples: Int = 2048, extra: String = "",
                 newestFirst: Bool = false) throws -> String {
        let dir = root + "/" + name
        XCTAssertEqual(try Ticd.run(["corpus", "synthetic", "--out", dir + "/corpus", "--kind", "image-text",
                                     "--years", "2014-2016", "--per-month", "60", "--image-size", "32", "--seed", "2"]).status, 0)
        let months = try FileManager.default.contentsOfDirectory(atPath: dir + "/corpus").sorted().map { dir + "/corpus/" + $0 }
        let ingest = try Ticd.run(["ingest", "--state", dir + "/state", "--eval-fraction", "0.1"]
                                  + (newestFirst ? months.reversed() : [dir + "/corpus"]))
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        let config = dir + "/config.json"
        let json = """
            {"state_dir": "\(dir)/state", "task": "clip", "policy": "\(policy)", "alpha": 0.5,
             "samples_per_step": \(samples), "batch_size": 64, "lr": 0.001, "wd": 0.1, "warmup": 4, "warmup_first": 8,
             "step_unit": "year", "eval_fraction": 0.1, "threads": 2\(extra),
             "model": {"image_size": 32, "patch_size": 8, "vision_width": 64, "vision_layers": 2, "vision_heads": 2,
                       "context_length": 16, "vocab_size": 512, "text_width": 64, "text_layers": 2, "text_heads": 2,
                       "embed_dim": 32}}
            """
        XCTAssertTrue(FileManager.default.createFile(atPath: config, contents: Data(json.utf8)))
        return config
    }

    func eval(_ config: String) throws -> [String: Any] {
        let r = try Ticd.run(["eval", "--config", config, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(Ticd.json(r.stdout))
    }

    func testThreeYearlyStepsGiveACompleteMatrixSummariesAndCompute() throws {
        let config = try prepare("full", policy: "cumulative-all", samples: 4096)
        let train = try Ticd.run(["train", "--config", config, "--until-step", "3"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let e = try eval(config)
        XCTAssertEqual(e["rows"] as? [String], ["2014", "2015", "2016"])
        XCTAssertEqual(e["columns"] as? [String], ["2014", "2015", "2016"])
        let matrix = try XCTUnwrap(e["matrix"] as? [[Double]])
        XCTAssertEqual(matrix.map(\.count), [3, 3, 3], "every cell filled")
        XCTAssertTrue(matrix.joined().allSatisfy { (0...1).contains($0) })
        let summary = try XCTUnwrap(e["summary"] as? [String: Double])
        XCTAssertNotNil(summary["id"]); XCTAssertNotNil(summary["backward"]); XCTAssertNotNil(summary["forward"])
        let compute = try XCTUnwrap(e["compute"] as? [[String: Any]])
        XCTAssertEqual(compute.compactMap { $0["samples_seen"] as? Int }, [4096, 4096, 4096])
        let detail = try XCTUnwrap(e["detail"] as? [String: [String: [String: Double]]])
        XCTAssertNotNil(detail["2016"]?["2014"]?["image_to_text_R@5"])
        XCTAssertGreaterThan(matrix[2][2], 0.05, "three steps of training beat chance (1/60) by far")
        // Running again finds nothing pending and changes nothing.
        XCTAssertEqual(try Ticd.run(["train", "--config", config, "--until-step", "3"]).status, 0)
        XCTAssertEqual(try eval(config)["matrix"] as? [[Double]], matrix)
    }

    func testLanguageModelStepsGiveAPerplexityMatrix() throws {
        let dir = root + "/lm"
        XCTAssertEqual(try Ticd.run(["corpus", "synthetic", "--out", dir + "/corpus", "--kind", "text",
                                     "--years", "2014-2016", "--per-month", "40", "--seed", "5"]).status, 0)
        XCTAssertEqual(try Ticd.run(["ingest", "--state", dir + "/state", "--eval-fraction", "0.1", dir + "/corpus"]).status, 0)
        let config = dir + "/config.json"
        XCTAssertTrue(FileManager.default.createFile(atPath: config, contents: Data("""
            {"state_dir": "\(dir)/state", "task": "lm", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 400,
             "batch_size": 8, "lr": 0.003, "wd": 0.033, "warmup": 4, "warmup_first": 8, "step_unit": "year",
             "model": {"vocab_size": 400, "context_length": 64, "width": 64, "layers": 2, "heads": 2}}
            """.utf8)))
        let train = try Ticd.run(["train", "--config", config, "--until-step", "3"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let e = try eval(config)
        XCTAssertEqual(e["metric"] as? String, "perplexity")
        let matrix = try XCTUnwrap(e["matrix"] as? [[Double]])
        XCTAssertEqual(matrix.map(\.count), [3, 3, 3])
        XCTAssertLessThan(matrix[2][2], matrix[0][2], "training on 2016 lowers 2016's perplexity")
        let detail = try XCTUnwrap(e["detail"] as? [String: [String: [String: Double]]])
        XCTAssertGreaterThan(detail["2016"]?["2016"]?["bits_per_byte"] ?? 0, 0)
    }

    func testBackfillScoresOldCheckpointsOnAYearThatArrivedLater() throws {
        let config = try prepare("backfill", policy: "cumulative-all", samples: 512)
        let dir = root + "/backfill"
        // 2017 arrives only after steps 1 and 2 were trained and evaluated.
        let late = try Ticd.run(["corpus", "synthetic", "--out", dir + "/late", "--kind", "image-text", "--years", "2017",
                                 "--per-month", "60", "--image-size", "32", "--seed", "2"])
        XCTAssertEqual(late.status, 0)
        XCTAssertEqual(try Ticd.run(["train", "--config", config, "--until-step", "2"]).status, 0)
        let before = try eval(config)
        XCTAssertEqual(before["columns"] as? [String], ["2014", "2015", "2016"])
        XCTAssertEqual(try Ticd.run(["ingest", "--state", dir + "/state", dir + "/late"]).status, 0)
        let backfill = try Ticd.run(["eval", "--config", config, "--backfill", "--json"])
        XCTAssertEqual(backfill.status, 0, backfill.stderr)
        let after = try XCTUnwrap(Ticd.json(backfill.stdout))
        XCTAssertEqual(after["columns"] as? [String], ["2014", "2015", "2016", "2017"])
        let matrix = try XCTUnwrap(after["matrix"] as? [[Any]])
        XCTAssertEqual(matrix.map(\.count), [4, 4])
        XCTAssertTrue(matrix.allSatisfy { $0.last is Double }, "both old checkpoints were scored on 2017")
    }

    func testSequentialForgetsMoreThanCumulativeAll() throws {
        var backward: [String: Double] = [:]
        for policy in ["sequential", "cumulative-all"] {
            let config = try prepare(policy, policy: policy, samples: 4096)
            XCTAssertEqual(try Ticd.run(["train", "--config", config, "--until-step", "3"]).status, 0)
            backward[policy] = (try eval(config)["summary"] as? [String: Double])?["backward"]
        }
        print("backward transfer: \(backward)")
        XCTAssertLessThan(try XCTUnwrap(backward["sequential"]), try XCTUnwrap(backward["cumulative-all"]) - 0.03)
    }

    func testSIGTERMMidStepThenRestartEndsWithTheSameWeights() throws {
        let straight = try prepare("straight", policy: "cumulative-all")
        XCTAssertEqual(try Ticd.run(["train", "--config", straight, "--until-step", "1"]).status, 0)
        let killed = try prepare("killed", policy: "cumulative-all", extra: ", \"checkpoint_every_s\": 0.01")
        // Stop the step after its first progress line, with SIGTERM as systemd would.
        let first = try Ticd.run(["train", "--config", killed, "--until-step", "1"],
                                 environment: ["TICD_SIGTERM_AFTER_BATCH": "5"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("stopped by signal after batch 5"), first.stderr)
        let resumed = try Ticd.run(["train", "--config", killed, "--until-step", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming 2014 at batch 5"), resumed.stderr)
        try assertSameWeights(root + "/straight/state", root + "/killed/state")
    }

    func testSIGKILLMidStepThenRestartResumesFromTheLastCheckpointWithTheSameWeights() throws {
        let straight = try prepare("straight", policy: "cumulative-all")
        XCTAssertEqual(try Ticd.run(["train", "--config", straight, "--until-step", "1"]).status, 0)
        let crashed = try prepare("crashed", policy: "cumulative-all", extra: ", \"checkpoint_every_s\": 0")
        let first = try Ticd.run(["train", "--config", crashed, "--until-step", "1"],
                                 environment: ["TICD_SIGKILL_AFTER_BATCH": "7"])
        XCTAssertEqual(first.status, 128 + SIGKILL, "the process dies without any cleanup")
        let resumed = try Ticd.run(["train", "--config", crashed, "--until-step", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming 2014 at batch 6"), resumed.stderr)
        try assertSameWeights(root + "/straight/state", root + "/crashed/state")
    }

    func testTheSameDataArrivingWithAnExtraQuarantinedShardTrainsTheSameWeights() throws {
        let plain = try prepare("plain", policy: "cumulative-all", samples: 512)
        // The other state directory first quarantines a garbage tar, which takes catalog id 1, so every
        // good shard's id differs by one; sample selection keys shards by content, not id.
        let other = root + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: other + "/2014-01-garbage.tar",
                                                    contents: Data(repeating: 0x41, count: 4096)))
        XCTAssertEqual(try Ticd.run(["ingest", "--state", other + "/state", "--eval-fraction", "0.1",
                                     other + "/2014-01-garbage.tar"]).status, 3)
        let shifted = try prepare("other", policy: "cumulative-all", samples: 512)
        for config in [plain, shifted] {
            let r = try Ticd.run(["train", "--config", config, "--until-step", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try assertSameWeights(root + "/plain/state", root + "/other/state")
    }

    func testTheSameMonthsArrivingInAnotherOrderTrainTheSameWeights() throws {
        let plain = try prepare("plain", policy: "cumulative-all", samples: 512)
        let reversed = try prepare("reversed", policy: "cumulative-all", samples: 512, newestFirst: true)
        for config in [plain, reversed] {
            let r = try Ticd.run(["train", "--config", config, "--until-step", "2"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try assertSameWeights(root + "/plain/state", root + "/reversed/state", steps: ["step_0001_2014", "step_0002_2015"])
    }

    func testAStateDirectoryWithBothKindsOfDataIsRefusedByName() throws {
        let config = try prepare("mixed", policy: "cumulative-all", samples: 256)
        XCTAssertEqual(try Ticd.run(["corpus", "synthetic", "--out", root + "/text", "--kind", "text",
                                     "--years", "2014", "--months", "1", "--per-month", "20"]).status, 0)
        XCTAssertEqual(try Ticd.run(["ingest", "--state", root + "/mixed/state", root + "/text"]).status, 0)
        let r = try Ticd.run(["train", "--config", config, "--until-step", "1"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("task clip trains on image-text shards, but"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2014-01.jsonl.zst holds text"), r.stderr)
    }
}

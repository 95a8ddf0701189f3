import Foundation
import XCTest

/// What the daemon tests build on: a synthetic image-text corpus, its month folders, and a small CLIP config
/// with its own inbox, state directory and socket under the test's temporary root.
extension TemporaryDirectoryTestCase {
    /// A synthetic image-text series, one directory per month.
    func corpus(_ name: String, years: String, perMonth: Int = 16) throws -> String {
        let out = root + "/" + name
        let r = try Ticd.run(["corpus", "synthetic", "--out", out, "--kind", "image-text", "--years", years,
                              "--per-month", String(perMonth), "--image-size", "32", "--seed", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func months(in corpus: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus).filter { !$0.hasPrefix(".") }.sorted()
    }

    func tars(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tar") }.sorted()
    }

    func writeConfig(_ name: String, samples: Int, quietPeriod: Double = 1.5, stepUnit: String = "year",
                     extra: String = "") throws -> (config: String, socket: String) {
        let dir = root + "/" + name
        try FileManager.default.createDirectory(atPath: dir + "/inbox", withIntermediateDirectories: true)
        let socket = dir + "/ticd.sock"
        let json = """
            {"state_dir": "\(dir)/state", "inbox": "\(dir)/inbox", "socket": "\(socket)", "task": "clip",
             "policy": "cumulative-all", "samples_per_step": \(samples), "batch_size": 32, "lr": 0.001, "wd": 0.1,
             "warmup": 2, "warmup_first": 4, "step_unit": "\(stepUnit)", "eval_fraction": 0.1, "threads": 2,
             "quiet_period_s": \(quietPeriod), "rescan_interval_s": 30\(extra),
             "model": {"image_size": 32, "patch_size": 8, "vision_width": 32, "vision_layers": 1, "vision_heads": 2,
                       "context_length": 16, "vocab_size": 300, "text_width": 32, "text_layers": 1, "text_heads": 2,
                       "embed_dim": 16}}
            """
        let config = dir + "/config.json"
        XCTAssertTrue(FileManager.default.createFile(atPath: config, contents: Data(json.utf8)))
        return (config, socket)
    }
}

import Foundation
import Timeline
import XCTest
@testable import ticd

/// `ticd experiment --quick` end to end through the binary (DESIGN §11): every policy trains on the same
/// catalog, results.json follows its contract, compute counts what each method adds, the combined report
/// renders every run, and a killed experiment resumes to the same results as one left alone.
final class ExperimentTests: TemporaryDirectoryTestCase {
    func prepare(_ name: String, extra: String = "") throws -> String {
        try ExperimentFixture.prepare(root: root, name: name, extra: extra)
    }

    func results(_ dir: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json"))) as? [String: Any])
    }

    func testQuickExperimentGivesEveryPolicyFiniteNumbersAndCountsEachMethodsCompute() throws {
        let config = try prepare("all")
        let r = try Ticd.run(["experiment", "--config", config, "--policies", "all", "--out", root + "/out", "--quick"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("run 10/10 (patching), step 2/2 (2015)"), "a progress line per run and step")
        let policies = try XCTUnwrap(try results(root + "/out")["policies"] as? [String: [String: Any]])
        XCTAssertEqual(Set(policies.keys), ["sequential", "cumulative-all", "cumulative-exp", "cumulative-equal",
                                            "reservoir", "restart", "oracle", "lwf", "ewc", "patching"])
        var flops: [String: Double] = [:]
        for (name, p) in policies {
            for key in ["id", "backward", "forward", "final_newest"] {
                let v = try XCTUnwrap(p[key] as? Double, "\(name).\(key)")
                XCTAssertTrue(v.isFinite && (0...1).contains(v), "\(name).\(key) = \(v)")
            }
            let compute = try XCTUnwrap(p["compute"] as? [String: Double], name)
            flops[name] = try XCTUnwrap(compute["flops"])
            XCTAssertGreaterThan(try XCTUnwrap(compute["samples_seen"]), 0)
            XCTAssertNotNil(compute["wall_s"])
            XCTAssertGreaterThan(try XCTUnwrap(p["storage_bytes"] as? Double), 0, name)
            XCTAssertEqual((p["matrix"] as? [[Any]])?.count, 2, "\(name): two trained steps")
        }
        XCTAssertGreaterThan(flops["oracle"]!, flops["cumulative-all"]!, "oracle retrains on everything")
        for method in ["lwf", "ewc", "patching"] {
            XCTAssertGreaterThan(flops[method]!, flops["sequential"]!, "\(method)'s extra passes are counted")
        }
        let storage = policies.mapValues { $0["storage_bytes"] as! Double }
        XCTAssertLessThan(storage["sequential"]!, storage["cumulative-all"]!, "sequential keeps no old data")
        let beta = ((policies["patching"]?["steps"] as? [[String: Any]])?.last?["method"] as? [String: Double])?["beta"]
        XCTAssertNotNil(beta, "patching records the β it chose")

        let html = try String(contentsOfFile: root + "/out/report.html", encoding: .utf8)
        let page = try ParsedPage(html)
        XCTAssertTrue(page.text.contains("Pareto front"))
        XCTAssertEqual(page.elements.filter { $0.name == "h3" }.count, 10 + 1, "a heading and heatmap per run, and the summary's steps")
        XCTAssertTrue(page.elements.contains { $0.attributes["id"] == "per-step" })
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/out/results.md"))

        // Each run answers on its own: ticd eval --run gives the same matrix as results.json.
        let eval = try Ticd.run(["eval", "--config", config, "--run", "lwf", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let matrix = try XCTUnwrap(Ticd.json(eval.stdout)?["matrix"] as? [[Double]])
        XCTAssertEqual(matrix, policies["lwf"]?["matrix"] as? [[Double]])

        // The socket: /v0/runs lists them, ?run= picks one, /v0/robustness compares them.
        let base = try TicdConfig.load(config)
        let api = DaemonAPI(config: { base }, catalog: try Catalog(path: base.state.catalogPath), control: DaemonControl(),
                            staleLoops: { [] })
        func get(_ path: String, _ query: [String: String] = [:]) throws -> (Int, Any) {
            let response = api.handle(HTTPRequest(method: "GET", path: path, query: query, headers: [:], body: []),
                                      peer: PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
            return (response.status, try JSONSerialization.jsonObject(with: Data(response.body)))
        }
        let (status, runs) = try get("/v0/runs")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(Set((runs as? [[String: Any]])?.compactMap { $0["run"] as? String } ?? []), Set(policies.keys))
        let (_, lwf) = try get("/v0/eval", ["run": "lwf"])
        XCTAssertEqual((lwf as? [String: Any])?["matrix"] as? [[Double]], matrix)
        let (_, robustness) = try get("/v0/robustness", ["run": "oracle"])
        XCTAssertEqual(((robustness as? [String: Any])?["runs"] as? [Any])?.count, 10)
        let (missing, _) = try get("/v0/steps", ["run": "nope"])
        XCTAssertEqual(missing, 404)
    }

    func testAKilledExperimentResumesToTheSameResultsAsOneLeftAlone() throws {
        let policies = "sequential,ewc,patching"
        let straight = try prepare("straight", extra: ", \"checkpoint_every_s\": 0.01")
        XCTAssertEqual(try Ticd.run(["experiment", "--config", straight, "--policies", policies, "--out",
                                     root + "/straight-out", "--quick"]).status, 0)
        let killed = try prepare("killed", extra: ", \"checkpoint_every_s\": 0.01")
        let first = try Ticd.run(["experiment", "--config", killed, "--policies", policies, "--out", root + "/killed-out",
                                  "--quick"], environment: ["TICD_SIGKILL_AFTER_BATCH": "3"])
        XCTAssertEqual(first.status, 128 + SIGKILL, "killed mid-step: \(first.stderr)")
        let resumed = try Ticd.run(["experiment", "--config", killed, "--policies", policies, "--out",
                                    root + "/killed-out", "--quick"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        // Everything but the wall-clock seconds and the paths must agree.
        func comparable(_ dir: String) throws -> [String: [String: Any]] {
            var out: [String: [String: Any]] = [:]
            for (name, value) in try XCTUnwrap(try results(dir)["policies"] as? [String: [String: Any]]) {
                var v = value
                var compute = v["compute"] as? [String: Any] ?? [:]
                compute["wall_s"] = nil
                v["compute"] = compute
                v["steps"] = (v["steps"] as? [[String: Any]])?.map { step in
                    var s = step
                    s["wall_s"] = nil
                    return s
                }
                out[name] = v
            }
            return out
        }
        let a = try comparable(root + "/straight-out"), b = try comparable(root + "/killed-out")
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for name in a.keys {
            XCTAssertEqual(NSDictionary(dictionary: a[name]!), NSDictionary(dictionary: b[name]!), name)
        }
    }

    func testResumingUnderAChangedBaseConfigIsRefused() throws {
        let config = try prepare("changed")
        XCTAssertEqual(try Ticd.run(["experiment", "--config", config, "--policies", "sequential", "--out", root + "/o",
                                     "--quick"]).status, 0)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "\"lr\": 0.001", with: "\"lr\": 0.002")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let again = try Ticd.run(["experiment", "--config", config, "--policies", "sequential", "--out", root + "/o", "--quick"])
        XCTAssertEqual(again.status, 2, "a config problem, as for any config error")
        XCTAssertTrue(again.stderr.contains("run sequential already has steps trained under another config"), again.stderr)
    }

    func testUnknownAndRepeatedPoliciesAreUsageErrors() throws {
        let config = try prepare("usage")
        let unknown = try Ticd.run(["experiment", "--config", config, "--policies", "sequential,nope", "--out", root + "/o"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("nope"), unknown.stderr)
        XCTAssertEqual(try Ticd.run(["experiment", "--config", config, "--policies", "lwf,lwf", "--out", root + "/o"]).status, 2)
    }
}

/// The corpus and base config the experiment tests (and the browser test of the combined report) start from.
enum ExperimentFixture {
    /// A small 2014-2016 image-text corpus ingested into `name/state`, and a base config for it.
    static func prepare(root: String, name: String, extra: String = "") throws -> String {
        let dir = root + "/" + name
        XCTAssertEqual(try Ticd.run(["corpus", "synthetic", "--out", dir + "/corpus", "--kind", "image-text",
                                     "--years", "2014-2016", "--per-month", "20", "--image-size", "32", "--seed", "2"]).status, 0)
        let ingest = try Ticd.run(["ingest", "--state", dir + "/state", "--eval-fraction", "0.2", dir + "/corpus"])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        let config = dir + "/base.json"
        let json = """
            {"state_dir": "\(dir)/state", "task": "clip", "policy": "cumulative-all", "samples_per_step": 1024,
             "batch_size": 32, "lr": 0.001, "wd": 0.1, "step_unit": "year", "eval_fraction": 0.2, "threads": 2\(extra),
             "model": {"image_size": 32, "patch_size": 8, "vision_width": 32, "vision_layers": 1, "vision_heads": 2,
                       "context_length": 16, "vocab_size": 300, "text_width": 32, "text_layers": 1, "text_heads": 2,
                       "embed_dim": 16}}
            """
        XCTAssertTrue(FileManager.default.createFile(atPath: config, contents: Data(json.utf8)))
        return config
    }

}

import Foundation
import FuzzSupport
import Models
import XCTest
@testable import ticd

/// `make fuzz` (not `make test`): mutated config files through `TicdConfig.load` and the task's model config.
/// Oracle: a config, or a `ConfigError` that names the file and says why; for a file that is not JSON at all,
/// where in it (a byte offset, or the value it cannot hold).
final class TicdConfigFuzzTests: TemporaryDirectoryTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    func testConfigFiles() throws {
        let seeds = [
            try String(contentsOfFile: Self.repository + "/systemd/ticd.json", encoding: .utf8),
            #"{"task":"lm","model":{"context_length":16},"policy":"oracle","alpha":"1/t","step_unit":"months:2","first_step_until":"2015-12"}"#,
            #"{"state_dir":"/tmp/x","eval_fraction":0,"seed":18446744073709551615,"lr_schedule":"rsqrt"}"#,
        ].map { Array($0.utf8) }
        let path = root + "/ticd.json"
        let campaign = FuzzCampaign("config")
        campaign.run { it in
            var bytes = it.rng.pick(seeds)
            if !it.rng.chance(0.1) { Mutator.mutate(&bytes, &it.rng) }
            it.setInput(bytes, fileExtension: "json")
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            do {
                let config = try TicdConfig.load(path)
                it.note("loaded")
                if config.task == "clip" { _ = try config.modelConfig(CLIPConfig.self) } else { _ = try config.modelConfig(GPTConfig.self) }
            } catch let error as ConfigError {
                let syntax = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil
                it.note(syntax ? "not JSON" : "refused")
                if !error.description.hasPrefix(path + ": ") || error.detail.isEmpty {
                    it.fail("config error without the file and a reason: \(error)")
                }
                // A number Swift cannot hold (1e400) is valid JSON that only Foundation refuses; its text quotes the
                // number instead of giving a position, which is accepted here as naming the place.
                let positioned = ["line", "column", "byte", "offset", "character", "position", "end of file",
                                  "is not representable"].contains { error.detail.contains($0) }
                if syntax, !positioned { it.fail("a file that is not JSON is refused without a position: \(error)") }
            }
        }
        for failure in campaign.failures { XCTFail(failure) }
    }
}

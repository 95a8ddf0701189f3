import Foundation
import Timeline

/// `ticd report --config FILE --out FILE.html [--compare CONFIG]...`: writes the run's HTML report (DESIGN §8,
/// "Reports"): the evaluation matrix as a heatmap, each slice group across steps, compute versus quality
/// beside the compared runs, the summary tables and the corpus timeline. The file is replaced atomically, so
/// a browser or a web server never sees half a page.
enum ReportCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "run", "out", "compare"])
        if let stray = a.positionals.first {
            throw UsageError("unexpected argument \"\(stray)\" (give --compare once per config)")
        }
        let config = try TicdConfig.load(a)
        let out = try a.require("out")
        let compare = try a.all("compare").map(TicdConfig.load)
        guard FileOps.exists(config.state.catalogPath) else {
            throw ConfigError(path: config.path, detail: "state_dir \(config.stateDir) has no catalog yet; ingest data first")
        }
        let catalog = try Catalog(path: config.state.catalogPath)
        // A run another config trained (`--run lwf` with an experiment's base file) is described by its own.
        let run = try catalog.runs().first { $0.name == config.run && $0.configJSON != nil }
        let described = try run.map { try RunSummary.config(of: $0, base: config) } ?? config
        let data = try ReportData.load(config: described, catalog: catalog, compare: compare)
        try FileOps.writeDurably(Data(ReportPage.html(data).utf8), to: out)
        printError("ticd report: wrote \(out) (\(data.evaluation.rows.count) steps × \(data.evaluation.columns.count) "
                   + "slice groups, \(data.runs.count) run\(data.runs.count == 1 ? "" : "s"))")
        return 0
    }
}

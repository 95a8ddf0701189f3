import Foundation
import Models
import Timeline

/// `ticd doctor [--state DIR] [--json]`: the BLAS kernel and threads, a 1-second sgemm figure, the C library
/// versions, and the state directory's health.
enum DoctorCommand {
    struct Report: Encodable {
        var blasCore: String
        var blasConfig: String
        var blasThreads: Int
        var openblasCoretype: String?
        /// The kernel this process re-executed from, when ticd re-executed itself to get a better one.
        var reexecFrom: String?
        var bestCoreForCPU: String?
        var sgemmGflops: Double
        var sgemmSize: Int
        var libraries: [String: String]
        var models: [ModelSize]
        var state: StateHealth?

        enum CodingKeys: String, CodingKey {
            case blasCore = "blas_core", blasConfig = "blas_config", blasThreads = "blas_threads"
            case openblasCoretype = "openblas_coretype", reexecFrom = "reexec_from"
            case bestCoreForCPU = "best_core_for_cpu", sgemmGflops = "sgemm_gflops", sgemmSize = "sgemm_size"
            case libraries, models, state
        }
    }

    /// A model of DESIGN §6's default size: what it holds and what one training sample costs.
    struct ModelSize: Encodable {
        var model: String
        var parameters: Int
        var flopsPerSample: Double
        var sample: String

        enum CodingKeys: String, CodingKey {
            case model, parameters, flopsPerSample = "flops_per_sample", sample
        }
    }

    /// The default tiny CLIP and GPT (forward + backward FLOPs, as `ticd bench train` counts them).
    static func modelSizes() throws -> [ModelSize] {
        let clip = CLIPConfig(), gpt = GPTConfig()
        return [ModelSize(model: "clip", parameters: try CLIPModel(config: clip, seed: 0).parameterCount,
                          flopsPerSample: clip.flopsPerSample(), sample: "image-text pair"),
                ModelSize(model: "gpt", parameters: try GPTModel(config: gpt, seed: 0).parameterCount,
                          flopsPerSample: gpt.flopsPerSample(), sample: "\(gpt.contextLength)-token sequence")]
    }

    struct StateHealth: Encodable {
        var path: String
        var catalog: String
        var schemaVersion: Int
        var shardsReady: Int
        var shardsQuarantined: Int
        var shardsIngesting: Int
        var slices: Int
        var freeBytes: Int64?

        enum CodingKeys: String, CodingKey {
            case path, catalog, schemaVersion = "schema_version", shardsReady = "shards_ready"
            case shardsQuarantined = "shards_quarantined", shardsIngesting = "shards_ingesting", slices
            case freeBytes = "free_bytes"
        }
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["state", "seconds"], boolFlags: ["json"])
        let env = ProcessInfo.processInfo.environment
        let size = 1024
        var report = Report(blasCore: BLAS.coreName, blasConfig: BLAS.configuration, blasThreads: BLAS.threads,
                            openblasCoretype: env["OPENBLAS_CORETYPE"],
                            reexecFrom: env[KernelSelection.guardVariable],
                            bestCoreForCPU: KernelSelection.bestCore(cpuFlags: KernelSelection.cpuFlags()),
                            sgemmGflops: sgemmGflops(size: size, seconds: try a.double("seconds") ?? 1),
                            sgemmSize: size, libraries: LibraryVersions.all.merging(["openblas": BLAS.configuration]) { a, _ in a },
                            models: try modelSizes(), state: nil)
        if let dir = a.string("state") { report.state = try health(StateDirectory(dir)) }
        if a.flag("json") {
            print(jsonLine(report))
            return 0
        }
        print("BLAS kernel     \(report.blasCore)\(report.reexecFrom.map { " (re-executed from \($0))" } ?? "")")
        print("BLAS threads    \(report.blasThreads)")
        print("BLAS build      \(report.blasConfig)")
        print("CPU allows      \(report.bestCoreForCPU ?? "no AVX2 kernel")")
        if let c = report.openblasCoretype { print("OPENBLAS_CORETYPE=\(c) (set in the environment)") }
        print("sgemm \(size)³     \(String(format: "%.1f", report.sgemmGflops)) GFLOP/s on \(report.blasThreads) thread(s)")
        for m in report.models {
            print("\(("tiny " + m.model).padding(toLength: 16, withPad: " ", startingAt: 0))"
                  + String(format: "%.2fM parameters, %.2f GFLOP per %@ (train)", Double(m.parameters) / 1e6,
                           m.flopsPerSample / 1e9, m.sample))
        }
        for (name, version) in report.libraries.sorted(by: { $0.key < $1.key }) {
            print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(version)")
        }
        if let s = report.state {
            print("state dir       \(s.path)")
            print("catalog         \(s.catalog), schema v\(s.schemaVersion)")
            print("shards          \(s.shardsReady) ready, \(s.shardsQuarantined) quarantined, \(s.shardsIngesting) half-ingested")
            print("slices          \(s.slices)")
            if let free = s.freeBytes { print("free space      \(free / (1 << 20)) MiB") }
        }
        return 0
    }

    /// Runs square sgemms for about `seconds` and returns the rate.
    static func sgemmGflops(size n: Int, seconds: Double) -> Double {
        var a = [Float](repeating: 0, count: n * n), b = a, c = a
        for i in 0..<(n * n) { a[i] = Float(i % 13) * 0.01; b[i] = Float(i % 7) * 0.02 }
        BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
        let start = DispatchTime.now().uptimeNanoseconds
        var calls = 0, elapsed = 0.0
        repeat {
            BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return 2 * Double(n * n * n) * Double(calls) / elapsed / 1e9
    }

    static func health(_ state: StateDirectory) throws -> StateHealth {
        let catalog = try Catalog(path: state.catalogPath)
        let shards = try catalog.shards()
        var fs = statvfs()
        let free = statvfs(state.root, &fs) == 0 ? Int64(fs.f_bavail) * Int64(fs.f_frsize) : nil
        return StateHealth(path: state.root, catalog: try catalog.integrityCheck(), schemaVersion: catalog.schemaVersion,
                           shardsReady: shards.filter { $0.state == .ready }.count,
                           shardsQuarantined: shards.filter { $0.state == .quarantined }.count,
                           shardsIngesting: shards.filter { $0.state == .ingesting }.count,
                           slices: try catalog.slices().count, freeBytes: free)
    }
}

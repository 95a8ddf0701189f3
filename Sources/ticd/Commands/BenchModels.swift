import Foundation
import Models

/// `ticd bench train --model clip|gpt` and `ticd bench eval --model clip`: the tiny models of issue #3's
/// benchmark, trained with AdamW and gradient clipping as the PyTorch reference does, beside
/// bench/torch_reference.py on the same thread count when a python with torch is found. Each run also times
/// sgemm 1024³ on the same threads and reports `mfu`, model FLOP/s ÷ sgemm FLOP/s, for ticd and the reference
/// alike (DESIGN §14); `--profile` lists the kernels and every sgemm shape of the timed steps.
enum BenchModels {
    struct Row: Encodable {
        let model: String
        let mode: String
        let implementation: String
        let threads: Int
        let batch: Int
        let samplesPerS: Double?
        let tokensPerS: Double?
        let gflopPerS: Double?
        let peakRSSMB: Double?
        let blasCore: String?
        /// sgemm 1024³ on `threads` OpenBLAS threads, timed in the same run: the machine's limit.
        let sgemmGFLOPPerS: Double
        /// Model FLOP/s ÷ sgemm FLOP/s (DESIGN §14).
        let mfu: Double?
        let cpu: String
        let torchVersion: String?

        enum CodingKeys: String, CodingKey {
            case model, mode, implementation, threads, batch, samplesPerS = "samples_per_s", tokensPerS = "tokens_per_s"
            case gflopPerS = "gflop_per_s", peakRSSMB = "peak_rss_mb", blasCore = "blas_core"
            case sgemmGFLOPPerS = "sgemm_gflop_per_s", mfu, cpu, torchVersion = "torch_version"
        }
    }

    static func run(mode: String, _ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["model", "threads", "steps", "warmup", "python"],
                              boolFlags: ["json", "profile", "no-reference"])
        let model = a.string("model") ?? "clip"
        guard ["clip", "gpt"].contains(model), mode == "train" || model == "clip" else {
            throw UsageError("bench \(mode): --model must be clip\(mode == "train" ? " or gpt" : "")")
        }
        let threads = try a.int("threads") ?? 2
        BLAS.threads = threads
        let warmup = try a.int("warmup") ?? 15
        let steps = try a.int("steps") ?? (model == "clip" ? 20 : 30)
        KernelProfile.enabled = a.flag("profile")
        let result: ModelBench.Result
        switch (mode, model) {
        case ("train", "clip"):
            let config = CLIPConfig()
            let optimizer = Optimizer(adam: .clip)
            result = try ModelBench.trainCLIP(config: config, batch: 256, warmup: warmup, steps: steps) {
                optimizer.step($0.layout, $0.parameters, $0.gradients)
            }
        case ("train", _):
            let optimizer = Optimizer(adam: .lm)
            result = try ModelBench.trainGPT(config: GPTConfig(), batch: 16, warmup: warmup, steps: steps) {
                optimizer.step($0.layout, $0.parameters, $0.gradients)
            }
        default:
            result = try ModelBench.embedCLIP(config: CLIPConfig(), batch: 256, warmup: 5, steps: steps)
        }
        let kernels = KernelProfile.report(), gemms = KernelProfile.gemmReport()
        KernelProfile.enabled = false
        // The limit, measured after the model so both see the same machine state (turbo, other load).
        let sgemm = ModelBench.sgemmGFLOPs(size: 1024, repeats: 20)
        let cpu = ModelBench.cpuModel
        // FLOPs per sample (image-text pair or sequence), to put the reference on the same scale.
        let flopsPerSample = result.gflops * 1e9 / result.samplesPerSecond
        var rows = [Row(model: model, mode: mode, implementation: "ticd", threads: threads, batch: result.batch,
                        samplesPerS: model == "clip" ? result.samplesPerSecond : nil,
                        tokensPerS: model == "gpt" ? result.tokensPerSecond : nil, gflopPerS: result.gflops,
                        peakRSSMB: result.peakResidentMiB * 1.048576, blasCore: BLAS.coreName,
                        sgemmGFLOPPerS: sgemm, mfu: result.gflops / sgemm, cpu: cpu, torchVersion: nil)]
        if !a.flag("no-reference"), let r = torch(mode: mode, model: model, threads: threads, python: a.string("python")) {
            let samples = r.samplesPerS ?? (r.tokensPerS ?? 0) / Double(GPTConfig().contextLength)
            let gflops = samples * flopsPerSample / 1e9
            rows.append(Row(model: model, mode: mode, implementation: "torch", threads: threads, batch: r.batch,
                            samplesPerS: r.samplesPerS, tokensPerS: r.tokensPerS, gflopPerS: gflops, peakRSSMB: nil,
                            blasCore: nil, sgemmGFLOPPerS: sgemm, mfu: gflops / sgemm, cpu: cpu,
                            torchVersion: r.version))
        }
        if a.flag("json") {
            for r in rows { print(jsonLine(r)) }
        } else {
            print("model  mode   impl     threads  batch   samples/s   tokens/s  GFLOP/s    mfu  peak RSS MB   vs torch")
            let ours = rows[0]
            for r in rows {
                let rate = { (r: Row) in r.samplesPerS ?? r.tokensPerS ?? 0 }
                let ratio = r.implementation == "ticd" && rows.count > 1 ? String(format: "%.2fx", rate(r) / rate(rows[1])) : ""
                print(r.model.padding(toLength: 7, withPad: " ", startingAt: 0) + r.mode.padding(toLength: 7, withPad: " ", startingAt: 0)
                      + r.implementation.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "%7d %6d %11.1f %10.0f %8.1f %6.2f %12.1f   %@", r.threads, r.batch, r.samplesPerS ?? 0,
                               r.tokensPerS ?? 0, r.gflopPerS ?? 0, r.mfu ?? 0, r.peakRSSMB ?? 0, ratio))
            }
            print("CPU \(cpu); BLAS \(ours.blasCore ?? "?"), \(threads) thread(s); sgemm 1024³ \(String(format: "%.1f", sgemm)) GFLOP/s "
                  + "in this run; warm-up \(warmup) steps excluded"
                  + (rows.count > 1 ? "; torch \(rows[1].torchVersion ?? "?")" : ""))
            if a.flag("profile") { printProfile(kernels, gemms, steps: steps) }
        }
        return 0
    }

    /// The kernels, then the sgemm shapes, of the timed steps, slowest first, with their share of the time.
    static func printProfile(_ kernels: [KernelProfile.Entry], _ gemms: [KernelProfile.GEMMEntry], steps: Int) {
        let total = kernels.reduce(0) { $0 + $1.seconds }
        print("\nkernel                   calls   ms/step   share   GFLOP/s")
        for e in kernels {
            print(e.kernel.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + String(format: "%8d %9.2f %6.1f%% %9.1f", e.calls, e.seconds * 1e3 / Double(steps),
                           100 * e.seconds / total, e.gflops))
        }
        print("\nsgemm M×N×K                  calls  threads   ms/step   GFLOP/s")
        for g in gemms {
            print(g.shape.padding(toLength: 27, withPad: " ", startingAt: 0)
                  + String(format: "%8d %8d %9.2f %9.1f", g.calls, g.threads, g.seconds * 1e3 / Double(steps), g.gflops))
        }
        print("threads: OpenBLAS threads per call × calls running at once; ms/step divides summed call time by the latter")
    }

    /// AdamW with gradient clipping at 1.0 over a model's flat buffers, decay on the layout's decayed tensors.
    final class Optimizer {
        private var adam: AdamW?
        private var mask: [Range<Int>] = []
        private let config: AdamWConfig

        init(adam config: AdamWConfig) { self.config = config }

        func step(_ layout: ParameterLayout, _ parameters: UnsafeMutableBufferPointer<Float>,
                  _ gradients: UnsafeMutableBufferPointer<Float>) {
            if adam == nil {
                adam = AdamW(parameterCount: layout.count, config: config)
                mask = layout.decayRanges
            }
            _ = adam!.clipGradientNorm(gradients.baseAddress!, count: layout.count, maxNorm: 1)
            adam!.step(parameters: parameters.baseAddress!, gradients: gradients.baseAddress!, decayMask: mask, lr: 1e-4)
        }
    }

    /// bench/torch_reference.py's figure, or nil (with the reason on stderr) when no python has torch.
    static func torch(mode: String, model: String, threads: Int, python: String?)
        -> (batch: Int, samplesPerS: Double?, tokensPerS: Double?, version: String?)? {
        guard let script = BenchCommand.referenceScript(named: "torch_reference.py") else {
            printError("bench: bench/torch_reference.py not found; PyTorch column skipped")
            return nil
        }
        let interpreter = python ?? ProcessInfo.processInfo.environment["TICD_TORCH_PYTHON"] ?? "python3"
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [interpreter, script, mode, model, "--threads", String(threads)]
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        struct PyRow: Decodable {
            let batch: Int; let samples_per_s: Double?; let tokens_per_s: Double?; let pairs_per_s: Double?
            let torch: String?
        }
        guard p.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let r = try? JSONDecoder().decode(PyRow.self, from: Data(line.utf8)) else {
            printError("bench: \(interpreter) cannot import torch (pip install torch, or --python PATH); PyTorch column skipped")
            return nil
        }
        return (r.batch, r.samples_per_s ?? r.pairs_per_s, r.tokens_per_s, r.torch)
    }
}

import Foundation
import Models

/// `ticd bench train --model clip|gpt` and `ticd bench eval --model clip`: the tiny models of issue #3's
/// benchmark, trained with AdamW and gradient clipping as the PyTorch reference does, beside
/// bench/torch_reference.py on the same thread count when a python with torch is found.
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

        enum CodingKeys: String, CodingKey {
            case model, mode, implementation, threads, batch, samplesPerS = "samples_per_s", tokensPerS = "tokens_per_s"
            case gflopPerS = "gflop_per_s", peakRSSMB = "peak_rss_mb", blasCore = "blas_core"
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
        var rows = [Row(model: model, mode: mode, implementation: "ticd", threads: threads, batch: result.batch,
                        samplesPerS: model == "clip" ? result.samplesPerSecond : nil,
                        tokensPerS: model == "gpt" ? result.tokensPerSecond : nil, gflopPerS: result.gflops,
                        peakRSSMB: result.peakResidentMiB * 1.048576, blasCore: BLAS.coreName)]
        if !a.flag("no-reference") {
            rows += torch(mode: mode, model: model, threads: threads, python: a.string("python"))
        }
        if a.flag("json") {
            for r in rows { print(jsonLine(r)) }
        } else {
            print("model  mode   impl     threads  batch   samples/s   tokens/s  GFLOP/s  peak RSS MB   vs torch")
            let ours = rows[0]
            for r in rows {
                let rate = { (r: Row) in r.samplesPerS ?? r.tokensPerS ?? 0 }
                let ratio = r.implementation == "ticd" && rows.count > 1 ? String(format: "%.2fx", rate(r) / rate(rows[1])) : ""
                print(r.model.padding(toLength: 7, withPad: " ", startingAt: 0) + r.mode.padding(toLength: 7, withPad: " ", startingAt: 0)
                      + r.implementation.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "%7d %6d %11.1f %10.0f %8.1f %12.1f   %@", r.threads, r.batch, r.samplesPerS ?? 0,
                               r.tokensPerS ?? 0, r.gflopPerS ?? 0, r.peakRSSMB ?? 0, ratio))
            }
            print("BLAS \(ours.blasCore ?? "?"), \(threads) thread(s); warm-up \(warmup) steps excluded")
            if a.flag("profile") {
                print("kernel                 calls   seconds   GFLOP/s")
                for e in KernelProfile.report() {
                    print(e.kernel.padding(toLength: 20, withPad: " ", startingAt: 0)
                          + String(format: "%8d %9.3f %9.1f", e.calls, e.seconds, e.gflops))
                }
            }
        }
        return 0
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

    /// bench/torch_reference.py's figure, or nothing (with the reason on stderr) when no python has torch.
    static func torch(mode: String, model: String, threads: Int, python: String?) -> [Row] {
        guard let script = BenchCommand.referenceScript(named: "torch_reference.py") else {
            printError("bench: bench/torch_reference.py not found; PyTorch column skipped")
            return []
        }
        let interpreter = python ?? ProcessInfo.processInfo.environment["TICD_TORCH_PYTHON"] ?? "python3"
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [interpreter, script, mode, model, "--threads", String(threads)]
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        struct PyRow: Decodable { let batch: Int; let samples_per_s: Double?; let tokens_per_s: Double?; let pairs_per_s: Double? }
        guard p.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let r = try? JSONDecoder().decode(PyRow.self, from: Data(line.utf8)) else {
            printError("bench: \(interpreter) cannot import torch (pip install torch, or --python PATH); PyTorch column skipped")
            return []
        }
        return [Row(model: model, mode: mode, implementation: "torch", threads: threads, batch: r.batch,
                    samplesPerS: r.samples_per_s ?? r.pairs_per_s, tokensPerS: r.tokens_per_s, gflopPerS: nil,
                    peakRSSMB: nil, blasCore: nil)]
    }
}

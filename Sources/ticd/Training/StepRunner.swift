import Foundation
import Models
import Replay
import Timeline

/// One step of the run, end to end: plan (stored, so a resumed step trains on the same samples), pick the
/// starting weights, train with a fresh AdamW and schedule, checkpoint mid-step and on a signal, promote the
/// final checkpoint once it is written whole and loaded back, then evaluate it on every step group.
final class StepRunner {
    /// `evaluationStopped`: trained, but a stop came between evaluation cells; the next run fills the rest.
    enum Outcome: Equatable { case done, stopped(batches: Int), evaluationStopped }

    /// Where a running step reports to: log lines, each batch, and the start of its evaluation. `ticd train`
    /// prints; the daemon also feeds its state value and watchdog heartbeat from these.
    struct Observer {
        var log: (String) -> Void = { printError("ticd train: " + $0) }
        var batch: (_ group: StepGroup, _ progress: StepProgress) -> Void = { _, _ in }
        var evaluating: (_ group: StepGroup) -> Void = { _ in }
        /// Evaluation cells written for the step.
        var evaluated: (_ cells: Int) -> Void = { _ in }
    }

    let config: TicdConfig
    let catalog: Catalog
    let state: StateDirectory
    let groups: [StepGroup]
    /// Polled after every batch: true stops the step between batches, checkpointed (a signal, a pause).
    let shouldStop: () -> Bool
    let observer: Observer

    /// - Parameter groups: the step groups each trained checkpoint is evaluated on.
    init(config: TicdConfig, catalog: Catalog, state: StateDirectory, groups: [StepGroup],
         shouldStop: @escaping () -> Bool, observer: Observer = Observer()) {
        self.config = config; self.catalog = catalog; self.state = state; self.groups = groups
        self.shouldStop = shouldStop
        self.observer = observer
    }

    func run(_ group: StepGroup) throws -> Outcome {
        try catalog.registerRun(config.run, configJSON: config.sourceJSON)
        let record = try catalog.steps(run: config.run).first { $0.label == group.label }
        if record?.state == "evaluated" { return .done }
        if record?.state != "trained" {
            let plan = try storedOrNewPlan(group)
            try catalog.setStepState(run: config.run, label: group.label, "training")
            let outcome = try train(group, plan: plan)
            if case .stopped = outcome { return outcome }
        }
        guard let checkpoint = try catalog.checkpoints(run: config.run).last(where: { $0.accepted && $0.stepLabel == group.label }) else {
            throw ConfigError(path: state.catalogPath, detail: "step \(group.label) is trained but has no accepted checkpoint")
        }
        observer.evaluating(group)
        observer.evaluated(try EvaluationPass.run(checkpoint: checkpoint, groups: groups, catalog: catalog, state: state,
                                                  shouldStop: shouldStop, log: log))
        if shouldStop() {
            let done = Set(try catalog.evalResults(checkpointID: checkpoint.id).map(\.sliceGroup))
            if !groups.allSatisfy({ done.contains($0.label) }) { return .evaluationStopped }
        }
        try catalog.setStepState(run: config.run, label: group.label, "evaluated")
        return .done
    }

    private func log(_ line: String) { observer.log(line) }

    /// The plan a step trains on: the stored one when the step was planned before, else computed now and
    /// stored durably before training starts.
    private func storedOrNewPlan(_ group: StepGroup) throws -> StepPlan {
        if let json = try catalog.plan(run: config.run, stepLabel: group.label) {
            return try StepPlan(jsonData: Data(json.utf8))
        }
        let plan = try Planner.plan(step: group.index, catalog: catalog, unit: config.stepUnit,
                                    firstStepUntil: config.firstStepUntil, config: config.replay)
        try catalog.savePlan(String(decoding: try plan.jsonData(), as: UTF8.self), run: config.run, stepLabel: group.label,
                             first: group.first, last: group.last, policy: plan.policy.rawValue)
        return plan
    }

    /// The held-out fraction the state directory was ingested with: training must skip exactly those samples,
    /// whatever the config says.
    private func heldOutFraction() throws -> Double {
        try Ingestor.evalFraction(of: catalog) ?? config.evalFraction
    }

    /// The run's tokenizer: learned from the first step's training text, stored in the catalog, then frozen.
    func tokenizer(vocabSize: Int) throws -> BPETokenizer {
        // 256 byte tokens plus the start and end tokens; a smaller table would index past the embedding.
        guard vocabSize >= 258 else {
            throw ConfigError(path: config.path, detail: "model.vocab_size \(vocabSize) is too small: the tokenizer needs "
                                  + "256 byte tokens and 2 special tokens, so at least 258")
        }
        if let json = try catalog.meta("tokenizer") {
            let frozen = try JSONDecoder().decode(BPETokenizer.self, from: Data(json.utf8))
            guard frozen.vocabularySize <= vocabSize else {
                throw ConfigError(path: config.path, detail: "the run's tokenizer has \(frozen.vocabularySize) tokens, "
                                      + "more than model.vocab_size \(vocabSize); the tokenizer is frozen for the run")
            }
            return frozen
        }
        let first = groups[0]
        var scan = ScanOptions()
        scan.evalFraction = try heldOutFraction()
        let texts = try TokenizerSample.texts(catalog: catalog, state: state, first: first.first, last: first.last, scan: scan)
        log("learning a \(vocabSize)-token BPE from \(texts.count) texts of \(first.label)")
        let tokenizer = TokenizerSample.learn(texts, vocabSize: vocabSize)
        try catalog.setMeta("tokenizer", String(decoding: try JSONEncoder().encode(tokenizer), as: UTF8.self))
        return tokenizer
    }

    /// The learning rate at each batch of step `index`: warmup (long on step 1), then the configured decay.
    func schedule(step index: Int, totalBatches: Int) -> (Int) -> Float {
        let warmup = min(index == 1 ? config.warmupFirst : config.warmup, max(0, totalBatches - 1))
        let peak = Float(config.lr)
        switch config.lrSchedule {
        case "rsqrt":
            return LRSchedule.rsqrt(peak: peak, warmup: warmup, cooldown: max(1, totalBatches / 5), total: totalBatches)
        case "ar-cosine":
            let roundPeak = LRSchedule.arMetaPeak(round: index - 1, eta0: peak, etaEnd: peak / 10)
            return LRSchedule.warmupCosine(peak: roundPeak, warmup: warmup, total: totalBatches, floor: peak / 10)
        default:
            return LRSchedule.warmupCosine(peak: peak, warmup: warmup, total: totalBatches, floor: peak / 10)
        }
    }

    /// The run's previous model, the weights a warm-started step begins from: the teacher of LwF, the anchor
    /// of EWC, θ_old of patching. Nil without a method, on a first step, or for a random-init policy.
    private func previousModel<M: TrainableModel>(plan: StepPlan, make: () throws -> M) throws -> (model: M, label: String)? {
        guard config.method != .none, plan.initialization == .warm,
              let last = try catalog.lastAcceptedCheckpoint(run: config.run) else { return nil }
        let model = try make()
        try model.loadParameters(try TrainingCheckpoint.read(state.absolute(last.path)).tensors)
        return (model, last.stepLabel)
    }

    /// The stored plan of the run's step `label` (EWC's Fisher reads that step's data again).
    private func storedPlan(label: String) throws -> StepPlan? {
        try catalog.plan(run: config.run, stepLabel: label).map { try StepPlan(jsonData: Data($0.utf8)) }
    }

    /// The mean headline score on the eval splits of the groups before `group` (patching's β search), and
    /// the samples it scored (LM: context rows).
    private func pastScore(before group: StepGroup, rowsPerCell: (CellScore) -> Int,
                           score: (HeldOutSplit) throws -> CellScore) throws -> (score: Double?, samples: Int) {
        var values: [Double] = [], scored = 0
        for past in groups where past.index < group.index {
            let cell = try score(try HeldOutSplit(catalog: catalog, state: state, first: past.first, last: past.last))
            scored += rowsPerCell(cell)
            if let headline = cell.headline { values.append(headline) }
        }
        return (values.isEmpty ? nil : values.reduce(0, +) / Double(values.count), scored)
    }

    private func train(_ group: StepGroup, plan: StepPlan) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: config.checkpointDirectory, withIntermediateDirectories: true)
        let partial = TrainingCheckpoint.path(in: config.checkpointDirectory, step: group.index, label: group.label, partial: true)
        let resume = FileOps.exists(partial) ? try TrainingCheckpoint.read(partial) : nil
        let cursor = LoaderCursor(batchesDone: resume?.header.batchesDone ?? 0)
        var options = LoaderOptions(batchSize: config.batchSize, evalFraction: try heldOutFraction())
        options.preprocessThreads = config.threads
        if config.task == "clip" {
            let modelConfig = try config.modelConfig(CLIPConfig.self)
            let tokenizer = try resume?.header.tokenizer ?? tokenizer(vocabSize: modelConfig.vocabSize)
            let model = try CLIPModel(config: modelConfig, seed: config.seed &+ UInt64(group.index))
            let adam = AdamWConfig(lr: Float(config.lr), beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: Float(config.wd))
            let loader = try PlanLoader<CLIPBatch>(plan: plan, catalog: catalog, state: state, tokenizer: tokenizer,
                                                   imageSize: modelConfig.imageSize, context: modelConfig.contextLength,
                                                   options: options, startingAt: cursor)
            let total = (plan.budget + config.batchSize - 1) / config.batchSize
            let header = CheckpointHeader(task: "clip", clip: modelConfig, gpt: nil, tokenizer: tokenizer, step: group.index,
                                          stepLabel: group.label, complete: false, batchesDone: 0, totalBatches: total,
                                          optimizerStep: 0, samplesSeen: 0, seconds: 0)
            let previous = try previousModel(plan: plan) { try CLIPModel(config: modelConfig, seed: 0) }
            let hooks = try MethodHooks<CLIPModel, CLIPBatch>(
                config: config, previous: previous?.model, previousLabel: previous?.label,
                base: { m, b in m.forward(images: b.images, tokens: b.tokens, batch: b.count) },
                forwardFlops: modelConfig.flopsPerSample() / 3,
                fisherData: {
                    guard let label = previous?.label, let past = try self.storedPlan(label: label) else { return nil }
                    let fisherLoader = try PlanLoader<CLIPBatch>(plan: past, catalog: self.catalog, state: self.state,
                                                                 tokenizer: tokenizer, imageSize: modelConfig.imageSize,
                                                                 context: modelConfig.contextLength, options: options,
                                                                 startingAt: LoaderCursor(batchesDone: 0))
                    return (next: { try fisherLoader.next().map { ($0, $0.count) } }, done: { fisherLoader.cancel() })
                },
                pastScore: { m in
                    try self.pastScore(before: group, rowsPerCell: { $0.samples }) {
                        try CLIPEvaluation(model: m, tokenizer: tokenizer).score($0)
                    }
                }, higherIsBetter: HeadlineMetric(task: config.task).higherIsBetter, log: log)
            return try drive(model, adam: adam, maxGradNorm: nil, plan: plan, group: group, header: header, resume: resume,
                             flopsPerSample: modelConfig.flopsPerSample(), loader: loader,
                             next: { try loader.next().map { ($0, $0.count) } }, hooks: hooks)
        }
        let modelConfig = try config.modelConfig(GPTConfig.self)
        let tokenizer = try resume?.header.tokenizer ?? tokenizer(vocabSize: modelConfig.vocabSize)
        let model = try GPTModel(config: modelConfig, seed: config.seed &+ UInt64(group.index))
        let adam = AdamWConfig(lr: Float(config.lr), beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: Float(config.wd))
        let loader = try PlanLoader<LMBatch>(plan: plan, catalog: catalog, state: state, tokenizer: tokenizer,
                                             context: modelConfig.contextLength, options: options, startingAt: cursor)
        let total = try resume?.header.totalBatches ?? estimatedLMBatches(plan: plan, tokenizer: tokenizer,
                                                                          context: modelConfig.contextLength)
        let header = CheckpointHeader(task: "lm", clip: nil, gpt: modelConfig, tokenizer: tokenizer, step: group.index,
                                      stepLabel: group.label, complete: false, batchesDone: 0, totalBatches: total,
                                      optimizerStep: 0, samplesSeen: 0, seconds: 0)
        let previous = try previousModel(plan: plan) { try GPTModel(config: modelConfig, seed: 0) }
        let context = modelConfig.contextLength
        let hooks = try MethodHooks<GPTModel, LMBatch>(
            config: config, previous: previous?.model, previousLabel: previous?.label,
            base: { m, b in m.forward(tokens: b.tokens, targets: b.targets, batch: b.rows) },
            forwardFlops: modelConfig.flopsPerSample() / 3,
            fisherData: {
                guard let label = previous?.label, let past = try self.storedPlan(label: label) else { return nil }
                let fisherLoader = try PlanLoader<LMBatch>(plan: past, catalog: self.catalog, state: self.state,
                                                           tokenizer: tokenizer, context: context, options: options,
                                                           startingAt: LoaderCursor(batchesDone: 0))
                return (next: { try fisherLoader.next().map { ($0, $0.rows) } }, done: { fisherLoader.cancel() })
            },
            pastScore: { m in
                try self.pastScore(before: group, rowsPerCell: { Int((($0.detail["tokens"] ?? 0) / Double(context)).rounded(.up)) }) {
                    LanguageModelEvaluation(model: m, tokenizer: tokenizer).score($0)
                }
            }, higherIsBetter: HeadlineMetric(task: config.task).higherIsBetter, log: log)
        return try drive(model, adam: adam, maxGradNorm: 1, plan: plan, group: group, header: header, resume: resume,
                         flopsPerSample: modelConfig.flopsPerSample(), loader: loader,
                         next: { try loader.next().map { ($0, $0.rows) } }, hooks: hooks)
    }

    /// Rows a language-model step will fill, for its schedule: the plan's documents times the mean tokens of
    /// a document of the tokenizer's sample, over rows of `context` tokens. Fixed in the step's checkpoints.
    private func estimatedLMBatches(plan: StepPlan, tokenizer: BPETokenizer, context: Int) throws -> Int {
        var scan = ScanOptions()
        scan.evalFraction = try heldOutFraction()
        let sample = try TokenizerSample.texts(catalog: catalog, state: state, first: plan.first, last: plan.last,
                                               scan: scan, limitBytes: 1 << 20)
        let tokens = sample.reduce(0) { $0 + tokenizer.encode($1).count + 1 }
        let perDocument = Double(tokens) / Double(max(1, sample.count))
        let rows = Double(plan.budget) * perDocument / Double(context)
        return max(1, Int((rows / Double(config.batchSize)).rounded(.up)))
    }

    /// Trains a step to its end or to a signal, checkpointing on the way; promotes the final checkpoint.
    private func drive<M: TrainableModel, B>(_ model: M, adam: AdamWConfig, maxGradNorm: Float?, plan: StepPlan,
                                             group: StepGroup, header start: CheckpointHeader,
                                             resume: (header: CheckpointHeader, tensors: [String: CheckpointTensor])?,
                                             flopsPerSample: Double, loader: PlanLoader<B>,
                                             next: @escaping () throws -> (B, Int)?,
                                             hooks: MethodHooks<M, B>) throws -> Outcome {
        defer { loader.cancel() }
        let optimizer = AdamW(parameterCount: model.layout.count, config: adam)
        var header = start
        if let resume {
            try model.loadParameters(resume.tensors)
            try optimizer.restore(t: resume.header.optimizerStep, tensors: resume.tensors)
            header = resume.header
            log("resuming \(group.label) at batch \(header.batchesDone) of \(header.totalBatches)")
        } else if plan.initialization == .warm, let last = try catalog.lastAcceptedCheckpoint(run: config.run) {
            try model.loadParameters(try TrainingCheckpoint.read(state.absolute(last.path)).tensors)
            log("step \(group.index) (\(group.label)): warm start from \(last.path), \(header.totalBatches) batches")
        } else {
            log("step \(group.index) (\(group.label)): random init, \(header.totalBatches) batches")
        }
        let trainer = StepTrainer(model: model, optimizer: optimizer,
                                  schedule: schedule(step: group.index, totalBatches: header.totalBatches),
                                  totalBatches: header.totalBatches, maxGradNorm: maxGradNorm,
                                  batchesDone: header.batchesDone, regularizer: hooks.regularizer,
                                  forward: hooks.forward)
        let partialPath = TrainingCheckpoint.path(in: config.checkpointDirectory, step: group.index, label: group.label, partial: true)
        // Tests: a real SIGTERM after this batch, as systemd sends mid-step, a SIGKILL, as a crash would, or a
        // hang, as a wedged trainer would (the watchdog must notice).
        let environment = ProcessInfo.processInfo.environment
        let sigtermAfter = environment["TICD_SIGTERM_AFTER_BATCH"].flatMap(Int.init)
        let sigkillAfter = environment["TICD_SIGKILL_AFTER_BATCH"].flatMap(Int.init)
        let wedgeAfter = environment["TICD_WEDGE_AFTER_BATCH"].flatMap(Int.init)
        let began = DispatchTime.now().uptimeNanoseconds
        let priorSeconds = header.seconds, priorSamples = header.samplesSeen
        var samples = 0
        var lastCheckpoint = began
        func snapshot(complete: Bool) -> CheckpointHeader {
            var h = header
            h.complete = complete
            h.batchesDone = trainer.batchesDone
            h.optimizerStep = optimizer.t
            h.samplesSeen = priorSamples + samples
            h.seconds = priorSeconds + Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            return h
        }
        let outcome = try trainer.run(next: {
            guard let item = try next() else { return nil }
            samples += item.1
            return item
        }, shouldStop: shouldStop, checkpointDue: {
            Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint) / 1e9 >= config.checkpointEveryS
        }, checkpoint: { _ in
            try TrainingCheckpoint.write(snapshot(complete: false), model: model, optimizer: optimizer, to: partialPath)
            lastCheckpoint = DispatchTime.now().uptimeNanoseconds
        }, progress: { p in
            if p.batch == sigkillAfter { raise(SIGKILL) }
            if p.batch == wedgeAfter { while true { sleep(60) } }
            if p.batch == sigtermAfter {
                raise(SIGTERM)
                while !shouldStop() { usleep(1000) }
            }
            observer.batch(group, p)
            guard p.batch == p.of || p.batch % 10 == 0 || p.batch == 1 else { return }
            log(String(format: "step %d (%@) batch %d of %d, loss %.4f, lr %.2e, %.1f samples/s, ETA %.0f s",
                       group.index, group.label, p.batch, p.of, p.loss, p.lr, p.samplesPerSecond, p.etaSeconds))
        })
        if outcome == .stopped {
            try TrainingCheckpoint.write(snapshot(complete: false), model: model, optimizer: optimizer, to: partialPath)
            return .stopped(batches: trainer.batchesDone)
        }
        try hooks.finish?(model)
        let final = snapshot(complete: true)
        let path = TrainingCheckpoint.path(in: config.checkpointDirectory, step: group.index, label: group.label, partial: false)
        try TrainingCheckpoint.write(final, model: model, optimizer: nil, to: path)
        // Accepted only once it reads back whole and holds the weights just trained.
        let (readBack, tensors) = try TrainingCheckpoint.read(path)
        guard readBack == final, model.layout.entries.allSatisfy({ e in
            tensors[e.name]?.values.elementsEqual(model.parameters[e.offset..<(e.offset + e.count)]) { $0.bitPattern == $1.bitPattern } == true
        }) else {
            throw CheckpointError.malformed(path: path, offset: 0, reason: "the checkpoint read back differs from the trained weights")
        }
        let relative = String(path.dropFirst(state.root.count + 1))
        let id = try catalog.addCheckpoint(run: config.run, stepLabel: group.label, path: relative, sha256: nil)
        try catalog.acceptCheckpoint(id: id)
        try? FileManager.default.removeItem(atPath: partialPath)
        if hooks.extraFlopsPerSample > 0 {
            hooks.note("extra_flops", hooks.extraFlops + Double(final.samplesSeen) * hooks.extraFlopsPerSample)
        }
        let methodJSON = hooks.record.isEmpty ? nil : String(decoding: try JSONSerialization.data(
            withJSONObject: hooks.record, options: [.sortedKeys]), as: UTF8.self)
        try catalog.setStepState(run: config.run, label: group.label, "trained", samplesSeen: final.samplesSeen,
                                 flops: Double(final.samplesSeen) * (flopsPerSample + hooks.extraFlopsPerSample) + hooks.extraFlops,
                                 seconds: final.seconds, methodJSON: methodJSON)
        log(String(format: "step %d (%@) trained: %d samples in %.1f s; checkpoint %@", group.index, group.label,
                   final.samplesSeen, final.seconds, relative))
        return .done
    }
}

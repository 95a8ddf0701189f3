import Timeline

/// How the training loader reads and batches a step's samples.
struct LoaderOptions {
    /// Samples (CLIP) or rows (LM) per batch: the config's `batch_size`.
    var batchSize: Int
    /// The scanner's settings. Build them as ingest did, with the run's `eval_fraction`, so samples are
    /// classified (usable, held out) exactly as ingest counted them; the CLIP loader sets the decode size.
    var scan: ScanOptions
    /// Samples the shuffle buffer holds.
    var shuffleBufferSize = 4096
    /// Finished batches waiting between the prefetch thread and the trainer.
    var prefetchBatches = 3
    /// Workers that preprocess a CLIP batch's images and captions.
    var preprocessThreads = 2

    /// - Parameters:
    ///   - batchSize: samples or rows per batch.
    ///   - evalFraction: the run's `eval_fraction`, which ingest used to hold samples out.
    init(batchSize: Int, evalFraction: Double) {
        self.batchSize = batchSize
        scan = ScanOptions()
        scan.evalFraction = evalFraction
    }
}

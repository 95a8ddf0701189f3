import Timeline

/// One training sample on its way from the shuffle buffer to a batch: the decoded image (image-text) and
/// the caption or document. Repeats of a sample share their storage.
struct LoaderSample {
    var image: RGBImage?
    var text: String
}

/// Turns the loader's ordered sample stream into training batches.
///
/// An assembler made to skip the first k batches (resuming at a cursor) still sees every sample, so the
/// batch boundaries stay where they were, but builds no tensors for the skipped ones.
protocol BatchAssembler {
    associatedtype Batch
    /// Takes the next sample of the stream, passing each batch it completes to `emit`.
    mutating func add(_ sample: LoaderSample, emit: (Batch) throws -> Void) throws
    /// Ends the stream: emits what is left as a last, short batch.
    mutating func finish(emit: (Batch) throws -> Void) throws
}

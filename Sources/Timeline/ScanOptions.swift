/// What the shard scanner checks and how, shared by ingest and by the training loader so both classify a
/// sample the same way.
public struct ScanOptions: Sendable {
    /// Fraction of samples held out for evaluation, chosen by a hash of the sample key (DESIGN §2).
    public var evalFraction: Double = 0.01
    /// A jsonl record longer than this is an error for that record, never an allocation of its size.
    public var maxRecordBytes: Int = 8 << 20
    /// Image decoding refuses declared sizes over this many pixels before allocating.
    public var imageLimits = ImageLimits()
    /// Member and header caps for tar shards.
    public var tarLimits = TarLimits()
    /// Decode JPEGs at the smallest DCT scale whose shortest side is still at least this (the model's
    /// image size); nil decodes at full size.
    public var imageMinSide: Int? = 64
    /// Whether to decode images at all (ingest validates by decoding; a metadata-only pass may skip it).
    public var decodeImages = true
    /// Months outside this window are refused (DESIGN §2: [1990-01, now + 1 day]).
    public var window = TimeWindow()
    /// Worker threads for image decoding.
    public var decodeThreads: Int = 2
    /// Samples decoded per parallel batch; bounds memory to this many samples in flight.
    public var decodeBatch: Int = 64

    public init() {}

    /// Whether a sample with this split key belongs to the held-out split. Fixed forever: it depends on the
    /// key alone (through `Hash64`, which must never change), never on the shard or the order of arrival.
    public func isHeldOut(key: String) -> Bool {
        let h = Hash64.hash(key, seed: ScanOptions.splitSeed)
        return Double(h % 1_000_000) < evalFraction * 1_000_000
    }

    static let splitSeed: UInt64 = 0x7469_6364_6576_616C  // "ticdeval"
}

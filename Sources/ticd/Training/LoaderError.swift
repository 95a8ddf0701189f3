import Timeline

/// Why the training loader refuses a plan or stops mid-step. Each value names the shard, the slice or
/// sample where it applies, and why; `description` is the log line.
struct LoaderError: Error, Equatable, CustomStringConvertible {
    enum Kind: String, Equatable {
        /// The loader's eval fraction is not the one the state directory was split with at ingest.
        case evalFractionMismatch = "eval_fraction_mismatch"
        /// The plan draws from a shard the catalog does not have.
        case unknownShard = "unknown_shard"
        /// The shard exists but is not `ready` or has no store path (quarantined, still ingesting).
        case shardNotReady = "shard_not_ready"
        /// A draw claims more available samples than the (shard, slice) has train samples.
        case drawExceedsTrain = "draw_exceeds_train"
        /// The shard's kind does not suit the loader (a text shard for CLIP, an image shard for LM).
        case wrongKind = "wrong_kind"
        /// Scanning found a different number of train samples than ingest recorded: the scan options
        /// (eval fraction, caps) differ from ingest's, or the stored file changed.
        case trainCountMismatch = "train_count_mismatch"
        /// The store file's sha256 is not the one ingest recorded: the file was changed or replaced.
        case storeFileChanged = "store_file_changed"
        /// A sample the catalog holds out for evaluation would have been trained on.
        case heldOutSelected = "held_out_selected"
    }

    var kind: Kind
    /// The shard concerned; nil for a problem of the whole state directory.
    var shardID: Int64?
    /// The shard's file in the store, when known.
    var path: String?
    var slice: Month?
    /// The sample's position in the shard's scan order, for per-sample failures.
    var index: Int?
    var detail: String

    init(_ kind: Kind, shardID: Int64? = nil, path: String? = nil, slice: Month? = nil, index: Int? = nil,
         detail: String) {
        self.kind = kind; self.shardID = shardID; self.path = path; self.slice = slice; self.index = index
        self.detail = detail
    }

    var description: String {
        var at = shardID.map { "shard \($0)" } ?? "state directory"
        if let path { at += " (\(path))" }
        if let slice { at += " slice \(slice)" }
        if let index { at += " sample \(index)" }
        return "\(at): \(kind.rawValue): \(detail)"
    }
}

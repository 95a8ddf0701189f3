/// Where a step's data stream stands, saved in mid-step checkpoints: a loader started at this cursor yields
/// exactly the batches an uninterrupted one yields after `batchesDone` batches.
struct LoaderCursor: Codable, Equatable {
    /// Batches the trainer has taken from the loader.
    var batchesDone: Int

    init(batchesDone: Int = 0) {
        precondition(batchesDone >= 0, "a cursor cannot stand before the first batch")
        self.batchesDone = batchesDone
    }

    enum CodingKeys: String, CodingKey {
        case batchesDone = "batches_done"
    }
}

import Foundation
import Timeline

/// The held-out samples of one step group, read back from the catalog and the store.
///
/// The catalog keeps each eval sample's caption or text, and for images the offset and length of the image
/// member inside the stored tar, so evaluation reads exactly those bytes with pread and never rescans a shard.
struct HeldOutSplit {
    let samples: [EvalSample]
    private let state: StateDirectory
    private let storePaths: [Int64: String]

    /// The eval samples of every month in `first...last`, in month order.
    init(catalog: Catalog, state: StateDirectory, first: Month, last: Month) throws {
        var samples: [EvalSample] = []
        var month = first
        while month <= last {
            samples += try catalog.evalSamples(slice: month)
            month = month.adding(months: 1)
        }
        var paths: [Int64: String] = [:]
        for id in Set(samples.map(\.shardID)) {
            if let path = try catalog.shard(id: id)?.storePath { paths[id] = state.absolute(path) }
        }
        self.samples = samples
        self.state = state
        self.storePaths = paths
    }

    /// The encoded image of an image-text eval sample.
    /// - Throws: `ShardError` `.io` when the store file is missing or shorter than the catalog says.
    func imageBytes(_ sample: EvalSample) throws -> [UInt8] {
        guard let path = storePaths[sample.shardID] else {
            throw ShardError(.io, path: "shard \(sample.shardID)", detail: "the eval sample's shard is not in the store")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ShardError(.io, path: path, detail: "open failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(sample.length))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(sample.offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ShardError(.io, path: path, offset: sample.offset + Int64(done),
                                 detail: "the store file ends before the eval image \(sample.key)")
            }
            done += n
        }
        return bytes
    }
}

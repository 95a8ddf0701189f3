/// A source of bytes read front to back: a file, or a decompressor wrapped around another stream.
///
/// Readers of every shard format take a `ByteStream`, so a `.jsonl`, `.jsonl.zst` and `.jsonl.gz`
/// shard go through the same line reader, and memory stays bounded by the buffers, never the file.
public protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`.
    /// - Returns: the number of bytes read; 0 only at the end of the stream.
    /// - Throws: `ShardError` (`.truncated`, `.corrupt`, `.io`) naming the file and the offset.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteStream {
    /// Reads and discards the rest of the stream, so a hashing stream has seen every byte.
    /// - Throws: the stream's `ShardError`.
    func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
    }
}

import Timeline

/// Reads one changelog file, gzip-compressed (name ending `.gz`) or plain, up to a byte limit.
///
/// A damaged or over-long file still yields what was read before the damage or the limit, so one bad
/// file costs its own tail, never the run: the problem comes back beside the bytes.
enum ChangelogFile {
    struct Contents {
        var bytes: [UInt8]
        /// Set when the bytes stop before the file's end: damage, or the read limit.
        var problem: ChangelogProblem?
    }

    /// - Parameter limit: decompressed bytes read at most.
    /// - Throws: `ChangelogProblem` `.unreadable` when the file cannot be opened at all.
    static func read(_ path: String, limit: Int) throws -> Contents {
        let file: FileStream
        do {
            file = try FileStream(path: path)
        } catch let error as ShardError {
            throw ChangelogProblem(error)
        }
        let stream: ByteStream = path.lowercased().hasSuffix(".gz") ? GzipDecompressStream(file, path: path) : file
        var bytes: [UInt8] = []
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        var problem: ChangelogProblem?
        do {
            while bytes.count <= limit {
                let room = min(scratch.count, limit + 1 - bytes.count)
                let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<room]))
                if n == 0 { break }
                bytes.append(contentsOf: scratch[..<n])
            }
        } catch let error as ShardError {
            problem = ChangelogProblem(error)
        } catch {
            problem = ChangelogProblem(.unreadable, path: path, detail: "\(error)")
        }
        if bytes.count > limit {
            bytes.removeSubrange(limit...)
            problem = ChangelogProblem(.tooLarge, path: path,
                                       detail: "only the first \(limit) bytes (decompressed) are read")
        }
        if problem != nil, let lastNewline = bytes.lastIndex(of: 0x0A) {
            bytes.removeSubrange((lastNewline + 1)...)
        }
        return Contents(bytes: bytes, problem: problem)
    }
}

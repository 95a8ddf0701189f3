import Foundation

/// The durable file operations ingest relies on: rename-or-copy into place and fsync of files and
/// directories. Errors carry the path and errno text.
public enum FileOps {
    /// How a file reached its place in the state directory: `ticd ingest --json`'s `"stored"`.
    public enum StoredHow: String, Codable, Sendable {
        /// Renamed in (the daemon's inbox, or `ticd ingest --move`); the source name is gone.
        case move
        /// A hard link to the source's inode; the source is untouched.
        case link
        /// A byte copy; the source is untouched.
        case copy
    }

    /// fsync(2) on a path opened read-only; for a directory it makes a rename in it durable.
    public static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open for fsync", path) }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw error("fsync", path) }
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func size(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    /// Moves `source` to `destination` durably. Tries rename(2) first; across filesystems it copies to a
    /// temporary name beside the destination, fsyncs, renames it in and only then removes the source.
    /// A crash at any point leaves the bytes at the source, the destination, or both.
    /// - Returns: `.move`, or `.copy` when the source could not be removed after a copy (EACCES on its
    ///   directory: a producer's folder without group write); callers that care check whether it is still there.
    @discardableResult
    public static func moveDurably(from source: String, to destination: String) throws -> StoredHow {
        let dir = directory(of: destination)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if rename(source, destination) == 0 {
            try fsync(path: dir)
            try fsync(path: directory(of: source))
            return .move
        }
        // EXDEV: another filesystem (or bind mount). EACCES/EPERM: no right to take the name out of the
        // source directory; a copy still gets the bytes in, and the source stays.
        guard errno == EXDEV || errno == EACCES || errno == EPERM else {
            throw error("rename to \(destination)", source)
        }
        try copyDurably(from: source, to: destination)
        guard unlink(source) == 0 else { return .copy }
        try fsync(path: directory(of: source))
        return .move
    }

    /// Puts the bytes of `source` at `destination` durably and leaves `source` exactly as it was: a hard link
    /// when both are on one filesystem (no bytes copied), else a copy. Either way the new name appears whole,
    /// through a temporary name, rename(2) and an fsync of the directory.
    /// - Returns: `.link` or `.copy`, as it happened.
    @discardableResult
    public static func linkOrCopyDurably(from source: String, to destination: String) throws -> StoredHow {
        let dir = directory(of: destination)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = temporaryName(in: dir)
        if link(source, tmp) == 0 {
            guard rename(tmp, destination) == 0 else {
                let failure = error("rename to \(destination)", tmp)
                unlink(tmp)
                throw failure
            }
            try fsync(path: dir)
            return .link
        }
        // EXDEV: another filesystem. EPERM: a filesystem without hard links, or the kernel's protected_hardlinks
        // refusing a file the caller does not own. EMLINK: the inode's link count is full. A copy does it.
        guard errno == EXDEV || errno == EPERM || errno == EMLINK || errno == EACCES else {
            throw error("link to \(destination)", source)
        }
        try copyDurably(from: source, to: destination)
        return .copy
    }

    /// Copies `source` to a temporary name beside `destination`, fsyncs it, renames it in and fsyncs the
    /// directory. The temporary file is removed on any failure.
    private static func copyDurably(from source: String, to destination: String) throws {
        let dir = directory(of: destination)
        let tmp = temporaryName(in: dir)
        do {
            try copy(from: source, to: tmp)
            guard rename(tmp, destination) == 0 else { throw error("rename to \(destination)", tmp) }
        } catch {
            unlink(tmp)
            throw error
        }
        try fsync(path: dir)
    }

    private static func temporaryName(in dir: String) -> String {
        dir + "/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Publishes a finished temporary file under its final name: fsync, rename, fsync the directory, so a
    /// watcher never sees a partial file and a crash never leaves an empty one under the final name. The
    /// temporary file is removed when the rename fails.
    /// - Throws: `ShardError` `.io` naming the file and the failed call.
    public static func publish(_ temporary: String, as final: String) throws {
        do {
            try fsync(path: temporary)
            guard rename(temporary, final) == 0 else { throw error("rename to \(final)", temporary) }
        } catch {
            unlink(temporary)
            throw error
        }
        try fsync(path: directory(of: final))
    }

    /// Writes `data` to `path` through a temporary file, fsync and rename, then fsyncs the directory.
    public static func writeDurably(_ data: Data, to path: String) throws {
        let tmp = temporaryName(in: directory(of: path))
        guard FileManager.default.createFile(atPath: tmp, contents: data) else { throw error("create", tmp) }
        try publish(tmp, as: path)
    }

    private static func copy(from source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw error("open", source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw error("create", destination) }
        defer { close(output) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, 1 << 20)
            if n < 0 { if errno == EINTR { continue }; throw error("read", source) }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = write(output, buffer + done, n - done)
                if w < 0 { if errno == EINTR { continue }; throw error("write", destination) }
                done += w
            }
        }
        guard Glibc.fsync(output) == 0 else { throw error("fsync", destination) }
    }

    private static func error(_ operation: String, _ path: String) -> ShardError {
        ShardError(.io, path: path, detail: "\(operation) failed: \(String(cString: strerror(errno)))")
    }
}

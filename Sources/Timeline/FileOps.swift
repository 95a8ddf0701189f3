import Foundation

/// The durable file operations ingest relies on: rename-or-copy into place and fsync of files and
/// directories. Errors carry the path and errno text.
public enum FileOps {
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
    /// temporary name beside the destination, fsyncs, renames it in and only then removes the source (unless
    /// `keepSource`). A crash at any point leaves the bytes at the source, the destination, or both.
    /// A source that cannot be removed after a copy (EACCES on its directory) is left in place; callers that
    /// care check whether it is still there.
    public static func moveDurably(from source: String, to destination: String, keepSource: Bool = false) throws {
        let dir = directory(of: destination)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if !keepSource {
            if rename(source, destination) == 0 {
                try fsync(path: dir)
                try fsync(path: directory(of: source))
                return
            }
            // EXDEV: another filesystem (or bind mount). EACCES/EPERM: no right to take the name out of the
            // source directory; a copy still gets the bytes in, and the source stays.
            guard errno == EXDEV || errno == EACCES || errno == EPERM else {
                throw error("rename to \(destination)", source)
            }
        }
        let tmp = dir + "/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try copy(from: source, to: tmp)
            guard rename(tmp, destination) == 0 else { throw error("rename to \(destination)", tmp) }
        } catch {
            unlink(tmp)
            throw error
        }
        try fsync(path: dir)
        // The bytes are durable at the destination: a source the caller may not delete (a producer's directory
        // without group write) stays where it is rather than failing the move.
        if !keepSource, unlink(source) == 0 {
            try fsync(path: directory(of: source))
        }
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
        let tmp = directory(of: path) + "/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
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

import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension CheckpointFile {
    /// The system calls a checkpoint write makes, behind a seam so tests can fail any one of them
    /// (ENOSPC, EIO on fsync, short writes, a crash before the rename).
    protocol FileSystem {
        /// open(2) for writing, created or truncated.
        func create(_ path: String) throws -> Int32
        /// One write(2): returns how many bytes were written, which may be fewer than asked.
        func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int
        /// fsync(2).
        func sync(_ fd: Int32, path: String) throws
        /// close(2).
        func close(_ fd: Int32, path: String) throws
        /// rename(2), atomic within one file system.
        func rename(_ source: String, to destination: String) throws
        /// fsync(2) of a directory, which makes a rename in it durable.
        func syncDirectory(_ path: String) throws
        /// unlink(2), ignoring failure (cleanup only).
        func remove(_ path: String)
        /// The whole file, read with open(2), fstat(2) and read(2).
        func readAll(_ path: String) throws -> [UInt8]
    }

    /// The real system calls; EINTR is retried, every other failure becomes `CheckpointError.io`.
    struct PosixFileSystem: FileSystem {
        func create(_ path: String) throws -> Int32 {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CheckpointError.io(path: path, operation: "open", errno: errno) }
            return fd
        }

        func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
            while true {
                let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
                if n >= 0 { return n }
                if errno != EINTR { throw CheckpointError.io(path: path, operation: "write", errno: errno) }
            }
        }

        func sync(_ fd: Int32, path: String) throws {
            guard fsync(fd) == 0 else { throw CheckpointError.io(path: path, operation: "fsync", errno: errno) }
        }

        func close(_ fd: Int32, path: String) throws {
            guard Glibc.close(fd) == 0 else { throw CheckpointError.io(path: path, operation: "close", errno: errno) }
        }

        func rename(_ source: String, to destination: String) throws {
            guard Glibc.rename(source, destination) == 0 else {
                throw CheckpointError.io(path: destination, operation: "rename from \(source)", errno: errno)
            }
        }

        func syncDirectory(_ path: String) throws {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw CheckpointError.io(path: path, operation: "open directory", errno: errno) }
            defer { Glibc.close(fd) }
            guard fsync(fd) == 0 else {
                throw CheckpointError.io(path: path, operation: "fsync directory", errno: errno)
            }
        }

        func remove(_ path: String) {
            unlink(path)
        }

        func readAll(_ path: String) throws -> [UInt8] {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CheckpointError.io(path: path, operation: "open", errno: errno) }
            defer { Glibc.close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                throw CheckpointError.io(path: path, operation: "fstat", errno: errno)
            }
            let size = Int(info.st_size)
            var failure: Int32 = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                var done = 0
                while done < size {
                    let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if n == 0 { break }
                    done += n
                }
                initialized = done
            }
            if failure != 0 { throw CheckpointError.io(path: path, operation: "read", errno: failure) }
            return bytes
        }
    }
}

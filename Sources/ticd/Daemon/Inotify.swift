import Glibc

/// A failed inotify call: which call, on which path, and why.
struct InotifyError: Error, CustomStringConvertible {
    let call: String
    let path: String
    let errno: Int32

    var description: String { "\(call)(\(path)): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// One inotify instance. Every inotify and poll call the inbox watcher makes lives in this file.
///
/// The descriptor is non-blocking and waited on with `poll(2)` and a timeout, so the ingest loop wakes up to
/// beat its heartbeat and run its timers even when the inbox is silent.
final class Inotify {
    /// What happened to a name in a watched directory.
    struct Event {
        var watch: Int32
        var mask: UInt32
        var name: String

        var isDirectory: Bool { mask & UInt32(IN_ISDIR) != 0 }
        var closedAfterWrite: Bool { mask & UInt32(IN_CLOSE_WRITE) != 0 }
        var movedIn: Bool { mask & UInt32(IN_MOVED_TO) != 0 }
        var created: Bool { mask & UInt32(IN_CREATE) != 0 }
        /// The kernel dropped events: only a rescan can tell what changed.
        var overflowed: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
        /// The watched directory itself went away (deleted, moved, or its filesystem unmounted).
        var watchGone: Bool { mask & UInt32(IN_IGNORED) != 0 }
    }

    /// The events the inbox watcher needs: a file finished (close after write), renamed in, a directory
    /// created (to watch it too), and the watched directory disappearing.
    static let inboxMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    /// - Throws: `InotifyError` when the kernel refuses an instance (`EMFILE`: the per-user instance limit).
    init() throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw InotifyError(call: "inotify_init1", path: "", errno: errno) }
    }

    deinit { Glibc.close(descriptor) }

    /// Watches one directory (not its subdirectories).
    /// - Returns: the watch descriptor events name it by.
    /// - Throws: `InotifyError`, e.g. `ENOSPC` when `fs.inotify.max_user_watches` is reached.
    func watch(directory path: String, mask: UInt32 = Inotify.inboxMask) throws -> Int32 {
        let wd = inotify_add_watch(descriptor, path, mask)
        guard wd >= 0 else { throw InotifyError(call: "inotify_add_watch", path: path, errno: errno) }
        return wd
    }

    /// Stops watching; a watch whose directory already disappeared is gone already and ignored.
    func unwatch(_ wd: Int32) {
        _ = inotify_rm_watch(descriptor, wd)
    }

    /// Waits up to `timeout` seconds for events and returns every event queued.
    /// - Throws: `InotifyError` for a failed `poll` or `read` other than an interruption.
    func read(timeout: Double) throws -> [Event] {
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pollDescriptor, 1, Int32(max(0, timeout) * 1000))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw InotifyError(call: "poll", path: "inotify", errno: errno)
        }
        guard ready > 0 else { return [] }
        var events: [Event] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { return events }
                throw InotifyError(call: "read", path: "inotify", errno: errno)
            }
            if count == 0 { return events }
            events += Inotify.parse(buffer[0..<count])
        }
    }

    /// Splits a `read(2)` result into events; `struct inotify_event` is 16 bytes followed by a NUL-padded name.
    static func parse(_ bytes: ArraySlice<UInt8>) -> [Event] {
        var events: [Event] = []
        var offset = bytes.startIndex
        let header = 16
        while offset + header <= bytes.endIndex {
            func u32(_ at: Int) -> UInt32 {
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            }
            let wd = Int32(bitPattern: u32(offset))
            let mask = u32(offset + 4)
            let length = Int(u32(offset + 12))
            let nameStart = offset + header
            guard nameStart + length <= bytes.endIndex else { break }
            let raw = bytes[nameStart..<(nameStart + length)]
            let name = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            events.append(Event(watch: wd, mask: mask, name: name))
            offset = nameStart + length
        }
        return events
    }
}

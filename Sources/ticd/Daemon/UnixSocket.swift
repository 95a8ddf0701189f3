import Dispatch
import Glibc

/// One AF_UNIX stream socket. Every socket system call ticd makes lives in this file, the datagrams to systemd
/// and the journal included, and each failure becomes a `SocketError` naming the call and the socket path.
///
/// Reads and writes are non-blocking underneath and wait with `poll(2)` against a deadline, so a peer that stalls
/// can never hold a thread past its time.
final class UnixSocket {
    /// The file descriptor; -1 once closed.
    private(set) var descriptor: Int32
    /// The socket path, for error messages.
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close() }

    /// Binds and listens on `path`, replacing a stale socket file that nobody answers on.
    ///
    /// - Parameters:
    ///   - path: the socket file to create.
    ///   - mode: permission bits set on the socket file before it accepts connections.
    ///   - backlog: the kernel's queue of connections not yet accepted.
    /// - Returns: the listening socket and the inode of its file, so the owner removes only its own file.
    /// - Throws: `SocketError.addressInUse` when a server answers on `path`, `.notASocket` when `path` is some
    ///   other kind of file, `.system` for a failed call.
    /// - C counterpart: `socket(2)`, `bind(2)`, `chmod(2)`, `listen(2)`.
    static func listen(path: String, mode: mode_t, backlog: Int32) throws -> (socket: UnixSocket, inode: ino_t) {
        var address = try socketAddress(path)
        try removeStaleSocketFile(path)
        let socket = try makeSocket(path: path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if bound != 0 {
            let code = errno
            throw code == EADDRINUSE ? SocketError.addressInUse(path: path)
                                     : SocketError.system(call: "bind", path: path, errno: code)
        }
        // Peers get ECONNREFUSED until listen(2), so setting the mode first leaves no window with wider access.
        guard chmod(path, mode) == 0 else { throw SocketError.system(call: "chmod", path: path, errno: errno) }
        guard Glibc.listen(socket.descriptor, backlog) == 0 else {
            throw SocketError.system(call: "listen", path: path, errno: errno)
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { throw SocketError.system(call: "lstat", path: path, errno: errno) }
        return (socket, status.st_ino)
    }

    /// Connects to the server listening on `path`.
    ///
    /// - Parameter timeout: seconds to wait when the server's accept backlog is full.
    /// - Throws: `SocketError.system` with `ECONNREFUSED` when the file exists but nobody listens,
    ///   `ENOENT` when there is no file; `.timedOut` when the backlog stays full.
    /// - C counterpart: `setsockopt(2)` with `SO_SNDTIMEO`, then `connect(2)`.
    static func connect(path: String, timeout: Double = 10) throws -> UnixSocket {
        var address = try socketAddress(path)
        let socket = try makeSocket(path: path)
        // A blocking AF_UNIX connect waits for room in the backlog, bounded only by the send timeout.
        let seconds = max(timeout, 0.001)
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        guard setsockopt(socket.descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size)) == 0
        else { throw SocketError.system(call: "setsockopt(SO_SNDTIMEO)", path: path, errno: errno) }
        while true {
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 { return socket }
            if errno == EAGAIN { throw SocketError.timedOut(call: "connect", path: path) }
            if errno != EINTR { throw SocketError.system(call: "connect", path: path, errno: errno) }
        }
    }

    /// Waits for the next connection.
    ///
    /// - Returns: the connected socket, or nil once `shutdownListener()` has been called.
    /// - Throws: `SocketError.system` for transient failures such as EMFILE; the caller may retry.
    /// - C counterpart: `accept(2)`, then `fcntl(2)` to set `FD_CLOEXEC`.
    func accept() throws -> UnixSocket? {
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 {
                // accept4(2) is hidden behind _GNU_SOURCE; the daemon does not fork while serving.
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                return UnixSocket(descriptor: connection, path: path)
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EINVAL, EBADF: return nil
            default: throw SocketError.system(call: "accept", path: path, errno: errno)
            }
        }
    }

    /// Wakes a thread blocked in `accept()` so it returns nil; the descriptor stays open until `close()`.
    ///
    /// - C counterpart: `shutdown(2)` with `SHUT_RDWR`.
    func shutdownListener() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Receives up to `buffer.count` bytes.
    ///
    /// - Returns: the number of bytes received; 0 means the peer closed its end.
    /// - Throws: `SocketError.timedOut` past `deadline`, `.system` for a failed call.
    /// - C counterpart: `poll(2)` then `recv(2)` with `MSG_DONTWAIT`.
    func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: DispatchTime) throws -> Int {
        while true {
            try wait(for: Int16(POLLIN), until: deadline, call: "recv")
            let count = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR || errno == EAGAIN { continue }
            throw SocketError.system(call: "recv", path: path, errno: errno)
        }
    }

    /// Sends all of `bytes`, never raising SIGPIPE.
    ///
    /// - Throws: `SocketError.timedOut` past `deadline`, `.system` (EPIPE, ECONNRESET, ...) for a failed call.
    /// - C counterpart: `poll(2)` then `send(2)` with `MSG_DONTWAIT | MSG_NOSIGNAL`.
    func send(_ bytes: [UInt8], until deadline: DispatchTime) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                try wait(for: Int16(POLLOUT), until: deadline, call: "send")
                let count = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset,
                                       Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
                if count >= 0 {
                    offset += count
                } else if errno != EINTR && errno != EAGAIN {
                    throw SocketError.system(call: "send", path: path, errno: errno)
                }
            }
        }
    }

    /// Sends what fits in the socket buffer right now and drops the rest; for refusals that must not block.
    ///
    /// - C counterpart: `send(2)` with `MSG_DONTWAIT | MSG_NOSIGNAL`.
    func sendWithoutWaiting(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            _ = Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
        }
    }

    /// The process on the other end, as the kernel recorded it at `connect(2)`.
    ///
    /// - Throws: `SocketError.system` when the kernel has no credentials for this socket.
    /// - C counterpart: `getsockopt(2)` with `SO_PEERCRED` (a `struct ucred`: pid, uid, gid).
    func peerCredentials() throws -> PeerCredentials {
        // Glibc hides `struct ucred` behind _GNU_SOURCE; its layout is three 32-bit fields.
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw SocketError.system(call: "getsockopt(SO_PEERCRED)", path: path, errno: errno)
        }
        return PeerCredentials(pid: credentials.0, uid: credentials.1, gid: credentials.2)
    }

    /// Closes the descriptor; later calls do nothing.
    func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// Sends `bytes` as one datagram to the AF_UNIX datagram socket at `path`, never waiting for room.
    ///
    /// A fresh unbound socket per call, as `sd_notify(3)` does: nothing is held open between the rare messages,
    /// and callers on different threads share no state.
    /// - Parameters:
    ///   - bytes: the whole datagram; the kernel delivers it entire or not at all.
    ///   - path: a socket file, or an abstract socket name written with a leading `@` (as `$NOTIFY_SOCKET` is).
    /// - Throws: `SocketError.pathTooLong`, or `.system` for a failed call: `ENOENT` or `ECONNREFUSED` when
    ///   nobody receives at `path`, `EAGAIN` when the receiver's queue is full, `EMSGSIZE` when the datagram is
    ///   larger than the send buffer.
    /// - C counterpart: `socket(2)` with `SOCK_DGRAM | SOCK_NONBLOCK`, `sendto(2)` with
    ///   `MSG_DONTWAIT | MSG_NOSIGNAL`, `close(2)`.
    static func sendDatagram(_ bytes: [UInt8], to path: String) throws {
        var (address, length) = try datagramAddress(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                                | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.system(call: "socket", path: path, errno: errno) }
        defer { _ = Glibc.close(descriptor) }
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL),
                               $0, length)
                    }
                }
            }
            if sent >= 0 { return }
            if errno != EINTR { throw SocketError.system(call: "sendto", path: path, errno: errno) }
        }
    }

    /// Removes the socket file at `path` if it is still the one with `inode`, so a successor's file survives.
    static func removeSocketFile(_ path: String, inode: ino_t) {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_ino == inode, status.st_mode & S_IFMT == S_IFSOCK else { return }
        _ = unlink(path)
    }

    private func wait(for events: Int16, until deadline: DispatchTime, call: String) throws {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline.uptimeNanoseconds else { throw SocketError.timedOut(call: call, path: path) }
            let milliseconds = Int32(min((deadline.uptimeNanoseconds - now + 999_999) / 1_000_000, 60_000))
            var request = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&request, 1, milliseconds)
            // POLLHUP and POLLERR count as ready: the following recv or send reports what happened.
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw SocketError.system(call: "poll", path: path, errno: errno) }
        }
    }

    private static func makeSocket(path: String) throws -> UnixSocket {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.system(call: "socket", path: path, errno: errno) }
        return UnixSocket(descriptor: descriptor, path: path)
    }

    private static func socketAddress(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SocketError.pathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }

    /// The address of a datagram receiver and its exact length. An abstract name (`@name`, sent as a NUL and
    /// the name) is matched on every byte of the length, so the length must end at the name, not at `sun_path`.
    private static func datagramAddress(_ path: String) throws -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        var bytes = Array(path.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        if isAbstract { bytes[0] = 0 }
        guard bytes.count > (isAbstract ? 1 : 0), bytes.count < capacity else {
            throw SocketError.pathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? MemoryLayout<sa_family_t>.size
        return (address, socklen_t(pathOffset + bytes.count + (isAbstract ? 0 : 1)))
    }

    /// A socket file nobody listens on is left behind by a crash; one that answers belongs to a live server.
    private static func removeStaleSocketFile(_ path: String) throws {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw SocketError.notASocket(path: path) }
        do {
            _ = try connect(path: path)
            throw SocketError.addressInUse(path: path)
        } catch SocketError.system(call: "connect", path: _, errno: ECONNREFUSED) {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw SocketError.system(call: "unlink", path: path, errno: errno)
            }
        }
    }
}

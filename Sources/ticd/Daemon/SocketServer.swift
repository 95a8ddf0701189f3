import Dispatch
import Foundation
import Glibc

/// An HTTP/1.1 server on a Unix domain socket, answering one request per connection (`Connection: close`).
///
/// One thread accepts; each connection gets its own thread, up to `limits.maxConnections` at once, so a slow or
/// hostile client holds only its own thread, and only until `limits.readTimeout`. Dedicated threads rather than a
/// concurrent DispatchQueue because libdispatch on Linux adds a worker past the core count only about once a
/// second while its workers block, so two stalled clients on a 2-core machine would delay everyone else.
final class SocketServer: @unchecked Sendable {
    /// The socket file path.
    let path: String
    let limits: HTTPLimits

    private let listener: UnixSocket
    private let inode: ino_t
    private let handler: (HTTPRequest, PeerCredentials) -> HTTPResponse
    private let lock = NSLock()
    private var activeConnections = 0
    private var isStarted = false
    private var isStopped = false
    private let acceptLoopFinished = DispatchSemaphore(value: 0)
    private let inFlight = DispatchGroup()

    /// Binds and listens on `path`; connections wait in the kernel's backlog until `start()`.
    ///
    /// - Parameters:
    ///   - path: the socket file, at most 107 bytes. A stale file that nobody answers on is replaced.
    ///   - mode: the socket file's permission bits; 0660 lets the daemon's group connect.
    ///   - limits: request size, time and concurrency bounds.
    ///   - handler: answers each well-formed request; called concurrently from connection threads.
    /// - Throws: `SocketError.addressInUse` if another server answers on `path`, `.notASocket` if a non-socket
    ///   file is in the way, `.pathTooLong`, or `.system` for a failed call.
    init(path: String, mode: mode_t = 0o660, limits: HTTPLimits = HTTPLimits(),
         handler: @escaping (HTTPRequest, PeerCredentials) -> HTTPResponse) throws {
        self.path = path
        self.limits = limits
        self.handler = handler
        (listener, inode) = try UnixSocket.listen(path: path, mode: mode, backlog: 256)
    }

    deinit {
        listener.close()
        UnixSocket.removeSocketFile(path, inode: inode)
    }

    /// Starts accepting connections on a thread of its own and returns at once.
    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !isStarted && !isStopped else { return }
        isStarted = true
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ticd-socket-accept"
        thread.start()
    }

    /// Stops accepting, waits up to `timeout` seconds for requests in flight, then removes the socket file.
    func stop(timeout: Double = 5) {
        lock.lock()
        let wasStarted = isStarted
        guard !isStopped else { lock.unlock(); return }
        isStopped = true
        lock.unlock()
        listener.shutdownListener()
        if wasStarted { acceptLoopFinished.wait() }
        listener.close()
        _ = inFlight.wait(timeout: .now() + timeout)
        UnixSocket.removeSocketFile(path, inode: inode)
    }

    private func acceptLoop() {
        defer { acceptLoopFinished.signal() }
        while true {
            let connection: UnixSocket
            do {
                guard let accepted = try listener.accept() else { return }
                connection = accepted
            } catch {
                // EMFILE and friends pass; back off instead of spinning on them.
                if stopping { return }
                usleep(20_000)
                continue
            }
            guard reserveSlot() else {
                connection.sendWithoutWaiting(HTTPResponse.error(
                    503, "too many connections (limit \(limits.maxConnections)); retry shortly").serialized())
                connection.close()
                continue
            }
            inFlight.enter()
            let thread = Thread { [self] in
                serve(connection)
                releaseSlot()
                inFlight.leave()
            }
            thread.stackSize = 512 << 10
            thread.name = "ticd-socket-connection"
            thread.start()
        }
    }

    private func serve(_ connection: UnixSocket) {
        defer { connection.close() }
        let response: HTTPResponse
        switch HTTPRequest.read(from: connection, limits: limits) {
        case .hungUp:
            return
        case .failed(let refusal):
            response = refusal
        case .request(let request):
            do {
                response = handler(request, try connection.peerCredentials())
            } catch {
                response = .error(500, "\(error)")
            }
        }
        try? connection.send(response.serialized(), until: .now() + limits.writeTimeout)
    }

    private var stopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isStopped
    }

    private func reserveSlot() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard activeConnections < limits.maxConnections else { return false }
        activeConnections += 1
        return true
    }

    private func releaseSlot() {
        lock.lock()
        activeConnections -= 1
        lock.unlock()
    }
}

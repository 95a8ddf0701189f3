import Foundation
import Glibc
import XCTest

/// A bound AF_UNIX datagram socket standing in for systemd's notify socket or journald's socket in tests.
///
/// The kernel queues only a few datagrams per receiver (`net.unix.max_dgram_qlen`, 10 by default), so tests that
/// send many read them as they go.
final class DatagramReceiver {
    /// The address senders use: a socket file path, or `@name` for an abstract socket.
    let address: String
    private let descriptor: Int32

    /// Binds a receiver at `address`.
    init(address: String) throws {
        self.address = address
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit {
        close(descriptor)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// The next datagram, waiting up to `timeout` seconds; nil when none arrives. A sender's datagram is queued
    /// before its send returns, so `timeout: 0` is exact for "was anything sent".
    func receive(timeout: Double = 0) -> [UInt8]? {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count >= 0 ? Array(buffer[0..<count]) : nil
    }

    /// The next datagram as text, or nil.
    func receiveText(timeout: Double = 0) -> String? {
        receive(timeout: timeout).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every datagram queued now, as text.
    func drain() -> [String] {
        var messages: [String] = []
        while let message = receiveText() { messages.append(message) }
        return messages
    }
}

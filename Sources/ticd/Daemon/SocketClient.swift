import Dispatch
import Foundation
import Glibc

/// The HTTP/1.1 client `ticd query` uses to talk to the daemon's Unix socket.
enum SocketClient {
    /// Responses larger than this are refused rather than buffered.
    static let maxResponseBytes = 256 << 20

    /// Sends one request and reads the whole response.
    ///
    /// - Parameters:
    ///   - socket: the daemon's socket file.
    ///   - method: `GET` or `POST`.
    ///   - path: the request target, with any query already percent-encoded.
    ///   - body: the request body, sent with Content-Length.
    ///   - timeout: seconds for the whole exchange.
    /// - Returns: the status code and the body.
    /// - Throws: `SocketError` when the socket cannot be reached, times out, or answers with something that is
    ///   not HTTP.
    static func request(socket: String, method: String, path: String, body: [UInt8]? = nil,
                        timeout: Double = 10) throws -> (status: Int, body: [UInt8]) {
        let deadline = DispatchTime.now() + timeout
        let connection = try UnixSocket.connect(path: socket, timeout: timeout)
        defer { connection.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ticd\r\nConnection: close\r\n"
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        do {
            try connection.send(Array(head.utf8) + (body ?? []), until: deadline)
        } catch SocketError.system(call: "send", path: _, errno: let code) where code == EPIPE || code == ECONNRESET {
            // The server refused early (413, 503, ...) and closed; its answer is still waiting to be read.
        }
        let response = try readAll(connection, until: deadline)
        return try parse(response, socket: socket)
    }

    private static func readAll(_ connection: UnixSocket, until deadline: DispatchTime) throws -> [UInt8] {
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try connection.receive(into: $0, until: deadline) }
            } catch SocketError.system(call: "recv", path: _, errno: ECONNRESET) where !response.isEmpty {
                return response
            }
            if count == 0 { return response }
            guard response.count + count <= maxResponseBytes else {
                throw SocketError.malformedResponse(path: connection.path,
                                                    reason: "response exceeds \(maxResponseBytes) bytes")
            }
            response.append(contentsOf: chunk[0..<count])
        }
    }

    private static func parse(_ response: [UInt8], socket: String) throws -> (status: Int, body: [UInt8]) {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = (0..<max(0, response.count - 3)).first(where: {
            response[$0..<($0 + 4)].elementsEqual(separator)
        }) else {
            throw SocketError.malformedResponse(path: socket, reason: "no end of headers in \(response.count) bytes")
        }
        let lines = String(decoding: response[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw SocketError.malformedResponse(path: socket, reason: "bad status line \"\(lines[0])\"")
        }
        var body = Array(response[(headEnd + 4)...])
        let lengthLine = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
        if let lengthLine {
            guard let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
                  length <= body.count else {
                throw SocketError.malformedResponse(path: socket, reason: "body shorter than its Content-Length")
            }
            body.removeLast(body.count - length)
        }
        return (status, body)
    }
}

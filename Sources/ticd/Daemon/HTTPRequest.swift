import Dispatch

/// One HTTP/1.1 request as the socket server hands it to the handler.
struct HTTPRequest: Sendable {
    /// `GET` or `POST`; the server answers other methods 405 itself.
    var method: String
    /// The request target up to `?`, as sent (not percent-decoded).
    var path: String
    /// Query parameters, percent-decoded, with `+` read as a space; a repeated name keeps its last value.
    var query: [String: String]
    /// Header values by lowercased name; repeated headers are joined with ", ".
    var headers: [String: String]
    var body: [UInt8]

    /// What reading a connection produced: a request, an error to answer with, or a peer that left silently.
    enum ReadOutcome {
        case request(HTTPRequest)
        case failed(HTTPResponse)
        case hungUp
    }

    /// Reads one request from `socket`, enforcing `limits` as the bytes arrive.
    ///
    /// - Returns: the request, or the 4xx/5xx error response that explains why there is none.
    static func read(from socket: UnixSocket, limits: HTTPLimits) -> ReadOutcome {
        let deadline = DispatchTime.now() + limits.readTimeout
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var scanned = 0
        var requestLineEnd: Int?
        var previousLineEnd = -1
        var headerLines = 0
        var headEnd: Int?
        do {
            while headEnd == nil {
                let room: Int
                if let requestLineEnd {
                    room = requestLineEnd + 1 + limits.maxHeaderBytes - buffer.count
                    guard room > 0 else { return .failed(.error(431, "headers exceed \(limits.maxHeaderBytes) bytes")) }
                } else {
                    room = limits.maxRequestLineBytes - buffer.count
                    guard room > 0 else {
                        return .failed(.error(414, "request line exceeds \(limits.maxRequestLineBytes) bytes"))
                    }
                }
                let count = try chunk.withUnsafeMutableBytes {
                    try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<min(room, $0.count)]),
                                       until: deadline)
                }
                if count == 0 {
                    return buffer.isEmpty ? .hungUp : .failed(.error(400, "connection closed before the request ended"))
                }
                buffer.append(contentsOf: chunk[0..<count])
                while scanned < buffer.count && headEnd == nil {
                    if buffer[scanned] == UInt8(ascii: "\n") {
                        if requestLineEnd == nil {
                            requestLineEnd = scanned
                        } else if scanned - previousLineEnd == 1
                                    || (scanned - previousLineEnd == 2 && buffer[scanned - 1] == UInt8(ascii: "\r")) {
                            headEnd = scanned + 1
                        } else {
                            headerLines += 1
                            if headerLines > limits.maxHeaders {
                                return .failed(.error(431, "more than \(limits.maxHeaders) header lines"))
                            }
                        }
                        previousLineEnd = scanned
                    }
                    scanned += 1
                }
            }
            guard let headEnd else { return .failed(.error(400, "incomplete request head")) }
            var request: HTTPRequest
            switch parseHead(buffer[0..<headEnd]) {
            case .success(let head): request = head
            case .failure(let refusal): return .failed(refusal.response)
            }
            if request.headers["transfer-encoding"] != nil {
                return .failed(.error(411, "chunked request bodies are not supported; send Content-Length"))
            }
            let length: Int
            switch contentLength(request.headers["content-length"]) {
            case .success(let value): length = value
            case .failure(let refusal): return .failed(refusal.response)
            }
            guard length <= limits.maxBodyBytes else {
                return .failed(.error(413, "body of \(length) bytes exceeds \(limits.maxBodyBytes)"))
            }
            var body = [UInt8](repeating: 0, count: length)
            let early = min(length, buffer.count - headEnd)
            body.replaceSubrange(0..<early, with: buffer[headEnd..<(headEnd + early)])
            var filled = early
            while filled < length {
                let count = try body.withUnsafeMutableBytes {
                    try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]), until: deadline)
                }
                if count == 0 { return .failed(.error(400, "body ended after \(filled) of \(length) bytes")) }
                filled += count
            }
            request.body = body
            return .request(request)
        } catch SocketError.timedOut {
            return .failed(.error(408, "request not received within \(limits.readTimeout) s"))
        } catch {
            return .hungUp
        }
    }

    /// Why a request head was refused; carries the response to send.
    struct Refusal: Error {
        let response: HTTPResponse
        init(_ status: Int, _ message: String) { response = .error(status, message) }
        init(response: HTTPResponse) { self.response = response }
    }

    /// Parses the request line and headers (everything up to and including the blank line).
    static func parseHead(_ head: ArraySlice<UInt8>) -> Result<HTTPRequest, Refusal> {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .failure(Refusal(400, "empty request")) }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            return .failure(Refusal(400, "malformed request line"))
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(Refusal(400, "malformed request target"))
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        // RFC 9112: HTTP-version = "HTTP/" DIGIT "." DIGIT. Anything else (a stray CR, "HTTP/1.1x") is a malformed
        // request, not a version this server declines.
        let digits = Array(parts[2].dropFirst(5))
        guard version.hasPrefix("HTTP/"), digits.count == 3, digits[1] == UInt8(ascii: "."),
              [digits[0], digits[2]].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return .failure(Refusal(400, "malformed HTTP version"))
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .failure(Refusal(505, "only HTTP/1.0 and HTTP/1.1 are supported"))
        }
        guard method == "GET" || method == "POST" else {
            var response = HTTPResponse.error(405, "method \(method) is not allowed; use GET or POST")
            response.headers["Allow"] = "GET, POST"
            return .failure(Refusal(response: response))
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(isTokenByte) else {
                return .failure(Refusal(400, "malformed header line"))
            }
            let rawValue = line[(colon + 1)...]
            guard rawValue.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure(Refusal(400, "control character in a header value"))
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: rawValue, as: UTF8.self).trimmingSpaces()
            if let existing = headers[name] {
                if name == "content-length" && existing != value {
                    return .failure(Refusal(400, "conflicting Content-Length headers"))
                }
                headers[name] = name == "content-length" ? value : existing + ", " + value
            } else {
                headers[name] = value
            }
        }
        let rawTarget = String(decoding: target, as: UTF8.self)
        let pathEnd = rawTarget.firstIndex(of: "?") ?? rawTarget.endIndex
        var query: [String: String] = [:]
        if pathEnd < rawTarget.endIndex {
            for pair in rawTarget[rawTarget.index(after: pathEnd)...].split(separator: "&") {
                let equals = pair.firstIndex(of: "=") ?? pair.endIndex
                let value = equals < pair.endIndex ? pair[pair.index(after: equals)...] : ""
                guard let name = percentDecoded(pair[..<equals]), let decodedValue = percentDecoded(value) else {
                    return .failure(Refusal(400, "malformed percent-encoding in the query"))
                }
                query[name] = decodedValue
            }
        }
        return .success(HTTPRequest(method: method, path: String(rawTarget[..<pathEnd]), query: query,
                                    headers: headers, body: []))
    }

    private static func contentLength(_ header: String?) -> Result<Int, Refusal> {
        guard let header else { return .success(0) }
        guard !header.isEmpty, header.utf8.count <= 18, header.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(header) else {
            return .failure(Refusal(400, "malformed Content-Length"))
        }
        return .success(length)
    }

    /// RFC 9110 token characters, the alphabet of methods and header names.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

private extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}

import Foundation

/// An HTTP/1.1 response. The server adds `Content-Length` and `Connection: close` itself.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response with sorted keys, unescaped slashes and a trailing newline (so `curl` output ends cleanly).
    ///
    /// - Returns: the encoded value, or a 500 error response if `value` fails to encode.
    static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return error(500, "could not encode the \(T.self) response as JSON")
        }
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(data) + [10])
    }

    /// A plain-text response, such as Prometheus `/metrics`.
    static func text(_ text: String, status: Int = 200,
                     contentType: String = "text/plain; version=0.0.4; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// The JSON error every failure answers with: `{"error": message, "status": status}`.
    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        struct Body: Encodable { let error: String; let status: Int }
        return json(Body(error: message, status: status), status: status)
    }

    /// The bytes on the wire: status line, headers (sorted, so output is reproducible), then the body.
    func serialized() -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n"
        let reserved: Set<String> = ["content-length", "connection"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) where !reserved.contains(name.lowercased()) {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}

import Foundation
import FuzzSupport
import XCTest
@testable import ticd

/// `make fuzz` (not `make test`): mutated HTTP requests through `HTTPRequest.read`, the whole reading path of
/// the socket server (head scan, limits, Content-Length body), over a real Unix socket, and through
/// `HTTPRequest.parseHead` alone. Oracle: a request, or an error response with a 4xx status (505 for an HTTP
/// version other than 1.0 and 1.1, the status RFC 9110 gives it) and a reason; never a crash.
final class HTTPRequestFuzzTests: XCTestCase {
    static let seeds = [
        "GET /v0/status HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /v0/shards?state=ready&limit=10&q=a%20b+c&flag HTTP/1.1\r\nAccept: */*\r\nUser-Agent: curl/8.5\r\n\r\n",
        "POST /v0/pause HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"reason\":\"test\"}",
        "POST /v0/ingest HTTP/1.0\nContent-Length: 5\nX-Twice: a\nX-Twice: b\n\nhello",
        "POST /v0/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
    ].map { Array($0.utf8) }

    /// Header lines a byte mutator would rarely spell, inserted at a line start.
    static let headerLines = [
        "Content-Length: 99999999999\r\n", "Content-Length: -1\r\n", "Content-Length: 3\r\n", "Content-Length: 0\r\n",
        "content-length:  17 \r\n", "Transfer-Encoding: chunked\r\n", "Host:\tx\r\n", ": no name\r\n", "A B: c\r\n",
        "X: \u{7f}\r\n", "X: caf\u{e9}\r\n", "\r\n", "\n",
    ].map { Array($0.utf8) }

    func testRequests() throws {
        let path = "/tmp/ticd-fuzz-\(getpid()).sock"
        let (listener, _) = try UnixSocket.listen(path: path, mode: 0o600, backlog: 4)
        defer { listener.close(); unlink(path) }
        let limits = HTTPLimits()
        let campaign = FuzzCampaign("http")
        campaign.run { it in
            var bytes = it.rng.pick(Self.seeds)
            if it.rng.chance(0.3) { Self.insertHeaderLine(&bytes, &it.rng) }
            if !it.rng.chance(0.1) { Mutator.mutate(&bytes, &it.rng) }
            it.setInput(bytes, fileExtension: "http")
            if it.rng.chance(0.5) {
                check(HTTPRequest.parseHead(Self.head(bytes)), &it)
                return
            }
            let client = try UnixSocket.connect(path: path)
            try client.send(bytes, until: .now() + 5)
            client.close()
            guard let connection = try listener.accept() else { return it.fail("accept returned no connection") }
            defer { connection.close() }
            switch HTTPRequest.read(from: connection, limits: limits) {
            case .request(let request):
                it.note("request")
                if request.body.count != Int(request.headers["content-length"] ?? "0") {
                    it.fail("body of \(request.body.count) bytes for Content-Length \(request.headers["content-length"] ?? "none")")
                }
                check(.success(request), &it)
            case .failed(let response):
                check(.failure(HTTPRequest.Refusal(response: response)), &it)
            case .hungUp:
                it.note("hung up")
                if !bytes.isEmpty { it.fail("read \(bytes.count) bytes as a peer that hung up without a request") }
            }
        }
        for failure in campaign.failures { XCTFail(failure) }
    }

    private func check(_ result: Result<HTTPRequest, HTTPRequest.Refusal>, _ it: inout FuzzIteration) {
        switch result {
        case .success(let request):
            it.note("parsed")
            if !["GET", "POST"].contains(request.method) { it.fail("accepted method \(request.method)") }
            if !request.path.hasPrefix("/") || request.path.contains("?") { it.fail("accepted path \(request.path)") }
            if request.headers.keys.contains(where: { $0 != $0.lowercased() || $0.isEmpty }) {
                it.fail("header names not lowercased: \(request.headers.keys.sorted())")
            }
        case .failure(let refusal):
            let response = refusal.response
            it.note("\(response.status)")
            if !(400..<500).contains(response.status) && response.status != 505 {
                it.fail("refused with status \(response.status)")
            }
            struct Body: Decodable { let error: String; let status: Int }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(response.body)), !body.error.isEmpty,
                  body.status == response.status else {
                return it.fail("refusal \(response.status) without a JSON reason: \(String(decoding: response.body, as: UTF8.self))")
            }
            _ = response.serialized()
        }
    }

    /// What the server hands `parseHead`: up to and including the first blank line, or everything.
    private static func head(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var k = 0
        while let newline = bytes[k...].firstIndex(of: 0x0A) {
            let next = newline + 1
            if next < bytes.count, bytes[next] == 0x0A { return bytes[...next] }
            if next + 1 < bytes.count, bytes[next] == 0x0D, bytes[next + 1] == 0x0A { return bytes[...(next + 1)] }
            k = next
        }
        return bytes[...]
    }

    private static func insertHeaderLine(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let lineStarts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
        let line = rng.pick(headerLines)
        guard bytes.count + line.count <= Mutator.maxBytes else { return }
        bytes.insert(contentsOf: line, at: rng.pick(lineStarts))
    }
}

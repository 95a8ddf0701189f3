import Foundation
import Glibc
import XCTest
@testable import ticd

final class SocketServerTests: XCTestCase {
    private var servers: [SocketServer] = []

    override func tearDown() {
        servers.forEach { $0.stop(timeout: 1) }
        servers = []
        super.tearDown()
    }

    func testGetRoundTripDecodesTheQuery() throws {
        let server = try startServer { request, _ in
            .json(["method": request.method, "path": request.path, "step": request.query["step"] ?? "",
                   "name": request.query["name"] ?? "", "host": request.headers["host"] ?? ""])
        }
        let (status, body) = try SocketClient.request(socket: server.path, method: "GET",
                                                      path: "/v0/plan?step=3&name=caf%C3%A9+au%20lait")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(try JSONDecoder().decode([String: String].self, from: Data(body)),
                       ["method": "GET", "path": "/v0/plan", "step": "3", "name": "café au lait", "host": "localhost"])
    }

    func testPostDeliversTheJSONBodyAndAnswersJSON() throws {
        struct Order: Codable, Equatable { var step: Int; var policy: String }
        let server = try startServer { request, _ in
            guard let order = try? JSONDecoder().decode(Order.self, from: Data(request.body)) else {
                return .error(400, "bad body")
            }
            return .json(Order(step: order.step + 1, policy: order.policy), status: 202)
        }
        let json = Array(#"{"step": 4, "policy": "cumulative"}"#.utf8)
        let reply = try rawExchange(server.path, Array("POST /v0/train HTTP/1.1\r\nHost: x\r\nContent-Length: \(json.count)\r\n\r\n".utf8)
                                    + json)
        XCTAssertEqual(reply.status, 202)
        XCTAssertTrue(reply.head.contains("Content-Type: application/json\r\n"), reply.head)
        XCTAssertTrue(reply.head.contains("Connection: close\r\n"), reply.head)
        XCTAssertTrue(reply.head.contains("Content-Length: \(reply.body.count)\r\n"), reply.head)
        XCTAssertEqual(String(decoding: reply.body, as: UTF8.self), #"{"policy":"cumulative","step":5}"# + "\n")
    }

    func testHandlerNotFoundReachesTheClientAsAJSONError() throws {
        let server = try startServer { request, _ in .error(404, "no route for \(request.path)") }
        let (status, body) = try SocketClient.request(socket: server.path, method: "GET", path: "/v0/nothing")
        XCTAssertEqual(status, 404)
        XCTAssertEqual(try decodeError(body), ErrorBody(error: "no route for /v0/nothing", status: 404))
    }

    func testOversizedBodyIsRefused413BeforeAnyOfItIsRead() throws {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1024
        let handled = Counter()
        let server = try startServer(limits: limits) { _, _ in handled.increment(); return .text("never") }
        let start = Date()
        let reply = try rawExchange(server.path, Array("POST /v0/train HTTP/1.1\r\nContent-Length: 500000000\r\n\r\n".utf8))
        XCTAssertEqual(reply.status, 413)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "413 must not wait for the body")
        let (status, body) = try SocketClient.request(socket: server.path, method: "POST", path: "/v0/train",
                                                      body: [UInt8](repeating: 65, count: 4 << 20))
        XCTAssertEqual(status, 413)
        XCTAssertEqual(try decodeError(body).status, 413)
        XCTAssertEqual(handled.value, 0)
    }

    func testMoreThanMaxHeadersGets431() throws {
        let server = try startServer { _, _ in .text("ok") }
        var request = "GET /v0/status HTTP/1.1\r\n"
        for index in 0..<150 { request += "X-Filler-\(index): \(index)\r\n" }
        let reply = try rawExchange(server.path, Array((request + "\r\n").utf8))
        XCTAssertEqual(reply.status, 431)
        XCTAssertTrue(try decodeError(reply.body).error.contains("header lines"))
    }

    func testHeadersPastMaxHeaderBytesGet431AndALongRequestLineGets414() throws {
        let server = try startServer { _, _ in .text("ok") }
        let hugeHeader = "X-Big: " + String(repeating: "a", count: 40_000) + "\r\n"
        let reply = try rawExchange(server.path, Array(("GET / HTTP/1.1\r\n" + hugeHeader + "\r\n").utf8))
        XCTAssertEqual(reply.status, 431)
        let longTarget = "/" + String(repeating: "b", count: 9000)
        XCTAssertEqual(try rawExchange(server.path, Array("GET \(longTarget) HTTP/1.1\r\n\r\n".utf8)).status, 414)
    }

    func testSlowClientGets408WhileAnotherClientIsServed() throws {
        var limits = HTTPLimits()
        limits.readTimeout = 1.5
        let server = try startServer(limits: limits) { _, _ in .text("fast") }
        let slow = try UnixSocket.connect(path: server.path)
        try slow.send(Array("GET /v0/sta".utf8), until: .now() + 1)
        let start = Date()
        let (status, body) = try SocketClient.request(socket: server.path, method: "GET", path: "/v0/status")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "fast")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.2, "the fast client waited for the slow one")
        let reply = try readReply(slow)
        let waited = Date().timeIntervalSince(start)
        XCTAssertEqual(reply.status, 408)
        XCTAssertEqual(try decodeError(reply.body).status, 408)
        XCTAssertGreaterThan(waited, 1.2)
        XCTAssertLessThan(waited, 4)
    }

    func testHundredConcurrentClientsAreAllAnsweredCorrectly() throws {
        var limits = HTTPLimits()
        limits.maxConnections = 128
        let server = try startServer(limits: limits) { request, _ in
            usleep(20_000)
            return .text("client \(request.query["i"] ?? "?")")
        }
        let answers = Answers()
        let group = DispatchGroup()
        for index in 0..<100 {
            group.enter()
            Thread {
                defer { group.leave() }
                if let (status, body) = try? SocketClient.request(socket: server.path, method: "GET",
                                                                   path: "/v0/status?i=\(index)") {
                    answers.record(index, status == 200 ? String(decoding: body, as: UTF8.self) : "status \(status)")
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        let recorded = answers.all
        XCTAssertEqual(recorded.count, 100)
        for index in 0..<100 { XCTAssertEqual(recorded[index], "client \(index)") }
    }

    func testConnectionsPastTheCapGet503() throws {
        var limits = HTTPLimits()
        limits.maxConnections = 1
        limits.readTimeout = 2
        let server = try startServer(limits: limits) { _, _ in .text("ok") }
        let holder = try UnixSocket.connect(path: server.path)
        try holder.send(Array("GET /".utf8), until: .now() + 1)
        usleep(100_000)
        let (status, body) = try SocketClient.request(socket: server.path, method: "GET", path: "/v0/status")
        XCTAssertEqual(status, 503)
        XCTAssertEqual(try decodeError(body).status, 503)
        holder.close()
    }

    func testMalformedRequestsGetFourHundredLevelJSONErrors() throws {
        let server = try startServer { _, _ in .text("ok") }
        let cases: [(String, Int)] = [
            ("\u{0}\u{1}\u{2}garbage\u{7F}\r\n\r\n", 400),
            ("GET /x HTTP/1.1 extra\r\n\r\n", 400),
            ("GET x HTTP/1.1\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\n Folded: value\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
            ("GET /x?bad=%zz HTTP/1.1\r\n\r\n", 400),
            ("DELETE /x HTTP/1.1\r\n\r\n", 405),
            ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
            ("GET /x HTTP/2.0\r\n\r\n", 505),
            ("GET /x HTTP/1.1\r\r\n\r\n", 400),
            ("GET /x HTTP/1.1x\r\n\r\n", 400),
            ("GET /x HTTP/11\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", 400),
        ]
        for (request, expected) in cases {
            let socket = try UnixSocket.connect(path: server.path)
            try socket.send(Array(request.utf8), until: .now() + 1)
            // Half-close so a request that stops short is seen as ended, not as slow.
            shutdown(socket.descriptor, Int32(SHUT_WR))
            let reply = try readReply(socket)
            XCTAssertEqual(reply.status, expected, request.debugDescription)
            XCTAssertTrue(reply.head.contains("Content-Type: application/json\r\n"), request.debugDescription)
            XCTAssertEqual(try decodeError(reply.body).status, expected, request.debugDescription)
        }
        XCTAssertTrue(try rawExchange(server.path, Array("PUT / HTTP/1.1\r\n\r\n".utf8)).head.contains("Allow: GET, POST"))
    }

    func testRandomBytesAlwaysGetAnErrorAndNeverReachTheHandler() throws {
        let handled = Counter()
        let server = try startServer { _, _ in handled.increment(); return .text("ok") }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + Int(state % 300)) {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                // Mostly printable with line breaks, so the parser gets past the first line now and then.
                let pick = state % 40
                bytes.append(pick == 0 ? 10 : pick == 1 ? 13 : pick == 2 ? 58 : UInt8(truncatingIfNeeded: state >> 24))
            }
            let socket = try UnixSocket.connect(path: server.path)
            try? socket.send(bytes, until: .now() + 1)
            shutdown(socket.descriptor, Int32(SHUT_WR))
            let status = try readReply(socket).status
            XCTAssertTrue((400..<600).contains(status), "status \(status) for \(bytes)")
        }
        XCTAssertEqual(handled.value, 0)
    }

    func testSocketFileHasMode0660AndStopRemovesIt() throws {
        let server = try startServer { _, _ in .text("ok") }
        var status = stat()
        XCTAssertEqual(lstat(server.path, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFSOCK)
        XCTAssertEqual(status.st_mode & 0o7777, 0o660)
        server.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.path))
    }

    func testStopLetsARequestInFlightFinish() throws {
        let server = try startServer { _, _ in usleep(300_000); return .text("finished") }
        let answer = Box<String>()
        let done = DispatchSemaphore(value: 0)
        Thread {
            let reply = try? SocketClient.request(socket: server.path, method: "GET", path: "/v0/status")
            answer.value = reply.map { String(decoding: $0.body, as: UTF8.self) }
            done.signal()
        }.start()
        usleep(100_000)
        server.stop(timeout: 2)
        XCTAssertEqual(done.wait(timeout: .now() + 2), .success)
        XCTAssertEqual(answer.value, "finished")
        XCTAssertThrowsError(try SocketClient.request(socket: server.path, method: "GET", path: "/"))
    }

    func testASecondServerOnALivePathRefusesToStart() throws {
        let server = try startServer { _, _ in .text("first") }
        XCTAssertThrowsError(try SocketServer(path: server.path) { _, _ in .text("second") }) { error in
            XCTAssertEqual(error as? SocketError, .addressInUse(path: server.path))
            XCTAssertTrue("\(error)".contains("another server is already answering on \(server.path)"))
        }
        XCTAssertEqual(String(decoding: try SocketClient.request(socket: server.path, method: "GET", path: "/").body,
                              as: UTF8.self), "first")
    }

    func testAStaleSocketFileIsReplaced() throws {
        let path = temporarySocketPath()
        let (stale, _) = try UnixSocket.listen(path: path, mode: 0o600, backlog: 1)
        stale.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let server = try startServer(path: path) { _, _ in .text("fresh") }
        XCTAssertEqual(String(decoding: try SocketClient.request(socket: server.path, method: "GET", path: "/").body,
                              as: UTF8.self), "fresh")
    }

    func testAFileThatIsNotASocketIsNeverRemoved() throws {
        let path = temporarySocketPath()
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        defer { unlink(path) }
        XCTAssertThrowsError(try SocketServer(path: path) { _, _ in .text("x") }) { error in
            XCTAssertEqual(error as? SocketError, .notASocket(path: path))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep".utf8))
    }

    func testATooLongPathIsRefusedWithItsLimit() {
        let path = "/tmp/" + String(repeating: "p", count: 120)
        XCTAssertThrowsError(try SocketServer(path: path) { _, _ in .text("x") }) { error in
            XCTAssertEqual(error as? SocketError, .pathTooLong(path: path, limit: 107))
        }
    }

    func testClientTimesOutAgainstAServerThatNeverAccepts() throws {
        let path = temporarySocketPath()
        let (listener, inode) = try UnixSocket.listen(path: path, mode: 0o600, backlog: 1)
        defer { listener.close(); UnixSocket.removeSocketFile(path, inode: inode) }
        var queued: [UnixSocket] = []
        var connectTimedOut = false
        for _ in 0..<8 where !connectTimedOut {
            do { queued.append(try UnixSocket.connect(path: path, timeout: 0.1)) } catch SocketError.timedOut(call: "connect", _) {
                connectTimedOut = true
            }
        }
        XCTAssertTrue(connectTimedOut, "the backlog never filled")
        let start = Date()
        XCTAssertThrowsError(try SocketClient.request(socket: path, method: "GET", path: "/", timeout: 0.3)) { error in
            XCTAssertEqual(error as? SocketError, .timedOut(call: "connect", path: path))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testPeerCredentialsReportThisProcess() throws {
        let seen = Box<PeerCredentials>()
        let server = try startServer { _, peer in seen.value = peer; return .text("ok") }
        _ = try SocketClient.request(socket: server.path, method: "GET", path: "/v0/status")
        XCTAssertEqual(seen.value, PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
    }

    func testCurlCanTalkToTheSocket() throws {
        let curl = "/usr/bin/curl"
        guard FileManager.default.isExecutableFile(atPath: curl) else { throw XCTSkip("curl is not installed") }
        let server = try startServer { request, _ in .json(["path": request.path]) }
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: curl)
        process.arguments = ["-s", "-w", " %{http_code}", "--unix-socket", server.path, "http://localhost/x"]
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "{\"path\":\"/x\"}\n 200")
    }

    // MARK: - Helpers

    private struct ErrorBody: Decodable, Equatable { var error: String; var status: Int }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
        func increment() { lock.lock(); count += 1; lock.unlock() }
    }

    private final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [Int: String] = [:]
        var all: [Int: String] { lock.lock(); defer { lock.unlock() }; return answers }
        func record(_ index: Int, _ answer: String) { lock.lock(); answers[index] = answer; lock.unlock() }
    }

    private final class Box<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Value?
        var value: Value? {
            get { lock.lock(); defer { lock.unlock() }; return stored }
            set { lock.lock(); stored = newValue; lock.unlock() }
        }
    }

    private func temporarySocketPath() -> String {
        "/tmp/ticd-test-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
    }

    private func startServer(path: String? = nil, limits: HTTPLimits = HTTPLimits(),
                             handler: @escaping (HTTPRequest, PeerCredentials) -> HTTPResponse) throws -> SocketServer {
        let server = try SocketServer(path: path ?? temporarySocketPath(), limits: limits, handler: handler)
        server.start()
        servers.append(server)
        return server
    }

    private func decodeError(_ body: [UInt8]) throws -> ErrorBody {
        try JSONDecoder().decode(ErrorBody.self, from: Data(body))
    }

    /// Sends raw bytes (ignoring a refusal mid-send) and reads the reply until the server closes.
    private func rawExchange(_ path: String, _ bytes: [UInt8]) throws -> (status: Int, head: String, body: [UInt8]) {
        let socket = try UnixSocket.connect(path: path)
        try? socket.send(bytes, until: .now() + 2)
        return try readReply(socket)
    }

    private func readReply(_ socket: UnixSocket) throws -> (status: Int, head: String, body: [UInt8]) {
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = (try? chunk.withUnsafeMutableBytes { try socket.receive(into: $0, until: .now() + 3) }) ?? 0
            if count == 0 { break }
            reply += chunk[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            XCTFail("no complete reply: \(text.debugDescription)")
            return (0, text, [])
        }
        let head = String(text[..<split.upperBound])
        let status = Int(head.split(separator: " ")[1]) ?? 0
        return (status, head, Array(text[split.upperBound...].utf8))
    }
}

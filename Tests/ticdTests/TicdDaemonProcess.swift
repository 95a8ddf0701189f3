import Foundation
import XCTest
@testable import ticd

/// `ticd run` started in the background the way systemd starts it, with its stderr in a file, and stopped
/// with a real signal.
final class TicdDaemonProcess {
    let pid: pid_t
    let socket: String
    let stderrPath: String
    private var exitStatus: Int32?

    /// Starts `ticd run --config CONFIG` with `environment` changes (nil removes a variable).
    init(config: String, socket: String, logDirectory: String, environment: [String: String?] = [:]) throws {
        self.socket = socket
        stderrPath = logDirectory + "/ticd-run-\(UInt32.random(in: 0...UInt32.max)).err"
        // A systemd the test runner itself may live under must not leak into the daemon under test.
        var env = environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] where env.index(forKey: name) == nil {
            env[name] = .some(nil)
        }
        pid = try Ticd.spawn(["run", "--config", config], environment: env, stdout: stderrPath + ".out", stderr: stderrPath)
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    var log: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// One request over the socket; the JSON object or array it answers.
    func query(_ path: String, method: String = "GET", body: String? = nil) throws -> (status: Int, json: Any?) {
        let (status, bytes) = try SocketClient.request(socket: socket, method: method, path: path,
                                                       body: body.map { Array($0.utf8) } ?? (method == "POST" ? [] : nil),
                                                       timeout: 20)
        return (status, try? JSONSerialization.jsonObject(with: Data(bytes)))
    }

    struct NoStatus: Error {}

    /// `GET /v0/status` as an object; throws (without failing the test) while the socket is not up.
    func status() throws -> [String: Any] {
        guard let object = try query("/v0/status").json as? [String: Any] else { throw NoStatus() }
        return object
    }

    /// Polls until `condition` holds or `timeout` seconds pass; fails the test with the log on a timeout or
    /// when the daemon exits.
    func waitUntil(_ what: String, timeout: Double, file: StaticString = #filePath, line: UInt = #line,
                   _ condition: () throws -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if hasExited {
                XCTFail("ticd run exited (\(exitStatus ?? -1)) while waiting for \(what)\n\(log)", file: file, line: line)
                throw XCTSkip("daemon exited")
            }
            if (try? condition()) == true { return }
            usleep(100_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)\n\(log)", file: file, line: line)
        throw XCTSkip("timed out")
    }

    /// Waits for the socket to answer.
    func waitUntilReady(timeout: Double = 30) throws {
        try waitUntil("the socket", timeout: timeout) { (try? status()) != nil }
    }

    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = Ticd.exitStatus(status)
            return true
        }
        return false
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit status.
    func stop(signal: Int32 = SIGTERM, timeout: Double = 60) -> Int32? {
        kill(pid, signal)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if hasExited { return exitStatus }
            usleep(50_000)
        }
        return nil
    }

    /// Waits for the process to exit by itself.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if hasExited { return exitStatus }
            usleep(50_000)
        }
        return nil
    }
}

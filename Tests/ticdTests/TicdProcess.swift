import Foundation
import XCTest

/// Runs the built `ticd` binary the way a user or a script does, and reports its exit status and output.
struct TicdRun {
    let status: Int32
    let stdout: String
    let stderr: String

    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

enum Ticd {
    /// The `ticd` executable built beside the test bundle.
    static var binary: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("ticd").path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        for config in ["release", "debug"] {
            let candidate = FileManager.default.currentDirectoryPath + "/.build/\(config)/ticd"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return "ticd"
    }

    /// Runs `ticd args...` with `environment` changes (nil values remove a variable); output goes through
    /// temporary files, so a chatty child never blocks on a full pipe.
    static func run(_ args: [String], environment: [String: String?] = [:]) throws -> TicdRun {
        let tmp = NSTemporaryDirectory() + "ticd-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = tmp + ".out", errPath = tmp + ".err"
        defer { unlink(outPath); unlink(errPath) }
        let pid = try spawn(args, environment: environment, stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let read = { (p: String) in String(decoding: FileManager.default.contents(atPath: p) ?? Data(), as: UTF8.self) }
        return TicdRun(status: exitStatus(status), stdout: read(outPath), stderr: read(errPath))
    }

    /// Starts `ticd args...` with stdin from /dev/null and stdout and stderr into the given files, and returns
    /// at once. `environment` changes the inherited one (nil values remove a variable).
    static func spawn(_ args: [String], environment: [String: String?] = [:], stdout outPath: String,
                      stderr errPath: String) throws -> pid_t {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([binary] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "ticd-test", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "spawn \(binary) failed"]) }
        return pid
    }

    /// A `waitpid` status as a shell would show it: the exit code, or 128 + the signal that killed it.
    static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }
}

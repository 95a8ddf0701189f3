import Foundation
import Glibc
import Models
import XCTest
@testable import ticd

final class SystemdUnitTests: TemporaryDirectoryTestCase {
    private static let systemdDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("systemd").path

    private func contents(_ name: String) throws -> String {
        try String(contentsOfFile: SystemdUnitTests.systemdDirectory + "/" + name, encoding: .utf8)
    }

    /// The `[Service]` section's settings, by key, in file order.
    private func serviceSettings() throws -> [String: [String]] {
        var settings: [String: [String]] = [:]
        var section = ""
        for line in try contents("ticd.service").split(separator: "\n") {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { section = String(line); continue }
            guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }

    /// Runs `tool arguments...` and returns its exit status and its stdout and stderr together.
    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// The path of a systemd tool, or a skip when this machine has none (`make deps` installs the package).
    private func systemdTool(_ name: String) throws -> String {
        guard let path = ["/usr/bin/", "/bin/"].map({ $0 + name }).first(where: { access($0, X_OK) == 0 }) else {
            throw XCTSkip("\(name) is not installed; `make deps` installs the systemd package")
        }
        return path
    }

    func testUnitPassesSystemdAnalyzeVerifyWithoutWarnings() throws {
        let analyze = try systemdTool("systemd-analyze")
        let binary = Ticd.binary
        XCTAssertTrue(binary.hasPrefix("/"), "the built ticd binary was not found: \(binary)")
        // verify checks that ExecStart= names an executable, so the copy runs the binary just built.
        let unit = try contents("ticd.service").replacingOccurrences(of: "ExecStart=/usr/local/bin/ticd ",
                                                                     with: "ExecStart=\(binary) ")
        XCTAssertTrue(unit.contains("ExecStart=\(binary) run --config /etc/ticd/ticd.json"))
        let path = root + "/ticd.service"
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run(analyze, ["verify", path])
        XCTAssertEqual(result.status, 0, result.output)
        let aboutOurUnit = result.output.split(separator: "\n").filter { $0.contains("ticd") }
        XCTAssertEqual(aboutOurUnit, [], result.output)
    }

    func testUnitIsANotifyServiceWithTheHardeningSet() throws {
        let settings = try serviceSettings()
        let expected = [
            "Type": "notify", "NotifyAccess": "main", "ExecStart": "/usr/local/bin/ticd run --config /etc/ticd/ticd.json",
            "ExecReload": "/bin/kill -HUP $MAINPID", "Restart": "on-failure", "WatchdogSec": "120",
            "TimeoutStopSec": "90", "User": "ticd", "Group": "ticd", "StateDirectory": "ticd",
            "RuntimeDirectory": "ticd", "RuntimeDirectoryMode": "0750", "CacheDirectory": "ticd",
            "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
            "NoNewPrivileges": "yes", "RestrictAddressFamilies": "AF_UNIX", "SystemCallFilter": "@system-service",
            "SystemCallArchitectures": "native", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
            "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
            "RestrictNamespaces": "yes", "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
            "MemoryDenyWriteExecute": "yes", "CapabilityBoundingSet": "", "UMask": "0027",
        ]
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(settings[key], [value], key)
        }
        XCTAssertNotNil(settings["LimitNOFILE"])
        XCTAssertEqual(settings.values.filter { $0.count > 1 }, [], "each key is set once")
    }

    func testExampleConfigLoadsAndAgreesWithTheUnit() throws {
        let config = try TicdConfig.load(SystemdUnitTests.systemdDirectory + "/ticd.json")
        XCTAssertEqual(config.stateDir, "/var/lib/ticd")
        XCTAssertEqual(config.inbox, "/var/lib/ticd/inbox")
        XCTAssertEqual(config.socket, "/run/ticd/ticd.sock")
        XCTAssertEqual(config.socketGroup, "ticd")
        XCTAssertNoThrow(try config.modelConfig(CLIPConfig.self).validate())
        let settings = try serviceSettings()
        XCTAssertEqual(settings["StateDirectory"].map { ["/var/lib/" + $0[0]] }, [config.stateDir])
        XCTAssertEqual(settings["RuntimeDirectory"].map { ["/run/" + $0[0]] },
                       [URL(fileURLWithPath: config.socket).deletingLastPathComponent().path])
        // The inbox is writable through StateDirectory=; a ReadWritePaths= for it would make it a mount of its
        // own and turn every ingest's rename into a copy.
        XCTAssertTrue(config.inbox.hasPrefix(config.stateDir + "/"))
        XCTAssertNil(settings["ReadWritePaths"])
        XCTAssertTrue(settings["ExecStart"]?.first?.hasSuffix("--config /etc/ticd/ticd.json") == true)
    }

    func testSysusersAndTmpfilesCreateTheUserAndTheInbox() throws {
        let sysusers = try systemdTool("systemd-sysusers")
        let tmpfiles = try systemdTool("systemd-tmpfiles")
        guard getuid() == 0 else { throw XCTSkip("systemd-tmpfiles --root needs root to set owners") }
        for directory in ["etc/sysusers.d", "etc/tmpfiles.d"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: SystemdUnitTests.systemdDirectory + "/ticd.sysusers",
                                         toPath: root + "/etc/sysusers.d/ticd.conf")
        try FileManager.default.copyItem(atPath: SystemdUnitTests.systemdDirectory + "/ticd.tmpfiles",
                                         toPath: root + "/etc/tmpfiles.d/ticd.conf")
        let users = try run(sysusers, ["--root=\(root)"])
        XCTAssertEqual(users.status, 0, users.output)
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        let entry = try XCTUnwrap(passwd.split(separator: "\n").first { $0.hasPrefix("ticd:") }, passwd)
        let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
        XCTAssertEqual(fields[5], "/var/lib/ticd")
        XCTAssertTrue(fields[6].hasSuffix("nologin"), String(entry))
        let created = try run(tmpfiles, ["--root=\(root)", "--create"])
        XCTAssertEqual(created.status, 0, created.output)
        for (path, mode) in [("/var/lib/ticd", 0o750 as mode_t), ("/var/lib/ticd/inbox", 0o2775)] {
            var status = stat()
            XCTAssertEqual(stat(root + path, &status), 0, path)
            XCTAssertEqual(status.st_mode & 0o7777, mode, path)
            XCTAssertEqual("\(status.st_uid)", String(fields[2]), path)
            XCTAssertEqual("\(status.st_gid)", String(fields[3]), path)
        }
    }
}

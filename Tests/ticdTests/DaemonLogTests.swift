import Foundation
import Glibc
import XCTest
@testable import ticd

final class DaemonLogTests: TemporaryDirectoryTestCase {
    /// An open file standing in for stderr, and the `$JOURNAL_STREAM` value that names it.
    private func outputFile(_ name: String = "stderr") throws -> (descriptor: Int32, stream: String) {
        let descriptor = open(root + "/" + name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        addTeardownBlock { close(descriptor) }
        var status = stat()
        XCTAssertEqual(fstat(descriptor, &status), 0)
        return (descriptor, "\(status.st_dev):\(status.st_ino)")
    }

    private func written(_ name: String = "stderr") -> String {
        String(decoding: FileManager.default.contents(atPath: root + "/" + name) ?? Data(), as: UTF8.self)
    }

    /// A log whose stderr is the journal's stream and whose journal is `journal`.
    private func journalLog(_ journal: String) throws -> DaemonLog {
        let output = try outputFile()
        let log = DaemonLog(environment: ["JOURNAL_STREAM": output.stream, "TICD_JOURNAL_SOCKET": journal],
                            output: output.descriptor)
        XCTAssertEqual(log.journalSocket, journal)
        return log
    }

    func testJournalStreamMatchesOnlyTheDescriptorItNames() throws {
        let stderrFile = try outputFile("a")
        let other = try outputFile("b")
        XCTAssertTrue(DaemonLog.isJournalStream(stderrFile.stream, descriptor: stderrFile.descriptor))
        XCTAssertFalse(DaemonLog.isJournalStream(stderrFile.stream, descriptor: other.descriptor))
        for malformed in [nil, "", "12", "12:", ":34", "a:b", "1:2:3"] {
            XCTAssertFalse(DaemonLog.isJournalStream(malformed, descriptor: stderrFile.descriptor), "\(malformed ?? "nil")")
        }
        XCTAssertFalse(DaemonLog.isJournalStream(stderrFile.stream, descriptor: -1))
    }

    func testJournalEntryCarriesPriorityMessageIdentifierCodeAndFields() throws {
        let journal = try DatagramReceiver(address: root + "/journal")
        let log = try journalLog(journal.address)
        log.log(.warning, "step 3 trained", fields: ["TICD_STEP": "3", "TICD_SLICE": "2019"],
                file: "ticd/Daemon.swift", line: 42)
        XCTAssertEqual(journal.receiveText(), """
            MESSAGE=step 3 trained
            PRIORITY=4
            SYSLOG_IDENTIFIER=ticd
            CODE_FILE=ticd/Daemon.swift
            CODE_LINE=42
            TICD_SLICE=2019
            TICD_STEP=3

            """)
        XCTAssertEqual(written(), "", "nothing goes to stderr while the journal takes entries")
        XCTAssertEqual(log.journalFailureCount, 0)
    }

    func testAMultiLineValueUsesTheBinarySafeForm() throws {
        let journal = try DatagramReceiver(address: root + "/journal")
        let log = try journalLog(journal.address)
        let message = "shard quarantined:\nbad tar header"
        log.log(.err, message, fields: ["TICD_REASON": "line 1\nline 2"], file: "f", line: 1)
        var expected = Array("MESSAGE\n".utf8)
        expected += withUnsafeBytes(of: UInt64(message.utf8.count).littleEndian, Array.init)
        expected += Array((message + "\nPRIORITY=3\nSYSLOG_IDENTIFIER=ticd\nCODE_FILE=f\nCODE_LINE=1\nTICD_REASON\n").utf8)
        expected += [13, 0, 0, 0, 0, 0, 0, 0] + Array("line 1\nline 2\n".utf8)
        XCTAssertEqual(journal.receive(), expected)
    }

    func testFieldNamesJournaldWouldRefuseAreLeftOut() throws {
        let journal = try DatagramReceiver(address: root + "/journal")
        let log = try journalLog(journal.address)
        log.log(.info, "m", fields: ["_PID": "1", "ticd_step": "3", "1STEP": "3", "TICD-STEP": "3", "PRIORITY": "0",
                                     String(repeating: "A", count: 65): "x", "TICD_OK": "yes"], file: "f", line: 1)
        XCTAssertEqual(journal.receiveText(), "MESSAGE=m\nPRIORITY=6\nSYSLOG_IDENTIFIER=ticd\nCODE_FILE=f\nCODE_LINE=1\nTICD_OK=yes\n")
        XCTAssertTrue(DaemonLog.isValidFieldName("TICD_STEP"))
        XCTAssertTrue(DaemonLog.isValidFieldName(String(repeating: "A", count: 64)))
        XCTAssertFalse(DaemonLog.isValidFieldName(""))
    }

    func testARefusedJournalEntryGoesToStderrWithAPriorityPrefix() throws {
        let log = try journalLog(root + "/no-journal")
        log.log(.err, "disk full\nwhile checkpointing", fields: ["TICD_STEP": "3"])
        XCTAssertEqual(written(), "<3>disk full\n<3>while checkpointing step=3\n")
        XCTAssertEqual(log.journalFailureCount, 1)
    }

    func testOnATerminalEachEntryIsOneReadableLine() throws {
        let journal = try DatagramReceiver(address: root + "/journal")
        let output = try outputFile()
        let log = DaemonLog(environment: ["JOURNAL_STREAM": "1:2", "TICD_JOURNAL_SOCKET": journal.address],
                            output: output.descriptor)
        XCTAssertNil(log.journalSocket)
        log.log(.warning, "slow step", fields: ["TICD_STEP": "3", "TICD_SLICE": "2019-03", "NOTE": "two words",
                                                "EMPTY": ""])
        log.log(.info, "idle")
        XCTAssertEqual(written(), """
            ticd[\(getpid())]: warning: slow step empty="" note="two words" slice=2019-03 step=3
            ticd[\(getpid())]: info: idle

            """)
        XCTAssertNil(journal.receive(), "a terminal run sends nothing to the journal")
    }

    func testTheDefaultOutputIsStderr() throws {
        let journal = try DatagramReceiver(address: root + "/journal")
        let file = try outputFile()
        let saved = dup(STDERR_FILENO)
        XCTAssertEqual(dup2(file.descriptor, STDERR_FILENO), STDERR_FILENO)
        let log = DaemonLog(environment: ["JOURNAL_STREAM": file.stream, "TICD_JOURNAL_SOCKET": journal.address])
        log.log(.notice, "started", fields: ["TICD_STEP": "0"], file: "f", line: 1)
        let terminal = DaemonLog(environment: [:], identifier: "ticd-test")
        terminal.log(.debug, "to stderr")
        dup2(saved, STDERR_FILENO)
        close(saved)
        XCTAssertEqual(journal.receiveText(),
                       "MESSAGE=started\nPRIORITY=5\nSYSLOG_IDENTIFIER=ticd\nCODE_FILE=f\nCODE_LINE=1\nTICD_STEP=0\n")
        XCTAssertEqual(written(), "ticd-test[\(getpid())]: debug: to stderr\n")
    }

    func testEntriesFromManyThreadsNeverInterleave() throws {
        let output = try outputFile()
        let log = DaemonLog(environment: [:], output: output.descriptor)
        let padding = String(repeating: "x", count: 300)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<100 {
                log.log(.info, "thread \(thread) entry \(index) \(padding)", fields: ["TICD_STEP": "\(index)"])
            }
        }
        let lines = written().split(separator: "\n")
        XCTAssertEqual(lines.count, 800)
        let pattern = try NSRegularExpression(pattern: "^ticd\\[\\d+\\]: info: thread (\\d) entry (\\d+) x{300} step=\\2$")
        for line in lines {
            let text = String(line)
            XCTAssertNotNil(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), text)
        }
    }
}

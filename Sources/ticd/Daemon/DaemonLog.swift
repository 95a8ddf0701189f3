import Foundation
import Glibc

/// The daemon's log: structured entries to the journal when systemd runs ticd, readable lines on a terminal.
///
/// Under systemd, stderr is a stream to journald and `$JOURNAL_STREAM` names it (`DEV:INODE`). Only when stderr
/// is still that stream (not redirected by the user) are entries sent with journald's native protocol, which
/// keeps fields such as `TICD_STEP` searchable (`journalctl -u ticd TICD_STEP=3`). If the journal socket refuses
/// an entry, it goes to stderr with a `<N>` priority prefix, which journald reads on its stream. Anywhere else
/// each entry is one line on stderr. One lock serialises every entry, so lines from different threads never
/// interleave.
final class DaemonLog: @unchecked Sendable {
    /// journald's socket for native entries.
    static let defaultJournalSocket = "/run/systemd/journal/socket"
    /// Fields every entry carries, set by the logger itself; a caller's field of the same name is dropped.
    static let standardFields: Set<String> = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE"]

    /// `SYSLOG_IDENTIFIER=`, and the name at the start of a terminal line.
    let identifier: String
    /// Where native journal entries go; nil when stderr is not the journal's stream.
    let journalSocket: String?

    private let output: Int32
    private let lock = NSLock()
    private var journalFailures = 0

    /// - Parameters:
    ///   - environment: `JOURNAL_STREAM`, and `TICD_JOURNAL_SOCKET` to send native entries elsewhere than
    ///     `defaultJournalSocket` (for tests).
    ///   - identifier: the program name entries carry.
    ///   - output: the descriptor lines are written to and compared with `$JOURNAL_STREAM`; stderr by default.
    init(environment: [String: String] = ProcessInfo.processInfo.environment, identifier: String = "ticd",
         output: Int32 = STDERR_FILENO) {
        self.identifier = identifier
        self.output = output
        journalSocket = DaemonLog.isJournalStream(environment["JOURNAL_STREAM"], descriptor: output)
            ? environment["TICD_JOURNAL_SOCKET"] ?? DaemonLog.defaultJournalSocket
            : nil
    }

    /// Entries the journal socket refused since start, each then written to stderr instead.
    var journalFailureCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return journalFailures
    }

    /// Writes one entry.
    ///
    /// - Parameters:
    ///   - priority: the syslog priority.
    ///   - message: the text; it may span lines.
    ///   - fields: extra journal fields, such as `TICD_SLICE` and `TICD_STEP`. A name journald would refuse (see
    ///     `isValidFieldName`) or one of `standardFields` is left out of the journal entry; every field still
    ///     appears in the text form.
    ///   - file: the source file, sent as `CODE_FILE`.
    ///   - line: the source line, sent as `CODE_LINE`.
    /// - C counterpart: `sd_journal_send(3)` under systemd, `fprintf(stderr, ...)` elsewhere.
    func log(_ priority: LogPriority, _ message: String, fields: [String: String] = [:],
             file: String = #fileID, line: Int = #line) {
        let sortedFields = fields.sorted { $0.key < $1.key }
        lock.lock()
        defer { lock.unlock() }
        guard let journalSocket else {
            write("\(identifier)[\(getpid())]: \(priority.label): \(message)\(DaemonLog.text(sortedFields))\n")
            return
        }
        var entry: [(name: String, value: String)] = [("MESSAGE", message), ("PRIORITY", String(priority.rawValue)),
                                         ("SYSLOG_IDENTIFIER", identifier), ("CODE_FILE", file),
                                         ("CODE_LINE", String(line))]
        entry += sortedFields.filter {
            DaemonLog.isValidFieldName($0.key) && !DaemonLog.standardFields.contains($0.key)
        }.map { (name: $0.key, value: $0.value) }
        do {
            try UnixSocket.sendDatagram(DaemonLog.journalDatagram(entry), to: journalSocket)
        } catch {
            journalFailures += 1
            let lines = (message + DaemonLog.text(sortedFields)).split(separator: "\n", omittingEmptySubsequences: false)
            write(lines.map { "<\(priority.rawValue)>\($0)\n" }.joined())
        }
    }

    /// Whether `descriptor` is the stream `$JOURNAL_STREAM` names, compared by device and inode as systemd says to.
    ///
    /// - Parameters:
    ///   - value: `$JOURNAL_STREAM`, `DEV:INODE` in decimal; nil when unset.
    ///   - descriptor: the descriptor to check, normally stderr.
    /// - C counterpart: `fstat(2)`, then `st_dev` and `st_ino` against the two numbers.
    static func isJournalStream(_ value: String?, descriptor: Int32) -> Bool {
        guard let parts = value?.split(separator: ":", omittingEmptySubsequences: false), parts.count == 2,
              let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// Whether journald accepts `name` from a client: 1 to 64 of `A-Z`, `0-9` and `_`, not starting with a digit,
    /// and not with `_`, which marks the fields only journald itself may set (`_PID`, `_UID`, ...).
    static func isValidFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), let first = bytes.first,
              first != UInt8(ascii: "_"), !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    /// One entry in journald's native protocol: `NAME=value\n` per field, or, for a value containing a newline,
    /// `NAME\n`, the value's length as a 64-bit little-endian integer, the value and `\n`.
    static func journalDatagram(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var datagram: [UInt8] = []
        for (name, value) in fields {
            datagram += name.utf8
            let bytes = Array(value.utf8)
            if bytes.contains(UInt8(ascii: "\n")) {
                datagram.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { datagram += $0 }
            } else {
                datagram.append(UInt8(ascii: "="))
            }
            datagram += bytes
            datagram.append(UInt8(ascii: "\n"))
        }
        return datagram
    }

    /// Fields as ` step=3 slice=2019-03` for text lines: lowercased, without the `TICD_` prefix, and quoted when a
    /// value is empty or holds a space, quote, `=` or control character, so the line still splits on spaces.
    private static func text(_ fields: [(key: String, value: String)]) -> String {
        fields.map { key, value in
            let name = (key.hasPrefix("TICD_") ? String(key.dropFirst(5)) : key).lowercased()
            let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
                $0.value > 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != "="
            }
            return " \(name)=\(plain ? value : quoted(value))"
        }.joined()
    }

    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Writes all of `text` with as few `write(2)` calls as the descriptor allows; a failure drops the rest, since
    /// there is nowhere left to report it.
    private func write(_ text: String) {
        Array(text.utf8).withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(output, raw.baseAddress! + offset, raw.count - offset)
                if count > 0 {
                    offset += count
                } else if count == 0 || errno != EINTR {
                    return
                }
            }
        }
    }
}

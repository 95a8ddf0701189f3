import Foundation
import Glibc
import XCTest
@testable import ticd

final class SystemdNotifierTests: TemporaryDirectoryTestCase {
    private func receiverAndNotifier(_ extra: [String: String] = [:]) throws -> (DatagramReceiver, SystemdNotifier) {
        let receiver = try DatagramReceiver(address: root + "/notify")
        let notifier = SystemdNotifier(environment: extra.merging(["NOTIFY_SOCKET": receiver.address]) { $1 })
        return (receiver, notifier)
    }

    func testReadySendsReadyStatusAndMainPIDInOneDatagram() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        XCTAssertTrue(notifier.isActive)
        notifier.ready(status: "idle, watching /var/lib/ticd/inbox")
        XCTAssertEqual(receiver.receiveText(),
                       "READY=1\nSTATUS=idle, watching /var/lib/ticd/inbox\nMAINPID=\(getpid())")
        XCTAssertNil(receiver.receiveText(), "one notification is one datagram")
    }

    func testStatusWatchdogAndStoppingSendTheirExactBytes() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        notifier.status("training step 3/8 (2019)")
        notifier.watchdog()
        notifier.stopping(status: "checkpointing step 3")
        notifier.stopping()
        XCTAssertEqual(receiver.drain(), ["STATUS=training step 3/8 (2019)", "WATCHDOG=1",
                                          "STOPPING=1\nSTATUS=checkpointing step 3", "STOPPING=1"])
        XCTAssertEqual(notifier.failureCount, 0)
    }

    func testAbstractNotifySocketReceivesNotifications() throws {
        let receiver = try DatagramReceiver(address: "@ticd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.address])
        XCTAssertTrue(notifier.isActive)
        notifier.ready(status: "idle")
        XCTAssertEqual(receiver.receiveText(), "READY=1\nSTATUS=idle\nMAINPID=\(getpid())")
    }

    func testAStatusStaysOnOneLineAndWithinTheLimit() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        notifier.status("shard rejected:\nbad header\r\nnext")
        XCTAssertEqual(receiver.receiveText(), "STATUS=shard rejected: bad header next")
        notifier.send(["STATUS=a\nREADY=1"])
        XCTAssertEqual(receiver.receiveText(), "STATUS=a READY=1", "a newline must not smuggle in an assignment")
        notifier.status(String(repeating: "é", count: 5000))
        let long = try XCTUnwrap(receiver.receiveText())
        XCTAssertEqual(long.utf8.count, "STATUS=".utf8.count + SystemdNotifier.maxStatusBytes)
        XCTAssertTrue(long.dropFirst("STATUS=".count).allSatisfy { $0 == "é" }, "cut at a character boundary")
    }

    func testReloadingCarriesTheMonotonicClockInMicroseconds() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        let before = SystemdNotifier.monotonicMicroseconds()
        notifier.reloading()
        let after = SystemdNotifier.monotonicMicroseconds()
        let lines = try XCTUnwrap(receiver.receiveText()).split(separator: "\n")
        XCTAssertEqual(lines.first, "RELOADING=1")
        XCTAssertEqual(lines.count, 2)
        let stamp = try XCTUnwrap(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        XCTAssertTrue(lines[1].hasPrefix("MONOTONIC_USEC="))
        XCTAssertTrue((before...after).contains(stamp), "\(stamp) not within \(before)...\(after)")
    }

    func testExtendTimeoutSendsMicroseconds() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        notifier.extendTimeout(seconds: 90)
        notifier.extendTimeout(seconds: 0.25)
        XCTAssertEqual(receiver.drain(), ["EXTEND_TIMEOUT_USEC=90000000", "EXTEND_TIMEOUT_USEC=250000"])
    }

    func testWatchdogIntervalComesFromWatchdogUSecForThisProcess() {
        XCTAssertEqual(SystemdNotifier(environment: ["WATCHDOG_USEC": "120000000"]).watchdogInterval, 120)
        XCTAssertEqual(SystemdNotifier(environment: ["WATCHDOG_USEC": "500000", "WATCHDOG_PID": "\(getpid())"])
                        .watchdogInterval, 0.5)
        XCTAssertNil(SystemdNotifier(environment: [:]).watchdogInterval)
        XCTAssertNil(SystemdNotifier(environment: ["WATCHDOG_USEC": "0"]).watchdogInterval)
        XCTAssertNil(SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogInterval)
    }

    func testWatchdogPIDOfAnotherProcessDisablesTheWatchdog() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": root + "/notify", "WATCHDOG_USEC": "120000000",
                                                     "WATCHDOG_PID": "\(getpid() + 1)"])
        XCTAssertNil(notifier.watchdogInterval)
        XCTAssertTrue(notifier.isActive, "notifications still go to systemd; only the watchdog is someone else's")
        XCTAssertNil(SystemdNotifier(environment: ["WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "x"]).watchdogInterval)
    }

    func testOutsideSystemdNothingIsSentAndNothingFails() {
        for environment in [[:], ["NOTIFY_SOCKET": "relative/notify"], ["NOTIFY_SOCKET": "@"],
                            ["NOTIFY_SOCKET": "vsock:2:1234"]] {
            let notifier = SystemdNotifier(environment: environment)
            XCTAssertFalse(notifier.isActive, "\(environment)")
            notifier.ready(status: "idle")
            XCTAssertEqual(notifier.failureCount, 0)
        }
    }

    func testAMissingSocketIsCountedNotThrown() {
        let path = root + "/gone"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.ready(status: "idle")
        notifier.watchdog()
        XCTAssertEqual(notifier.failureCount, 2)
        XCTAssertEqual(notifier.lastFailure, .system(call: "sendto", path: path, errno: ENOENT))
    }

    func testAReceiverThatStoppedReadingIsCountedNotWaitedFor() throws {
        let (receiver, notifier) = try receiverAndNotifier()
        let start = Date()
        // More than the kernel queues per receiver: 10 by default, 512 where systemd's sysctl.d raised it.
        let queue = (try? String(contentsOfFile: "/proc/sys/net/unix/max_dgram_qlen", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 512
        withExtendedLifetime(receiver) {
            for _ in 0..<(2 * queue + 100) { notifier.watchdog() }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "a full queue must not block the daemon")
        XCTAssertGreaterThan(notifier.failureCount, 0)
        XCTAssertEqual(notifier.lastFailure, .system(call: "sendto", path: root + "/notify", errno: EAGAIN))
    }
}

import Foundation
import Glibc
import Models
import Timeline
import XCTest
@testable import ticd

/// `ticd run` end to end: a real inbox, real inotify, real signals, the real socket, and a fake systemd.
final class DaemonIntegrationTests: TemporaryDirectoryTestCase {
    /// Collects every datagram the daemon sends to its NOTIFY_SOCKET, on a thread of its own (the kernel
    /// queues only a few).
    private final class NotifyCollector: @unchecked Sendable {
        private let receiver: DatagramReceiver
        private let lock = NSLock()
        private var received: [String] = []
        private var running = true

        init(path: String) throws {
            receiver = try DatagramReceiver(address: path)
            let thread = Thread { [self] in
                while lock.withLock({ running }) {
                    if let message = receiver.receiveText(timeout: 0.1) { lock.withLock { received.append(message) } }
                }
            }
            thread.start()
        }

        var messages: [String] { lock.withLock { received } }
        func stop() { lock.withLock { running = false } }
    }

    func testShardsDroppedMonthByMonthAreTrainedEvaluatedAndAnsweredOverTheSocket() throws {
        let source = try corpus("corpus", years: "2014-2016")
        let (config, socket) = try writeConfig("run", samples: 16384)
        let inbox = root + "/run/inbox"
        let notify = try NotifyCollector(path: root + "/notify.sock")
        defer { notify.stop() }
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root,
                                           environment: ["NOTIFY_SOCKET": root + "/notify.sock", "WATCHDOG_USEC": "1000000"])
        try daemon.waitUntilReady()

        let firstTar = try XCTUnwrap(try tars(in: source + "/2014-03").first)
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: source + "/2014-03/" + firstTar))
        _ = FileManager.default.createFile(atPath: root + "/cut.tar", contents: whole.prefix(whole.count / 3))
        for (i, month) in try months(in: source).enumerated() {
            let directory = source + "/" + month
            if month.hasPrefix("2015") && i % 2 == 0 {
                // A producer that writes in place, slowly: half, a pause, the rest; nothing marks it done,
                // so only the quiet period admits it.
                try FileManager.default.createDirectory(atPath: inbox + "/" + month, withIntermediateDirectories: true)
                for tar in try tars(in: directory) {
                    let bytes = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/" + tar))
                    // open(2), not FileManager.createFile, which writes a temporary file and renames it in.
                    let fd = open(inbox + "/" + month + "/" + tar, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    XCTAssertGreaterThanOrEqual(fd, 0)
                    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
                    try handle.write(contentsOf: bytes.prefix(bytes.count / 2))
                    usleep(400_000)
                    try handle.write(contentsOf: bytes.dropFirst(bytes.count / 2))
                    try handle.close()
                }
            } else if month.hasPrefix("2015") {
                // Written in place, then a marker beside it says it is complete.
                try FileManager.default.createDirectory(atPath: inbox + "/" + month, withIntermediateDirectories: true)
                for tar in try tars(in: directory) {
                    try FileManager.default.copyItem(atPath: directory + "/" + tar, toPath: inbox + "/" + month + "/" + tar)
                    close(open(inbox + "/" + month + "/" + tar + ".ok", O_WRONLY | O_CREAT, 0o644))
                }
            } else {
                XCTAssertEqual(rename(directory, inbox + "/" + month), 0)
            }
        }
        // A hostile shard: cut short, renamed in.
        XCTAssertEqual(rename(root + "/cut.tar", inbox + "/2015-06-cut.tar"), 0)

        // 2016 has no later month, so it trains only when asked.
        try daemon.waitUntil("2016 ingested", timeout: 120) {
            let status = try daemon.status()
            return status["slices"] as? Int == 36 && status["pending_shards"] as? Int == 0
        }
        XCTAssertEqual(try daemon.query("/v0/train", method: "POST").status, 202)

        // Many clients at once while a step trains: every one is answered, and training goes on.
        try daemon.waitUntil("a step training", timeout: 120) { (try daemon.status()["state"] as? String) == "training" }
        let answered = ConcurrentCounter()
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            if let (status, _) = try? daemon.query("/v0/robustness"), status == 200 { answered.add() }
        }
        XCTAssertEqual(answered.value, 100)

        try daemon.waitUntil("three steps evaluated on every year", timeout: 120) {
            let eval = try XCTUnwrap(daemon.query("/v0/eval").json as? [String: Any])
            let matrix = eval["matrix"] as? [[Any]] ?? []
            return matrix.count == 3 && matrix.allSatisfy { $0.count == 3 && $0.allSatisfy { $0 is NSNumber } }
        }
        let eval = try XCTUnwrap(daemon.query("/v0/eval").json as? [String: Any])
        XCTAssertEqual(eval["rows"] as? [String], ["2014", "2015", "2016"])
        XCTAssertEqual(eval["columns"] as? [String], ["2014", "2015", "2016"])
        let robustness = try XCTUnwrap(daemon.query("/v0/robustness").json as? [String: Any])
        let rows = try XCTUnwrap(robustness["checkpoints"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["step"] as? String }, ["2014", "2015", "2016"])
        XCTAssertEqual((rows[2]["forgetting"] as? [String: Any])?.keys.sorted(), ["2014", "2015"])
        XCTAssertNotNil(rows[0]["forward"] as? Double, "2014's checkpoint is scored on the years after it")
        XCTAssertNotNil((rows[1]["newest"] as? [String: Any])?["gap"] as? Double)
        XCTAssertNotNil(rows[1]["trained_mean"] as? Double)
        let compute = try XCTUnwrap(rows[2]["compute"] as? [String: Any])
        XCTAssertGreaterThan(compute["cumulative_flops"] as? Double ?? 0, compute["flops"] as? Double ?? .infinity)

        let shards = try XCTUnwrap(daemon.query("/v0/shards").json as? [[String: Any]])
        XCTAssertEqual(shards.filter { $0["state"] as? String == "quarantined" }.count, 1, "only the cut shard")
        XCTAssertEqual(shards.filter { $0["state"] as? String == "ready" }.count, 36,
                       "the shards written in place slowly were taken whole, never half")
        let metrics = String(decoding: try SocketClient.request(socket: socket, method: "GET", path: "/metrics").body,
                             as: UTF8.self)
        XCTAssertTrue(metrics.contains("ticd_shards_ingested_total{outcome=\"accepted\"} 36"), metrics)
        XCTAssertTrue(metrics.contains("ticd_eval_metric{metric=\"mean_recall@1\",slice_group=\"2014\",step=\"2016\"}"), metrics)
        XCTAssertTrue(metrics.contains("ticd_blas_info{core="), metrics)
        XCTAssertTrue(metrics.contains("ticd_shards{state=\"quarantined\"} 1"), metrics)
        XCTAssertEqual(try daemon.status()["shards"] as? [String: Int], ["ready": 36, "quarantined": 1])
        let report = String(decoding: try SocketClient.request(socket: socket, method: "GET", path: "/v0/report").body,
                            as: UTF8.self)
        XCTAssertTrue(report.hasPrefix("<!DOCTYPE html>"), String(report.prefix(200)))
        XCTAssertEqual(report.components(separatedBy: "data-col=").count - 1, 9, "one heatmap cell per matrix entry")

        XCTAssertEqual(daemon.stop(), 0, daemon.log)
        notify.stop()
        let messages = notify.messages
        XCTAssertEqual(messages.first, "EXTEND_TIMEOUT_USEC=600000000", "recovery may take longer than the start timeout")
        XCTAssertTrue(messages.dropFirst().first?.contains("READY=1") == true, "\(messages.prefix(3))")
        XCTAssertTrue(messages.contains { $0.contains("STATUS=training step") }, "\(messages.prefix(20))")
        XCTAssertTrue(messages.contains { $0.contains("STATUS=evaluating") }, "\(messages.prefix(20))")
        XCTAssertTrue(messages.contains("WATCHDOG=1"))
        XCTAssertTrue(messages.last?.contains("STOPPING=1") == true, "\(messages.suffix(3))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "the socket file is removed on stop")
    }

    func testSIGTERMMidStepThenRestartEndsWithTheSameWeightsAsAnUninterruptedRun() throws {
        let source = try corpus("corpus", years: "2014-2015")
        // Steps 2014 and 2015 are complete once 2016-01 is in.
        let extra = try corpus("extra", years: "2016", perMonth: 8)
        for name in ["straight", "stopped"] {
            _ = try writeConfig(name, samples: 1024, extra: ", \"checkpoint_every_s\": 0.01")
            for month in try months(in: source) {
                try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/\(name)/inbox/" + month)
            }
            try FileManager.default.copyItem(atPath: extra + "/2016-01", toPath: root + "/\(name)/inbox/2016-01")
        }
        let evaluatedTwo = { (d: TicdDaemonProcess) throws -> Bool in
            (try d.status()["step_states"] as? [String: Int])?["evaluated"] == 2
        }
        let straight = try TicdDaemonProcess(config: root + "/straight/config.json", socket: root + "/straight/ticd.sock",
                                             logDirectory: root)
        try straight.waitUntilReady()
        try straight.waitUntil("two steps", timeout: 300) { try evaluatedTwo(straight) }
        XCTAssertEqual(straight.stop(), 0)

        // SIGTERM arrives after batch 5 of the first step, as systemd sends it mid-step.
        let first = try TicdDaemonProcess(config: root + "/stopped/config.json", socket: root + "/stopped/ticd.sock",
                                          logDirectory: root, environment: ["TICD_SIGTERM_AFTER_BATCH": "5"])
        XCTAssertEqual(first.waitForExit(timeout: 300), 0, first.log)
        XCTAssertTrue(first.log.contains("stopped after batch 5"), first.log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/stopped/state/checkpoints/step_0001_2014.partial.ckpt"))
        let second = try TicdDaemonProcess(config: root + "/stopped/config.json", socket: root + "/stopped/ticd.sock",
                                           logDirectory: root)
        try second.waitUntilReady()
        try second.waitUntil("two steps after the restart", timeout: 300) { try evaluatedTwo(second) }
        XCTAssertTrue(second.log.contains("resuming 2014 at batch 5"), second.log)
        XCTAssertEqual(second.stop(), 0)
        try assertSameWeights(root + "/straight/state", root + "/stopped/state", steps: ["step_0001_2014", "step_0002_2015"])
    }

    func testAStartFinishesAnEvaluationThatTheLastRunLeftHalfDone() throws {
        let source = try corpus("corpus", years: "2014-2015", perMonth: 8)
        let (config, socket) = try writeConfig("half", samples: 512)
        for month in try months(in: source) {
            try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/half/inbox/" + month)
        }
        let extra = try corpus("extra", years: "2016", perMonth: 4)
        try FileManager.default.copyItem(atPath: extra + "/2016-01", toPath: root + "/half/inbox/2016-01")
        let first = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try first.waitUntilReady()
        try first.waitUntil("two steps", timeout: 120) {
            (try first.status()["step_states"] as? [String: Int])?["evaluated"] == 2
        }
        XCTAssertEqual(first.stop(), 0)
        // As if the last run died after training 2015 and scoring it on 2015 only.
        let database = try SQLiteDatabase(path: root + "/half/state/catalog.sqlite")
        try database.execute("""
            DELETE FROM eval_results WHERE slice_group = '2014'
              AND checkpoint_id = (SELECT c.id FROM checkpoints c JOIN steps s ON c.step_id = s.id WHERE s.label = '2015');
            UPDATE steps SET state = 'trained' WHERE label = '2015';
            """)
        let second = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try second.waitUntilReady()
        try second.waitUntil("the evaluation finished", timeout: 120) {
            (try second.status()["step_states"] as? [String: Int])?["evaluated"] == 2
        }
        let eval = try XCTUnwrap(second.query("/v0/eval").json as? [String: Any])
        let matrix = try XCTUnwrap(eval["matrix"] as? [[Any]])
        XCTAssertTrue(matrix[1][0] is NSNumber, "2015's checkpoint is scored on 2014 again: \(matrix)")
        XCTAssertTrue(second.log.contains("eval 2015 on 2014"), second.log)
        XCTAssertFalse(second.log.contains("eval 2015 on 2015"), "cells already there are not redone")
        XCTAssertEqual(second.stop(), 0)
    }

    func testAGroupTrainedEarlyIsRescoredWhenTheRestOfItsMonthsArrive() throws {
        let source = try corpus("corpus", years: "2014-2015", perMonth: 8)
        let (config, socket) = try writeConfig("early", samples: 512)
        let all = try months(in: source)
        let (early, late) = (all.filter { $0 < "2015-07" }, all.filter { $0 >= "2015-07" })
        for month in early {
            try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/early/inbox/" + month)
        }
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try daemon.waitUntilReady()
        try daemon.waitUntil("the first half of 2015", timeout: 120) { (try daemon.status()["slices"] as? Int) == 18 }
        XCTAssertEqual(try daemon.query("/v0/train", method: "POST").status, 202)
        try daemon.waitUntil("2015 trained on half its months", timeout: 120) {
            (try daemon.status()["step_states"] as? [String: Int])?["evaluated"] == 2
        }
        func heldOut() throws -> [Double] {
            let eval = try XCTUnwrap(daemon.query("/v0/eval").json as? [String: Any])
            let detail = try XCTUnwrap(eval["detail"] as? [String: [String: [String: Double]]])
            return ["2014", "2015"].compactMap { detail[$0]?["2015"]?["held_out_samples"] }
        }
        let before = try heldOut()
        XCTAssertEqual(before.count, 2)
        for month in late {
            // A producer's burst, a little spread out: each month lands while the last one's rescoring could run.
            XCTAssertEqual(rename(source + "/" + month, root + "/early/inbox/" + month), 0)
            usleep(300_000)
        }
        try daemon.waitUntil("the 2015 column rescored on the whole year", timeout: 120) {
            let after = try heldOut()
            return after.count == 2 && zip(after, before).allSatisfy { $0 > $1 }
        }
        // Once after training early, once after the burst of six months settled: not once per shard.
        XCTAssertEqual(daemon.log.components(separatedBy: "eval 2015 on 2015").count - 1, 2, daemon.log)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testABacklogIsIngestedWholeBeforeTheStepItCompletesIsPlanned() throws {
        // DataComp-style names say nothing of the month, so the inbox's order is not time order: the shard that
        // completes 2015 (January 2016) is read first, and the twelve months of 2015 after it.
        let source = try corpus("corpus", years: "2015", perMonth: 8)
        let extra = try corpus("extra", years: "2016", perMonth: 8)
        let (config, socket) = try writeConfig("backlog", samples: 512)
        try FileManager.default.copyItem(atPath: extra + "/2016-01", toPath: root + "/backlog/inbox/a")
        for (i, month) in try months(in: source).enumerated() {
            try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/backlog/inbox/b\(i + 10)")
        }
        // A backlog that has sat in the inbox: every file is complete at the first look, so the daemon takes
        // them up as one batch (fresh files could come complete in two looks, a few milliseconds apart).
        for path in FileManager.default.subpaths(atPath: root + "/backlog/inbox") ?? [] where path.hasSuffix(".tar") {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)],
                                                  ofItemAtPath: root + "/backlog/inbox/" + path)
        }
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try daemon.waitUntilReady()
        try daemon.waitUntil("step 2015", timeout: 120) {
            (try daemon.status()["step_states"] as? [String: Int])?["evaluated"] == 1
        }
        let plan = try XCTUnwrap(daemon.query("/v0/plan?step=1").json as? [String: Any])
        XCTAssertEqual((plan["keep"] as? [String: Int])?.keys.sorted(), (1...12).map { String(format: "2015-%02d", $0) },
                       "the step trained on every month of its group, not on those ingested before it was planned")
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAMonthRenamedInWhileEarlierOnesSitOutTheirQuietPeriodWaitsForThem() throws {
        let source = try corpus("corpus", years: "2015", perMonth: 8)
        let extra = try corpus("extra", years: "2016", perMonth: 8)
        let (config, socket) = try writeConfig("order", samples: 512, quietPeriod: 4)
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try daemon.waitUntilReady()
        let all = try months(in: source)
        XCTAssertEqual(rename(source + "/" + all[0], root + "/order/inbox/" + all[0]), 0)
        try daemon.waitUntil("January 2015", timeout: 60) { (try daemon.status()["slices"] as? Int) == 1 }
        // The rest of 2015 written in place (each month complete only after quiet_period_s), then January 2016
        // renamed in, complete at once: the month that completes 2015 is ingested first.
        for month in all.dropFirst() {
            let tar = try XCTUnwrap(try tars(in: source + "/" + month).first)
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: source + "/" + month + "/" + tar))
            try FileManager.default.createDirectory(atPath: root + "/order/inbox/" + month, withIntermediateDirectories: true)
            let fd = open(root + "/order/inbox/" + month + "/" + tar, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
            close(fd)
        }
        XCTAssertEqual(rename(extra + "/2016-01", root + "/order/inbox/2016-01"), 0)
        try daemon.waitUntil("2015 complete, waiting for its months in the inbox", timeout: 30) {
            let status = try daemon.status()
            return status["waiting_for_inbox"] as? String == "2015"
                && (status["summary"] as? String ?? "").contains("2015 waits for the inbox to settle")
        }
        try daemon.waitUntil("step 2015", timeout: 120) {
            (try daemon.status()["step_states"] as? [String: Int])?["evaluated"] == 1
        }
        let plan = try XCTUnwrap(daemon.query("/v0/plan?step=1").json as? [String: Any])
        XCTAssertEqual((plan["keep"] as? [String: Int])?.keys.sorted(), (1...12).map { String(format: "2015-%02d", $0) },
                       daemon.log)
        XCTAssertNil(try daemon.status()["waiting_for_inbox"])
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAWedgedTrainerStopsTheWatchdogPingsWhileTheSocketStillAnswers() throws {
        let source = try corpus("corpus", years: "2014-2015", perMonth: 8)
        let (config, socket) = try writeConfig("wedge", samples: 4096)
        for month in try months(in: source) {
            try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/wedge/inbox/" + month)
        }
        let notify = try NotifyCollector(path: root + "/notify.sock")
        defer { notify.stop() }
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root,
                                           environment: ["NOTIFY_SOCKET": root + "/notify.sock", "WATCHDOG_USEC": "1000000",
                                                         "TICD_WEDGE_AFTER_BATCH": "3"])
        try daemon.waitUntilReady()
        try daemon.waitUntil("the trainer to hang", timeout: 120) {
            (try daemon.status()["stale_loops"] as? [String]) == ["work"]
        }
        let pings = notify.messages.filter { $0 == "WATCHDOG=1" }.count
        XCTAssertGreaterThan(pings, 0, "the loops pinged while they worked")
        sleep(3)
        XCTAssertEqual(notify.messages.filter { $0 == "WATCHDOG=1" }.count, pings,
                       "three watchdog intervals without a ping: systemd would kill and restart the service")
        XCTAssertEqual(try daemon.status()["state"] as? String, "training", "the socket still answers")
        XCTAssertEqual(daemon.stop(signal: SIGKILL), 128 + SIGKILL)
    }

    func testSIGHUPAppliesTheSafeKeysAndDefersTheRest() throws {
        let (config, socket) = try writeConfig("reload", samples: 64)
        let notify = try NotifyCollector(path: root + "/notify.sock")
        defer { notify.stop() }
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root,
                                           environment: ["NOTIFY_SOCKET": root + "/notify.sock"])
        try daemon.waitUntilReady()
        var text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: config)), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"quiet_period_s\": 1.5", with: "\"quiet_period_s\": 7")
            .replacingOccurrences(of: "\"policy\": \"cumulative-all\"", with: "\"policy\": \"sequential\"")
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        XCTAssertEqual(kill(daemon.pid, SIGHUP), 0)
        try daemon.waitUntil("the reload", timeout: 30) { daemon.log.contains("reload: quiet_period_s applied") }
        XCTAssertTrue(daemon.log.contains("reload: policy changed"), daemon.log)
        XCTAssertEqual(try daemon.status()["policy"] as? String, "cumulative-all", "policy waits for a restart")

        // A config that no longer reads is refused; the daemon keeps running on the old one.
        try Data("{\"bogus_key\": 1}".utf8).write(to: URL(fileURLWithPath: config))
        XCTAssertEqual(kill(daemon.pid, SIGHUP), 0)
        try daemon.waitUntil("the refused reload", timeout: 30) { daemon.log.contains("reload refused") }
        XCTAssertTrue(daemon.log.contains("bogus_key"), daemon.log)
        XCTAssertEqual(daemon.stop(), 0)
        notify.stop()
        XCTAssertTrue(notify.messages.contains { $0.hasPrefix("RELOADING=1") }, "\(notify.messages)")
        XCTAssertEqual(notify.messages.filter { $0.hasPrefix("READY=1") }.count, 3, "after start and after each reload")
    }

    func testOneWriterPerStateDirectoryAndStrictRequestBodies() throws {
        let (config, socket) = try writeConfig("strict", samples: 64)
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try daemon.waitUntilReady()
        let ingest = try Ticd.run(["ingest", "--state", root + "/strict/state", root + "/strict/inbox"])
        XCTAssertEqual(ingest.status, 1)
        XCTAssertTrue(ingest.stderr.contains("in use by pid \(daemon.pid) (ticd run)"), ingest.stderr)
        let second = try Ticd.run(["run", "--config", config, "--socket", root + "/strict/other.sock"])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("in use by pid \(daemon.pid)"), second.stderr)

        XCTAssertEqual(try daemon.query("/v0/train", method: "POST").status, 409, "nothing to train on yet")
        XCTAssertEqual(try daemon.query("/v0/train", method: "POST", body: #"{"step": true}"#).status, 400)
        XCTAssertEqual(try daemon.query("/v0/evaluate", method: "POST", body: #"{"redo": 1}"#).status, 400)
        XCTAssertEqual(try daemon.query("/v0/evaluate", method: "POST", body: "[1]").status, 400)
        XCTAssertEqual(try daemon.query("/v0/evaluate", method: "POST", body: #"{"redo": false}"#).status, 202)
        XCTAssertEqual(try daemon.query("/v0/status", method: "POST").status, 405)
        XCTAssertEqual(try daemon.query("/v0/nothing").status, 404)
        XCTAssertEqual(daemon.stop(), 0)
        XCTAssertEqual(try Ticd.run(["ingest", "--state", root + "/strict/state", root + "/strict/inbox"]).status, 0,
                       "free again once the daemon stopped")
    }

    func testAWriteFromAForeignUIDIsRefusedAndAReadIsNot() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            throw XCTSkip("needs root, setpriv and curl to act as another uid")
        }
        let (config, socket) = try writeConfig("foreign", samples: 64)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/foreign")
        let daemon = try TicdDaemonProcess(config: config, socket: socket, logDirectory: root)
        try daemon.waitUntilReady()
        // As if uid 65534 were in the socket's group: it may connect, but not change anything.
        XCTAssertEqual(chmod(socket, 0o666), 0)
        func curl(_ method: String, _ path: String) throws -> String {
            let output = root + "/curl-\(UInt32.random(in: 0...UInt32.max)).out"
            let task = Process()
            task.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            task.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/curl", "-s",
                              "-X", method, "-w", " %{http_code}", "--unix-socket", socket,
                              "http://localhost" + path]
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            task.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            try task.run()
            task.waitUntilExit()
            return String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
        }
        let refused = try curl("POST", "/v0/pause")
        XCTAssertTrue(refused.hasSuffix(" 403"), refused)
        XCTAssertTrue(refused.contains("uid 65534 may not pause"), refused)
        XCTAssertEqual(try daemon.status()["paused"] as? Bool, false)
        XCTAssertTrue(try curl("GET", "/v0/status").hasSuffix(" 200"))
        XCTAssertEqual(try daemon.query("/v0/pause", method: "POST").status, 200, "the daemon's own uid may")
        XCTAssertEqual(try daemon.status()["paused"] as? Bool, true)
        XCTAssertEqual(daemon.stop(), 0)
    }
}

/// A thread-safe counter for concurrent clients.
final class ConcurrentCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

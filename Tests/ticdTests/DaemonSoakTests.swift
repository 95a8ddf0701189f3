import Foundation
import Glibc
import Models
import Timeline
import XCTest
@testable import ticd

/// `make soak` (not part of `make test`): `ticd run` under a producer that drops months at random moments and
/// in random ways, with hostile and duplicate shards among them, while a supervisor kills it at random moments —
/// SIGKILL, SIGTERM, or a crash injected inside ingest — and starts it again, for `TICD_SOAK_SECONDS`
/// (default 300). At the end the state must equal that of a daemon that saw the same months once, without an
/// interruption: the same shards ready, none counted twice, every hostile shard quarantined, nothing left in
/// the inbox, the same evaluation matrix and bit-identical weights for every step.
///
/// Each run prints its seed; `TICD_SOAK_SEED=N` repeats it (the schedule, not the kernel's timing). A failing
/// run keeps its temporary directory and prints where it is.
final class DaemonSoakTests: TemporaryDirectoryTestCase {
    private var keepRoot = false

    override func tearDown() {
        if keepRoot || (testRun?.failureCount ?? 0) > 0 {
            print("soak: kept \(root) for inspection")
        } else {
            super.tearDown()
        }
    }

    /// How the producer delivers one month.
    private enum Delivery: String, CaseIterable {
        /// Written elsewhere, renamed into the inbox: complete at once.
        case renamed
        /// Written in place in slow chunks: complete after the quiet period.
        case inPlace = "in place"
        /// Written in place, then an img2dataset `_stats.json` marker: complete at the marker.
        case marker
    }

    private enum Kill: CaseIterable { case sigkill, sigterm }

    func testTheDaemonKilledAtRandomMomentsEndsAsIfNeverInterrupted() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["TICD_SOAK_SECONDS"].flatMap(Double.init) ?? 300
        let seed = environment["TICD_SOAK_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970)
        print("soak: seed \(seed) (TICD_SOAK_SEED=\(seed) repeats the schedule), at least \(Int(seconds)) s")
        var rng = SplitMix64RNG(seed: seed)
        let quiet = 0.5
        // Frequent checkpoints, so a SIGKILL mid-step resumes from a partial one, not only from the start.
        let extra = ", \"checkpoint_every_s\": 0.3"

        let source = try corpus("corpus", years: "2014-2017", perMonth: 8)
        let all = try months(in: source)
        // Half-year steps: seven complete (2014 H1 to 2017 H1), 2017 H2 stays open.
        let steps = 7, stepUnit = "months:6"

        // The reference: every month in the inbox from the start, one uninterrupted run.
        let reference = try writeConfig("reference", samples: 65536, quietPeriod: quiet, stepUnit: stepUnit,
                                    extra: extra)
        for month in all {
            try FileManager.default.copyItem(atPath: source + "/" + month, toPath: root + "/reference/inbox/" + month)
        }
        let straight = try TicdDaemonProcess(config: reference.config, socket: reference.socket, logDirectory: root)
        try straight.waitUntilReady()
        try straight.waitUntil("the reference run", timeout: 600) { try self.isDone(straight, steps: steps) }
        XCTAssertEqual(straight.stop(), 0)

        let soak = try writeConfig("soak", samples: 65536, quietPeriod: quiet, stepUnit: stepUnit, extra: extra)
        let inbox = root + "/soak/inbox"
        let staging = root + "/staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var next = 0, cycle = 0, hostile = 0, duplicates = 0
        var tally: [String: Int] = [:]
        let start = Date()
        while next < all.count || Date().timeIntervalSince(start) < seconds {
            cycle += 1
            var env: [String: String?] = [:]
            if rng.nextInt(below: 6) == 0 {
                let phases = Ingestor.Phase.allCases
                env["TICD_CRASH_AT"] = phases[rng.nextInt(below: phases.count)].rawValue
            }
            let daemon = try TicdDaemonProcess(config: soak.config, socket: soak.socket, logDirectory: root, environment: env)
            var story: [String] = []
            for _ in 0..<(next < all.count ? rng.nextInt(below: 4) : 0) where next < all.count {
                let how = Delivery.allCases[rng.nextInt(below: Delivery.allCases.count)]
                try deliver(source + "/" + all[next], into: inbox, as: "m-" + all[next], how: how, quiet: quiet,
                            staging: staging)
                story.append("\(all[next]) \(how.rawValue)")
                next += 1
            }
            if rng.nextInt(below: 4) == 0 {
                if next > 0, rng.nextInt(below: 3) == 0 {
                    // The same bytes again under another name: a duplicate, never counted twice.
                    duplicates += 1
                    let month = all[rng.nextInt(below: next)]
                    let tar = try XCTUnwrap(try tars(in: source + "/" + month).first)
                    try copyByRename(source + "/" + month + "/" + tar, to: inbox + "/again-\(duplicates).tar", staging: staging)
                    story.append("a copy of \(month)")
                } else {
                    hostile += 1
                    try copyByRename(try hostileShard(hostile, from: source + "/" + all[hostile % all.count], rng: &rng),
                                     to: inbox + "/hostile-\(hostile).tar", staging: staging)
                    story.append("hostile \(hostile)")
                }
            }
            usleep(UInt32(rng.nextInt(below: 3000)) * 1000)
            let state = (try? daemon.status()).map { ($0["summary"] as? String) ?? "?" } ?? "not answering"
            let kill = Kill.allCases[rng.nextInt(below: Kill.allCases.count)]
            let status = daemon.stop(signal: kill == .sigkill ? SIGKILL : SIGTERM, timeout: 90)
            switch (kill, status) {
            case (.sigkill, 128 + SIGKILL), (_, 70):
                break
            case (.sigterm, 0), (.sigterm, 128 + SIGTERM):
                break  // 128 + SIGTERM: the signal came before the daemon had set up its handling.
            default:
                XCTFail("cycle \(cycle): \(kill) gave exit status \(status.map(String.init) ?? "none (hung)")\n\(daemon.log)")
                keepRoot = true
                return
            }
            let word = status == 70 ? "crashed at \(env["TICD_CRASH_AT"].flatMap { $0 } ?? "?")" : "\(kill)"
            let phase = state == "not answering" ? state : String(state.prefix { $0 != " " && $0 != ";" })
            tally[status == 70 ? "injected crash" : "\(kill) while \(phase)", default: 0] += 1
            print("soak: cycle \(cycle) [\(Int(Date().timeIntervalSince(start))) s] \(story.joined(separator: ", ")); "
                  + "\(word) while \(state)")
        }

        // The last start runs to the end.
        let last = try TicdDaemonProcess(config: soak.config, socket: soak.socket, logDirectory: root)
        try last.waitUntilReady(timeout: 120)
        try last.waitUntil("the soaked run to finish", timeout: 900) { try self.isDone(last, steps: steps) }
        XCTAssertEqual(last.stop(), 0)
        print("soak: \(cycle) cycles in \(Int(Date().timeIntervalSince(start))) s; \(all.count) months, "
              + "\(hostile) hostile shards, \(duplicates) duplicates; "
              + tally.sorted { $0.key < $1.key }.map { "\($0.value)x \($0.key)" }.joined(separator: ", "))

        try compare(root + "/soak/state", with: root + "/reference/state", hostile: hostile, inbox: inbox)
    }

    /// Every step trained and evaluated on every complete group, and nothing left to ingest.
    private func isDone(_ daemon: TicdDaemonProcess, steps: Int) throws -> Bool {
        let status = try daemon.status()
        guard (status["step_states"] as? [String: Int])?["evaluated"] == steps,
              status["state"] as? String == "idle", status["pending_shards"] as? Int == 0 else { return false }
        let eval = try XCTUnwrap(daemon.query("/v0/eval").json as? [String: Any])
        let detail = eval["detail"] as? [String: [String: Any]] ?? [:]
        return detail.count == steps && detail.values.allSatisfy { $0.count == steps }
    }

    private func compare(_ state: String, with reference: String, hostile: Int, inbox: String) throws {
        let soaked = try Catalog(path: state + "/catalog.sqlite")
        let straight = try Catalog(path: reference + "/catalog.sqlite")
        XCTAssertEqual(Set(try soaked.shards(state: .ready).map(\.sha256)), Set(try straight.shards(state: .ready).map(\.sha256)),
                       "the same shards are ready, each once")
        XCTAssertEqual(try soaked.shards(state: .ready).count, try straight.shards(state: .ready).count)
        XCTAssertEqual(try soaked.slices(), try straight.slices(), "per-month train/eval counts")
        XCTAssertEqual(try soaked.shards(state: .quarantined).count, hostile, "every hostile shard quarantined once")
        let left = FileManager.default.enumerator(atPath: inbox)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".tar") } ?? []
        XCTAssertEqual(left, [], "shards left in the inbox")

        func cells(_ catalog: Catalog) throws -> [String: Double] {
            let label = Dictionary(uniqueKeysWithValues: try catalog.checkpoints().map { ($0.id, $0.stepLabel) })
            return Dictionary(uniqueKeysWithValues: try catalog.evalResults().map {
                ("\(label[$0.checkpointID] ?? "?") on \($0.sliceGroup)", $0.value ?? .nan)
            })
        }
        let (a, b) = (try cells(soaked), try cells(straight))
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (cell, value) in b {
            // A group with one held-out sample has no retrieval score (NaN here) in either run.
            if value.isNaN { XCTAssertTrue(a[cell]?.isNaN ?? false, cell); continue }
            XCTAssertEqual(a[cell] ?? .nan, value, accuracy: 1e-9, cell)
        }
        let steps = try straight.checkpoints().filter(\.accepted).map { ($0.path as NSString).lastPathComponent }
        try assertSameWeights(reference, state, steps: steps.map { ($0 as NSString).deletingPathExtension })
    }

    // MARK: - The producer

    private func deliver(_ month: String, into inbox: String, as name: String, how: Delivery, quiet: Double,
                         staging: String) throws {
        let tar = try XCTUnwrap(try tars(in: month).first)
        switch how {
        case .renamed:
            try copyByRename(month + "/" + tar, to: inbox + "/" + name + "/" + tar, staging: staging)
        case .inPlace, .marker:
            try FileManager.default.createDirectory(atPath: inbox + "/" + name, withIntermediateDirectories: true)
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: month + "/" + tar))
            // open(2) in place: FileManager.createFile would write an empty file elsewhere and rename it in.
            let fd = open(inbox + "/" + name + "/" + tar, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
            let chunk = (bytes.count + 3) / 4
            var last = Date()
            for offset in stride(from: 0, to: bytes.count, by: chunk) {
                try handle.write(contentsOf: bytes[offset..<min(bytes.count, offset + chunk)])
                usleep(50_000)
                // The quiet-period rule takes a file whose writer pauses longer than the period: not a fault.
                let gap = Date().timeIntervalSince(last)
                if gap >= quiet / 2 { print("soak: the producer stalled \(gap) s writing \(name)") }
                last = Date()
            }
            close(fd)
            if how == .marker {
                let stats = inbox + "/" + name + "/" + (tar as NSString).deletingPathExtension + "_stats.json"
                XCTAssertTrue(FileManager.default.createFile(atPath: stats, contents: Data("{\"count\": 8}".utf8)))
            } else {
                // Months arrive in order: this one is complete before the next is delivered.
                usleep(UInt32((quiet + 0.3) * 1_000_000))
            }
        }
    }

    /// Copies to a staging name on the same file system, then renames into place, as a careful producer does.
    private func copyByRename(_ source: String, to target: String, staging: String) throws {
        let temporary = staging + "/" + UUID().uuidString
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertEqual(rename(temporary, target), 0, "rename into \(target)")
    }

    /// A tar cut short inside a member, or random bytes; each distinct.
    private func hostileShard(_ n: Int, from month: String, rng: inout SplitMix64RNG) throws -> String {
        let path = root + "/hostile-source-\(n).tar"
        if n % 2 == 0 {
            let whole = try XCTUnwrap(FileManager.default.contents(atPath: month + "/" + (try tars(in: month).first ?? "")))
            // An odd length is never a multiple of 512: the cut lands inside a member.
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: whole.prefix((whole.count / 3 + n) | 1)))
        } else {
            let bytes = (0..<4096 + n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
        return path
    }
}

import Foundation
import XCTest
@testable import ticd

final class HeartbeatTests: TemporaryDirectoryTestCase {
    /// A clock the test moves by hand.
    private final class ManualClock: @unchecked Sendable {
        var now = 1000.0
    }

    private var receiver: DatagramReceiver!
    private let clock = ManualClock()

    override func setUpWithError() throws {
        try super.setUpWithError()
        receiver = try DatagramReceiver(address: root + "/notify")
    }

    /// A heartbeat whose notifier has a watchdog of `interval` seconds (none when nil).
    private func heartbeat(interval: Double?) -> Heartbeat {
        var environment = ["NOTIFY_SOCKET": receiver.address]
        if let interval { environment["WATCHDOG_USEC"] = String(UInt64(interval * 1_000_000)) }
        let clock = self.clock
        return Heartbeat(notifier: SystemdNotifier(environment: environment), clock: { clock.now })
    }

    /// Advances the clock second by second to `until`, beating each of `loops` on its own period, and returns
    /// the clock readings at which a `WATCHDOG=1` went out.
    private func run(_ heartbeat: Heartbeat, until end: Double, loops: [String: Double]) -> [Double] {
        let start = clock.now
        var pings: [Double] = []
        var elapsed = 0.0
        while elapsed <= end {
            clock.now = start + elapsed
            for (name, period) in loops.sorted(by: { $0.key < $1.key })
            where elapsed.truncatingRemainder(dividingBy: period) == 0 {
                heartbeat.beat(name)
            }
            for message in receiver.drain() {
                XCTAssertEqual(message, "WATCHDOG=1")
                pings.append(elapsed)
            }
            elapsed += 1
        }
        return pings
    }

    func testPingsWhileEveryLoopBeats() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.register("trainer")
        heartbeat.register("watcher")
        let pings = run(heartbeat, until: 60, loops: ["trainer": 2, "watcher": 3])
        XCTAssertEqual(pings, [0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60])
        XCTAssertEqual(heartbeat.staleLoops, [])
    }

    func testAWedgedTrainerStopsThePingsWhileOtherLoopsStillBeat() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.register("trainer")
        heartbeat.register("watcher")
        // The trainer beats once at t=0 and then hangs; the watcher keeps going.
        heartbeat.beat("trainer")
        let pings = run(heartbeat, until: 60, loops: ["watcher": 1])
        XCTAssertEqual(pings, [0, 6], "no ping may go out once the trainer's last beat is older than the interval")
        XCTAssertEqual(heartbeat.staleLoops, ["trainer"])
    }

    func testPingsResumeWhenAStuckLoopRecovers() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.register("trainer")
        XCTAssertEqual(run(heartbeat, until: 0, loops: ["trainer": 1]), [0])
        clock.now += 30
        XCTAssertEqual(heartbeat.staleLoops, ["trainer"])
        heartbeat.beat("trainer")
        XCTAssertEqual(receiver.drain(), ["WATCHDOG=1"])
        XCTAssertEqual(heartbeat.staleLoops, [])
    }

    func testPingsAreSpacedByMoreThanHalfTheInterval() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.register("trainer")
        // Beating every second must not flood systemd: one ping, then one each time more than 5 s have passed.
        let pings = run(heartbeat, until: 20, loops: ["trainer": 1])
        XCTAssertEqual(pings, [0, 6, 12, 18])
    }

    func testAnUnregisteredLoopNoLongerHoldsBackThePings() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.register("trainer")
        heartbeat.register("evaluator")
        heartbeat.unregister("evaluator")
        XCTAssertEqual(run(heartbeat, until: 30, loops: ["trainer": 2]), [0, 6, 12, 18, 24, 30])
        XCTAssertEqual(heartbeat.staleLoops, [])
    }

    func testABeatFromALoopThatIsNotRegisteredIsIgnored() {
        let heartbeat = heartbeat(interval: 10)
        heartbeat.beat("trainer")
        XCTAssertEqual(receiver.drain(), [], "no registered loop, no ping")
        heartbeat.register("watcher")
        heartbeat.unregister("trainer")
        heartbeat.beat("trainer")
        clock.now += 11
        XCTAssertEqual(heartbeat.staleLoops, ["watcher"], "the late beat did not register the trainer")
    }

    func testWithoutAWatchdogBeatsAreOnlyRecorded() {
        let heartbeat = heartbeat(interval: nil)
        XCTAssertEqual(heartbeat.staleAfter, Heartbeat.defaultStaleAfter)
        heartbeat.register("trainer")
        heartbeat.register("watcher")
        XCTAssertEqual(run(heartbeat, until: 200, loops: ["watcher": 1]), [])
        XCTAssertEqual(heartbeat.staleLoops, ["trainer"])
    }

    func testTheWatchdogIntervalIsTheStaleThreshold() {
        let heartbeat = heartbeat(interval: 30)
        XCTAssertEqual(heartbeat.staleAfter, 30)
        heartbeat.register("trainer")
        clock.now += 30
        XCTAssertEqual(heartbeat.staleLoops, [])
        clock.now += 0.5
        XCTAssertEqual(heartbeat.staleLoops, ["trainer"])
    }
}

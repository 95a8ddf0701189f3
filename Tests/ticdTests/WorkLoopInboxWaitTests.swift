import XCTest
@testable import ticd

/// When a complete step that has not started waits for the inbox before it is planned.
final class WorkLoopInboxWaitTests: XCTestCase {
    func testShardsBeingIngestedAlwaysHoldTheStep() {
        XCTAssertTrue(WorkLoop.waitsForInbox(queued: 3, justArrived: false, waited: 0, quietPeriod: 60))
        XCTAssertTrue(WorkLoop.waitsForInbox(queued: 1, justArrived: true, waited: 86_400, quietPeriod: 60),
                      "an ingest batch always ends, so it needs no limit")
    }

    func testAShardThatJustArrivedHoldsTheStepForAtMostTenQuietPeriods() {
        XCTAssertTrue(WorkLoop.waitsForInbox(queued: 0, justArrived: true, waited: 0, quietPeriod: 60))
        XCTAssertTrue(WorkLoop.waitsForInbox(queued: 0, justArrived: true, waited: 599, quietPeriod: 60))
        XCTAssertFalse(WorkLoop.waitsForInbox(queued: 0, justArrived: true, waited: 600, quietPeriod: 60),
                       "a producer that drops a shard every minute, forever, must not stop training")
        XCTAssertFalse(WorkLoop.waitsForInbox(queued: 0, justArrived: false, waited: 0, quietPeriod: 60))
    }

    func testTheLimitIsAtLeastFiveMinutes() {
        XCTAssertEqual(WorkLoop.maxInboxWait(quietPeriod: 1.5), 300)
        XCTAssertTrue(WorkLoop.waitsForInbox(queued: 0, justArrived: true, waited: 299, quietPeriod: 1.5))
        XCTAssertFalse(WorkLoop.waitsForInbox(queued: 0, justArrived: true, waited: 300, quietPeriod: 1.5))
    }

    func testAnEmptyStepIsPassedOverUntilNewTrainingDataArrives() {
        let empty = ["2015": 480]
        XCTAssertTrue(WorkLoop.passedOver("2015", emptySteps: empty, trainSamplesNow: 480))
        XCTAssertFalse(WorkLoop.passedOver("2015", emptySteps: empty, trainSamplesNow: 520), "new data: plan it again")
        XCTAssertFalse(WorkLoop.passedOver("2016", emptySteps: empty, trainSamplesNow: 480), "never found empty")
    }
}

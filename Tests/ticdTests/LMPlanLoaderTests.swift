import XCTest
import Replay
import Timeline
@testable import ticd

/// The language-model side of `PlanLoader`: documents concatenated with end tokens and cut into rows.
final class LMPlanLoaderTests: XCTestCase {
    static var shared: LoaderFixture?
    var fixture: LoaderFixture!

    override func setUpWithError() throws {
        if Self.shared == nil { Self.shared = try LoaderFixture(kind: .text) }
        fixture = Self.shared
    }

    override class func tearDown() { shared = nil }

    /// The token stream the batches were cut from: each row's inputs plus its last real target.
    func stream(_ batches: [LMBatch], context: Int = 24) -> [Int32] {
        var tokens: [Int32] = []
        for batch in batches {
            for r in 0..<batch.rows {
                let inputs = batch.tokens[r * context..<(r + 1) * context]
                let targets = batch.targets[r * context..<(r + 1) * context]
                let real = targets.prefix { $0 != -1 }.count
                tokens.append(contentsOf: inputs.prefix(real))
                tokens.append(targets[targets.startIndex + real - 1])
            }
        }
        return tokens
    }

    func testRowsHoldEveryDrawnDocumentOnceAndTargetsAreInputsShifted() throws {
        let plan = try fixture.plan(budget: 300)
        let batches = try LoaderFixture.drain(try fixture.lmLoader(plan))
        XCTAssertTrue(batches.dropLast().allSatisfy { $0.rows == 4 })
        for batch in batches {
            XCTAssertEqual(batch.tokens.count, batch.rows * 24)
            XCTAssertEqual(batch.targets.count, batch.rows * 24)
            for r in 0..<batch.rows {
                for t in 0..<23 where batch.targets[r * 24 + t + 1] != -1 {
                    XCTAssertEqual(batch.targets[r * 24 + t], batch.tokens[r * 24 + t + 1])
                }
            }
        }
        let padded = batches.flatMap(\.targets).filter { $0 == -1 }.count
        XCTAssertEqual(batches.flatMap(\.targets).suffix(padded), Array(repeating: -1, count: padded),
                       "padding only ends the last row")

        let end = fixture.tokenizer.endToken
        let documents = stream(batches).split(separator: end).map { fixture.tokenizer.decodeString(Array($0)) }
        XCTAssertEqual(documents.count, 300)
        var drawn: [String: [String]] = [:]
        for document in documents {
            let name = String(document.split(separator: " ").first ?? "")
            let origin = try XCTUnwrap(fixture.origins[name], "unknown document \(document)")
            XCTAssertFalse(try fixture.catalog.evalSamples(slice: origin.month).contains { $0.key == origin.uid })
            drawn["\(origin.shardID) \(origin.month)", default: []].append(name)
        }
        for draw in plan.draws {
            let got = drawn["\(draw.shardID) \(draw.slice)"] ?? []
            XCTAssertEqual(got.count, draw.count)
            XCTAssertEqual(Set(got).count, min(draw.count, draw.available))
        }
    }

    func testResumedLMLoaderGivesTheSameRemainingBatches() throws {
        let plan = try fixture.plan(budget: 200)
        let full = try LoaderFixture.drain(try fixture.lmLoader(plan))
        let done = Int.random(in: 1..<full.count)
        XCTAssertEqual(try LoaderFixture.drain(try fixture.lmLoader(plan, startingAt: LoaderCursor(batchesDone: done))),
                       Array(full[done...]), "resumed after \(done) batches")
        XCTAssertEqual(try LoaderFixture.drain(try fixture.lmLoader(plan)), full)
    }

    func testLMLoaderRefusesImageShards() throws {
        let images = try LoaderFixture(kind: .imageText, samplesPerShard: 10)
        XCTAssertThrowsError(try images.lmLoader(try images.plan(budget: 20))) {
            XCTAssertEqual(($0 as? LoaderError)?.kind, .wrongKind)
        }
    }
}

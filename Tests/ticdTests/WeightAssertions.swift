import Foundation
import XCTest
@testable import ticd

/// Fails unless the final checkpoints of `steps` (`step_0001_2014`, ...) in two state directories hold the same
/// tensors bit for bit; names the tensors that differ.
func assertSameWeights(_ a: String, _ b: String, steps: [String] = ["step_0001_2014"],
                       file: StaticString = #filePath, line: UInt = #line) throws {
    for step in steps {
        let x = try TrainingCheckpoint.read(a + "/checkpoints/\(step).ckpt").tensors
        let y = try TrainingCheckpoint.read(b + "/checkpoints/\(step).ckpt").tensors
        XCTAssertEqual(x.keys.sorted(), y.keys.sorted(), step, file: file, line: line)
        let differing = x.keys.sorted().filter { name in
            !(x[name]?.values ?? []).elementsEqual(y[name]?.values ?? []) { $0.bitPattern == $1.bitPattern }
        }
        XCTAssertEqual(differing, [], "\(step): tensors that differ", file: file, line: line)
    }
}

import XCTest

/// Compares a Float32 result with its Double oracle by relative error over the whole tensor, after removing
/// `base`, the value the gradient buffer held before backward added into it.
func assertClose(_ actual: [Float], _ expected: [Double], base: Float = 0, tolerance: Double = 2e-4,
                 _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
    var difference = 0.0, norm = 0.0
    for (a, e) in zip(actual, expected) {
        let d = Double(a) - Double(base) - e
        difference += d * d
        norm += e * e
    }
    let relative = difference.squareRoot() / max(norm.squareRoot(), 1e-9)
    XCTAssertLessThanOrEqual(relative, tolerance, "\(what): relative error \(relative)", file: file, line: line)
}

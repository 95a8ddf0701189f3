import XCTest
@testable import Models

/// Every transpose combination, with padded leading dimensions and alpha/beta, against a naive matmul.
final class SgemmPathTests: XCTestCase {
    func testSgemmTransposesAndLeadingDimensionsMatchNaiveMatmul() {
        var r = TestRandom(20)
        let m = 5, n = 7, k = 6, pad = 3
        for transA in [false, true] {
            for transB in [false, true] {
                let aRows = transA ? k : m, aColumns = transA ? m : k
                let bRows = transB ? n : k, bColumns = transB ? k : n
                let lda = aColumns + pad, ldb = bColumns + pad, ldc = n + pad
                let a = r.doubles(aRows * lda), b = r.doubles(bRows * ldb), c0 = r.doubles(m * ldc)
                var c = Reference.float(c0)
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: Reference.float(a),
                           lda: lda, b: Reference.float(b), ldb: ldb, beta: 2, c: &c, ldc: ldc)
                for i in 0..<m {
                    for j in 0..<ldc {
                        var expected = c0[i * ldc + j]
                        if j < n {
                            var s = 0.0
                            for p in 0..<k {
                                let av = transA ? a[p * lda + i] : a[i * lda + p]
                                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                                s += Double(Float(av)) * Double(Float(bv))
                            }
                            expected = 0.5 * s + 2 * Double(Float(c0[i * ldc + j]))
                        } else {
                            expected = Double(Float(expected))
                        }
                        XCTAssertEqual(Double(c[i * ldc + j]), expected, accuracy: 1e-5,
                                       "transA=\(transA) transB=\(transB) [\(i),\(j)]")
                    }
                }
            }
        }
    }
}

import XCTest
@testable import ticd

final class KernelSelectionTests: XCTestCase {
    func testPrescottOnAnAVX512MachineReexecsAsSkylakeX() {
        XCTAssertEqual(KernelSelection.reexecCore(current: "Prescott", cpuFlags: ["avx2", "fma", "avx512f", "avx512bw"],
                                                  environment: [:]), "SkylakeX")
    }

    func testHaswellOnAnAVX2MachineStays() {
        XCTAssertNil(KernelSelection.reexecCore(current: "Haswell", cpuFlags: ["avx2", "fma"], environment: [:]))
    }

    func testAUserSetCoretypeIsNeverOverridden() {
        XCTAssertNil(KernelSelection.reexecCore(current: "Prescott", cpuFlags: ["avx2", "fma", "avx512f", "avx512bw"],
                                                environment: ["OPENBLAS_CORETYPE": "Prescott"]))
    }

    func testTheGuardVariableStopsASecondReexec() {
        XCTAssertNil(KernelSelection.reexecCore(current: "Prescott", cpuFlags: ["avx2", "fma"],
                                                environment: [KernelSelection.guardVariable: "Prescott"]))
    }

    /// The real binary: without OPENBLAS_CORETYPE it re-executes at most once, and reports from where.
    func testBinaryReexecsAtMostOnceAndReportsTheKernel() throws {
        let flags = KernelSelection.cpuFlags()
        let run = try Ticd.run(["doctor", "--json", "--seconds", "0.05"],
                               environment: ["OPENBLAS_CORETYPE": nil, KernelSelection.guardVariable: nil])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(Ticd.json(run.lines.last ?? ""))
        let core = try XCTUnwrap(report["blas_core"] as? String)
        if let best = KernelSelection.bestCore(cpuFlags: flags), let from = report["reexec_from"] as? String {
            XCTAssertEqual(core, best, "re-executed with the best kernel for this CPU")
            XCTAssertLessThan(KernelSelection.tier(ofCore: from), KernelSelection.tier(ofCore: best))
        } else {
            XCTAssertNil(report["reexec_from"] as? String, "no re-exec when the detected kernel is already the best")
        }
        // With the guard already set (as in the re-executed child), the binary never execs again.
        let guarded = try Ticd.run(["doctor", "--json", "--seconds", "0.05"],
                                   environment: ["OPENBLAS_CORETYPE": nil, KernelSelection.guardVariable: "Prescott"])
        let g = try XCTUnwrap(Ticd.json(guarded.lines.last ?? ""))
        XCTAssertEqual(g["reexec_from"] as? String, "Prescott")
        XCTAssertNil(g["openblas_coretype"] as? String, "a guarded process does not set OPENBLAS_CORETYPE again")
        XCTAssertGreaterThan(g["sgemm_gflops"] as? Double ?? 0, 0)
    }

    func testAReleaseBuildRefusesACPUWithoutAVX2OrFMA() {
        #if arch(x86_64) && !DEBUG
        XCTAssertEqual(KernelSelection.missingVectorFlags(cpuFlags: ["sse2", "avx"]), ["avx2", "fma"])
        XCTAssertEqual(KernelSelection.missingVectorFlags(cpuFlags: ["avx2", "fma", "avx512f"]), [])
        #endif
        XCTAssertEqual(KernelSelection.missingVectorFlags(cpuFlags: []), [], "unknown flags: nothing to refuse")
    }
}

import COpenBLAS

/// Every call into OpenBLAS goes through this file.
public enum BLAS {
    /// The kernel OpenBLAS picked when it loaded, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// The OpenBLAS build configuration string (version, threading model, max threads).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// C = alpha · op(A) · op(B) + beta · C, all row-major.
    /// A is (M,K) (or (K,M) when `transA`), B is (K,N) (or (N,K) when `transB`), C is (M,N).
    /// cblas_sgemm.
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        KernelProfile.measureGEMM(m: m, n: n, k: k, transA: transA, transB: transB) {
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                        beta, c, blasint(ldc))
        }
    }
}

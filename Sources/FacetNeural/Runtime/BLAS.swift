// The engine's only contact with OpenBLAS: thread control and the sgemm call.

import COpenBLAS
import Foundation

/// Controls the threads of the engine: OpenBLAS's for matrix products, and the engine's own
/// for the loops outside them (1 until set).
public enum ComputeThreads {
    /// Sets the number of OpenBLAS threads (at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(Swift.max(1, count)))
        Parallel.workers = Swift.max(1, count)
    }

    /// The number of OpenBLAS threads in use.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// The name of the kernel family OpenBLAS selected at load time (e.g. `Haswell`, `SkylakeX`);
    /// the environment variable `OPENBLAS_CORETYPE` overrides its choice when the process starts.
    public static var kernelName: String { String(cString: openblas_get_corename()) }
}

/// Measures the time the engine spends inside OpenBLAS sgemm and the multiply-accumulates it
/// asks for (for benchmarks: the distance of a model from its sgemm-bound time). Off by default;
/// not meant for concurrent forward passes.
public enum GEMMProfile {
    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var accumulatedSeconds = 0.0
    nonisolated(unsafe) private static var accumulatedMACs = 0

    /// Starts counting from zero.
    public static func start() {
        accumulatedSeconds = 0
        accumulatedMACs = 0
        enabled = true
    }

    /// Stops counting and returns the seconds spent in sgemm and the multiply-accumulates done.
    public static func stop() -> (seconds: Double, multiplyAccumulates: Int) {
        enabled = false
        return (accumulatedSeconds, accumulatedMACs)
    }

    static func record(_ body: () -> Void, macs: Int) {
        guard enabled else { return body() }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        accumulatedSeconds += Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        accumulatedMACs += macs
    }
}

/// Row-major single-precision matrix products.
enum GEMM {
    // A (m,k) [or A^T stored (k,m) when transposeA] @ B (k,n) -> C (m,n), C = A·B + beta·C
    static func multiply(m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                         b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                         c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column] }
            }
            return
        }
        GEMMProfile.record({
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }, macs: m * n * k)
    }
}

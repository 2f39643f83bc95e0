// The engine's only contact with OpenBLAS: thread control and the sgemm call.

import COpenBLAS
import Foundation

/// Controls the threads of the engine (1 until set): its loops, and its matrix products, which
/// it splits over the same threads into single-threaded OpenBLAS calls.
public enum ComputeThreads {
    /// Sets the number of threads (at least 1).
    public static func set(_ count: Int) {
        // OpenBLAS runs single-threaded; the engine splits each product over its own threads
        // (`GEMM`). OpenBLAS's workers would otherwise spin (sched_yield) after every sgemm
        // and compete for the cores with the engine's loops that run between products.
        openblas_set_num_threads(GEMM.splitInEngine ? 1 : Int32(Swift.max(1, count)))
        Parallel.workers = Swift.max(1, count)
    }

    /// The number of threads in use.
    public static var current: Int { Parallel.workers }

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
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column] }
            }
            return
        }
        GEMMProfile.record(
            {
                let blocks = (n + columnBlock - 1) / columnBlock
                guard splitInEngine, Parallel.workers > 1, m * n * k >= splitMinimumMACs, blocks >= Parallel.workers else {
                    return sgemm(
                        m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                        c: c, ldc: ldc, beta: beta)
                }
                // Column blocks of C over the engine's threads, each a single-threaded sgemm.
                Parallel.forChunks(blocks) { range in
                    let first = range.lowerBound * columnBlock, last = Swift.min(n, range.upperBound * columnBlock)
                    sgemm(
                        m: m, n: last - first, k: k, a: a, lda: lda, transposeA: transposeA,
                        b: transposeB ? b + first * ldb : b + first, ldb: ldb, transposeB: transposeB,
                        c: c + first, ldc: ldc, beta: beta)
                }
            }, macs: m * n * k)
    }

    /// Whether matrix products are split over the engine's threads (OpenBLAS then runs single-
    /// threaded inside each) rather than handed to OpenBLAS's own threads.
    static let splitInEngine = true
    /// Products smaller than this many multiply-accumulates run on one thread.
    static let splitMinimumMACs = 1 << 20
    /// Columns of C are split in multiples of this.
    static let columnBlock = 16

    // `count` independent products A_i (m,k) @ B_i (k,n) -> C_i (m,n), the i-th operands at
    // i·stride from the first; split over the engine's threads when `splitInEngine`
    static func multiplyBatch(
        count: Int, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, strideA: Int, lda: Int,
        b: UnsafePointer<Float>, strideB: Int, ldb: Int,
        c: UnsafeMutablePointer<Float>, strideC: Int, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else {
            for index in 0..<count {
                multiply(
                    m: m, n: n, k: k, a: a + index * strideA, lda: lda, b: b + index * strideB, ldb: ldb,
                    c: c + index * strideC, ldc: ldc)
            }
            return
        }
        guard splitInEngine, Parallel.workers > 1, count >= Parallel.workers else {
            for index in 0..<count {
                multiply(
                    m: m, n: n, k: k, a: a + index * strideA, lda: lda, b: b + index * strideB, ldb: ldb,
                    c: c + index * strideC, ldc: ldc)
            }
            return
        }
        GEMMProfile.record(
            {
                Parallel.forChunks(count) { range in
                    for index in range {
                        sgemm(
                            m: m, n: n, k: k, a: a + index * strideA, lda: lda, transposeA: false,
                            b: b + index * strideB, ldb: ldb, transposeB: false, c: c + index * strideC, ldc: ldc, beta: 0)
                    }
                }
            }, macs: count * m * n * k)
    }

    @inline(__always)
    private static func sgemm(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

// Threading outside sgemm: the element-wise, normalisation, resampling and im2col loops split
// their outer range (channels, planes or elements) over the engine's threads.

import Dispatch

/// Splits loops over the engine's worker threads (the count set with `ComputeThreads.set`).
///
/// Work is split into contiguous chunks; every result element is written by exactly one chunk
/// and reductions combine per-item partials in a fixed order, so results do not depend on the
/// thread count.
enum Parallel {
    nonisolated(unsafe) static var workers = 1

    /// Calls `body` on contiguous sub-ranges covering 0..<count, in parallel when there are at
    /// least `minimumPerChunk` items per worker.
    static func forChunks(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(workers, count / Swift.max(minimumPerChunk, 1))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            // Each chunk writes disjoint memory: sharing the closure across threads is safe.
            let shared = SharedBody(run: escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
                if start < end { shared.run(start..<end) }
            }
        }
    }

    /// A loop body handed to worker threads that write disjoint ranges.
    private struct SharedBody: @unchecked Sendable {
        let run: (Range<Int>) -> Void
    }
}

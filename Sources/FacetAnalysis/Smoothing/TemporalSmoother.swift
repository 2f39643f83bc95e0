/// Offline, zero-lag smoothing of per-frame vectors (landmarks, pose angles, translation,
/// expression coefficients).
///
/// Each component is run through a One Euro filter (Casiez, Roussel & Vogel, CHI 2012: a
/// first-order low-pass whose cutoff rises with the signal's speed, so still parts are smoothed
/// hard and fast motion passes through) forwards in time, and the result through the same
/// filter backwards. The backward pass cancels the forward pass's lag, so the output has no
/// delay on real motion; this needs the whole sequence, which offline analysis has.
///
/// The series is cut into segments where the time step jumps (a gap, e.g. frames where the face
/// was not tracked): nothing is smoothed across a gap.
///
/// Tuning: `minCutoff` sets how hard still parts are smoothed (lower: smoother, more sluggish
/// at slow motion); `beta` sets how quickly the cutoff rises with speed (higher: less lag and
/// overshoot on fast motion, more jitter during it). `beta` is per unit of the signal: for
/// landmarks in pixels of a ~200 px face the defaults suit; scale it inversely with the unit
/// (e.g. ~100x larger for angles in radians).
public struct TemporalSmoother: Sendable, Equatable {
    /// Cutoff frequency in Hz when the signal is still. Default 1.0.
    public var minCutoff: Double
    /// Cutoff increase in Hz per unit/second of speed. Default 0.2.
    public var beta: Double
    /// Cutoff in Hz of the speed estimate that drives the adaptive cutoff. Default 2.0.
    public var derivativeCutoff: Double
    /// A time step longer than this many times the median step starts a new segment. Default 2.5.
    public var gapFactor: Double

    /// Creates a smoother; see the type's documentation for what each parameter does.
    public init(minCutoff: Double = 1.0, beta: Double = 0.2, derivativeCutoff: Double = 2.0, gapFactor: Double = 2.5) {
        self.minCutoff = minCutoff
        self.beta = beta
        self.derivativeCutoff = derivativeCutoff
        self.gapFactor = gapFactor
    }

    /// The smoothed series: one vector per time, each the same length as the input's.
    ///
    /// Throws `invalidArgument` when `times` and `series` differ in length, the vectors differ
    /// in length, times do not increase, or a parameter is not positive.
    public func smooth(_ series: [[Float]], times: [Double]) throws(AnalysisError) -> [[Float]] {
        guard series.count == times.count else {
            throw AnalysisError(
                .invalidArgument, "smoothing needs one time per vector; got \(series.count) vectors and \(times.count) times")
        }
        guard minCutoff > 0, beta >= 0, derivativeCutoff > 0, gapFactor > 1,
            minCutoff.isFinite, beta.isFinite, derivativeCutoff.isFinite
        else {
            throw AnalysisError(
                .invalidArgument,
                "smoothing needs minCutoff > 0, beta >= 0, derivativeCutoff > 0 and gapFactor > 1; got \(minCutoff), \(beta), \(derivativeCutoff), \(gapFactor)"
            )
        }
        guard let dimension = series.first?.count else { return [] }
        if let bad = series.firstIndex(where: { $0.count != dimension }) {
            throw AnalysisError(
                .invalidArgument,
                "every vector must have \(dimension) components (like the first); vector \(bad) has \(series[bad].count)")
        }
        for index in 1..<max(1, times.count) where !(times[index] > times[index - 1]) {
            throw AnalysisError(
                .invalidArgument,
                "times must increase; time \(index) is \(times[index]) after \(times[index - 1])")
        }
        var result = series
        var column = [Double](), stamps = [Double]()
        for segment in Self.segments(times: times, gapFactor: gapFactor) where segment.count > 2 {
            stamps = Array(times[segment])
            let reversedStamps = Array(stamps.reversed().map { -$0 })
            for component in 0..<dimension {
                column = segment.map { Double(series[$0][component]) }
                let forward = filter(column, times: stamps)
                let backward = filter(Array(forward.reversed()), times: reversedStamps)
                for (offset, index) in segment.enumerated() {
                    result[index][component] = Float(backward[segment.count - 1 - offset])
                }
            }
        }
        return result
    }

    /// The index ranges between gaps: a step longer than `gapFactor` times the median step
    /// (or a non-increasing time) ends a segment.
    public static func segments(times: [Double], gapFactor: Double = 2.5) -> [Range<Int>] {
        guard times.count > 1 else { return times.isEmpty ? [] : [0..<1] }
        let steps = zip(times.dropFirst(), times).map { $0 - $1 }
        let median = steps.sorted()[steps.count / 2]
        var segments: [Range<Int>] = []
        var start = 0
        for (offset, step) in steps.enumerated() where !(step > 0) || step > gapFactor * median {
            segments.append(start..<(offset + 1))
            start = offset + 1
        }
        segments.append(start..<times.count)
        return segments
    }

    /// One causal One Euro pass over `values` sampled at increasing `times`.
    private func filter(_ values: [Double], times: [Double]) -> [Double] {
        var output = values
        var previous = values[0]
        var speed = 0.0
        for index in 1..<values.count {
            let step = max(times[index] - times[index - 1], 1e-6)
            let rawSpeed = (values[index] - previous) / step
            speed += Self.smoothingFactor(cutoff: derivativeCutoff, step: step) * (rawSpeed - speed)
            let cutoff = minCutoff + beta * abs(speed)
            previous += Self.smoothingFactor(cutoff: cutoff, step: step) * (values[index] - previous)
            output[index] = previous
        }
        return output
    }

    /// The exponential smoothing factor of a first-order low-pass at `cutoff` Hz for a time step.
    private static func smoothingFactor(cutoff: Double, step: Double) -> Double {
        let timeConstant = 1 / (2 * Double.pi * cutoff)
        return 1 / (1 + timeConstant / step)
    }
}

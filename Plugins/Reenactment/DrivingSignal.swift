import FacetSDK
import Foundation

// The driving face's motion as a function of driver time: its samples unwrapped and smoothed,
// read by linear interpolation, with the face-loss rules for long gaps; and the map from source
// time to driver time that `fit` and `offset` choose.

/// Pose, translation and expression of the driving face at one moment, as one vector:
/// `[yaw, pitch, roll, x, y, z, expression…]` (radians, model units, the model's coefficients).
struct DrivingSample: Equatable, Sendable {
    /// The numbers, in the order above.
    var values: [Double]

    /// Where the expression starts in `values`.
    static let expressionStart = 6

    /// The sample of one frame's coefficients.
    init(_ coefficients: FaceCoefficients) {
        let pose = coefficients.pose
        let t = coefficients.translation
        values = [pose.yaw, pose.pitch, pose.roll, t.x, t.y, t.z].map(Double.init) + coefficients.expression.map(Double.init)
    }

    /// A sample from its numbers.
    init(values: [Double]) { self.values = values }

    /// Yaw, pitch and roll in radians.
    var angles: [Double] { Array(values[0..<3]) }
    /// Translation x, y, z in model units.
    var translation: [Double] { Array(values[3..<6]) }

    /// The expression, padded with zeros (or cut) to `dimension` coefficients.
    func expression(dimension: Int) -> [Double] {
        var expression = Array(values[Self.expressionStart...].prefix(dimension))
        if expression.count < dimension { expression += [Double](repeating: 0, count: dimension - expression.count) }
        return expression
    }

    /// `a + u·(b − a)`, number by number.
    static func mix(_ a: DrivingSample, _ b: DrivingSample, _ u: Double) -> DrivingSample {
        if u == 0 { return a }
        if u == 1 { return b }
        return DrivingSample(values: zip(a.values, b.values).map { $0 + u * ($1 - $0) })
    }
}

/// The rules for a driving face that analysis lost for a while.
enum FaceLoss {
    /// A gap between present frames longer than this many median frame intervals is a loss
    /// (shorter ones are ordinary frame spacing, e.g. variable frame rate).
    static let gapFactor = 1.5
    /// Losses up to this long (seconds, between the frames either side) are interpolated across.
    static let interpolateUpTo = 1.0
    /// A longer loss first holds the last value for this long (seconds)…
    static let hold = 0.25
    /// …then eases to the reference over this long, and eases back over as long before the face returns.
    static let ease = 0.5
}

/// A span of driver time in which the driving face was missing.
struct LostSpan: Equatable, Sendable {
    /// Driver time of the first missing frame, seconds.
    var start: Double
    /// How long the face was missing, seconds.
    var duration: Double
    /// Whether the span was held and eased to the reference (else interpolated across).
    var easedToReference: Bool
}

/// The driving face's motion over driver time (seconds from the driver's first frame).
struct DrivingSignal: Sendable {
    /// Driver times of the frames where the face is present, increasing.
    let times: [Double]
    /// The samples at `times`, unwrapped and smoothed.
    let samples: [DrivingSample]
    /// Analysis confidence of each present frame.
    let confidences: [Float]
    /// Indices `i` for which the face is lost between `times[i]` and `times[i + 1]`.
    let lostAfter: Set<Int>
    /// The driver's median frame interval, seconds.
    let frameInterval: Double

    /// The signal of `track`, a track of `driver`, smoothed with a Gaussian of σ = `smooth` seconds.
    init(track: FaceTrack, of driver: DrivingInput, smooth: Double) {
        let start = driver.motion.frameTimes.first ?? track.frames.first?.time ?? 0
        let frames = track.frames
        times = frames.map { $0.time - start }
        confidences = frames.map(\.confidence)
        frameInterval = Self.medianInterval(driver.motion.frameTimes, fallback: times, frameRate: driver.motion.frameRate)
        var lost = Set<Int>()
        for index in frames.indices.dropLast() {
            let missesFrames = frames[index + 1].frameIndex - frames[index].frameIndex > 1
            if missesFrames, times[index + 1] - times[index] > FaceLoss.gapFactor * frameInterval { lost.insert(index) }
        }
        lostAfter = lost
        var raw = frames.map { DrivingSample($0.coefficients) }
        Self.unwrapAngles(&raw)
        samples = Self.smoothed(raw, times: times, sigma: smooth, breaks: lost)
    }

    /// Whether the face was seen in one frame only (a still): the signal is constant.
    var isConstant: Bool { times.count <= 1 }

    /// The spans where the face was lost, in driver time.
    var lostSpans: [LostSpan] {
        lostAfter.sorted().map { index in
            let gap = times[index + 1] - times[index]
            return LostSpan(
                start: times[index] + frameInterval, duration: gap - frameInterval,
                easedToReference: gap > FaceLoss.interpolateUpTo)
        }
    }

    /// The driving sample at driver time `time`: linear interpolation between present frames,
    /// held before the first and after the last; across a loss longer than
    /// `FaceLoss.interpolateUpTo`, held, eased to `reference`, and eased back before the face returns.
    func value(at time: Double, reference: DrivingSample) -> DrivingSample {
        guard let first = times.first, let last = times.last, time > first else { return samples[0] }
        guard time < last else { return samples[samples.count - 1] }
        var low = 0
        var high = times.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if times[mid] <= time { low = mid } else { high = mid }
        }
        let (t0, t1) = (times[low], times[high])
        let (a, b) = (samples[low], samples[high])
        guard lostAfter.contains(low), t1 - t0 > FaceLoss.interpolateUpTo else {
            return DrivingSample.mix(a, b, (time - t0) / (t1 - t0))
        }
        let away = Easing.easeInOut.apply((time - t0 - FaceLoss.hold) / FaceLoss.ease)
        let back = Easing.easeInOut.apply((time - (t1 - FaceLoss.ease)) / FaceLoss.ease)
        return DrivingSample.mix(DrivingSample.mix(a, reference, away), b, back)
    }

    // MARK: - Helpers

    /// The median positive difference of `frameTimes` (else of `fallback`, else one frame at
    /// `frameRate`, else 1/30 s).
    private static func medianInterval(_ frameTimes: [Double], fallback: [Double], frameRate: Double) -> Double {
        for list in [frameTimes, fallback] {
            let steps = zip(list.dropFirst(), list).map { $0 - $1 }.filter { $0 > 0 }.sorted()
            if !steps.isEmpty { return steps[steps.count / 2] }
        }
        return frameRate > 0 ? 1 / frameRate : 1.0 / 30
    }

    /// Makes each angle continuous from frame to frame (no jump of 2π), so that interpolation
    /// and smoothing never pass the long way round.
    private static func unwrapAngles(_ samples: inout [DrivingSample]) {
        for index in samples.indices.dropFirst() {
            for angle in 0..<3 {
                let previous = samples[index - 1].values[angle]
                samples[index].values[angle] = previous + wrappedAngle(samples[index].values[angle] - previous)
            }
        }
    }

    /// Zero-phase Gaussian smoothing (σ = `sigma` seconds, cut at 4σ) of each run of samples
    /// between losses, each neighbour weighted by the time it stands for, so that irregular
    /// frame times do not pull the result towards denser frames.
    static func smoothed(_ samples: [DrivingSample], times: [Double], sigma: Double, breaks: Set<Int>) -> [DrivingSample] {
        guard sigma > 0, samples.count > 1 else { return samples }
        var result = samples
        var runStart = 0
        for end in samples.indices where breaks.contains(end) || end == samples.count - 1 {
            let run = runStart...end
            let spans = timeSpans(times, run)
            var windowStart = runStart
            for index in run {
                while times[index] - times[windowStart] > 4 * sigma { windowStart += 1 }
                var sum = [Double](repeating: 0, count: samples[index].values.count)
                var total = 0.0
                var neighbour = windowStart
                while neighbour <= end, times[neighbour] - times[index] <= 4 * sigma {
                    let distance = (times[neighbour] - times[index]) / sigma
                    let weight = Foundation.exp(-0.5 * distance * distance) * spans[neighbour - runStart]
                    for k in sum.indices { sum[k] += weight * samples[neighbour].values[k] }
                    total += weight
                    neighbour += 1
                }
                if total > 0 { result[index] = DrivingSample(values: sum.map { $0 / total }) }
            }
            runStart = end + 1
        }
        return result
    }

    /// The time each sample of `run` stands for: half the distance between its neighbours (at
    /// the ends of the run, the distance to its one neighbour; a lone sample, 1).
    private static func timeSpans(_ times: [Double], _ run: ClosedRange<Int>) -> [Double] {
        guard run.count > 1 else { return [1] }
        return run.map { index in
            let before = index > run.lowerBound ? times[index - 1] : times[index]
            let after = index < run.upperBound ? times[index + 1] : times[index]
            let span = index == run.lowerBound || index == run.upperBound ? after - before : (after - before) / 2
            return max(span, 1e-9)
        }
    }
}

/// `angle` wrapped into (−π, π].
func wrappedAngle(_ angle: Double) -> Double {
    let wrapped = angle.remainder(dividingBy: 2 * .pi)
    return wrapped <= -.pi ? wrapped + 2 * .pi : wrapped
}

import FacetSDK
import Foundation

// The driver frame whose pose and expression count as "no change" in relative mode, and that a
// long face loss eases to.

/// How `reference` chose the driver's reference frame.
enum ReferenceChoice: Equatable, Sendable {
    /// The frame with the most frontal, neutral, confident face (see `ReferenceFrame.score`).
    case auto
    /// The driver's first frame with the face.
    case first
    /// The frame with the face nearest this driver time, seconds.
    case time(Double)

    /// Parses `auto`, `first` or a time in seconds (`2.5`).
    init(parsing text: String) throws(EffectError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "auto": self = .auto
        case "first": self = .first
        default:
            let number = Double(trimmed.hasSuffix("s") ? String(trimmed.dropLast()) : trimmed)
            guard let number, number.isFinite, number >= 0 else {
                throw EffectError(
                    .invalidParameter,
                    "reference \"\(text)\" is not understood; expected auto, first, or a time in seconds "
                        + "from the driver's start (e.g. 2.5)")
            }
            self = .time(number)
        }
    }
}

/// Chooses the reference frame of a driving signal.
enum ReferenceFrame {
    /// `auto` scores are averaged over frames within this many seconds either side.
    static let window = 0.2
    /// Degrees of yaw, of pitch and of roll that each weigh as much as one unit of score.
    static let yawUnit = 10.0, pitchUnit = 10.0, rollUnit = 20.0
    /// How much a confidence of 0 (instead of 1) adds to the score.
    static let confidenceWeight = 2.0

    /// The index in `signal` of the reference frame. Throws for a time beyond the driver,
    /// naming the driver `name` and its `length`.
    static func index(
        in signal: DrivingSignal, choice: ReferenceChoice, expressionScale: Double, name: String, length: Double
    ) throws(EffectError) -> Int {
        switch choice {
        case .first:
            return 0
        case .time(let time):
            let end = max(length, signal.times.last ?? 0)
            guard time <= end + 1e-9 else {
                throw EffectError(
                    .invalidParameter,
                    "reference=\(seconds(time)) s is beyond the end of driver \(name), which is \(seconds(end)) s long; "
                        + "expected auto, first or a time from 0 to \(seconds(end)) s")
            }
            return signal.times.indices.min { abs(signal.times[$0] - time) < abs(signal.times[$1] - time) } ?? 0
        case .auto:
            let scores = signal.samples.indices.map { score(signal.samples[$0], confidence: signal.confidences[$0], expressionScale) }
            return lowestWindowMean(scores, times: signal.times)
        }
    }

    /// `|yaw|/10° + |pitch|/10° + |roll|/20° + ‖expression‖₂ / scale + 2·(1 − confidence)`.
    static func score(_ sample: DrivingSample, confidence: Float, _ expressionScale: Double) -> Double {
        let degrees = sample.angles.map { abs($0) * 180 / .pi }
        let expression = sample.values[DrivingSample.expressionStart...]
        let norm = expression.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return degrees[0] / yawUnit + degrees[1] / pitchUnit + degrees[2] / rollUnit
            + norm / expressionScale + confidenceWeight * (1 - Double(min(max(confidence, 0), 1)))
    }

    /// The index whose mean score over frames within `window` seconds is lowest (the earliest of equals).
    private static func lowestWindowMean(_ scores: [Double], times: [Double]) -> Int {
        var prefix = [0.0]
        for score in scores { prefix.append(prefix[prefix.count - 1] + score) }
        var best = 0
        var bestMean = Double.infinity
        var low = 0
        var high = 0
        for index in scores.indices {
            while times[index] - times[low] > window + 1e-9 { low += 1 }
            while high + 1 < scores.count, times[high + 1] - times[index] <= window + 1e-9 { high += 1 }
            let mean = (prefix[high + 1] - prefix[low]) / Double(high - low + 1)
            if mean < bestMean - 1e-12 {
                best = index
                bestMean = mean
            }
        }
        return best
    }
}

/// `seconds` rounded to hundredths, without trailing zeros: `1.8`, `0.33`, `2`.
func seconds(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

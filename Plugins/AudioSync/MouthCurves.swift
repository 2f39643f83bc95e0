import FacetSDK
import Foundation

// The mouth over time: targets from the phones (or from loudness alone), the jaw scaled by
// loudness, smoothed by critically damped springs on the 100 Hz rule grid, sampled at frame times.

/// The smoothed mouth controls over a span of time.
struct MouthCurves {
    /// Time of sample 0, seconds (video timeline).
    let start: Double
    /// One smoothed pose per 1/`VisemeRules.rate` seconds.
    let poses: [MouthPose]
    /// Whether the mouth follows loudness only (no phones).
    let loudnessOnly: Bool

    /// How much of the jaw opening a silent sample keeps when the jaw follows loudness.
    static let quietJaw: Double = 0.4
    /// Loudness below this is silence when the mouth follows loudness alone.
    static let silenceLoudness: Float = 0.04

    /// The curves of `speech` from `start` to `end`: shapes shifted by `lag` seconds (negative:
    /// the mouth moves before the sound), jaw scaled by loudness by `loudnessAmount` (0…1),
    /// springs of `smoothing` seconds (the time to cover ~80% of a step; 0: none).
    init(
        speech: SpeechInput, start: Double, end: Double, lag: Double, smoothing: Double, loudnessAmount: Double,
        frameRate: Double
    ) {
        self.start = start
        let rate = VisemeRules.rate
        let count = max(2, Int(((end - start) * rate).rounded(.up)) + 1)
        let hasPhones = speech.phones.contains { !$0.isSilence && MouthShape(phone: $0.symbol) != .rest }
        loudnessOnly = speech.method == .loudness || !hasPhones
        func loudness(_ index: Int) -> Double {
            // The sound heard `lag` after the mouth's time.
            Double(speech.loudness(at: start + Double(index) / rate - lag))
        }
        var targets: [MouthPose]
        var closures = [Bool](repeating: false, count: count)
        if loudnessOnly {
            // The springs delay a slowly changing target by 2/ω: read the loudness that much ahead.
            let ahead = smoothing > 0 ? Int((2 * smoothing / 3 * rate).rounded()) : 0
            targets = (0..<count).map { index in
                let level = loudness(index + ahead)
                guard level >= Double(Self.silenceLoudness) else { return .rest }
                let jaw = 0.85 * pow(min(1, level / 0.8), 0.8)
                return MouthPose(jaw: jaw, spread: 0.15 * jaw, round: 0, press: 0)
            }
        } else {
            let visemes = VisemeTargets(phones: speech.phones, lag: lag, start: start, count: count, frameRate: frameRate)
            targets = visemes.poses
            closures = visemes.closures
            if !speech.loudness.isEmpty, loudnessAmount > 0 {
                let quiet = 1 - loudnessAmount * (1 - Self.quietJaw)
                for index in targets.indices {
                    let level = min(1, loudness(index) / 0.6)
                    targets[index].jaw *= quiet + (1 - quiet) * level
                }
            }
        }
        poses = Self.smoothed(targets, closures: closures, smoothing: smoothing)
    }

    /// `targets` through one critically damped spring per control (the exact solution over each
    /// step, so any step is stable); samples marked in `closures` have the jaw shut and the lips
    /// pressed exactly, the springs continuing from there, and the samples just before a closure
    /// ease into it.
    static func smoothed(_ targets: [MouthPose], closures: [Bool], smoothing: Double) -> [MouthPose] {
        guard smoothing > 0, let first = targets.first else { return targets }
        let omega = 3 / smoothing
        let step = 1 / VisemeRules.rate
        let decay = exp(-omega * step)
        var position = first.values
        var velocity = [Double](repeating: 0, count: position.count)
        var result: [MouthPose] = []
        result.reserveCapacity(targets.count)
        for (index, target) in targets.enumerated() {
            let goal = target.values
            for control in position.indices {
                let offset = position[control] - goal[control]
                let j = velocity[control] + omega * offset
                position[control] = goal[control] + (offset + j * step) * decay
                velocity[control] = (velocity[control] - omega * j * step) * decay
            }
            if closures[index] {
                position[0] = 0
                position[3] = goal[3]
                velocity[0] = 0
                velocity[3] = 0
            }
            result.append(MouthPose(values: position))
        }
        // The lips close over `closureBlend` before each closure instead of snapping shut.
        let blend = Int((VisemeRules.closureBlend * VisemeRules.rate).rounded())
        for index in closures.indices where closures[index] && (index == 0 || !closures[index - 1]) {
            for back in 1...max(1, blend) where index - back >= 0 && !closures[index - back] {
                let u = 1 - Double(back) / Double(blend + 1)
                let weight = u * u * (3 - 2 * u)
                result[index - back].jaw *= 1 - weight
                result[index - back].press += weight * (targets[index].press - result[index - back].press)
            }
        }
        return result
    }

    /// The pose at `time`, linearly interpolated; the first or last pose outside the span.
    func pose(at time: Double) -> MouthPose {
        let position = (time - start) * VisemeRules.rate
        guard position > 0 else { return poses[0] }
        let index = Int(position)
        guard index < poses.count - 1 else { return poses[poses.count - 1] }
        return poses[index].mixed(with: poses[index + 1], position - Double(index))
    }
}

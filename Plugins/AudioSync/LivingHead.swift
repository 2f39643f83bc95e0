import FacetSDK
import Foundation

// A head that is alive, not frozen: slow seeded drift, small nods on loudness onsets, calmer in
// pauses, and blinks at seeded times that prefer the starts of pauses. Everything is a function
// of time, the seed and the speech, so the same seed gives the same motion.

/// SplitMix64: a small, fast, seeded generator (the same numbers on every platform).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator for `seed`, mixed with `stream` (e.g. a track id) so streams differ.
    init(seed: Int, stream: Int = 0) {
        state = UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(stream)) &* 0xD1B5_4A32_D192_ED03
        for _ in 0..<4 { _ = next() }
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// What the living head needs to know of the speech: when it is speaking, where loudness rises
/// (nods) and where pauses begin (blinks).
struct SpeechRhythm {
    /// Time of sample 0 of `activity`.
    let start: Double
    /// 0 (pause) … 1 (speaking), smoothed over about half a second, one value per 1/100 s.
    let activity: [Double]
    /// Times where loudness rises sharply (syllable onsets after quieter stretches).
    let onsets: [Double]
    /// Times where a pause of at least `minimumPause` begins after speech.
    let pauseStarts: [Double]

    /// The shortest pause that counts for blinks, seconds.
    static let minimumPause: Double = 0.2
    /// The shortest interval between two nods, seconds.
    static let nodInterval: Double = 0.6

    /// The rhythm of `speech` from `start` to `end`.
    init(speech: SpeechInput, start: Double, end: Double) {
        self.start = start
        let rate = VisemeRules.rate
        let count = max(2, Int(((end - start) * rate).rounded(.up)) + 1)
        let usePhones = speech.method != .loudness && speech.phones.contains { !$0.isSilence }
        var speaking = [Bool](repeating: false, count: count)
        for index in 0..<count {
            let time = start + Double(index) / rate
            if usePhones {
                speaking[index] = speech.phone(at: time).map { !$0.isSilence } ?? false
            } else {
                speaking[index] = speech.loudness(at: time) >= 0.08
            }
        }
        // Activity: critically damped towards speaking (1) or not (0), ~0.5 s.
        activity = MouthCurves.smoothed(
            speaking.map { MouthPose(jaw: $0 ? 1 : 0, spread: 0, round: 0, press: 0) },
            closures: [Bool](repeating: false, count: count), smoothing: 0.5
        ).map { min(1, max(0, $0.jaw)) }
        // Onsets: a fast loudness follower rising well above a slow one.
        var onsets: [Double] = []
        var fast = 0.0, slow = 0.0
        let fastGain = 1 - exp(-1 / (0.03 * rate)), slowGain = 1 - exp(-1 / (0.4 * rate))
        for index in 0..<count {
            let time = start + Double(index) / rate
            let level = Double(speech.loudness(at: time))
            fast += fastGain * (level - fast)
            slow += slowGain * (level - slow)
            if fast > 0.25, fast - slow > 0.2, time - (onsets.last ?? -.infinity) >= Self.nodInterval {
                onsets.append(time)
            }
        }
        self.onsets = onsets
        // Pause starts: speech followed by at least `minimumPause` of silence.
        var pauses: [Double] = []
        let minimum = Int((Self.minimumPause * rate).rounded())
        var index = 1
        while index < count {
            if speaking[index - 1], !speaking[index] {
                var end = index
                while end < count, !speaking[end] { end += 1 }
                if end - index >= minimum { pauses.append(start + Double(index) / rate) }
                index = end
            } else {
                index += 1
            }
        }
        pauseStarts = pauses
    }

    /// The activity at `time` (0 outside the span).
    func activity(at time: Double) -> Double {
        let index = Int(((time - start) * VisemeRules.rate).rounded())
        return activity.indices.contains(index) ? activity[index] : 0
    }
}

/// Head drift, nods and blinks of one face, from a seed.
struct LivingHead {
    /// Drift amplitudes at head-motion 1, degrees (yaw, pitch, roll).
    static let driftDegrees: (yaw: Double, pitch: Double, roll: Double) = (3, 2, 1.5)
    /// The drift in a pause, as a fraction of the drift while speaking.
    static let pauseDrift: Double = 0.55
    /// A nod's pitch at head-motion 1, degrees (±30% by seed).
    static let nodDegrees: Double = 1.2
    /// How long a nod lasts, seconds.
    static let nodLength: Double = 0.45
    /// Blink length range, seconds.
    static let blinkLength: ClosedRange<Double> = 0.16...0.24
    /// The fraction of a blink spent closing (the rest opening).
    static let blinkClosing: Double = 0.4

    /// Per axis: (weight, angular frequency rad/s, phase) of each sine.
    private let drift: [[(weight: Double, frequency: Double, phase: Double)]]
    private let nods: [(time: Double, degrees: Double)]
    /// Blink start times and lengths, in time order.
    let blinks: [(time: Double, length: Double)]
    private let rhythm: SpeechRhythm

    /// The head of face `stream` for `seed`, with `blinksPerMinute` blinks over `start…end`.
    init(seed: Int, stream: Int, rhythm: SpeechRhythm, blinksPerMinute: Double, start: Double, end: Double) {
        self.rhythm = rhythm
        var random = SeededGenerator(seed: seed, stream: stream)
        let weights = [0.55, 0.3, 0.15]
        drift = (0..<3).map { _ in
            weights.map { weight in
                let period = 2.5 + 7.5 * random.unit()
                return (weight: weight, frequency: 2 * .pi / period, phase: 2 * .pi * random.unit())
            }
        }
        nods = rhythm.onsets.map { ($0, Self.nodDegrees * (0.7 + 0.6 * random.unit())) }
        var blinks: [(time: Double, length: Double)] = []
        if blinksPerMinute > 0 {
            let mean = 60 / blinksPerMinute
            var time = start + mean * random.unit() * 0.5 - mean
            var pauses = rhythm.pauseStarts[...]
            while true {
                var candidate = time + mean * (0.6 + 0.8 * random.unit())
                // Prefer the start of a pause near the candidate (people blink as they stop talking).
                while let pause = pauses.first, pause < candidate - 0.4 * mean { pauses = pauses.dropFirst() }
                if let pause = pauses.first, pause <= candidate + 0.3 * mean, pause - time >= 0.3 * mean {
                    candidate = pause + 0.05
                    pauses = pauses.dropFirst()
                }
                guard candidate < end else { break }
                let length = Self.blinkLength.lowerBound + (Self.blinkLength.upperBound - Self.blinkLength.lowerBound) * random.unit()
                if candidate >= start { blinks.append((candidate, length)) }
                time = candidate
            }
        }
        self.blinks = blinks
    }

    /// The head's change at `time`, degrees, at head-motion 1: drift (calmer in pauses) and nods.
    func poseChange(at time: Double) -> (yaw: Double, pitch: Double, roll: Double) {
        let calm = Self.pauseDrift + (1 - Self.pauseDrift) * rhythm.activity(at: time)
        func axis(_ index: Int) -> Double {
            drift[index].reduce(0) { $0 + $1.weight * sin($1.frequency * time + $1.phase) } * calm
        }
        var nod = 0.0
        for (onset, degrees) in nods where time >= onset && time < onset + Self.nodLength {
            let phase = sin(.pi * (time - onset) / Self.nodLength)
            nod += degrees * phase * phase
        }
        return (Self.driftDegrees.yaw * axis(0), Self.driftDegrees.pitch * axis(1) + nod, Self.driftDegrees.roll * axis(2))
    }

    /// How closed the eyes are at `time`: 0 open … 1 shut (a smooth close, then a slower open).
    func blink(at time: Double) -> Double {
        var closed = 0.0
        for blink in blinks where time >= blink.time && time < blink.time + blink.length {
            let u = (time - blink.time) / blink.length
            let closing = Self.blinkClosing
            let x = u < closing ? u / closing : 1 - (u - closing) / (1 - closing)
            closed = max(closed, x * x * (3 - 2 * x))
        }
        return closed
    }
}

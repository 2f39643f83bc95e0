import FacetSDK

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Nods on the beat: every loudness onset of the audio (a drum hit, a clap, a stressed
/// syllable) brings the chin down by `depth` and back, lowest on the onset itself.
///
/// A nod rises over `BeatNod.attack` seconds before the onset and settles over `BeatNod.decay`
/// after it, both with a sine ease, so it starts and ends at rest; nods closer than that
/// overlap and the deeper one wins (they never add up). Without audio the motion is left as it
/// is, with a warning.
public struct BeatNod: FaceEffect {
    // MARK: - Parameter table

    /// How far the chin goes down at each onset, degrees.
    public static let depth = NumberParameter(
        "depth", default: 8, range: 0...20, unit: "deg", "How far the chin goes down on each beat (read at the beat's time).")
    /// How readily a rise in loudness counts as a beat, 0 … 1.
    public static let sensitivity = NumberParameter(
        "sensitivity", default: 0.5, range: 0...1,
        "How readily a rise in loudness counts as a beat: 0 takes only loud, sharp hits, 1 also quiet ones.")

    /// Seconds from rest to the lowest point (which is on the onset).
    public static let attack = 0.12
    /// Seconds from the lowest point back to rest.
    public static let decay = 0.35
    /// The shortest time between two beats, seconds: a rise sooner after a beat is its echo.
    public static let minimumGap = 0.25

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.examples.beat-nod",
        version: EffectVersion(1, 0, 0),
        summary: "Nod on the beat: the chin dips on every loudness onset of the audio.",
        parameters: [depth, sensitivity],
        temporalAccess: .wholeSequence,
        inputs: [.audio])

    // MARK: - Set-up

    private let parameters: EffectParameters

    /// Creates the effect from validated parameters.
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
    }

    // MARK: - Per-video processing

    /// Finds the onsets of the audio once, then adds a nod around each to every face.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        guard let audio = context.audio, !audio.samples.isEmpty else {
            context.warn(
                "the input has no audio, so there is no beat to nod to; the head is left as it is (give a soundtrack with --audio)")
            return
        }
        let sensitivity = parameters[Self.sensitivity, at: 0]
        let beats = Self.onsets(in: audio, sensitivity: sensitivity)
        guard !beats.isEmpty else {
            context.warn("found no beat in the audio at sensitivity \(sensitivity); the head is left as it is (try a higher sensitivity)")
            return
        }
        let depths = beats.map { Float(parameters[Self.depth, at: $0] * .pi / 180) }
        for trackIndex in motion.tracks.indices {
            for frameIndex in motion.tracks[trackIndex].frames.indices {
                let time = motion.tracks[trackIndex].frames[frameIndex].time
                var nod: Float = 0
                for (beat, depth) in zip(beats, depths) where time > beat - Self.attack && time < beat + Self.decay {
                    nod = max(nod, depth * Float(Self.envelope(time - beat)))
                }
                motion.tracks[trackIndex].frames[frameIndex].coefficients.pose.pitch += nod
            }
        }
    }

    // MARK: - Helpers

    /// The times (seconds, video timeline) where the loudness rises sharply: the level over 20 ms
    /// windows every 10 ms climbs by at least a threshold within 30 ms and reaches a floor, both
    /// lower for a higher `sensitivity` (24 dB and −30 dBFS at 0, 6 dB and −50 dBFS at 1).
    public static func onsets(in audio: AudioClip, sensitivity: Double) -> [Double] {
        let hop = max(1, audio.sampleRate / 100)
        let window = 2 * hop
        guard audio.samples.count >= window else { return [] }
        var levels: [Double] = []
        var start = 0
        while start + window <= audio.samples.count {
            var energy = 0.0
            for sample in audio.samples[start..<(start + window)] { energy += Double(sample) * Double(sample) }
            levels.append(10 * log10(energy / Double(window) + 1e-12))
            start += hop
        }
        let rise = 24 - 18 * sensitivity
        let floor = -30 - 20 * sensitivity
        let lookBack = 3
        var result: [Double] = []
        for index in levels.indices where index >= 1 && levels[index] >= floor {
            let before = levels[max(0, index - lookBack)..<index].min() ?? levels[index]
            guard levels[index] - before >= rise else { continue }
            let time = audio.startTime + Double(index * hop + window / 2) / Double(audio.sampleRate)  // the window's centre
            if let last = result.last, time - last < minimumGap { continue }
            result.append(time)
        }
        return result
    }

    /// The nod's shape at `offset` seconds from its onset: 0 at rest, 1 at the onset.
    static func envelope(_ offset: Double) -> Double {
        if offset <= -attack || offset >= decay { return 0 }
        let phase = offset < 0 ? (offset + attack) / attack : 1 - offset / decay
        let s = sin(phase * .pi / 2)
        return s * s
    }
}

import FacetSDK
import Foundation

/// Audio-driven mouth motion (lip sync) with a living head: the chosen face speaks the video's
/// audio.
///
/// The host analyses the audio's speech (`EffectContext.speech`: timed phones — aligned to
/// `transcript` when one is given, else recognised — and loudness). Per video:
///
/// 1. **Visemes.** Each phone gets a mouth class (closed P/B/M, F/V, rounded, open, wide,
///    narrow, tongue consonant, rest); Rhubarb-style rules on a 100 Hz grid hold short pauses,
///    relax medium ones and rest long ones, let shapes under 70 ms give way to the next, anticipate
///    vowels up to 150 ms across the consonants before them, and close the lips for P/B/M for at
///    least two frames, released when the phone ends (`VisemeTargets`). Everything is shifted by
///    `lag`. Without phones (`SpeechInput.Method.loudness`) the opening follows loudness alone.
/// 2. **Controls.** Each class sets jaw open, lip spread, lip round and lip press; the jaw is
///    scaled by loudness (`loudness`); critically damped springs (`smoothing`) make the curves
///    continuous, the closures kept exact (`MouthCurves`).
/// 3. **Expression.** The amounts move the face model's mouth directions (`MouthDirections`:
///    its own, or made from `mouth-open` and `smile` where it lacks them), times `strength`.
///    `add` adds them to the source's expression (a still portrait); `replace` first takes the
///    source's mouth away (the model's mouth region) so the mouth follows the audio only while the
///    eyes, brows and head keep the source's motion (re-syncing footage).
/// 4. **Living head** (`head-motion`, `blinks`, `seed`): slow seeded drift (yaw ~3°, pitch ~2°,
///    roll ~1.5°), calmer in pauses, small nods on loudness onsets, and blinks that prefer the
///    starts of pauses (`LivingHead`).
/// 5. Pose and expression are clamped to `PoseLimits` and the model's ranges
///    (`PlausibilityClamp`), one warning per limit.
public struct AudioSync: FaceEffect {
    // MARK: - Parameter table

    /// Add the speech mouth to the source's expression, or replace the source's mouth by it.
    public static let mode = ChoiceParameter(
        "mode", default: Mode.add,
        "add: the speech mouth on top of the source's expression (a still portrait); replace: the source's own mouth motion is taken away and the mouth follows the audio, the rest of the face and the head keep the source's motion (re-sync footage)."
    )
    /// Overall scale of the mouth motion.
    public static let strength = NumberParameter(
        "strength", default: 1, range: 0...2, "Scale of the mouth motion: 0 none, 1 natural, 2 exaggerated; keyframable.")
    /// Shift of the mouth curves against the sound, seconds.
    public static let lag = NumberParameter(
        "lag", default: -0.03, range: -0.3...0.3, unit: "s",
        "Mouth time minus sound time: negative moves the mouth slightly before the sound is heard (as real speakers do)."
    ).withoutKeyframes()
    /// Time constant of the springs.
    public static let smoothing = NumberParameter(
        "smoothing", default: 0.06, range: 0...0.3, unit: "s",
        "How long a mouth control takes to cover about 80% of a change of shape (critically damped springs); 0 for none."
    ).withoutKeyframes()
    /// How much the jaw follows loudness.
    public static let loudness = NumberParameter(
        "loudness", default: 0.6, range: 0...1,
        "How much loudness scales the jaw of each shape: 0 not at all, 1 a silent vowel keeps 40% of its opening."
    ).withoutKeyframes()
    /// Strength of the living head's drift and nods.
    public static let headMotion = NumberParameter(
        "head-motion", default: -1, range: -1...3,
        "Strength of the slow head drift and the nods on stressed syllables: 0 none, 1 natural; -1 (auto) is 1 in add mode and 0 in replace mode."
    )
    /// Blinks per minute.
    public static let blinks = NumberParameter(
        "blinks", default: -1, range: -1...60, unit: "1/min",
        "Blinks per minute at seeded times, preferring the starts of pauses: 0 none; -1 (auto) is 15 in add mode and 0 in replace mode (footage blinks by itself)."
    ).withoutKeyframes()
    /// The seed of the head motion and blinks.
    public static let seed = IntegerParameter(
        "seed", default: 0, "Seed of the head drift, nod sizes and blink times: the same seed gives the same motion."
    ).withoutKeyframes()
    /// The words of the audio.
    public static let transcript = TranscriptParameter(
        "transcript",
        "The words the audio says, or a text file of them: the host aligns them to the audio (the most accurate); empty: phones are recognised from the audio."
    )
    /// Which faces speak (a `FaceSelector`).
    public static let faces = TextParameter(
        "faces", default: "largest", "Which faces speak: largest, all, id:N (a track id), or index:N counted from the left.")

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.audio-sync",
        version: EffectVersion(0, 1, 0),
        summary: "Make a face speak the audio: lip sync from timed phones (or loudness), with a living head and blinks.",
        parameters: [mode, strength, lag, smoothing, loudness, headMotion, blinks, seed, transcript, faces],
        temporalAccess: .wholeSequence,
        inputs: [.audio, .speech]
    )

    /// The values of `mode`.
    public enum Mode: String, CaseIterable, Sendable {
        /// The speech mouth on top of the source's expression.
        case add
        /// The source's mouth replaced by the speech mouth.
        case replace
    }

    /// Blinks per minute of `blinks: -1` in add mode.
    public static let automaticBlinks: Double = 15

    // MARK: - Setup

    private let parameters: EffectParameters
    private let isReplace: Bool
    private let selector: FaceSelector
    private let blinksPerMinute: Double
    private let seedValue: Int

    /// Creates the effect from validated parameters; throws for text `faces` does not understand.
    /// (`lag`, `smoothing`, `loudness`, `blinks` and `seed` shape the whole curve at once: they are
    /// declared without keyframes, so keyframes for them never validate.)
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
        isReplace = parameters[Self.mode] == .replace
        selector = try FaceSelector(parsing: parameters[Self.faces])
        let rate = parameters[Self.blinks, at: 0]
        blinksPerMinute = rate < 0 ? (isReplace ? 0 : Self.automaticBlinks) : rate
        seedValue = parameters[Self.seed, at: 0]
    }

    // MARK: - Processing

    /// Gives the selected faces the speech mouth (and, by the parameters, a living head);
    /// throws when the host gave no speech (a video without sound) or no face model.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        guard let speech = context.speech else {
            if context.audio != nil {
                throw EffectError(
                    .missingInput,
                    "audio-sync needs the speech of the audio (timed phones and loudness), and the host gave the audio without it; expected a host that analyses speech for effects that declare it (EffectInputs.speech)"
                )
            }
            throw EffectError(
                .missingInput,
                "audio-sync needs speech to follow, but the input has no audio; give the sound with --audio FILE "
                    + "(a WAV, MP3 or a video whose sound is used), e.g. `facet apply portrait.png --preset talk --audio speech.wav -o talk.mp4`"
            )
        }
        let selected = try selectedTracks(in: motion)
        guard !selected.isEmpty else { return }
        guard let model = context.faceModel else {
            throw EffectError(
                .missingInput,
                "audio-sync moves the mouth along the face model's controls, which the host did not provide (motion without a model?)")
        }
        let directions = try MouthDirections(model: model)
        let span = Self.span(of: motion, speech: speech)
        let curves = MouthCurves(
            speech: speech, start: span.lowerBound, end: span.upperBound, lag: parameters[Self.lag, at: 0],
            smoothing: parameters[Self.smoothing, at: 0], loudnessAmount: parameters[Self.loudness, at: 0],
            frameRate: motion.frameRate)
        let rhythm = SpeechRhythm(speech: speech, start: span.lowerBound, end: span.upperBound)
        var clamps = PlausibilityClamp()
        for trackIndex in selected {
            let head = LivingHead(
                seed: seedValue, stream: motion.tracks[trackIndex].id, rhythm: rhythm, blinksPerMinute: blinksPerMinute,
                start: span.lowerBound, end: span.upperBound)
            for frameIndex in motion.tracks[trackIndex].frames.indices {
                let frame = motion.tracks[trackIndex].frames[frameIndex]
                var coefficients = frame.coefficients
                edit(&coefficients, time: frame.time, curves: curves, head: head, directions: directions, model: model, clamps: &clamps)
                motion.tracks[trackIndex].frames[frameIndex].coefficients = coefficients
            }
        }
        var warnings: [String] = []
        if curves.loudnessOnly, speech.method != .loudness {
            warnings.append("no phones were found in the speech (\(speech.method.rawValue)); the mouth opens with loudness only")
        }
        if blinksPerMinute > 0, directions.eyes == nil {
            warnings.append("model \(model.name) has no eyes-closed control; no blinks")
        }
        for warning in warnings + clamps.warnings { context.warn(warning) }
    }

    /// Applies the mouth, head and blink at `time` to one face's coefficients.
    private func edit(
        _ coefficients: inout FaceCoefficients, time: Double, curves: MouthCurves, head: LivingHead,
        directions: MouthDirections, model: FaceModelDescription, clamps: inout PlausibilityClamp
    ) {
        var expression = coefficients.expression
        if expression.count < directions.dimension {
            // Motion fitted before the model gained dimensions: the missing ones were zero.
            expression += [Float](repeating: 0, count: directions.dimension - expression.count)
        }
        if isReplace {
            let mouth = directions.mouthPart(of: expression)
            for index in mouth.indices { expression[index] -= mouth[index] }
        }
        let strength = Float(parameters[Self.strength, at: time])
        let change = directions.change(for: curves.pose(at: time), strength: strength, on: expression)
        for index in change.indices { expression[index] += change[index] }
        if let eyes = directions.eyes {
            let closed = Float(head.blink(at: time))
            if closed > 0 { for index in eyes.indices where index < expression.count { expression[index] += closed * eyes[index] } }
        }
        // The mouth directions a blendshape model lacks are made by projecting onto its mouth
        // region, and they carry small negative weights on its other shapes (sadness, surprise,
        // the eyelids): weights below the model's range cannot be shown and nobody asked for
        // them, so they are cut without a warning; what rises above the range is clamped with one.
        for index in expression.indices where index < model.coefficientRange.count {
            expression[index] = max(expression[index], model.coefficientRange[index].lowerBound)
        }
        clamps.clamp(&expression, to: model)
        coefficients.expression = expression

        let motion = parameters[Self.headMotion, at: time]
        let amount = motion < 0 ? (isReplace ? 0 : 1) : motion
        guard amount > 0 else { return }
        let drift = head.poseChange(at: time)
        let radians = Double.pi / 180 * amount
        coefficients.pose.yaw += Float(drift.yaw * radians)
        coefficients.pose.pitch += Float(drift.pitch * radians)
        coefficients.pose.roll += Float(drift.roll * radians)
        clamps.clamp(&coefficients.pose)
    }

    // MARK: - Helpers

    /// The tracks `faces` picks; an explicit id or index the video lacks is an error.
    private func selectedTracks(in motion: SceneMotion) throws -> [Int] {
        let selected = selector.trackIndices(in: motion)
        guard selected.isEmpty, !motion.tracks.isEmpty else { return selected }
        let ids = motion.tracks.map { String($0.id) }.joined(separator: ", ")
        switch selector {
        case .trackID(let id):
            throw EffectError(
                .invalidParameter, "faces=id:\(id), but the video has no face \(id); its faces are \(ids), or use all / largest")
        case .leftToRight(let index):
            throw EffectError(
                .invalidParameter,
                "faces=index:\(index), but the video has \(motion.tracks.count) face(s); expected index:0 … index:\(motion.tracks.count - 1), all or largest"
            )
        case .all, .largest:
            return selected
        }
    }

    /// The time span the curves cover: every frame and the whole audio, with half a second spare.
    private static func span(of motion: SceneMotion, speech: SpeechInput) -> ClosedRange<Double> {
        let frameTimes = motion.tracks.flatMap { $0.frames.map(\.time) } + motion.frameTimes
        let first = min(frameTimes.min() ?? 0, speech.startTime)
        let last = max(frameTimes.max() ?? 0, speech.startTime + speech.duration)
        return (first - 0.5)...(last + 0.5)
    }
}

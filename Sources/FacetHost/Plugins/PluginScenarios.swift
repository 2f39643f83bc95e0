// The scenarios `facet plugins check` runs each effect through: synthetic motion built with the
// SDK's types, in a context like the host's, with the effect's defaults and extremes.

import FacetSDK
import Foundation

/// Runs one plugin effect through the check's scenarios and reports what its output breaks.
///
/// Parameter sets: the defaults; each numeric parameter at its range's minimum and maximum, and
/// (when keyframable) keyframed from minimum to maximum over the clip; each choice's every word.
/// Motions: one face; three faces with frames missing from two tracks; a still (one frame); no
/// face. Each motion runs with audio (and speech, for an effect declaring it) and without; a face
/// model description is always in the context; a driving-input parameter is also given a driver
/// (the one-face motion, as a motion file) and a transcript parameter the word "hello". Every call runs twice, on fresh instances, and
/// must give the same motion.
enum PluginScenarios {
    /// What the child writes to standard error before each call, so that the parent can say
    /// which scenario was running when it crashed.
    static let progressPrefix = "facet-check: running "

    /// A named set of parameter values.
    struct ParameterSet {
        var label: String
        var given: [String: ParameterValue]
        /// The driving-input parameter given a (synthetic) driver, if any.
        var driver: String?
    }

    /// A named motion and its context.
    struct Scenario {
        var label: String
        var motion: SceneMotion
        var audio: AudioClip?
        var speech: SpeechInput?
    }

    /// Runs a plugin library's effect `index`; `announce` writes each scenario to standard error
    /// before it runs (in the child process, for the parent to name a crash's scenario).
    static func run(library: PluginLibrary, index: Int32, descriptor: EffectDescriptor, announce: Bool) -> [PluginCheckLine] {
        run(descriptor: descriptor, announce: announce) { parameters in
            try PluginEffectInstance(library: library, index: index, descriptor: descriptor, parameters: parameters)
        }
    }

    /// Runs the effect `make` creates (a plugin's or a built-in one) through every scenario.
    static func run(
        descriptor: EffectDescriptor, announce: Bool, make: (EffectParameters) throws -> any FaceEffect
    ) -> [PluginCheckLine] {
        let id = descriptor.id
        var lines: [PluginCheckLine] = []
        var timings: [(seconds: Double, faceFrames: Int, label: String)] = []
        var failedCalls = 0
        let all = scenarios(for: descriptor)
        for set in parameterSets(descriptor) {
            let parameters: EffectParameters
            do {
                parameters = try EffectParameters(schema: descriptor.parameters, given: set.given)
            } catch {
                lines.append(PluginCheckLine(.fail, id, "\(set.label): the host refuses these values: \(error.description)"))
                continue
            }
            var problems: [String] = []
            var refusals: [String] = []
            for scenario in all {
                let label = "\(set.label), \(scenario.label)"
                var outcomes: [SceneMotion] = []
                var problem: String?
                var refusal: String?
                for attempt in 0..<2 where problem == nil && refusal == nil {
                    if announce { Self.announce(label + (attempt == 1 ? " (second run)" : "")) }
                    let instance: any FaceEffect
                    do {
                        instance = try make(parameters)
                    } catch {
                        // An effect may refuse combinations the schema cannot rule out, with a message.
                        refusal = "refused to be created: \(ErrorChain.describe(error))"
                        break
                    }
                    var motion = scenario.motion
                    var driving: [String: DrivingInput] = [:]
                    if let driver = set.driver {
                        driving[driver] = DrivingInput(
                            path: "/facet-check/driver.json", kind: .motionFile, motion: motions()[0].1,
                            audio: descriptor.inputs.contains(.drivingAudio) ? audioClip(duration: motions()[0].1.duration) : nil)
                    }
                    let context = EffectContext(
                        audio: scenario.audio, faceModel: faceModel, drivingInputs: driving, speech: scenario.speech, warn: { _ in })
                    let clock = Date()
                    do {
                        try instance.process(&motion, context: context)
                    } catch {
                        failedCalls += 1
                        let plugin = instance as? PluginEffectInstance
                        if plugin?.outputOnFailure == true {
                            let message = ErrorChain.describe(error).replacingOccurrences(
                                of: PluginEffectInstance.outputOnFailureNote, with: "")
                            problem =
                                "process() failed (\(message)) and still set motion_out; expected motion_out left NULL when a call fails"
                        } else if plugin?.reportedFailure ?? true {
                            // The effect's own error (a missing input, say): allowed, and shown to the user.
                            refusal = "failed with an error: \(ErrorChain.describe(error))"
                        } else {
                            // The host could not read what the plugin returned.
                            problem = ErrorChain.describe(error)
                        }
                        break
                    }
                    if attempt == 0 { timings.append((Date().timeIntervalSince(clock), scenario.motion.faceFrameCount, label)) }
                    if let broken = EffectChainRunner.contractViolation(before: scenario.motion, after: motion) {
                        problem = broken.message + (broken.cause.map { ": \($0)" } ?? "")
                        break
                    }
                    outcomes.append(motion)
                }
                if problem == nil, outcomes.count == 2, outcomes[0] != outcomes[1] {
                    problem =
                        "two runs on the same input differ\(firstDifference(outcomes[0], outcomes[1])); expected the same motion (deterministic)"
                }
                if let problem { problems.append("\(label): \(problem)") }
                if let refusal { refusals.append("\(label): \(refusal)") }
            }
            if let first = refusals.first {
                let more = refusals.count > 1 ? " (and \(refusals.count - 1) more of the \(all.count) scenarios)" : ""
                lines.append(
                    PluginCheckLine(
                        .warn, id, first + more + "; allowed (the host shows the message), but check that this input needs it"))
            }
            // The first failing scenario of each parameter set, and how many more failed.
            if let first = problems.first {
                let more = problems.count > 1 ? " (and \(problems.count - 1) more of the \(all.count) scenarios)" : ""
                lines.append(PluginCheckLine(.fail, id, first + more))
            } else if refusals.count < all.count {
                let ran = all.count - refusals.count
                lines.append(
                    PluginCheckLine(
                        .pass, id,
                        "\(set.label): \(ran) scenarios keep frames, times and tracks, stay within MotionLimits and repeat exactly"))
            }
        }
        if failedCalls == 0 {
            lines.append(PluginCheckLine(.pass, id, "no call failed, so none returned motion with a failure"))
        } else if !lines.contains(where: { $0.status == .fail && $0.message.contains("and still set motion_out") }) {
            lines.append(PluginCheckLine(.pass, id, "\(failedCalls) failing calls returned no motion with their error"))
        }
        lines += timingLines(timings, descriptor: descriptor)
        return lines
    }

    /// The median time per face-frame, and a warning for every call slower than `EffectTimeBudget` allows.
    static func timingLines(_ timings: [(seconds: Double, faceFrames: Int, label: String)], descriptor: EffectDescriptor)
        -> [PluginCheckLine]
    {
        guard !timings.isEmpty else { return [] }
        let perFrame = timings.map { $0.seconds / Double(max(1, $0.faceFrames)) }.sorted()
        let median = perFrame[perFrame.count / 2]
        let budget = EffectTimeBudget.secondsPerFaceFrame(descriptor.temporalAccess)
        var lines = [
            PluginCheckLine(
                .pass, descriptor.id,
                "timing: median \(EffectTimeBudget.format(median)) per face-frame over \(timings.count) calls (budget for "
                    + "\(descriptor.temporalAccess): \(EffectTimeBudget.format(budget)))")
        ]
        for timing in timings {
            if let slow = EffectTimeBudget.slowness(
                seconds: timing.seconds, faceFrames: timing.faceFrames, access: descriptor.temporalAccess,
                floorSeconds: EffectTimeBudget.checkFloorSeconds)
            {
                lines.append(PluginCheckLine(.warn, descriptor.id, "\(timing.label): \(slow)"))
            }
        }
        return lines
    }

    /// ` (first at track 1, frame 4)`: where two outputs of the same input first differ.
    static func firstDifference(_ a: SceneMotion, _ b: SceneMotion) -> String {
        for (x, y) in zip(a.tracks, b.tracks) {
            if x.identity != y.identity { return " (first at track \(x.id), identity)" }
            for (f, g) in zip(x.frames, y.frames) where f != g { return " (first at track \(x.id), frame \(f.frameIndex))" }
        }
        return ""
    }

    private static func announce(_ label: String) {
        FileHandle.standardError.write(Data((progressPrefix + label + "\n").utf8))
    }

    // MARK: - Parameter sets

    static func parameterSets(_ descriptor: EffectDescriptor) -> [ParameterSet] {
        var sets = [ParameterSet(label: "defaults", given: [:], driver: nil)]
        let end = frameTimes(count: frameCount).last ?? 0
        for spec in descriptor.parameters {
            switch spec.type {
            case .number, .integer:
                if let minimum = spec.minimum {
                    sets.append(
                        ParameterSet(label: "\(spec.name)=\(ParameterSpec.format(minimum)) (minimum)", given: [spec.name: .number(minimum)])
                    )
                }
                if let maximum = spec.maximum {
                    sets.append(
                        ParameterSet(label: "\(spec.name)=\(ParameterSpec.format(maximum)) (maximum)", given: [spec.name: .number(maximum)])
                    )
                }
                if let minimum = spec.minimum, let maximum = spec.maximum, spec.type.isAnimatable, spec.isKeyframable,
                    let track = try? KeyframeTrack([Keyframe(time: 0, value: minimum), Keyframe(time: end, value: maximum)])
                {
                    sets.append(
                        ParameterSet(
                            label: "\(spec.name) keyframed \(ParameterSpec.format(minimum))→\(ParameterSpec.format(maximum))",
                            given: [spec.name: .keyframes(track)]))
                }
            case .choice(let words):
                for word in words where spec.defaultValue != .text(word) {
                    sets.append(ParameterSet(label: "\(spec.name)=\(word)", given: [spec.name: .text(word)]))
                }
            case .boolean:
                if case .boolean(let flag) = spec.defaultValue {
                    sets.append(ParameterSet(label: "\(spec.name)=\(!flag)", given: [spec.name: .boolean(!flag)]))
                }
            case .text:
                switch spec.role {
                case .drivingInput?:
                    sets.append(
                        ParameterSet(
                            label: "\(spec.name)=a driver (one face, motion file)", given: [spec.name: .text("/facet-check/driver.json")],
                            driver: spec.name))
                case .transcript?:
                    sets.append(ParameterSet(label: "\(spec.name)=hello", given: [spec.name: .text("hello")]))
                case nil:
                    continue
                }
            }
        }
        return sets
    }

    // MARK: - Motion and context

    /// Frames of the synthetic clip (25 fps).
    static let frameCount = 12
    static let frameRate = 25.0

    static func frameTimes(count: Int) -> [Double] { (0..<count).map { Double($0) / frameRate } }

    /// The scenarios: each motion with audio (and speech when declared) and without; an effect
    /// that does not hear audio gets none, as in the host (`EffectInputs.hearsAudio`).
    static func scenarios(for descriptor: EffectDescriptor) -> [Scenario] {
        let wantsSpeech = descriptor.inputs.contains(.speech)
        var result: [Scenario] = []
        for (label, motion) in motions() {
            guard descriptor.inputs.hearsAudio else {
                result.append(Scenario(label: label, motion: motion, audio: nil, speech: nil))
                continue
            }
            let audio = audioClip(duration: motion.duration)
            result.append(
                Scenario(
                    label: label + (wantsSpeech ? ", audio and speech" : ", audio"), motion: motion, audio: audio,
                    speech: wantsSpeech ? speech(duration: motion.duration) : nil))
            result.append(Scenario(label: label + ", no audio", motion: motion, audio: nil, speech: nil))
        }
        return result
    }

    /// One face; three faces with frames missing from two tracks; a still; no face.
    static func motions() -> [(String, SceneMotion)] {
        let times = frameTimes(count: frameCount)
        func track(_ id: Int, frames: [Int], in times: [Double]) -> FaceTrack {
            FaceTrack(
                id: id, modelName: faceModel.name, expressionBasis: faceModel.expressionBasis,
                expressionNames: faceModel.expressionNames, identity: [0.2, -0.1, 0.05],
                camera: FaceCamera(projection: .weakPerspective, focalLength: 800, principalPoint: Point2(x: 160, y: 120)),
                frames: frames.map { index in
                    let phase = Float(index) * 0.3 + Float(id)
                    return FaceFrame(
                        frameIndex: index, time: times[index],
                        box: FaceBox(x: 40 + Float(id) * 90, y: 60, width: 80, height: 80),
                        coefficients: FaceCoefficients(
                            pose: HeadPose(yaw: 0.1 * sin(phase), pitch: 0.05 * cos(phase), roll: 0.02),
                            translation: Vector3(x: Float(id) * 40, y: 0, z: -600),
                            expression: [0.2 + 0.1 * sin(phase), 0.1, 0, 0.05, 0.05]),
                        fitError: 1.5, confidence: 0.9)
                })
        }
        let all = Array(0..<frameCount)
        func scene(_ times: [Double], _ tracks: [FaceTrack]) -> SceneMotion {
            SceneMotion(frameTimes: times, frameRate: frameRate, frameWidth: 320, frameHeight: 240, tracks: tracks)
        }
        return [
            ("one face", scene(times, [track(0, frames: all, in: times)])),
            (
                "three faces with frames missing from tracks",
                scene(
                    times,
                    [
                        track(0, frames: all, in: times), track(1, frames: Array(3..<9), in: times),
                        track(2, frames: all.filter { $0 % 2 == 0 }, in: times),
                    ])
            ),
            ("a still (one frame)", scene([0], [track(0, frames: [0], in: [0])])),
            ("no face", scene(times, [])),
        ]
    }

    /// A 5-dimensional blendshape model with every standard control (`ExpressionControlName.all`);
    /// no regions (a model without landmark vertices has none either).
    static let faceModel = FaceModelDescription(
        name: "facet-check", expressionBasis: .blendshapes,
        expressionNames: ["jaw-open", "smile", "brows-up", "left-eye-closed", "right-eye-closed"],
        controls: [
            ExpressionControlName.mouthOpen: [1, 0, 0, 0, 0], ExpressionControlName.smile: [0, 1, 0, 0, 0],
            ExpressionControlName.browsRaised: [0, 0, 1, 0, 0], ExpressionControlName.leftEyeClosed: [0, 0, 0, 1, 0],
            ExpressionControlName.rightEyeClosed: [0, 0, 0, 0, 1], ExpressionControlName.eyesClosed: [0, 0, 0, 1, 1],
        ],
        coefficientRange: Array(repeating: 0...1.5, count: 5))

    /// A 220 Hz tone at 16 kHz with a pause in the middle, as long as the clip.
    static func audioClip(duration: Double) -> AudioClip {
        let rate = 16_000
        let count = max(1, Int(duration * Double(rate)))
        let samples = (0..<count).map { index -> Float in
            let t = Double(index) / Double(rate)
            let pause = t > duration * 0.4 && t < duration * 0.6
            return pause ? 0 : Float(0.3 * sin(2 * .pi * 220 * t))
        }
        return AudioClip(sampleRate: rate, samples: samples)
    }

    /// "hello" as aligned phones with a silence, and a loudness envelope.
    static func speech(duration: Double) -> SpeechInput {
        let d = max(duration, 0.04)
        let phones = [
            SpeechPhone(symbol: "SIL", start: 0, end: d * 0.2), SpeechPhone(symbol: "HH", start: d * 0.2, end: d * 0.35, word: "hello"),
            SpeechPhone(symbol: "AH", start: d * 0.35, end: d * 0.55, word: "hello"),
            SpeechPhone(symbol: "L", start: d * 0.55, end: d * 0.7, word: "hello"),
            SpeechPhone(symbol: "OW", start: d * 0.7, end: d * 0.9, word: "hello"), SpeechPhone(symbol: "SIL", start: d * 0.9, end: d),
        ]
        let loudness = (0..<max(1, Int(d * 100))).map { index in Float(index % 10) / 10 }
        return SpeechInput(
            method: .alignment, phones: phones, words: [SpeechWord(text: "hello", start: d * 0.2, end: d * 0.9)], loudness: loudness,
            duration: d)
    }
}

import AudioSync
import FacetSDK
import XCTest

/// Modes, inputs and the integrity of the motion.
final class ModeTests: XCTestCase {
    private let speech = Fixture.speech([
        ("SIL", 0.3), ("HH", 0.08), ("AE", 0.2), ("L", 0.06), ("OW", 0.25), ("SIL", 0.3), ("M", 0.1), ("IY", 0.2), ("SIL", 0.6),
    ])

    /// The source talks and blinks by itself, and turns its head.
    private func talkingSource(duration: Double = 2.1) -> SceneMotion {
        Fixture.source(duration: duration) { time in
            let t = Float(time)
            return Fixture.coefficients(
                yaw: 0.2 * sin(t), pitch: 0.05 * cos(2 * t), roll: 0.02 * t,
                expression: [
                    0.4 + 0.3 * sin(9 * t), 0.2 * cos(5 * t), 0.1 * sin(3 * t), 0.05, 0.5 + 0.5 * sin(4 * t), 0.3 * t, 0.2 * cos(t),
                ])
        }
    }

    /// replace: the eyes, brows and head keep the source's motion exactly; the mouth is the
    /// speech mouth alone (the same as on a source with a still mouth).
    func testReplaceKeepsTheRestOfTheFaceAndTheHeadAndTakesTheMouthAway() throws {
        let source = talkingSource()
        let result = try Fixture.processed(["mode": "replace"], source, speech: speech)
        var stillMouth = source
        for index in stillMouth.tracks[0].frames.indices {
            for coefficient in Fixture.mouth { stillMouth.tracks[0].frames[index].coefficients.expression[coefficient] = 0 }
        }
        let reference = try Fixture.processed(["mode": "replace"], stillMouth, speech: speech)
        for (index, (out, input)) in zip(result.firstFrames, source.firstFrames).enumerated() {
            XCTAssertEqual(out.coefficients.pose, input.coefficients.pose, "pose of frame \(index)")
            XCTAssertEqual(out.coefficients.translation, input.coefficients.translation)
            for coefficient in Fixture.outsideMouth {
                XCTAssertEqual(out.coefficients.expression[coefficient], input.coefficients.expression[coefficient], accuracy: 1e-6)
            }
            for coefficient in Fixture.mouth {
                XCTAssertEqual(
                    out.coefficients.expression[coefficient], reference.firstFrames[index].coefficients.expression[coefficient],
                    accuracy: 1e-5, "mouth of frame \(index)")
            }
        }
        // The source's own mouth motion is gone: the jaw no longer follows sin(9t) in the pause at the end.
        let tail = result.firstFrames.filter { $0.time > 1.75 }.map { $0.coefficients.expression[Fixture.jaw] }
        XCTAssertLessThan((tail.max() ?? 1) - (tail.min() ?? 0), 0.05)
    }

    /// replace on a model without a mouth region: the mouth directions are projected out.
    func testReplaceWithoutRegionsRemovesTheMouthDirections() throws {
        var model = Fixture.faceModel()
        model.regions = [:]
        let result = try Fixture.processed(["mode": "replace"], talkingSource(), speech: speech, model: model)
        for (out, input) in zip(result.firstFrames, talkingSource().firstFrames) {
            for coefficient in Fixture.outsideMouth {
                XCTAssertEqual(out.coefficients.expression[coefficient], input.coefficients.expression[coefficient], accuracy: 1e-5)
            }
        }
        let tail = result.firstFrames.filter { $0.time > 1.75 }.map { $0.coefficients.expression[Fixture.jaw] }
        XCTAssertLessThan((tail.max() ?? 1) - (tail.min() ?? 0), 0.05)
    }

    /// add: outside the mouth the source's expression stays (no blinks asked for); the mouth is
    /// the source's plus the speech's.
    func testAddKeepsTheSourceExpressionOutsideTheMouth() throws {
        let source = talkingSource()
        let result = try Fixture.processed(["blinks": 0.0, "head-motion": 0.0], source, speech: speech)
        var moved = false
        for (out, input) in zip(result.firstFrames, source.firstFrames) {
            XCTAssertEqual(out.coefficients.pose, input.coefficients.pose)
            for coefficient in Fixture.outsideMouth {
                XCTAssertEqual(out.coefficients.expression[coefficient], input.coefficients.expression[coefficient], accuracy: 1e-6)
            }
            if abs(out.coefficients.expression[Fixture.round] - input.coefficients.expression[Fixture.round]) > 0.3 { moved = true }
        }
        XCTAssertTrue(moved, "the speech rounds the lips on OW")
        // The defaults of add mode move the head and blink.
        let living = try Fixture.processed([:], Fixture.source(duration: 12), speech: LivingHeadTests.talk(seconds: 12, seed: 5).0)
        XCTAssertTrue(living.firstFrames.contains { $0.coefficients.pose.yaw != 0 })
        XCTAssertTrue(living.firstFrames.contains { $0.coefficients.expression[Fixture.leftEye] > 0.5 })
    }

    /// No speech (a video without sound): an error that says to give --audio.
    func testMissingSpeechIsAnErrorNamingTheAudioOption() throws {
        var motion = Fixture.source(duration: 1)
        let error = Fixture.effectError { try Fixture.run(on: &motion, speech: nil) }
        XCTAssertEqual(error?.code, .missingInput)
        XCTAssertTrue(error?.message.contains("--audio FILE") ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("no audio") ?? false, error?.message ?? "")
        XCTAssertEqual(motion, Fixture.source(duration: 1), "nothing changed")
        // Audio without its speech is the host's omission, and said so.
        let effect = try AudioSync(parameters: try Fixture.parameters([:]))
        let audio = AudioClip(sampleRate: 16_000, samples: [Float](repeating: 0, count: 16_000))
        let hostError = Fixture.effectError {
            try effect.process(&motion, context: EffectContext(audio: audio, faceModel: Fixture.faceModel()))
        }
        XCTAssertEqual(hostError?.code, .missingInput)
        XCTAssertTrue(hostError?.message.contains("without it") ?? false, hostError?.message ?? "")
        // A model without a jaw control is named.
        var model = Fixture.faceModel()
        model.controls[ExpressionControlName.mouthOpen] = nil
        let noJaw = Fixture.effectError { try Fixture.run(on: &motion, speech: speech, model: model) }
        XCTAssertEqual(noJaw?.code, .invalidMotion)
        XCTAssertTrue(noJaw?.message.contains("mouth-open") ?? false)
        // The parameters that shape the whole curve take no keyframes: the descriptor says so, and
        // keyframes for them do not validate; strength and head-motion take them.
        let keyframed = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 0.05)])
        for name in ["lag", "smoothing", "loudness", "blinks", "seed"] {
            let spec = try XCTUnwrap(AudioSync.descriptor.parameters.first { $0.name == name })
            XCTAssertFalse(spec.isKeyframable, name)
            let error = Fixture.effectError { _ = try AudioSync(parameters: try Fixture.parameters([name: keyframed])) }
            XCTAssertEqual(error?.code, .invalidParameter, name)
            XCTAssertTrue(error?.message.contains("'\(name)' cannot be keyframed") ?? false, error?.message ?? name)
        }
        for name in ["strength", "head-motion"] {
            XCTAssertTrue(try XCTUnwrap(AudioSync.descriptor.parameters.first { $0.name == name }).isKeyframable, name)
            XCTAssertNoThrow(try AudioSync(parameters: try Fixture.parameters([name: keyframed])), name)
        }
    }

    /// Every frame and track is kept, times and ids unchanged, every number finite; with
    /// faces=largest only the largest face speaks.
    func testEveryFrameAndTrackIsKeptAndFinite() throws {
        let times = Fixture.times(63)
        let small = Fixture.track(id: 3, frameTimes: times, indices: Array(stride(from: 0, to: 63, by: 2)), size: 60) { _ in
            Fixture.coefficients()
        }
        let large = Fixture.track(id: 7, frameTimes: times, indices: Array(10..<55), size: 120) { _ in Fixture.coefficients() }
        let source = SceneMotion(frameTimes: times, frameRate: 30, frameWidth: 640, frameHeight: 480, tracks: [small, large])
        for faces in ["all", "largest"] {
            let result = try Fixture.processed(["faces": faces, "mode": "add"], source, speech: speech)
            XCTAssertEqual(result.frameTimes, source.frameTimes)
            XCTAssertEqual(result.tracks.map(\.id), [3, 7])
            for (out, input) in zip(result.tracks, source.tracks) {
                XCTAssertEqual(out.frames.map(\.frameIndex), input.frames.map(\.frameIndex))
                XCTAssertEqual(out.frames.map(\.time), input.frames.map(\.time))
                XCTAssertEqual(out.identity, input.identity)
                for frame in out.frames {
                    let c = frame.coefficients
                    XCTAssertTrue((c.expression + [c.pose.yaw, c.pose.pitch, c.pose.roll]).allSatisfy(\.isFinite))
                    XCTAssertEqual(c.expression.count, Fixture.dimension)
                }
            }
            XCTAssertNil(result.rangeViolation())
            XCTAssertNotEqual(result.tracks[1], source.tracks[1], "the largest face speaks")
            if faces == "largest" { XCTAssertEqual(result.tracks[0], source.tracks[0], "\(faces): the small face is left alone") }
            if faces == "all" { XCTAssertNotEqual(result.tracks[0], source.tracks[0]) }
        }
    }

    /// The descriptor: id, version, inputs, a transcript parameter, whole-sequence access.
    func testTheDescriptorAsksForSpeechAndATranscript() {
        let descriptor = AudioSync.descriptor
        XCTAssertEqual(descriptor.id, "org.facet.audio-sync")
        XCTAssertEqual(descriptor.version, EffectVersion(0, 1, 0))
        XCTAssertTrue(descriptor.inputs.contains([.audio, .speech]))
        XCTAssertEqual(descriptor.parameter(named: "transcript")?.role, .transcript)
        XCTAssertEqual(descriptor.temporalAccess, .wholeSequence)
    }
}

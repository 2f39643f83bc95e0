// The talk preset built the way `facet apply` builds it (PipelineFactory: face analysis, the speech
// service, the renderer) over the shared portrait and festival speech: AudioSync gets the
// recognised phones, so the face's mouth opens on the vowels and stays shut in the leading pause.

import FacetHost
import FacetSDK
import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// What a `MouthProbe` saw, by stage (0: before audio-sync, 1: after).
private final class MouthRecorder: @unchecked Sendable {
    // Safe to share: every access takes `lock`.
    static let shared = MouthRecorder()
    private let lock = NSLock()
    private var seen: [Int: (motion: SceneMotion, context: EffectContext)] = [:]

    func record(stage: Int, _ motion: SceneMotion, _ context: EffectContext) {
        lock.lock()
        defer { lock.unlock() }
        seen[stage] = (motion, context)
    }

    func take() -> [Int: (motion: SceneMotion, context: EffectContext)] {
        lock.lock()
        defer { lock.unlock() }
        defer { seen = [:] }
        return seen
    }
}

/// Records the motion it is given, and the speech (the same the host gives audio-sync), unchanged.
private struct MouthProbe: FaceEffect {
    static let stage = IntegerParameter("stage", default: 0, "0 before the effect under test, 1 after.")
    static let descriptor = EffectDescriptor(
        id: "org.facet.test.mouth-probe", version: EffectVersion(1), summary: "Records the motion.", parameters: [stage],
        temporalAccess: .wholeSequence, inputs: [.speech])
    let stageValue: Int
    init(parameters: EffectParameters) throws { stageValue = parameters[Self.stage, at: 0] }
    func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        MouthRecorder.shared.record(stage: stageValue, motion, context)
    }
}

final class AudioSyncWiringTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-audiosync-wiring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = MouthRecorder.shared.take()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testTheTalkPresetThroughTheFactoryOpensTheMouthOnVowelsAndNotInTheLeadingPause() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let models = try SharedData.require("models/sfm").deletingLastPathComponent()
        do { _ = try SpeechModel.locate() } catch {
            if SharedData.isCI { throw FixtureError("CI=true requires the speech model: \(ErrorChain.describe(error))") }
            throw XCTSkip("no speech model: \(ErrorChain.describe(error)) (apt install pocketsphinx-en-us)")
        }
        // 1 s of silence, then a sentence.
        let said = directory.appendingPathComponent("said.wav")
        try FestivalCLI.say("Glue the sheet to the dark blue background.", to: said)
        let speech = directory.appendingPathComponent("speech.wav")
        try FFmpegCLI.run(["-i", said.path, "-af", "adelay=1000:all=1", "-ar", "16000", "-ac", "1", speech.path], in: directory)

        var registry = EffectRegistry.builtIn
        try registry.register(MouthProbe.self)
        let talk = try PresetLoader.load(
            contentsOf: repositoryRoot.appendingPathComponent("Presets/talk.yaml"), registry: registry, origin: .system)
        let chain = try ChainParser.parse(
            "mouth-probe:stage=0 | \(talk.chain.description) | mouth-probe:stage=1", registry: registry)
        var options = PipelineOptions()
        options.analysis.modelsDirectory = models
        options.renderer = .geometric
        options.speechCache = .off
        var composed = try PipelineFactory.make(options, for: chain)
        let output = directory.appendingPathComponent("talk.mp4")
        let report = try composed.pipeline.apply(
            ApplyRequest(input: portrait, output: output, chain: chain, stillFrameRate: 25, audio: speech))

        XCTAssertEqual(report.speech.map(\.method), [.recognition], "\(report.warnings)")
        let seen = MouthRecorder.shared.take()
        let before = try XCTUnwrap(seen[0]?.motion.tracks.first, "a face in the portrait")
        let (after, context) = try XCTUnwrap(seen[1].map { ($0.motion, $0.context) })
        let track = try XCTUnwrap(after.tracks.first)
        let phones = try XCTUnwrap(context.speech).phones
        let model = try XCTUnwrap(context.faceModel)
        let jaw = try XCTUnwrap(model.control(named: ExpressionControlName.mouthOpen), "the model's mouth-open control")

        // The jaw opening each frame: audio-sync's change of the expression along mouth-open.
        let norm = jaw.reduce(0) { $0 + $1 * $1 }
        func opening(_ frame: Int) -> Float {
            let change = zip(track.frames[frame].coefficients.expression, before.frames[frame].coefficients.expression).map { $0 - $1 }
            return zip(change, jaw).reduce(0) { $0 + $1.0 * $1.1 } / norm
        }
        let vowels: Set<String> = ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"]
        let firstSpeech = try XCTUnwrap(phones.first { !$0.isSilence }, "phones were recognised")
        XCTAssertGreaterThan(firstSpeech.start, 0.9, "the speech starts after the 1 s pause: \(firstSpeech)")
        var pause: [Float] = []
        var voweled: [Float] = []
        for (index, frame) in track.frames.enumerated() {
            let t = frame.time
            if t < firstSpeech.start - 0.2 { pause.append(opening(index)) }
            // the middle of a vowel of at least 60 ms (in mouth time the curve leads by ~30 ms)
            if let phone = phones.first(where: { $0.start <= t && t < $0.end }), vowels.contains(phone.symbol),
                phone.end - phone.start >= 0.06, abs(t - (phone.start + phone.end) / 2) < 0.03
            {
                voweled.append(opening(index))
            }
        }
        XCTAssertGreaterThan(pause.count, 15)
        XCTAssertGreaterThan(voweled.count, 5, "vowel frames in \(phones.map(\.symbol))")
        let vowelMean = voweled.reduce(0, +) / Float(voweled.count)
        let pauseLargest = pause.map(abs).max() ?? 0
        print(
            String(
                format: "talk through the factory: jaw on vowels %.3f (mean of %d frames), in the pause at most %.4f", vowelMean,
                voweled.count, pauseLargest))
        XCTAssertGreaterThan(vowelMean, 0.2, "the mouth opens on the vowels")
        XCTAssertLessThan(pauseLargest, 0.02, "the mouth rests in the leading pause")
    }
}

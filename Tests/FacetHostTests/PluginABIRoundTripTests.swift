import FacetPluginKit
import FacetSDK
import Foundation
import XCTest

@testable import FacetHost

/// Reports, through warnings, everything its context holds, and tilts the first frame.
private struct ContextReporter: FaceEffect {
    static let follow = DrivingInputParameter("follow", "A face whose motion is reported.")
    static let words = TranscriptParameter("words", "What the audio says.")
    static let descriptor = EffectDescriptor(
        id: "org.facet.test.context-reporter", version: EffectVersion(1), summary: "Reports its context.",
        parameters: [follow, words], temporalAccess: .wholeSequence, inputs: [.audio, .drivingAudio, .speech])

    init(parameters: EffectParameters) throws {}

    func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        context.warn(
            "audio: \(context.audio.map { "\($0.samples.count) samples at \($0.sampleRate) Hz from \($0.startTime) s" } ?? "none")")
        context.warn(
            "model: \(context.faceModel.map { "\($0.name), eyes-closed \($0.control(named: ExpressionControlName.eyesClosed) ?? [])" } ?? "none")"
        )
        if let driver = context.drivingInput(for: Self.follow) {
            context.warn(
                "driver: \(driver.path) \(driver.kind.rawValue), \(driver.motion.tracks.count) face(s), audio \(driver.audio?.samples.count ?? -1)"
            )
        } else {
            context.warn("driver: none")
        }
        context.warn(
            "speech: \(context.speech.map { "\($0.method.rawValue), \($0.phones.map(\.symbol)), \($0.loudness.count) loudness" } ?? "none")"
        )
        motion.tracks[0].frames[0].coefficients.pose.roll = 0.25
    }
}

/// The plugin ABI end to end in one process: the host's side (`PluginEffectInstance`, which
/// fills the C context) drives FacetPluginKit's table (which rebuilds the SDK's context from it),
/// so audio, the face model, driving inputs with their audio and speech all cross the C boundary
/// and its JSON. (scripts/check-sdk-package.sh loads real libraries built outside the package.)
final class PluginABIRoundTripTests: XCTestCase {
    func testEveryContextInputCrossesTheCBoundary() throws {
        // FacetPluginKit installs one table per process: this is the only test that asks for one.
        let entry = FacetPluginExport.entry(
            hostAPIVersion: PluginLoader.hostAPIVersion, plugin: PluginIdentity(id: "org.facet.test", version: EffectVersion(1, 2, 3)),
            effects: [ContextReporter.self])
        let api = try XCTUnwrap(entry).assumingMemoryBound(to: FacetPluginAPI.self)
        XCTAssertEqual(String(cString: api.pointee.plugin_id), "org.facet.test")
        XCTAssertEqual(String(cString: api.pointee.plugin_version), "1.2.3")
        XCTAssertEqual(api.pointee.api_minor, UInt32(FACET_PLUGIN_API_MINOR))
        let info = PluginLibraryInfo(
            url: URL(fileURLWithPath: "/in-process/context-reporter.so"), apiVersion: api.pointee.api_version,
            apiMinor: api.pointee.api_minor, id: "org.facet.test", version: "1.2.3", effectCount: 1)
        let library = PluginLibrary(info: info, api: api)
        let instance = try PluginEffectInstance(
            library: library, index: 0, descriptor: ContextReporter.descriptor,
            parameters: EffectParameters(for: ContextReporter.self, given: ["follow": .text("driver.png")]))

        let frames = [FaceFrame(frameIndex: 0, time: 0, coefficients: FaceCoefficients(expression: [0, 0]))]
        var motion = SceneMotion(
            frameTimes: [0], frameRate: 25, frameWidth: 64, frameHeight: 64, tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
        let model = FaceModelDescription(
            name: "test-model", expressionBasis: .blendshapes, expressionNames: ["a", "b"],
            controls: [ExpressionControlName.eyesClosed: [0.5, 0.25]], coefficientRange: [0...1, 0...1])
        let driver = DrivingInput(
            path: "/faces/driver.png", kind: .still, motion: motion,
            audio: AudioClip(sampleRate: 16_000, samples: [Float](repeating: 0.1, count: 320)))
        let speech = SpeechInput(
            method: .alignment,
            phones: [SpeechPhone(symbol: "HH", start: 0, end: 0.1, word: "hi"), SpeechPhone(symbol: "AY", start: 0.1, end: 0.3)],
            loudness: [0, 0.5, 0.2], duration: 0.3)
        let warnings = WarningBox()
        try instance.process(
            &motion,
            context: EffectContext(
                audio: AudioClip(sampleRate: 16_000, samples: [Float](repeating: 0, count: 1_600), startTime: 0.5), faceModel: model,
                drivingInputs: ["follow": driver], speech: speech, warn: { warnings.add($0) }))

        XCTAssertEqual(
            warnings.all,
            [
                "audio: 1600 samples at 16000 Hz from 0.5 s",
                "model: test-model, eyes-closed [0.5, 0.25]",
                "driver: /faces/driver.png still, 1 face(s), audio 320",
                "speech: alignment, [\"HH\", \"AY\"], 3 loudness",
            ])
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.pose.roll, 0.25, "the edited motion comes back")

        // A context whose JSON the kit cannot read (a broken or newer host): the effect runs
        // without those inputs, and the host hears why, naming each field.
        let broken = WarningBox()
        let effectInstance = try XCTUnwrap(api.pointee.create(0, "{}", nil))
        defer { api.pointee.destroy(effectInstance) }
        let motionJSON = String(decoding: try JSONEncoder().encode(motion), as: UTF8.self)
        var output: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let status = "{\"name\": 3}".withCString { badModel in
            "[\"not speech\"]".withCString { badSpeech in
                var context = FacetHostContext()
                context.struct_size = UInt32(MemoryLayout<FacetHostContext>.size)
                context.host_data = Unmanaged.passUnretained(broken).toOpaque()
                context.warn = { data, message in
                    guard let data, let message else { return }
                    Unmanaged<WarningBox>.fromOpaque(data).takeUnretainedValue().add(String(cString: message))
                }
                context.face_model_json = badModel
                context.speech_json = badSpeech
                return api.pointee.process(effectInstance, motionJSON, &context, &output, &error)
            }
        }
        if let output { api.pointee.free_string(output) }
        if let error { api.pointee.free_string(error) }
        XCTAssertEqual(status, 0, "the effect runs without the inputs it could not read")
        let heard = broken.all
        XCTAssertTrue(heard.contains { $0.hasPrefix("FacetPluginKit could not read the host's face_model_json (") }, "\(heard)")
        XCTAssertTrue(heard.contains { $0.hasPrefix("FacetPluginKit could not read the host's speech_json (") }, "\(heard)")
        XCTAssertTrue(heard.contains("model: none"), "\(heard)")
        XCTAssertTrue(heard.contains("speech: none"), "\(heard)")

        // Parameters the kit cannot read: a refusal that says so and leaves naming the effect and
        // the library to the host (which wraps it), so the user does not read the id three times.
        var refusal: UnsafeMutablePointer<CChar>?
        XCTAssertNil(api.pointee.create(0, "{not json", &refusal))
        let reason = try XCTUnwrap(refusal.map { String(cString: $0) })
        api.pointee.free_string(refusal)
        XCTAssertTrue(reason.hasPrefix("the parameters JSON could not be read ("), reason)
        XCTAssertFalse(reason.contains(ContextReporter.descriptor.id), reason)
    }
}

/// Collects warnings from any thread.
private final class WarningBox: @unchecked Sendable {
    // Safe to share: only touched under the lock.
    private let lock = NSLock()
    private var messages: [String] = []
    var all: [String] { lock.withLock { messages } }
    func add(_ message: String) { lock.withLock { messages.append(message) } }
}

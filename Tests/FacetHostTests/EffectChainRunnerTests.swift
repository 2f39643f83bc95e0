import FacetSDK
import Foundation
import XCTest

@testable import FacetHost

/// The host checks every effect's output — built in or loaded — against the effect contract
/// (frames and tracks kept, numbers a face can have), in memory: no media, no ffmpeg.
final class EffectChainRunnerTests: XCTestCase {
    /// Two faces over 20 frames at 25 fps.
    private static func motion() -> SceneMotion {
        let times = (0..<20).map { Double($0) / 25 }
        func track(_ id: Int, frames: Range<Int>) -> FaceTrack {
            FaceTrack(
                id: id, modelName: "test",
                frames: frames.map { index in
                    FaceFrame(
                        frameIndex: index, time: times[index], box: FaceBox(x: 0, y: 0, width: 64, height: 64),
                        coefficients: FaceCoefficients(translation: Vector3(x: 0, y: 0, z: -600), expression: [0, 0]))
                })
        }
        var first = track(0, frames: 0..<20)
        first.camera = FaceCamera(projection: .perspective, focalLength: 500, principalPoint: Point2(x: 160, y: 120))
        return SceneMotion(
            frameTimes: times, frameRate: 25, frameWidth: 320, frameHeight: 240,
            tracks: [first, track(1, frames: 5..<15)])
    }

    /// A built-in-style effect that breaks the contract in the way it is told to.
    struct Breaking: FaceEffect {
        enum Breakage: String, CaseIterable, Sendable {
            case nothing, dropTrack = "drop-track", dropFrame = "drop-frame", retime, resize, nan
            case renameModel = "rename-model", moveCamera = "move-camera", dropCamera = "drop-camera", heardAudio = "heard-audio"
        }
        static let how = ChoiceParameter("how", default: Breakage.nothing, "What to break.")
        static let descriptor = EffectDescriptor(
            id: "org.facet.test.breaking", version: EffectVersion(1), summary: "breaks the effect contract", parameters: [how])
        let how: Breakage
        init(parameters: EffectParameters) throws { how = parameters[Self.how] }
        func process(_ motion: inout SceneMotion, context: EffectContext) throws {
            switch how {
            case .dropTrack: motion.tracks.removeLast()
            case .dropFrame: motion.tracks[1].frames.removeFirst()
            case .retime: motion.frameTimes[3] += 0.001
            case .resize: motion.frameWidth += 2
            case .nan: motion.tracks[0].frames[4].coefficients.pose.yaw = .nan
            case .nothing: motion.tracks[0].frames[0].coefficients.expression[0] = 0.5
            case .renameModel: motion.tracks[1].modelName = "another"
            case .moveCamera: motion.tracks[0].camera?.focalLength += 10
            case .dropCamera: motion.tracks[0].camera = nil
            case .heardAudio:
                // Undeclared audio must not arrive: a sign of it would be an edit here.
                if context.audio != nil { motion.tracks[0].frames[0].coefficients.expression[0] = 0.9 }
            }
        }
    }

    private func run(_ how: String, audio: AudioClip? = nil) throws -> (SceneMotion?, HostError?) {
        var registry = EffectRegistry.builtIn
        try registry.register(Breaking.self)
        let chain = try ChainParser.parse("direct-edit:yaw=5 | breaking:how=\(how)", registry: registry)
        let runner = try EffectChainRunner(chain)
        do {
            return (try runner.run(on: Self.motion(), audio: audio, faceModel: nil, warnings: WarningSink()), nil)
        } catch {
            return (nil, error)
        }
    }

    func testAnEffectThatKeepsTheContractPasses() throws {
        let (motion, error) = try run("nothing")
        XCTAssertNil(error)
        XCTAssertEqual(motion?.tracks[0].frames[0].coefficients.expression[0], 0.5)
        XCTAssertNotEqual(
            motion?.tracks[0].frames[0].coefficients.pose, Self.motion().tracks[0].frames[0].coefficients.pose,
            "direct-edit ran first")
    }

    func testEveryBrokenPostconditionIsNamedWithTheEffectAndWhere() throws {
        let expected = [
            "drop-track": "added, removed or reordered face tracks", "drop-frame": "changed which frames track 1 covers",
            "retime": "changed the frame times", "resize": "changed the frame size", "nan": "out of range",
            "rename-model": "changed the face model of track 1 (test became another)", "move-camera": "changed the camera of track 0",
            "drop-camera": "changed the camera of track 0",
        ]
        for (how, words) in expected {
            let (motion, error) = try run(how)
            XCTAssertNil(motion, how)
            XCTAssertEqual(error?.code, .effectFailed, how)
            let text = error?.description ?? ""
            XCTAssertTrue(text.contains("effect org.facet.test.breaking"), "\(how): \(text)")
            XCTAssertTrue(text.contains(words), "\(how): \(text)")
            XCTAssertEqual(error?.location?.file, "--chain", "\(how): the chain location is kept")
        }
    }

    func testACameraDroppedOnThePluginRoundTripIsPutBackAndAMovedOneIsLeftForTheCheck() {
        // A plugin built with an SDK from before cameras were recorded returns tracks without one.
        let input = Self.motion()
        var returned = input
        returned.tracks[0].camera = nil
        PluginEffectInstance.restoreDroppedCameras(from: input, into: &returned)
        XCTAssertEqual(returned.tracks[0].camera, input.tracks[0].camera)
        var moved = input
        moved.tracks[0].camera?.focalLength += 10
        let changed = moved
        PluginEffectInstance.restoreDroppedCameras(from: input, into: &moved)
        XCTAssertEqual(moved, changed, "a camera the plugin returned is not replaced")
        XCTAssertNotNil(EffectChainRunner.brokenPostcondition(before: input, after: moved))
    }

    func testAnEffectThatDidNotDeclareAudioGetsNone() throws {
        let clip = AudioClip(sampleRate: 16000, samples: [Float](repeating: 0.1, count: 1600), startTime: 0)
        let (motion, error) = try run("heard-audio", audio: clip)
        XCTAssertNil(error)
        XCTAssertEqual(motion?.tracks[0].frames[0].coefficients.expression[0], 0, "the effect saw audio it did not ask for")
    }
}

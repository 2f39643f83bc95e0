import DirectEdit
import FacetSDK
import XCTest

/// DirectEdit on in-memory motion: no video involved.
final class DirectEditTests: XCTestCase {
    private func scene() -> SceneMotion {
        func track(id: Int, centerX: Float, size: Float) -> FaceTrack {
            FaceTrack(
                id: id, modelName: "test",
                frames: (0..<50).map { index in
                    FaceFrame(
                        frameIndex: index, time: Double(index) / 25,
                        box: FaceBox(x: centerX - size / 2, y: 0, width: size, height: size),
                        coefficients: FaceCoefficients(
                            pose: HeadPose(yaw: 0.05, pitch: -0.02, roll: 0.01),
                            translation: Vector3(x: 1, y: 2, z: 3), expression: [0.2, 0.4]))
                })
        }
        return SceneMotion(
            frameTimes: (0..<50).map { Double($0) / 25 }, frameRate: 25, frameWidth: 640,
            frameHeight: 480, tracks: [track(id: 0, centerX: 400, size: 100), track(id: 1, centerX: 100, size: 60)])
    }

    private func run(_ given: [String: ParameterValue], on motion: inout SceneMotion) throws -> [String] {
        let parameters = try EffectParameters(schema: DirectEdit.descriptor.parameters, given: given)
        let effect = try DirectEdit(parameters: parameters)
        let warnings = WarningLog()
        try effect.process(&motion, context: EffectContext(warn: { warnings.append($0) }))
        return warnings.lines
    }

    func testRelativeYawAddsDegreesAndKeepsEverythingElse() throws {
        let before = scene()
        var after = before
        _ = try run(["yaw": .number(15)], on: &after)
        for (trackBefore, trackAfter) in zip(before.tracks, after.tracks) {
            for (a, b) in zip(trackBefore.frames, trackAfter.frames) {
                XCTAssertEqual(b.coefficients.pose.yaw - a.coefficients.pose.yaw, 15 * .pi / 180, accuracy: 1e-6)
                XCTAssertEqual(b.coefficients.pose.pitch, a.coefficients.pose.pitch)
                XCTAssertEqual(b.coefficients.pose.roll, a.coefficients.pose.roll)
                XCTAssertEqual(b.coefficients.expression, a.coefficients.expression)
                XCTAssertEqual(b.coefficients.translation, a.coefficients.translation)
                XCTAssertEqual(b.time, a.time)
            }
        }
        XCTAssertEqual(after.frameTimes, before.frameTimes)
    }

    func testKeyframedPitchFollowsTheCurveOverTime() throws {
        var motion = scene()
        let track = try KeyframeTrack([
            Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 10, easing: .hold),
            Keyframe(time: 1.5, value: -10),
        ])
        _ = try run(["pitch": .keyframes(track)], on: &motion)
        let frames = motion.tracks[0].frames
        let radians = Float.pi / 180
        XCTAssertEqual(frames[0].coefficients.pose.pitch, -0.02, accuracy: 1e-6)  // t = 0
        XCTAssertEqual(frames[12].coefficients.pose.pitch, -0.02 + 4.8 * radians, accuracy: 1e-5)  // t = 0.48
        XCTAssertEqual(frames[30].coefficients.pose.pitch, -0.02 + 10 * radians, accuracy: 1e-5)  // held
        XCTAssertEqual(frames[49].coefficients.pose.pitch, -0.02 - 10 * radians, accuracy: 1e-5)  // after last
    }

    func testAbsoluteModeReplacesThePose() throws {
        var motion = scene()
        _ = try run(["roll": .number(-20), "mode": .text("absolute")], on: &motion)
        let pose = motion.tracks[1].frames[7].coefficients.pose
        XCTAssertEqual(pose.yaw, 0)
        XCTAssertEqual(pose.pitch, 0)
        XCTAssertEqual(pose.roll, -20 * .pi / 180, accuracy: 1e-6)
    }

    func testFaceSelectionEditsOnlyTheChosenTrackAndRefusesAFaceTheVideoLacks() throws {
        let before = scene()
        var motion = before
        XCTAssertTrue(try run(["yaw": .number(10), "faces": .text("index:0")], on: &motion).isEmpty)
        XCTAssertEqual(motion.tracks[0], before.tracks[0], "track 0 is on the right; index:0 is the leftmost face")
        XCTAssertNotEqual(motion.tracks[1], before.tracks[1])

        var untouched = before
        XCTAssertThrowsError(try run(["yaw": .number(10), "faces": .text("id:9")], on: &untouched)) { error in
            XCTAssertTrue("\(error)".contains("id:9") && "\(error)".contains("0, 1"), "names the id and the faces there are: \(error)")
        }
        XCTAssertThrowsError(try run(["yaw": .number(10), "faces": .text("index:2")], on: &untouched)) { error in
            XCTAssertTrue("\(error)".contains("index:0 … index:1"), "\(error)")
        }
        XCTAssertEqual(untouched, before, "nothing is edited when the selection fails")

        var noFaces = before
        noFaces.tracks = []
        XCTAssertNoThrow(
            try run(["yaw": .number(10), "faces": .text("id:9")], on: &noFaces),
            "a video without faces is not an error here (the host says no faces were found)")
    }

    func testBadFaceSelectorFailsAtCreation() throws {
        let parameters = try EffectParameters(schema: DirectEdit.descriptor.parameters, given: ["faces": .text("biggest")])
        XCTAssertThrowsError(try DirectEdit(parameters: parameters))
    }
}

/// Collects warnings from an effect context.
final class WarningLog: @unchecked Sendable {
    // Safe: tests call effects from one thread; the lock makes it safe regardless.
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

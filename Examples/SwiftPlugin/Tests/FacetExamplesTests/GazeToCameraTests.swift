import FacetExamples
import FacetSDK
import XCTest

/// A face at a fixed pose, or one that sways, `count` frames at 25 fps.
func motion(count: Int = 50, pose: (Int) -> HeadPose) -> SceneMotion {
    let frames = (0..<count).map { index in
        FaceFrame(frameIndex: index, time: Double(index) / 25, coefficients: FaceCoefficients(pose: pose(index), expression: [0, 0]))
    }
    return SceneMotion(
        frameTimes: frames.map(\.time), frameRate: 25, frameWidth: 64, frameHeight: 64,
        tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
}

func degrees(_ radians: Float) -> Float { radians * 180 / .pi }

final class GazeToCameraTests: XCTestCase {
    private func run(_ given: [String: ParameterValue], on input: SceneMotion) throws -> SceneMotion {
        let effect = try GazeToCamera(parameters: EffectParameters(for: GazeToCamera.self, given: given))
        var output = input
        try effect.process(&output, context: EffectContext())
        return output
    }

    func testStrengthOneFacesTheCameraAndKeepsTheRoll() throws {
        let turned = motion { _ in HeadPose(yawDegrees: 20, pitchDegrees: -8, rollDegrees: 5) }
        let output = try run(["strength": .number(1)], on: turned)
        for frame in output.tracks[0].frames {
            XCTAssertEqual(degrees(frame.coefficients.pose.yaw), 0, accuracy: 1e-3, "yaw at \(frame.time)")
            XCTAssertEqual(degrees(frame.coefficients.pose.pitch), 0, accuracy: 1e-3, "pitch at \(frame.time)")
            XCTAssertEqual(degrees(frame.coefficients.pose.roll), 5, accuracy: 1e-4, "roll at \(frame.time)")
        }
    }

    func testStrengthZeroChangesNothing() throws {
        let swaying = motion { index in HeadPose(yawDegrees: 15 + 3 * sin(Float(index) / 4), pitchDegrees: 6, rollDegrees: 2) }
        XCTAssertEqual(try run(["strength": .number(0)], on: swaying), swaying)
    }

    func testHalfStrengthTurnsHalfWay() throws {
        let turned = motion { _ in HeadPose(yawDegrees: 30, pitchDegrees: 10, rollDegrees: 0) }
        let frame = try run(["strength": .number(0.5)], on: turned).tracks[0].frames[25]
        XCTAssertEqual(degrees(frame.coefficients.pose.yaw), 15, accuracy: 1e-3)
        XCTAssertEqual(degrees(frame.coefficients.pose.pitch), 5, accuracy: 1e-3)
    }

    /// The correction follows the smoothed pose: a quick sway stays (about as large as it was),
    /// while the head's mean direction goes to the camera.
    func testSmallMovementsSurviveWhileTheMeanGoesToZero() throws {
        let swaying = motion(count: 100) { index in
            HeadPose(yawDegrees: 20 + 2 * sin(Float(index) * 2 * .pi / 5), pitchDegrees: 0, rollDegrees: 0)
        }
        let yaws = try run(["strength": .number(1)], on: swaying).tracks[0].frames.map { degrees($0.coefficients.pose.yaw) }
        let middle = Array(yaws[20..<80])
        XCTAssertEqual(middle.reduce(0, +) / Float(middle.count), 0, accuracy: 0.3, "the head faces the camera on average")
        XCTAssertGreaterThan((middle.max() ?? 0) - (middle.min() ?? 0), 3, "the 4° sway is kept, not flattened")
    }

    func testKeyframedStrengthTurnsGradually() throws {
        let turned = motion { _ in HeadPose(yawDegrees: 20, pitchDegrees: 0, rollDegrees: 0) }
        let ramp = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 2, value: 1)])
        let yaws = try run(["strength": .keyframes(ramp)], on: turned).tracks[0].frames.map { degrees($0.coefficients.pose.yaw) }
        XCTAssertEqual(yaws[0], 20, accuracy: 1e-3)
        XCTAssertEqual(yaws[25], 10, accuracy: 1e-3, "half-way at 1 s")
        XCTAssertEqual(yaws[49], 20 * (1 - 49.0 / 50), accuracy: 1e-3)
        XCTAssertTrue(zip(yaws, yaws.dropFirst()).allSatisfy { $0 >= $1 }, "the turn never goes back")
    }

    func testOutOfRangeStrengthIsRefusedByTheSchema() {
        XCTAssertThrowsError(try EffectParameters(for: GazeToCamera.self, given: ["strength": .number(1.5)]))
    }
}

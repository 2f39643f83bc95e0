import FacetSDK
import XCTest

/// `MotionLimits`: every field out of range is named with its track, frame and what was expected.
final class MotionLimitsTests: XCTestCase {
    private func motion(
        _ edit: (inout FaceFrame) -> Void = { _ in }, identity: [Float] = [0.5, -1],
        camera: FaceCamera = FaceCamera(projection: .perspective, focalLength: 500, principalPoint: Point2(x: 80, y: 60))
    )
        -> SceneMotion
    {
        var frames = (0..<3).map { index in
            FaceFrame(
                frameIndex: index, time: Double(index) / 25, box: FaceBox(x: 40, y: 20, width: 60, height: 60),
                landmarks: Array(repeating: Point2(x: 70, y: 50), count: 68),
                coefficients: FaceCoefficients(
                    pose: HeadPose(yaw: 0.2, pitch: -0.1, roll: 0.05),
                    translation: Vector3(x: 5, y: -3, z: -600), expression: [0.3, 1.2]))
        }
        edit(&frames[1])
        let track = FaceTrack(id: 7, modelName: "m", identity: identity, camera: camera, frames: frames)
        return SceneMotion(frameTimes: [0, 0.04, 0.08], frameRate: 25, frameWidth: 160, frameHeight: 120, tracks: [track])
    }

    func testPlausibleMotionPasses() {
        XCTAssertNil(motion().rangeViolation())
    }

    func testEachFieldOutOfRangeIsNamed() {
        let cases: [(String, SceneMotion)] = [
            (
                "track 7, frame 1: expression[1] is 10000.0; expected a finite value within ±10",
                motion { $0.coefficients.expression[1] = 1e4 }
            ),
            ("track 7, frame 1: expression[0] is NaN", motion { $0.coefficients.expression[0] = .nan }),
            ("track 7: identity[1] is 1e+30", motion(identity: [0, 1e30])),
            ("track 7, frame 1: pose.yaw is 3.0; expected a finite angle within ±90°", motion { $0.coefficients.pose.yaw = 3 }),
            ("track 7, frame 1: pose.pitch is -infinity", motion { $0.coefficients.pose.pitch = -.infinity }),
            ("track 7, frame 1: pose.roll is 4.0; expected a finite angle within ±180°", motion { $0.coefficients.pose.roll = 4 }),
            (
                "track 7, frame 1: translation.z is 0.0; expected the head in front of the camera",
                motion { $0.coefficients.translation.z = 0 }
            ),
            ("track 7, frame 1: translation.z is 600.0", motion { $0.coefficients.translation.z = 600 }),
            ("track 7, frame 1: translation.z is -200000.0", motion { $0.coefficients.translation.z = -200_000 }),
            ("track 7, frame 1: translation.x is 1e+09", motion { $0.coefficients.translation.x = 1e9 }),
            ("track 7, frame 1: landmarks[0] is 1e+08", motion { $0.landmarks?[0].x = 1e8 }),
            ("track 7, frame 1: box is -10.0", motion { $0.box?.width = -10 }),
            ("track 7, frame 1: fitError is NaN", motion { $0.fitError = .nan }),
            (
                "track 7: camera.focalLength is 0.0",
                motion(camera: FaceCamera(projection: .perspective, focalLength: 0, principalPoint: Point2(x: 0, y: 0)))
            ),
        ]
        for (expected, motion) in cases {
            let violation = motion.rangeViolation()
            XCTAssertNotNil(violation, expected)
            XCTAssertTrue(violation?.description.hasPrefix(expected) == true, "\(violation?.description ?? "nil") ≠ \(expected)")
        }
    }

    func testTheLimitsCanBeWidened() {
        var limits = MotionLimits()
        limits.maximumExpression = 1e5
        XCTAssertNotNil(motion { $0.coefficients.expression[1] = 1e4 }.rangeViolation())
        XCTAssertNil(motion { $0.coefficients.expression[1] = 1e4 }.rangeViolation(limits: limits))
    }

    func testBadFrameRateAndTimesAreNamed() {
        var bad = motion()
        bad.frameRate = 0
        XCTAssertEqual(bad.rangeViolation()?.field, "frameRate")
        bad = motion()
        bad.frameTimes[2] = .infinity
        XCTAssertEqual(bad.rangeViolation()?.field, "frameTimes[2]")
    }
}

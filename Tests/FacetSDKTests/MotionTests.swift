import XCTest

@testable import FacetSDK

/// Builds scene motion in memory, the way tests drive effects without any video.
enum MotionFixture {
    static func track(id: Int, centerX: Float, size: Float, frames: Range<Int>, fps: Double = 25) -> FaceTrack {
        FaceTrack(
            id: id, modelName: "test", identity: [0.1, 0.2],
            frames: frames.map { index in
                FaceFrame(
                    frameIndex: index, time: Double(index) / fps,
                    box: FaceBox(x: centerX - size / 2, y: 10, width: size, height: size),
                    coefficients: FaceCoefficients(pose: HeadPose(yaw: 0.1), expression: [0, 0.5]))
            })
    }

    static func scene(_ tracks: [FaceTrack], frameCount: Int = 10, fps: Double = 25) -> SceneMotion {
        SceneMotion(
            frameTimes: (0..<frameCount).map { Double($0) / fps }, frameRate: fps,
            frameWidth: 640, frameHeight: 480, tracks: tracks)
    }
}

final class MotionTests: XCTestCase {
    func testFaceSelectorsPickTheRightTracks() throws {
        let scene = MotionFixture.scene([
            MotionFixture.track(id: 0, centerX: 500, size: 80, frames: 0..<10),
            MotionFixture.track(id: 1, centerX: 100, size: 120, frames: 2..<8),
            MotionFixture.track(id: 2, centerX: 300, size: 60, frames: 0..<5),
        ])
        let rows: [(String, [Int])] = [
            ("all", [0, 1, 2]), ("largest", [1]), ("id:2", [2]), ("id:7", []),
            ("index:0", [1]), ("index:1", [2]), ("index:2", [0]), ("index:3", []), (" Largest ", [1]),
        ]
        for (text, expectedIDs) in rows {
            let selector = try FaceSelector(parsing: text)
            XCTAssertEqual(selector.trackIndices(in: scene).map { scene.tracks[$0].id }, expectedIDs, text)
        }
        for bad in ["biggest", "id:", "id:-1", "index:x", ""] {
            XCTAssertThrowsError(try FaceSelector(parsing: bad), bad) { error in
                XCTAssertTrue((error as? EffectError)?.message.contains("all, largest, id:N or index:N") == true)
            }
        }
    }

    func testTrackPositionLookupIsExact() {
        let track = MotionFixture.track(id: 0, centerX: 0, size: 10, frames: 3..<9)
        XCTAssertEqual(track.position(ofFrame: 3), 0)
        XCTAssertEqual(track.position(ofFrame: 8), 5)
        XCTAssertNil(track.position(ofFrame: 2))
        XCTAssertNil(track.position(ofFrame: 9))
        XCTAssertEqual(track.expressionDimension, 2)
    }

    func testSceneDurationCoversTheLastFrame() {
        let scene = MotionFixture.scene([], frameCount: 50, fps: 25)
        XCTAssertEqual(scene.duration, 2, accuracy: 1e-9)
        XCTAssertEqual(MotionFixture.scene([], frameCount: 0).duration, 0)
    }

    func testMotionRoundTripsThroughJSON() throws {
        let scene = MotionFixture.scene([MotionFixture.track(id: 4, centerX: 50, size: 40, frames: 0..<3)], frameCount: 3)
        let decoded = try JSONDecoder().decode(SceneMotion.self, from: JSONEncoder().encode(scene))
        XCTAssertEqual(decoded, scene)
    }

    func testDegreeInitialiserConvertsToRadians() {
        let pose = HeadPose(yawDegrees: 90, pitchDegrees: -45, rollDegrees: 180)
        XCTAssertEqual(pose.yaw, .pi / 2, accuracy: 1e-6)
        XCTAssertEqual(pose.pitch, -.pi / 4, accuracy: 1e-6)
        XCTAssertEqual(pose.roll, .pi, accuracy: 1e-6)
    }
}

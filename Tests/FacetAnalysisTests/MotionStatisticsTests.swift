import FacetSDK
import XCTest

@testable import FacetAnalysis

final class MotionStatisticsTests: XCTestCase {
    /// 68 points with the right eye (iBUG 37–42) around x = 100 and the left (43–48) around x = 150.
    private func face(offsetX: Float, offsetY: Float = 0) -> [Point2] {
        (0..<68).map { index in
            let baseX: Float = (36..<42).contains(index) ? 100 : (42..<48).contains(index) ? 150 : Float(index)
            return Point2(x: baseX + offsetX, y: 200 + offsetY)
        }
    }

    private func scene(_ frames: [FaceFrame]) -> SceneMotion {
        SceneMotion(
            frameTimes: frames.map(\.time), frameRate: 25, frameWidth: 320, frameHeight: 240,
            tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
    }

    func testSteadyMotionIsNotJitter() {
        let frames = (0..<20).map { index in
            FaceFrame(
                frameIndex: index, time: Double(index) / 25, landmarks: face(offsetX: Float(index) * 3),
                coefficients: FaceCoefficients(pose: HeadPose(yaw: Float(index) * 0.01)), fitError: 2)
        }
        let statistics = MotionStatistics(measuring: scene(frames))
        XCTAssertEqual(statistics.landmarkJitter ?? -1, 0, accuracy: 1e-4)
        XCTAssertEqual(statistics.poseJitterRMSDegrees ?? -1, 0, accuracy: 1e-4)
    }

    func testAlternatingOffsetsGiveTheirJitter() {
        // x alternates ±0.5 px: frame-to-frame deltas alternate ±1 px on x and are 0 on y.
        let frames = (0..<21).map { index in
            FaceFrame(
                frameIndex: index, time: Double(index) / 25,
                landmarks: face(offsetX: index.isMultiple(of: 2) ? 0.5 : -0.5),
                coefficients: FaceCoefficients(
                    pose: HeadPose(
                        yawDegrees: index.isMultiple(of: 2) ? 0.1 : -0.1,
                        pitchDegrees: 0, rollDegrees: 0)))
        }
        let statistics = MotionStatistics(measuring: scene(frames))
        XCTAssertEqual(statistics.landmarkJitter ?? -1, Float(0.5).squareRoot(), accuracy: 1e-3)
        XCTAssertEqual(statistics.poseJitterDegrees?[0] ?? -1, 0.2, accuracy: 1e-3)
        XCTAssertEqual(statistics.poseJitterDegrees?[1] ?? -1, 0, accuracy: 1e-6)
    }

    func testGapsDoNotCountAsMotion() {
        // A jump of 100 px across a gap in the track is not a frame-to-frame displacement.
        let frames = [0, 1, 2, 10, 11, 12].map { index in
            FaceFrame(
                frameIndex: index, time: Double(index) / 25, landmarks: face(offsetX: index >= 10 ? 100 : 0),
                coefficients: FaceCoefficients())
        }
        XCTAssertEqual(MotionStatistics(measuring: scene(frames)).landmarkJitter ?? -1, 0, accuracy: 1e-5)
    }

    func testReprojectionErrorIsNormalisedByInterOcularDistance() {
        let frames = (0..<4).map { index in
            FaceFrame(
                frameIndex: index, time: 0, landmarks: face(offsetX: 0), coefficients: FaceCoefficients(),
                fitError: 2, confidence: index == 0 ? 0.2 : 1)
        }
        let statistics = MotionStatistics(measuring: scene(frames))
        XCTAssertEqual(MotionStatistics.interOcularDistance(face(offsetX: 0)) ?? -1, 50, accuracy: 1e-4)
        XCTAssertEqual(statistics.normalisedReprojectionError ?? -1, 0.04, accuracy: 1e-5)
        XCTAssertEqual(statistics.meanFitError ?? -1, 2, accuracy: 1e-6)
        XCTAssertEqual(statistics.lowConfidenceShare, 0.25, accuracy: 1e-6)
    }

    func testEmptySceneHasNoFigures() {
        let statistics = MotionStatistics(measuring: SceneMotion(frameTimes: [0], frameRate: 25, frameWidth: 8, frameHeight: 8))
        XCTAssertNil(statistics.landmarkJitter)
        XCTAssertNil(statistics.poseJitterDegrees)
        XCTAssertEqual(statistics.faceFrames, 0)
    }
}

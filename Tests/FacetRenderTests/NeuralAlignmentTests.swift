import FacetSDK
import FacetTestSupport
import XCTest

@testable import FacetRender

/// Deep3DFaceRecon's crop parameters (POS on 5 points) and the VoxCeleb-like framing.
final class NeuralAlignmentTests: XCTestCase {
    /// Orthographic projection of the standard landmarks at `scale` px/unit with the origin at
    /// `origin` (y up), as 5 points (y up).
    private func projected(scale: Double, origin: SIMD2<Double>) -> [SIMD2<Double>] {
        FaceAlignment.standardLandmarks.map { SIMD2($0.x * scale + origin.x, $0.y * scale + origin.y) }
    }

    func testPOSRecoversAKnownProjection() throws {
        let fit = try FaceAlignment.fit(fivePointsYUp: projected(scale: 102, origin: SIMD2(128, 128)))
        XCTAssertEqual(fit.scale, 1, accuracy: 1e-9)
        XCTAssertEqual(fit.translationX, 128, accuracy: 1e-9)
        XCTAssertEqual(fit.translationY, 128, accuracy: 1e-9)
        let half = try FaceAlignment.fit(fivePointsYUp: projected(scale: 51, origin: SIMD2(40, 200)))
        XCTAssertEqual(half.scale, 2, accuracy: 1e-9)
        XCTAssertEqual(half.translationX, 40, accuracy: 1e-9)
        XCTAssertEqual(half.translationY, 200, accuracy: 1e-9)
    }

    func testFivePointsAreEyeCentresNoseTipAndMouthCorners() throws {
        let points = try FaceAlignment.fivePoints(of: NeuralFixtures.meanFace)
        let face = NeuralFixtures.meanFace
        XCTAssertEqual(points[0].x, Double(face[36].x + face[39].x) / 2, accuracy: 1e-6)
        XCTAssertEqual(points[1].y, Double(face[42].y + face[45].y) / 2, accuracy: 1e-6)
        XCTAssertEqual(points[2].x, Double(face[30].x), accuracy: 1e-6)
        XCTAssertEqual(points[3].x, Double(face[48].x), accuracy: 1e-6)
        XCTAssertEqual(points[4].x, Double(face[54].x), accuracy: 1e-6)
        XCTAssertThrowsError(try FaceAlignment.fivePoints(of: Array(face.prefix(5))))
    }

    /// VoxCeleb-like framing of a 256×256 crop: the jaw spans ~57 % of the width and the nose tip
    /// is near the centre. Deep3DFaceRecon then reports s ≈ 1 and t ≈ (128, 128) (SPEC 8.2).
    func testVoxCelebFramedFaceGivesUnitScaleAndCentredTranslation() throws {
        let landmarks = NeuralFixtures.face(width: 146, noseTip: Point2(x: 128, y: 131))
        let fit = try FaceAlignment.fit(landmarks: landmarks, imageHeight: 256)
        XCTAssertEqual(fit.scale, 1, accuracy: 0.1)
        XCTAssertEqual(fit.translationX, 128, accuracy: 6)
        XCTAssertEqual(fit.translationY, 128, accuracy: 6)
    }

    func testScalingAndMovingTheFaceScaleAndShiftTheParameters() throws {
        let base = NeuralFixtures.face(width: 146, noseTip: Point2(x: 128, y: 131))
        let reference = try FaceAlignment.fit(landmarks: base, imageHeight: 256)
        // 1.25× larger about the crop centre (127.5, 127.5): s = 102 / s_pos shrinks by 1.25, t moves away.
        let scaled = base.map { Point2(x: 127.5 + ($0.x - 127.5) * 1.25, y: 127.5 + ($0.y - 127.5) * 1.25) }
        let larger = try FaceAlignment.fit(landmarks: scaled, imageHeight: 256)
        XCTAssertEqual(larger.scale, reference.scale / 1.25, accuracy: 1e-4)
        XCTAssertEqual(larger.translationX, 127.5 + (reference.translationX - 127.5) * 1.25, accuracy: 1e-3)
        XCTAssertEqual(larger.translationY, 127.5 + (reference.translationY - 127.5) * 1.25, accuracy: 1e-3)
        // 10 px right and 6 px down: t_x + 10 and, y being flipped, t_y − 6; the scale stays.
        let moved = base.map { Point2(x: $0.x + 10, y: $0.y + 6) }
        let shifted = try FaceAlignment.fit(landmarks: moved, imageHeight: 256)
        XCTAssertEqual(shifted.scale, reference.scale, accuracy: 1e-5)
        XCTAssertEqual(shifted.translationX, reference.translationX + 10, accuracy: 1e-3)
        XCTAssertEqual(shifted.translationY, reference.translationY - 6, accuracy: 1e-3)
    }

    func testFramerBoxGivesTheVoxCelebTargetsForAFaceAnywhereInAFrame() throws {
        let framer = FaceFramer()
        for (width, nose) in [(Float(300), Point2(x: 900, y: 400)), (Float(90), Point2(x: 200, y: 150))] {
            let landmarks = NeuralFixtures.face(width: width, noseTip: nose)
            let box = try framer.box(landmarks: landmarks, frameHeight: 720)
            let fit = try FaceAlignment.fit(landmarks: box.cropLandmarks(landmarks, resolution: 256), imageHeight: 256)
            XCTAssertEqual(fit.scale, 1, accuracy: 1e-6)
            XCTAssertEqual(fit.translationX, 128, accuracy: 1e-4)
            XCTAssertEqual(fit.translationY, 128, accuracy: 1e-4)
            // The jaw takes ~57 % of the crop, as on VoxCeleb, and the whole face is inside.
            XCTAssertEqual(Double(width) / box.side, 0.57, accuracy: 0.04)
            for point in landmarks {
                XCTAssertTrue(Double(point.x) > box.left && Double(point.x) < box.left + box.side)
                XCTAssertTrue(Double(point.y) > box.top && Double(point.y) < box.top + box.side)
            }
        }
    }

    func testTrackFramingIsSteadierThanPerFrameBoxes() throws {
        var random = SeededRandom(seed: 11)
        let frames = (0..<40).map { _ in
            NeuralFixtures.face(width: 150, noseTip: Point2(x: 320, y: 240)).map {
                Point2(x: $0.x + Float(random.uniform(-3, 3)), y: $0.y + Float(random.uniform(-3, 3)))
            }
        }
        let track = FaceTrack(
            id: 0, modelName: "bfm09-front", expressionBasis: .pca,
            frames: frames.enumerated().map {
                FaceFrame(
                    frameIndex: $0, time: 0, landmarks: $1,
                    coefficients: FaceCoefficients())
            })
        let framer = FaceFramer()
        let raw = try frames.map { try framer.box(landmarks: $0, frameHeight: 480) }
        let smoothed = try framer.boxes(track: track, frameHeight: 480)
        func spread(_ boxes: [FaceCropBox]) -> Double {
            let lefts = boxes.map(\.left)
            let mean = lefts.reduce(0, +) / Double(lefts.count)
            return (lefts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(lefts.count)).squareRoot()
        }
        XCTAssertEqual(smoothed.count, 40)
        XCTAssertLessThan(spread(smoothed), spread(raw) / 3)
    }
}

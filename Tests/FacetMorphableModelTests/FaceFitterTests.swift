// Fitter behaviour beyond accuracy: determinism, confidence, input errors, track output.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class FaceFitterTests: XCTestCase {
    func views(_ model: MorphableModel, poses: [HeadPose], seed: UInt64 = 4, noise: Double = 1) -> (identity: [Float], views: [[Point2]]) {
        var random = SeededRandom(seed: seed)
        let camera = FaceFitter(model: model).camera(imageWidth: 640, imageHeight: 480)
        let identity = (0..<model.identityCount).map { _ in Float(random.gaussian()) }
        let views = poses.map { pose in
            Synthesis.view(
                model: model, identity: identity,
                coefficients: FaceCoefficients(
                    pose: pose, translation: Vector3(z: -480),
                    expression: Synthesis.randomExpression(model, &random)),
                camera: camera, noise: noise, random: &random)
        }
        return (identity, views)
    }

    func testFittingIsDeterministic() throws {
        let model = try TestModels.surrey()
        let (_, landmarks) = views(
            model,
            poses: [
                HeadPose(yawDegrees: 10, pitchDegrees: 5, rollDegrees: 0),
                HeadPose(yawDegrees: -20, pitchDegrees: 0, rollDegrees: 8),
            ])
        let fitter = FaceFitter(model: model)
        let first = try fitter.fitTrack(landmarks: landmarks, imageWidth: 640, imageHeight: 480)
        let second = try fitter.fitTrack(landmarks: landmarks, imageWidth: 640, imageHeight: 480)
        XCTAssertEqual(first.identity, second.identity)
        XCTAssertEqual(first.frames, second.frames)
    }

    /// Five landmarks per frame thrown 30 px off: the Huber weighting keeps the pose, plain least squares does not.
    func testOutlierLandmarksAreDownWeighted() throws {
        let model = try TestModels.surrey()
        var random = SeededRandom(seed: 21)
        var robustErrors: [Float] = []
        var plainErrors: [Float] = []
        var plain = FaceFitter.Configuration()
        plain.outlierThreshold = nil
        let fitters = [FaceFitter(model: model), FaceFitter(model: model, configuration: plain)]
        let camera = fitters[0].camera(imageWidth: 640, imageHeight: 480)
        for _ in 0..<4 {
            let identity = (0..<model.identityCount).map { _ in Float(random.gaussian()) }
            var truths: [HeadPose] = []
            var views: [[Point2]] = []
            for _ in 0..<6 {
                let truth = FaceCoefficients(
                    pose: Synthesis.randomPose(&random), translation: Vector3(z: -480),
                    expression: Synthesis.randomExpression(model, &random))
                var points = Synthesis.view(
                    model: model, identity: identity, coefficients: truth, camera: camera, noise: 1,
                    random: &random)
                for _ in 0..<5 {
                    let index = Int(random.uniform(17, 68))
                    let angle = random.uniform(0, 2 * .pi)
                    points[index].x += Float(30 * cos(angle))
                    points[index].y += Float(30 * sin(angle))
                }
                truths.append(truth.pose)
                views.append(points)
            }
            for (index, fitter) in fitters.enumerated() {
                let fit = try fitter.fitTrack(landmarks: views, imageWidth: 640, imageHeight: 480)
                let errors = zip(truths, fit.frames).map { FaceGeometry.angleBetween($0, $1.coefficients.pose) * 180 / .pi }
                if index == 0 { robustErrors += errors } else { plainErrors += errors }
            }
        }
        print(
            String(
                format: "outliers: robust median %.2f° p95 %.2f°, least squares median %.2f° p95 %.2f°",
                percentile(robustErrors, 0.5), percentile(robustErrors, 0.95), percentile(plainErrors, 0.5),
                percentile(plainErrors, 0.95)))
        XCTAssertLessThan(percentile(robustErrors, 0.5), percentile(plainErrors, 0.5))
        // Under 2° with the six emotion blendshapes alone; the five derived ones (jaw, lids, brows) give a
        // misplaced landmark more to pull on: 2.1° measured.
        XCTAssertLessThan(percentile(robustErrors, 0.5), 2.5)
    }

    func testReusableFrameFitterMatchesFitFrame() throws {
        let model = try TestModels.surrey()
        let fitter = FaceFitter(model: model)
        let (identity, landmarks) = views(
            model,
            poses: [
                HeadPose(yawDegrees: 12, pitchDegrees: -5, rollDegrees: 3),
                HeadPose(yawDegrees: -25, pitchDegrees: 10, rollDegrees: 0),
            ])
        let camera = fitter.camera(imageWidth: 640, imageHeight: 480)
        let reusable = try fitter.frameFitter(identity: identity, camera: camera)
        for points in landmarks {
            XCTAssertEqual(try reusable.fit(landmarks: points), try fitter.fitFrame(landmarks: points, identity: identity, camera: camera))
        }
        XCTAssertThrowsError(try reusable.fit(landmarks: []))
    }

    func testConfidenceFallsForProfilesAndForLandmarksTheModelCannotExplain() throws {
        let model = try TestModels.surrey()
        let fitter = FaceFitter(model: model)
        let (identity, landmarks) = views(
            model, poses: [.frontal, HeadPose(yawDegrees: 80, pitchDegrees: 0, rollDegrees: 0)],
            noise: 0.5)
        let camera = fitter.camera(imageWidth: 640, imageHeight: 480)
        let frontal = try fitter.fitFrame(landmarks: landmarks[0], identity: identity, camera: camera)
        XCTAssertGreaterThan(frontal.confidence, 0.8)
        XCTAssertLessThan(frontal.fitError, 1.5)
        let profile = try fitter.fitFrame(landmarks: landmarks[1], identity: identity, camera: camera)
        XCTAssertLessThan(profile.confidence, 0.2, "a face turned 80° is beyond the model's reach")
        // Scrambled landmarks: no pose explains them.
        var random = SeededRandom(seed: 8)
        let scrambled = landmarks[0].map { Point2(x: $0.x + Float(random.uniform(-40, 40)), y: $0.y + Float(random.uniform(-40, 40))) }
        let bad = try fitter.fitFrame(landmarks: scrambled, identity: identity, camera: camera)
        XCTAssertGreaterThan(bad.fitError, 10)
        XCTAssertLessThan(bad.confidence, 0.5)
    }

    func testContourMatchesUseTheSideFacingTheCamera() throws {
        let model = try TestModels.surrey()
        let fitter = FaceFitter(model: model)
        let (identity, landmarks) = views(model, poses: [HeadPose(yawDegrees: 30, pitchDegrees: 0, rollDegrees: 0)], noise: 0)
        let fit = try fitter.fitFrame(landmarks: landmarks[0], identity: identity, camera: fitter.camera(imageWidth: 640, imageHeight: 480))
        // +yaw turns the face to its own left (the viewer's right): its right contour (iBUG 1–8) faces the camera.
        XCTAssertEqual(Set(fit.contourVertices.keys), Set(1...8))
        XCTAssertTrue(fit.contourVertices.values.allSatisfy { model.landmarks.rightContour.contains($0) })
    }

    func testInvalidInputIsRejectedWithWhatWasExpected() throws {
        let model = try TestModels.syntheticPCA()
        let fitter = FaceFitter(model: model)
        let points = [Point2](repeating: Point2(x: 1, y: 1), count: 68)
        XCTAssertThrowsError(try fitter.fitTrack(landmarks: [Array(points.prefix(5))], imageWidth: 10, imageHeight: 10)) { error in
            XCTAssertTrue("\(error)".contains("frame 0 has 5 landmarks: expected the 68 iBUG points"), "\(error)")
        }
        XCTAssertThrowsError(try fitter.fitTrack(landmarks: [], imageWidth: 10, imageHeight: 10))
        XCTAssertThrowsError(try fitter.fitTrack(landmarks: [points], imageWidth: 0, imageHeight: 10))
        var nan = points
        nan[3] = Point2(x: .nan, y: 0)
        XCTAssertThrowsError(try fitter.fitTrack(landmarks: [nan], imageWidth: 10, imageHeight: 10)) { error in
            XCTAssertEqual((error as? ModelError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try fitter.fitFrame(landmarks: points, identity: [1], camera: fitter.camera(imageWidth: 10, imageHeight: 10)))
        { error in
            XCTAssertTrue("\(error)".contains("1 identity coefficients"), "\(error)")
        }
    }

    func testTrackFitBecomesAFaceTrack() throws {
        let model = try TestModels.syntheticPCA()
        let (_, landmarks) = views(model, poses: [.frontal, HeadPose(yawDegrees: 15, pitchDegrees: 0, rollDegrees: 0)])
        let fit = try FaceFitter(model: model).fitTrack(landmarks: landmarks, imageWidth: 640, imageHeight: 480)
        let track = try fit.faceTrack(id: 3, model: model, frameIndices: [10, 11], times: [0.4, 0.44], landmarks: landmarks)
        XCTAssertEqual(track.id, 3)
        XCTAssertEqual(track.modelName, "synthetic")
        XCTAssertEqual(track.expressionBasis, .pca)
        XCTAssertEqual(track.identity.count, 10)
        XCTAssertEqual(track.expressionDimension, 8)
        XCTAssertEqual(track.frames.map(\.frameIndex), [10, 11])
        XCTAssertEqual(track.camera?.projection, .weakPerspective)
        XCTAssertThrowsError(try fit.faceTrack(id: 0, model: model, frameIndices: [1], times: [0]))
        // The projected landmarks of the fit land on the input.
        let projected = model.projectedLandmarks(identity: fit.identity, coefficients: fit.frames[0].coefficients, camera: fit.camera)
        let error = zip(projected, landmarks[0]).map { hypot(($0.0?.x ?? 0) - $0.1.x, ($0.0?.y ?? 0) - $0.1.y) }.reduce(0, +) / 68
        XCTAssertLessThan(error, 2.5)
        XCTAssertEqual(
            model.projectedVertices(
                identity: fit.identity, coefficients: fit.frames[0].coefficients,
                camera: fit.camera
            ).count, model.vertexCount)
    }
}

final class FaceFitterDegenerateInputTests: XCTestCase {
    /// Landmarks no face could produce (all in one spot, on a line) give finite numbers and no confidence.
    func testDegenerateLandmarksGiveFiniteLowConfidenceFits() throws {
        let model = try TestModels.surrey()
        let fitter = FaceFitter(model: model)
        let camera = fitter.camera(imageWidth: 640, imageHeight: 480)
        let identity = [Float](repeating: 0, count: model.identityCount)
        let point = [Point2](repeating: Point2(x: 100, y: 100), count: 68)
        let line = (0..<68).map { Point2(x: Float($0) * 3, y: 50) }
        for landmarks in [point, line] {
            let fit = try fitter.fitFrame(landmarks: landmarks, identity: identity, camera: camera)
            let c = fit.coefficients
            let numbers =
                [
                    c.pose.yaw, c.pose.pitch, c.pose.roll, c.translation.x, c.translation.y, c.translation.z,
                    fit.fitError, fit.confidence,
                ] + c.expression
            XCTAssertTrue(numbers.allSatisfy(\.isFinite), "\(fit)")
            XCTAssertLessThan(fit.confidence, 0.5)
            let track = try fitter.fitTrack(landmarks: [landmarks], imageWidth: 640, imageHeight: 480)
            XCTAssertTrue(track.identity.allSatisfy(\.isFinite))
        }
    }
}

// The accuracy criterion: fit landmarks rendered from the model itself with known pose,
// identity and expression plus 1 px noise, and compare the recovered pose and expression.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class FittingAccuracyTests: XCTestCase {
    struct Errors {
        var angles: [Float] = []
        var expressionRMS: [Float] = []
        var fitErrors: [Float] = []
    }

    /// Tracks of `framesPerTrack` views sharing an identity; every frame has its own pose and expression.
    /// Contour landmarks are the model's contour candidate vertices on both sides (not the true occluding
    /// contour; see `testSurreyModelWithSilhouetteContour`): the fitter uses only the side facing the camera
    /// beyond ±6° yaw.
    func measure(
        model: MorphableModel, tracks: Int, framesPerTrack: Int, seed: UInt64,
        identityScale: Double = 1, silhouette: Bool = false
    ) throws -> Errors {
        let edges = silhouette ? MeshEdges(model) : nil
        var random = SeededRandom(seed: seed)
        let fitter = FaceFitter(model: model)
        let camera = fitter.camera(imageWidth: 640, imageHeight: 480)
        var errors = Errors()
        for _ in 0..<tracks {
            let identity = (0..<model.identityCount).map { _ in Float(identityScale * random.gaussian()) }
            var truths: [FaceCoefficients] = []
            var views: [[Point2]] = []
            for _ in 0..<framesPerTrack {
                // Face ~200 px wide at depth 480 mm with f = 640.
                let translation = Vector3(
                    x: Float(random.uniform(-30, 30)), y: Float(random.uniform(-30, 30)),
                    z: Float(-random.uniform(420, 540)))
                let truth = FaceCoefficients(
                    pose: Synthesis.randomPose(&random), translation: translation,
                    expression: Synthesis.randomExpression(model, &random))
                truths.append(truth)
                views.append(
                    Synthesis.view(
                        model: model, identity: identity, coefficients: truth, camera: camera,
                        noise: 1, random: &random, silhouette: edges))
            }
            let fit = try fitter.fitTrack(landmarks: views, imageWidth: 640, imageHeight: 480)
            for (truth, frame) in zip(truths, fit.frames) {
                errors.angles.append(FaceGeometry.angleBetween(truth.pose, frame.coefficients.pose) * 180 / .pi)
                let squares = zip(truth.expression, frame.coefficients.expression).map { ($0 - $1) * ($0 - $1) }
                errors.expressionRMS.append((squares.reduce(0, +) / Float(max(squares.count, 1))).squareRoot())
                errors.fitErrors.append(frame.fitError)
            }
        }
        return errors
    }

    func report(_ name: String, _ errors: Errors) {
        let message = String(
            format: "%@: angle error median %.3f° p95 %.3f° max %.3f°; expression RMS median %.3f p95 %.3f; "
                + "fit error median %.2f px (%d frames)",
            name, percentile(errors.angles, 0.5), percentile(errors.angles, 0.95),
            errors.angles.max() ?? 0, percentile(errors.expressionRMS, 0.5),
            percentile(errors.expressionRMS, 0.95), percentile(errors.fitErrors, 0.5), errors.angles.count)
        print(message)
    }

    func testSurreyModelRecoversPoseAndBlendshapes() throws {
        let model = try TestModels.surrey()
        let errors = try measure(model: model, tracks: 20, framesPerTrack: 10, seed: 2026)
        report("SFM", errors)
        XCTAssertLessThan(percentile(errors.angles, 0.5), 1)
        XCTAssertLessThan(percentile(errors.angles, 0.95), 3)
        XCTAssertLessThan(percentile(errors.expressionRMS, 0.5), 0.1)
        XCTAssertLessThan(percentile(errors.expressionRMS, 0.95), 0.3)
    }

    /// The same with the far side's jaw landmarks on the true silhouette, as a detector would put them.
    func testSurreyModelWithSilhouetteContour() throws {
        let model = try TestModels.surrey()
        let errors = try measure(model: model, tracks: 20, framesPerTrack: 10, seed: 2026, silhouette: true)
        report("SFM silhouette contour", errors)
        XCTAssertLessThan(percentile(errors.angles, 0.5), 1)
        XCTAssertLessThan(percentile(errors.angles, 0.95), 3)
    }

    /// One image fixes identity, pose and expression together: depth and identity trade off, so the error is larger.
    func testSurreyModelSingleImageFits() throws {
        let model = try TestModels.surrey()
        let errors = try measure(model: model, tracks: 80, framesPerTrack: 1, seed: 77)
        report("SFM single image", errors)
        XCTAssertLessThan(percentile(errors.angles, 0.5), 3)
        XCTAssertLessThan(percentile(errors.angles, 0.95), 8)
    }

    func testSyntheticPCAModelRecoversPoseAndExpression() throws {
        let model = try TestModels.syntheticPCA()
        let errors = try measure(model: model, tracks: 40, framesPerTrack: 5, seed: 99)
        report("synthetic PCA", errors)
        XCTAssertLessThan(percentile(errors.angles, 0.5), 1)
        XCTAssertLessThan(percentile(errors.angles, 0.95), 3)
        XCTAssertLessThan(percentile(errors.expressionRMS, 0.5), 0.25)
    }
}

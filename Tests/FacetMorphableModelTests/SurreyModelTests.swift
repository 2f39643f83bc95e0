// Loading the Surrey Face Model and its companion files, and the project's sign conventions.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class SurreyModelTests: XCTestCase {
    func testLoadsTheSurreyFaceModelWithItsCompanionFiles() throws {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let model = try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), deriveExpressions: false)
        XCTAssertEqual(model.name, "sfm_3448")
        XCTAssertEqual(model.vertexCount, 3448)
        XCTAssertEqual(model.identityCount, 63)
        XCTAssertEqual(model.triangles.count, 6736)
        XCTAssertEqual(model.expressionKind, .blendshapes)
        XCTAssertEqual(model.expressionNames, ["anger", "disgust", "fear", "happiness", "sadness", "surprise"])
        XCTAssertEqual(model.textureCoordinates.count, 3448)
        // Eigenvalues 56,502 down to 45.6 mm² (the notes): standard deviations are their roots.
        XCTAssertEqual(model.identityStandardDeviations[0] * model.identityStandardDeviations[0], 56_502, accuracy: 5)
        XCTAssertEqual(model.identityStandardDeviations[62] * model.identityStandardDeviations[62], 45.6, accuracy: 0.1)
        // 50 fixed landmarks, 17 contour candidates per side.
        XCTAssertEqual(model.landmarks.fixed.count, 50)
        XCTAssertEqual(model.landmarks.fixed[9], 33)
        XCTAssertEqual(model.landmarks.rightContour.count, 17)
        XCTAssertEqual(model.landmarks.leftContour.count, 17)
        XCTAssertNotNil(model.edgeTopology)
        XCTAssertGreaterThan(model.edgeTopology?.adjacentFaces.count ?? 0, 10_000)
        // Largest blendshape displacement per the notes: surprise 32.4 mm.
        let surprise = model.expressionBasis[(5 * 3 * model.vertexCount)...].prefix(3 * model.vertexCount)
        var largest: Float = 0
        for vertex in 0..<model.vertexCount {
            let base = surprise.startIndex + 3 * vertex
            let length =
                (surprise[base] * surprise[base] + surprise[base + 1] * surprise[base + 1]
                + surprise[base + 2] * surprise[base + 2]).squareRoot()
            largest = max(largest, length)
        }
        XCTAssertEqual(largest, 32.4, accuracy: 0.1)
        // Mean bounding box ~149 × 188 × 107 mm.
        let xs = stride(from: 0, to: model.mean.count, by: 3).map { model.mean[$0] }
        XCTAssertEqual(xs.max()! - xs.min()!, 149, accuracy: 2)
    }

    func testLoadsByNameFromAModelsDirectory() throws {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let models = url.deletingLastPathComponent().deletingLastPathComponent()
        let model = try MorphableModel.load(named: "sfm", modelsDirectory: models, loadEdgeTopology: false)
        XCTAssertEqual(model.vertexCount, 3448)
        XCTAssertNil(model.edgeTopology)
    }

    func testModelDirectoryResolutionOrder() throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("facet-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let environment = ["FACET_MODELS_DIR": temporary.path, "HOME": "/nonexistent-home"]
        XCTAssertEqual(try ModelDirectory.resolve(environment: environment).path, temporary.path)
        let candidates = ModelDirectory.candidates(
            explicit: URL(fileURLWithPath: "/explicit"), environment: environment,
            currentDirectory: URL(fileURLWithPath: "/work/checkout"),
            executable: URL(fileURLWithPath: "/opt/facet/bin/facet"))
        XCTAssertEqual(
            Array(candidates.map(\.path).prefix(5)),
            [
                "/explicit", temporary.path, "/nonexistent-home/.local/share/facet/models",
                "/opt/facet/share/facet/models", "/work/shared/models",
            ])
        XCTAssertThrowsError(try ModelDirectory.resolve(explicit: temporary.appendingPathComponent("missing"))) { error in
            XCTAssertEqual((error as? ModelError)?.code, .fileNotFound)
        }
    }

    func testMissingCompanionFileIsNamed() throws {
        let source = try SharedData.require("models/sfm/sfm_shape_3448.bin").deletingLastPathComponent()
        let folder = try copyOfSurreyFolder(source)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("sfm_model_contours.json"))
        XCTAssertThrowsError(try MorphableModel.loadSurrey(directory: folder, loadEdgeTopology: false)) { error in
            let modelError = error as? ModelError
            XCTAssertEqual(modelError?.code, .fileNotFound)
            XCTAssertTrue(modelError?.path?.hasSuffix("sfm_model_contours.json") ?? false, "\(error)")
        }
    }

    func testIncompleteMappingIsRejectedListingTheMissingLandmarks() throws {
        let source = try SharedData.require("models/sfm/sfm_shape_3448.bin").deletingLastPathComponent()
        let folder = try copyOfSurreyFolder(source)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mapping = folder.appendingPathComponent("ibug_to_sfm.txt")
        let text = try String(contentsOf: mapping, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("31 =") && !$0.hasPrefix("49 =") }
            .joined(separator: "\n")
        try text.write(to: mapping, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MorphableModel.loadSurrey(directory: folder, loadEdgeTopology: false)) { error in
            let modelError = error as? ModelError
            XCTAssertEqual(modelError?.code, .incompatible)
            XCTAssertTrue(modelError?.message.contains("31, 49") ?? false, "\(error)")
        }
        // Without contour candidates the jaw points are missing too.
        let map = LandmarkMap(fixed: [9: 33])
        XCTAssertEqual(map.missingLandmarks.count, 65)
        XCTAssertTrue(map.missingLandmarks.contains(1))
        XCTAssertFalse(map.missingLandmarks.contains(61))
    }

    func testMalformedMappingLineIsReportedWithItsNumber() {
        XCTAssertThrowsError(try LandmarkMap.parseMapping("[landmark_mappings]\n9 = 33\n10 = chin\n", path: "m.txt")) { error in
            XCTAssertEqual((error as? ModelError)?.code, .malformed)
            XCTAssertTrue("\(error)".contains("line 3"), "\(error)")
        }
    }

    /// Positive yaw turns the face to the viewer's right (PIRender's convention), positive pitch tilts the chin down, positive roll
    /// turns the face counter-clockwise in the image (FacetSDK/Motion.swift).
    func testSignConventionsOfProjectedLandmarks() throws {
        let model = try TestModels.surrey()
        let camera = FaceCamera(projection: .weakPerspective, focalLength: 500, principalPoint: Point2(x: 320, y: 240))
        let identity = [Float](repeating: 0, count: model.identityCount)
        func landmarks(_ pose: HeadPose) -> [Point2] {
            model.projectedLandmarks(
                identity: identity,
                coefficients: FaceCoefficients(
                    pose: pose, translation: Vector3(z: -500), expression: []), camera: camera
            ).map { $0 ?? Point2(x: 0, y: 0) }
        }
        let frontal = landmarks(.frontal)
        // Frontal: the face's right eye (iBUG 37) is on the image's left, the chin (9) below the nose tip (31).
        XCTAssertLessThan(frontal[36].x, frontal[45].x)
        XCTAssertGreaterThan(frontal[8].y, frontal[30].y)
        XCTAssertEqual(frontal[30].x, 320, accuracy: 1)
        // The model's origin lies near the nose tip, so compare the nose tip (31) with the outer eye corners
        // (37, 46), which sit ~40 mm behind it.
        func noseOffset(_ points: [Point2]) -> Point2 {
            Point2(x: points[30].x - (points[36].x + points[45].x) / 2, y: points[30].y - (points[36].y + points[45].y) / 2)
        }
        let yawed = landmarks(HeadPose(yawDegrees: 20, pitchDegrees: 0, rollDegrees: 0))
        XCTAssertGreaterThan(noseOffset(yawed).x, noseOffset(frontal).x + 10, "+yaw moves the nose tip to the viewer's right")
        let pitched = landmarks(HeadPose(yawDegrees: 0, pitchDegrees: 20, rollDegrees: 0))
        XCTAssertGreaterThan(noseOffset(pitched).y, noseOffset(frontal).y + 5, "+pitch (chin down) moves the nose tip down")
        let rolled = landmarks(HeadPose(yawDegrees: 0, pitchDegrees: 0, rollDegrees: 20))
        // Counter-clockwise on screen (y down): the face's left eye (right in the image) rises.
        XCTAssertLessThan(rolled[45].y, rolled[36].y - 10)
        // And the fit reads the same angles back.
        let fitter = FaceFitter(model: model)
        for pose in [
            HeadPose(yawDegrees: 25, pitchDegrees: 0, rollDegrees: 0), HeadPose(yawDegrees: 0, pitchDegrees: 15, rollDegrees: 0),
            HeadPose(yawDegrees: 0, pitchDegrees: 0, rollDegrees: -12),
        ] {
            let fit = try fitter.fitFrame(landmarks: landmarks(pose), identity: identity, camera: camera)
            XCTAssertLessThan(FaceGeometry.angleBetween(fit.coefficients.pose, pose) * 180 / .pi, 0.1, "\(fit.coefficients.pose)")
            XCTAssertEqual(fit.coefficients.translation.z, -500, accuracy: 1)
        }
    }

    func testRotationMatrixRoundTripsPoses() {
        var random = SeededRandom(seed: 5)
        for _ in 0..<50 {
            let pose = Synthesis.randomPose(&random)
            let back = FaceGeometry.pose(rotationMatrix: FaceGeometry.rotationMatrix(pose))
            XCTAssertEqual(back.yaw, pose.yaw, accuracy: 1e-5)
            XCTAssertEqual(back.pitch, pose.pitch, accuracy: 1e-5)
            XCTAssertEqual(back.roll, pose.roll, accuracy: 1e-5)
        }
        // R = Rz·Ry·Rx: with yaw and roll both set, the rotation is not the same as Rx·Ry·Rz.
        let matrix = FaceGeometry.rotationMatrix(HeadPose(yaw: 0.3, pitch: 0, roll: 0.4))
        XCTAssertEqual(matrix[6], -sin(0.3), accuracy: 1e-6, "row 3, column 1 of Rz·Ry(yaw)·Rx is −sin(yaw)")
    }

    private func copyOfSurreyFolder(_ source: URL) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-sfm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in [
            MorphableModel.SurreyFiles.model, MorphableModel.SurreyFiles.blendshapes, MorphableModel.SurreyFiles.mapping,
            MorphableModel.SurreyFiles.contours,
        ] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder
    }
}

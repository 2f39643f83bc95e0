// The MAT-file reader, inflate, and the BFM converter on a small synthetic BFM_model_front.mat.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class BFMConverterTests: XCTestCase {
    /// A synthetic Deep3DFaceRecon model: `vertexCount` vertices, 80 identity and 64 expression columns.
    func syntheticBFM(vertexCount: Int = 90, keypointsAsInt64: Bool = true) -> (variables: [MatVariable], mean: [Float]) {
        var random = SeededRandom(seed: 3)
        let rows = vertexCount * 3
        // A face-sized cap in decimetres, off-centre by (0.1, 0.2, 0.3) so re-centring is visible.
        var mean: [Float] = []
        for index in 0..<vertexCount {
            let t = (Double(index) + 0.5) / Double(vertexCount)
            let polar = acos(1 - t), azimuth = Double(index) * 2.399963
            mean += [
                Float(0.75 * sin(polar) * cos(azimuth) + 0.1), Float(0.95 * sin(polar) * sin(azimuth) + 0.2),
                Float(0.5 * cos(polar) + 0.3),
            ]
        }
        let idBase = (0..<(rows * 80)).map { _ in Float(random.gaussian() * 0.01) }
        let exBase = (0..<(rows * 64)).map { _ in Float(random.gaussian() * 0.005) }
        let triangleCount = vertexCount - 2
        var tri: [Double] = [Double](repeating: 0, count: triangleCount * 3)
        for index in 0..<triangleCount {  // column-major F×3, 1-based
            tri[index] = Double(index + 1)
            tri[triangleCount + index] = Double(index + 2)
            tri[2 * triangleCount + index] = Double(index + 3)
        }
        let keypoints = (0..<68).map { Int64(($0 * 7) % vertexCount + 1) }
        let variables = [
            MatVariable(name: "meanshape", rows: 1, columns: rows, storage: .single(mean)),
            MatVariable(name: "idBase", rows: rows, columns: 80, storage: .single(idBase)),
            MatVariable(name: "exBase", rows: rows, columns: 64, storage: .single(exBase)),
            MatVariable(name: "tri", rows: triangleCount, columns: 3, storage: .double(tri)),
            keypointsAsInt64
                ? MatVariable(name: "keypoints", rows: 1, columns: 68, storage: .int64(keypoints))
                : MatVariable(name: "keypoints", rows: 1, columns: 68, storage: .int32(keypoints.map { Int32($0) })),
            MatVariable(name: "point_buf", rows: 2, columns: 2, storage: .int32([1, 2, 3, 4])),
        ]
        return (variables, mean)
    }

    func testMatReaderReadsNumericArraysColumnMajor() throws {
        let bytes = MatFileWriter.encode([
            MatVariable(name: "a", rows: 2, columns: 3, storage: .double([1, 2, 3, 4, 5, 6])),
            MatVariable(name: "ids", rows: 1, columns: 2, storage: .int32([-7, 9])),
        ])
        let file = try MatFile.decode(bytes, path: "small.mat")
        XCTAssertEqual(file.variables["a"]?.dimensions, [2, 3])
        XCTAssertEqual(file.variables["a"]?.values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(file.variables["a"]?.className, "double")
        XCTAssertEqual(try file.variables["ids"]?.integerValues(), [-7, 9])
        // The same inside miCOMPRESSED elements (stored DEFLATE blocks).
        let compressed = try MatFile.decode(
            MatFileWriter.encode(
                [
                    MatVariable(name: "a", rows: 2, columns: 3, storage: .double([1, 2, 3, 4, 5, 6]))
                ], compressed: true), path: "z.mat")
        XCTAssertEqual(compressed.variables["a"]?.values, [1, 2, 3, 4, 5, 6])
    }

    func testMatReaderErrorsNameTheProblem() {
        XCTAssertThrowsError(try MatFile.decode([UInt8](repeating: 0, count: 20), path: "short.mat")) { error in
            XCTAssertTrue("\(error)".contains("truncated at byte 20"), "\(error)")
        }
        var bytes = MatFileWriter.encode([MatVariable(name: "a", rows: 2, columns: 3, storage: .double([1, 2, 3, 4, 5, 6]))])
        XCTAssertThrowsError(try MatFile.decode(Array(bytes.prefix(bytes.count - 9)), path: "cut.mat")) { error in
            XCTAssertEqual((error as? ModelError)?.code, .malformed)
            XCTAssertTrue("\(error)".contains("cut.mat"), "\(error)")
        }
        bytes[0] = UInt8(ascii: "X")
        XCTAssertThrowsError(try MatFile.decode(bytes, path: "bad.mat")) { error in
            XCTAssertTrue("\(error)".contains("not a level-5 MAT file"), "\(error)")
        }
    }

    func testConvertsASyntheticDeep3DFaceReconModel() throws {
        let (variables, originalMean) = syntheticBFM()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bfm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let matURL = folder.appendingPathComponent("BFM_model_front.mat")
        try Data(MatFileWriter.encode(variables, compressed: true)).write(to: matURL)
        let modelURL = try BFMConverter.convert(matFile: matURL, outputDirectory: folder.appendingPathComponent("bfm"))
        XCTAssertEqual(modelURL.lastPathComponent, "bfm_front.bin")

        let model = try MorphableModel.load(named: "bfm", modelsDirectory: folder)
        XCTAssertEqual(model.name, "bfm09-front")
        XCTAssertEqual(model.vertexCount, 90)
        XCTAssertEqual(model.identityCount, 80)
        XCTAssertEqual(model.expressionCount, 64)
        XCTAssertEqual(model.expressionKind, .pca)
        XCTAssertEqual(model.expressionNames.first, "exp1", "names from the manifest")
        XCTAssertEqual(model.triangles.first, SIMD3(0, 1, 2), "1-based tri becomes 0-based")
        XCTAssertEqual(model.triangles.count, 88)
        XCTAssertEqual(model.landmarks.fixed[2], 7, "keypoint 2 = vertex 8 (1-based) = 7")
        XCTAssertEqual(model.convention.projection, .perspective)
        XCTAssertEqual(model.convention.referenceFocalLength, 1015)
        XCTAssertEqual(model.convention.lengthUnit, "dm")
        // Re-centred on the centroid; the bases keep the coefficients' meaning (column = unit · √variance).
        let centroidX = stride(from: 0, to: model.mean.count, by: 3).map { model.mean[$0] }.reduce(0, +) / 90
        XCTAssertEqual(centroidX, 0, accuracy: 1e-5)
        XCTAssertEqual(model.mean[1] - model.mean[4], originalMean[1] - originalMean[4], accuracy: 1e-6)
        guard case .single(let idBase) = variables[1].storage, case .single(let exBase) = variables[2].storage else {
            return XCTFail("unexpected storage")
        }
        for index in [0, 17, 270 * 5 + 3, 270 * 79 + 269] {
            XCTAssertEqual(model.identityBasis[index], idBase[index], accuracy: 1e-6)
        }
        XCTAssertEqual(model.expressionBasis[270 * 63 + 5], exBase[270 * 63 + 5], accuracy: 1e-6)
    }

    func testMissingVariableAndBadKeypointsAreReported() throws {
        var (variables, _) = syntheticBFM(keypointsAsInt64: false)
        let withoutExpressions = variables.filter { $0.name != "exBase" }
        XCTAssertThrowsError(
            try BFMConverter.convert(
                MatFile.decode(MatFileWriter.encode(withoutExpressions), path: "m.mat"),
                path: "m.mat")
        ) { error in
            XCTAssertEqual((error as? ModelError)?.code, .incompatible)
            XCTAssertTrue("\(error)".contains("no variable \"exBase\""), "\(error)")
        }
        variables[4] = MatVariable(name: "keypoints", rows: 1, columns: 68, storage: .int32([Int32](repeating: 0, count: 68)))
        XCTAssertThrowsError(try BFMConverter.convert(MatFile.decode(MatFileWriter.encode(variables), path: "k.mat"))) { error in
            XCTAssertTrue("\(error)".contains("keypoint 1 is vertex 0"), "\(error)")
        }
    }

    /// The perspective path: fit views of the converted model rendered through Deep3DFaceRecon's camera.
    func testPerspectiveFitOfAConvertedModel() throws {
        let (variables, _) = syntheticBFM()
        let (file, manifest) = try BFMConverter.convert(MatFile.decode(MatFileWriter.encode(variables), path: "-"))
        let model = try MorphableModel(name: manifest.name, file: file, convention: manifest.convention)
        let fitter = FaceFitter(model: model)
        let camera = fitter.camera(imageWidth: 224, imageHeight: 224)
        XCTAssertEqual(camera.projection, .perspective)
        XCTAssertEqual(camera.focalLength, 1015)
        var random = SeededRandom(seed: 11)
        var angles: [Float] = []
        for _ in 0..<10 {
            let identity = (0..<80).map { _ in Float(random.gaussian()) }
            var truths: [FaceCoefficients] = []
            var views: [[Point2]] = []
            for _ in 0..<4 {
                let truth = FaceCoefficients(
                    pose: Synthesis.randomPose(&random),
                    translation: Deep3DFaceRecon.translation(
                        (
                            x: Float(random.uniform(-0.1, 0.1)),
                            y: Float(random.uniform(-0.1, 0.1)),
                            z: Float(random.uniform(-0.5, 0.5))
                        )),
                    expression: Synthesis.randomExpression(model, &random))
                truths.append(truth)
                views.append(
                    Synthesis.view(
                        model: model, identity: identity, coefficients: truth, camera: camera, noise: 0.3,
                        random: &random))
            }
            let fit = try fitter.fitTrack(landmarks: views, imageWidth: 224, imageHeight: 224)
            for (truth, frame) in zip(truths, fit.frames) {
                angles.append(FaceGeometry.angleBetween(truth.pose, frame.coefficients.pose) * 180 / .pi)
                XCTAssertEqual(frame.coefficients.translation.z, truth.translation.z, accuracy: 0.5)
            }
        }
        print(
            String(
                format: "converted BFM (perspective): angle error median %.3f° p95 %.3f°", percentile(angles, 0.5),
                percentile(angles, 0.95)))
        XCTAssertLessThan(percentile(angles, 0.5), 1)
        XCTAssertLessThan(percentile(angles, 0.95), 3)
    }

    func testDeep3DFaceReconPoseConversion() {
        let pose = Deep3DFaceRecon.pose(angles: (x: 0.1, y: 0.2, z: 0.3))
        XCTAssertEqual(pose, HeadPose(yaw: 0.2, pitch: 0.1, roll: 0.3))
        let angles = Deep3DFaceRecon.angles(pose)
        XCTAssertEqual(angles.y, 0.2)
        // Deep3DFaceRecon's standard Ry(y) maps the nose (+z) to x = sin(y) > 0 for y > 0; Facet's convention is
        // the same rotation, so its matrix's (0, 2) entry is the same sin(y).
        XCTAssertEqual(FaceGeometry.rotationMatrix(Deep3DFaceRecon.pose(angles: (x: 0, y: 0.2, z: 0)))[2], sin(0.2), accuracy: 1e-6)
    }
}

// The eos binary format: writing and reading back, and the errors for damaged files.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class EosFormatTests: XCTestCase {
    func sampleFile(version: UInt32 = 4) -> EosModelFile {
        let mean: [Float] = [0, 0, 1, 1, 0, 0, 0, 1, 0, -1, 0, 0]
        let basis: [Float] = (0..<24).map { Float($0) / 24 }
        let triangles: [SIMD3<Int32>] = [SIMD3(0, 1, 2), SIMD3(0, 2, 3)]
        return EosModelFile(
            version: version,
            shape: EosPcaModel(mean: mean, orthonormalBasis: basis, eigenvalues: [4, 1], triangles: triangles),
            color: .empty,
            expression: .blendshapes([EosBlendshape(name: "smile", deformation: (0..<12).map { Float($0) })]),
            landmarkDefinitions: ["1": 0, "2": 3, "10": 2, "eye.left": 1],
            textureCoordinates: [SIMD2(0, 0), SIMD2(1, 0), SIMD2(1, 1), SIMD2(0, 1)],
            textureTriangles: triangles)
    }

    func testWriterRoundTripsEveryVersion() throws {
        for version in UInt32(1)...4 {
            var file = sampleFile(version: version)
            if version < 2 { file.expression = nil }
            if version < 3 { file.landmarkDefinitions = nil }
            if version < 4 { file.textureTriangles = [] }
            let decoded = try EosModelFile.decode(file.encoded(), path: "memory")
            XCTAssertEqual(decoded, file, "version \(version)")
        }
        let pca = EosModelFile(shape: sampleFile().shape, expression: .pca(sampleFile().shape))
        XCTAssertEqual(try EosModelFile.decode(pca.encoded(), path: "memory"), pca)
    }

    func testWriterReproducesTheSurreyFileByteForByte() throws {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let original = [UInt8](try Data(contentsOf: url))
        let file = try EosModelFile.decode(original, path: url.path)
        XCTAssertEqual(file.version, 1)
        XCTAssertEqual(file.color, .empty)
        let encoded = file.encoded()
        XCTAssertEqual(encoded.count, original.count)
        let firstDifference = zip(encoded, original).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        XCTAssertNil(firstDifference, "the first differing byte")
        let blendshapesURL = url.deletingLastPathComponent().appendingPathComponent("expression_blendshapes_3448.bin")
        let blendshapes = try EosModelFile.readBlendshapes(from: blendshapesURL)
        XCTAssertTrue(EosModelFile.encodeBlendshapes(blendshapes) == [UInt8](try Data(contentsOf: blendshapesURL)))
    }

    func testTruncatedFileNamesTheOffset() {
        let bytes = sampleFile().encoded()
        XCTAssertThrowsError(try EosModelFile.decode(Array(bytes.prefix(30)), path: "cut.bin")) { error in
            let modelError = error as? ModelError
            XCTAssertEqual(modelError?.code, .malformed)
            XCTAssertEqual(modelError?.path, "cut.bin")
            XCTAssertTrue(modelError?.message.contains("truncated at byte 30") ?? false, "\(error)")
        }
    }

    func testUnknownVersionAndWrongShapesAreReported() {
        var bytes = sampleFile().encoded()
        bytes[0] = 9
        XCTAssertThrowsError(try EosModelFile.decode(bytes, path: "v9.bin")) { error in
            XCTAssertTrue("\(error)".contains("unknown eos model version 9"), "\(error)")
        }
        // A mean of 4 rows is not 3N.
        var writer = ByteWriter()
        writer.uint32(1)
        writer.int32(4)
        writer.int32(1)
        for _ in 0..<4 { writer.float32(0) }
        XCTAssertThrowsError(try EosModelFile.decode(writer.data + [UInt8](repeating: 0, count: 64), path: "odd.bin")) { error in
            XCTAssertTrue("\(error)".contains("expected a matrix of 3N rows"), "\(error)")
        }
        XCTAssertThrowsError(try EosModelFile.read(from: URL(fileURLWithPath: "/nonexistent/model.bin"))) { error in
            XCTAssertEqual((error as? ModelError)?.code, .fileNotFound)
            XCTAssertEqual((error as? ModelError)?.path, "/nonexistent/model.bin")
        }
    }

    func testTrailingBytesAreRejected() {
        XCTAssertThrowsError(try EosModelFile.decode(sampleFile().encoded() + [1, 2, 3], path: "long.bin")) { error in
            XCTAssertTrue("\(error)".contains("3 unexpected bytes"), "\(error)")
        }
    }

    func testModelEvaluatesMeanPlusScaledBases() throws {
        var landmarks: [String: Int] = [:]
        for number in 1...68 { landmarks[String(number)] = number % 4 }
        var file = sampleFile()
        file.landmarkDefinitions = landmarks
        let model = try MorphableModel(name: "tiny", file: file)
        XCTAssertEqual(model.identityStandardDeviations, [2, 1])
        let vertices = model.vertices(identity: [1, 0], expression: [0.5])
        // vertex 0, x: mean 0 + 2 · basis[0] (0) + 0.5 · deformation[0] (0) = 0; z: 1 + 2·(2/24) + 0.5·2
        XCTAssertEqual(vertices[2], 1 + 2 * (2.0 / 24) + 0.5 * 2, accuracy: 1e-6)
        XCTAssertEqual(model.vertex(0, identity: [1, 0], expression: [0.5]).z, vertices[2], accuracy: 1e-6)
        XCTAssertEqual(model.edges.count, 5)
    }
}

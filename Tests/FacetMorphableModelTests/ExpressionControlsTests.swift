// Named expression controls as effects see them, for blendshape and PCA models.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class ExpressionControlsTests: XCTestCase {
    func testTheSurreyModelsControlsAreItsOwnAndDerivedBlendshapes() throws {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let model = try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
        let description = model.effectDescription()
        XCTAssertEqual(description.expressionNames, model.expressionNames)
        func direction(_ names: [String]) -> [Float] {
            model.expressionNames.map { names.contains($0) ? 1 : 0 }
        }
        XCTAssertEqual(description.control(named: ExpressionControlName.smile), direction(["happiness"]))
        XCTAssertEqual(description.control(named: ExpressionControlName.mouthOpen), direction([DerivedExpressions.jawOpen]))
        XCTAssertEqual(
            description.control(named: ExpressionControlName.eyesClosed),
            direction([DerivedExpressions.leftEyeClosed, DerivedExpressions.rightEyeClosed]))
        XCTAssertEqual(description.control(named: "surprise"), direction(["surprise"]))
        for name in ExpressionControlName.all { XCTAssertNotNil(description.control(named: name), name) }
        XCTAssertEqual(description.coefficientRange.count, model.expressionCount)
    }

    func testAPCAModelsControlsReproduceTheDerivedDisplacement() throws {
        // A PCA basis that contains the derived jaw displacement exactly: the projection must find it.
        let base = try TestModels.syntheticPCA(expressionCount: 6)
        let jaw = try DerivedExpressions.displacement(
            DerivedExpressions.jawOpen, mean: base.mean, landmarks: base.landmarks,
            triangles: base.triangles)
        let norm = jaw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        try XCTSkipIf(norm == 0, "the synthetic model's landmarks leave the jaw field empty")
        let projection = base.projectOntoExpressionBasis(jaw)
        var reconstructed = [Float](repeating: 0, count: jaw.count)
        for column in 0..<base.expressionCount {
            for row in 0..<jaw.count { reconstructed[row] += projection[column] * base.expressionBasis[column * jaw.count + row] }
        }
        // The projection is the best fit in the basis: its residual is orthogonal to every basis column.
        let residual = zip(jaw, reconstructed).map { $0 - $1 }
        for column in 0..<base.expressionCount {
            let dot = (0..<jaw.count).reduce(Float(0)) { $0 + residual[$1] * base.expressionBasis[column * jaw.count + $1] }
            let scale = (0..<jaw.count).reduce(Float(0)) { $0 + abs(base.expressionBasis[column * jaw.count + $1]) } * norm
            XCTAssertLessThan(abs(dot), 1e-2 * scale / Float(jaw.count).squareRoot(), "column \(column)")
        }
        let description = base.effectDescription()
        XCTAssertEqual(description.expressionBasis, .pca)
        for name in ExpressionControlName.all + [DerivedExpressions.lipRound] {
            XCTAssertEqual(description.control(named: name)?.count, base.expressionCount, name)
        }
    }

    func testAControlsFileOverridesAndIsChecked() throws {
        let model = try TestModels.syntheticPCA(expressionCount: 4)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-controls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.controls.json")
        try JSONEncoder().encode(ExpressionControlFile(model: model.name, controls: ["smile": [0.5, 0, 0, -1]])).write(to: good)
        let file = try ExpressionControlFile.read(from: good, for: model)
        XCTAssertEqual(model.effectDescription(controls: file).control(named: "smile"), [0.5, 0, 0, -1])

        let bad = directory.appendingPathComponent("bad.controls.json")
        try JSONEncoder().encode(ExpressionControlFile(model: model.name, controls: ["smile": [1, 2]])).write(to: bad)
        XCTAssertThrowsError(try ExpressionControlFile.read(from: bad, for: model)) { error in
            XCTAssertTrue("\(error)".contains("has 2 values") && "\(error)".contains("4 expression coefficients"), "\(error)")
        }
    }
}

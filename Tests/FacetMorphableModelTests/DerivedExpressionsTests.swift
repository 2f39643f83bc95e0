// The expression directions derived from mesh regions: each moves its own region by a natural
// amount and leaves the rest of the face where it was.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class DerivedExpressionsTests: XCTestCase {
    private func surreyWithDerived() throws -> MorphableModel {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        return try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
    }

    /// Landmark `number`'s vertex with only expression `name` at `weight`.
    private func point(_ model: MorphableModel, _ number: Int, _ name: String? = nil, weight: Float = 1) -> SIMD3<Float> {
        var expression = [Float](repeating: 0, count: model.expressionCount)
        if let name, let index = model.expressionNames.firstIndex(of: name) { expression[index] = weight }
        return model.vertex(model.landmarks.fixed[number]!, identity: [], expression: expression)
    }

    private func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { ((a - b) * (a - b)).sum().squareRoot() }

    func testTheSurreyModelGainsTheDerivedBlendshapesAfterItsOwnSix() throws {
        let model = try surreyWithDerived()
        XCTAssertEqual(Array(model.expressionNames.prefix(6)), ["anger", "disgust", "fear", "happiness", "sadness", "surprise"])
        XCTAssertEqual(Array(model.expressionNames.dropFirst(6)), DerivedExpressions.blendshapeNames)
        XCTAssertEqual(model.expressionCount, 6 + DerivedExpressions.blendshapeNames.count)
    }

    func testJawOpenPartsTheLipsAndLeavesTheUpperFace() throws {
        let model = try surreyWithDerived()
        let jaw = DerivedExpressions.jawOpen
        let gapBefore = point(model, 63).y - point(model, 67).y
        let gapAfter = point(model, 63, jaw).y - point(model, 67, jaw).y
        XCTAssertGreaterThan(gapAfter - gapBefore, 12, "a full jaw-open parts the inner lips by over a centimetre")
        XCTAssertLessThan(gapAfter - gapBefore, 30)
        XCTAssertLessThan(point(model, 9, jaw).y, point(model, 9).y - 10, "the chin drops")
        for unmoved in [31, 34, 37, 46, 20, 52] {
            XCTAssertLessThan(
                distance(point(model, unmoved, jaw), point(model, unmoved)), 0.5,
                "landmark \(unmoved) stays where it was")
        }
    }

    func testEachEyeClosesAloneAndTheLidsMeet() throws {
        let model = try surreyWithDerived()
        for (name, upper, lower, other) in [
            (DerivedExpressions.leftEyeClosed, [44, 45], [48, 47], [38, 39]),
            (DerivedExpressions.rightEyeClosed, [38, 39], [42, 41], [44, 45]),
        ] {
            for (top, bottom) in zip(upper, lower) {
                let openGap = point(model, top).y - point(model, bottom).y
                let closedGap = point(model, top, name).y - point(model, bottom, name).y
                XCTAssertGreaterThan(openGap, 2, "the mean face has its eyes open")
                XCTAssertLessThan(abs(closedGap), 0.15 * openGap, "\(name): lids \(top)/\(bottom) meet")
            }
            for unmoved in other + [31, 9] {
                XCTAssertLessThan(
                    distance(point(model, unmoved, name), point(model, unmoved)), 0.2,
                    "\(name) leaves landmark \(unmoved) alone")
            }
        }
    }

    func testEachBrowRisesAlone() throws {
        let model = try surreyWithDerived()
        let eyeDistance = distance((point(model, 37) + point(model, 40)) / 2, (point(model, 43) + point(model, 46)) / 2)
        for (name, brow, other) in [
            (DerivedExpressions.leftBrowRaised, [23, 25, 27], [18, 20, 22]),
            (DerivedExpressions.rightBrowRaised, [18, 20, 22], [23, 25, 27]),
        ] {
            for number in brow {
                let rise = point(model, number, name).y - point(model, number).y
                XCTAssertGreaterThan(rise, 0.07 * eyeDistance, "\(name) lifts landmark \(number)")
            }
            for number in other + [31, 63, 9] {
                XCTAssertLessThan(
                    distance(point(model, number, name), point(model, number)), 0.2,
                    "\(name) leaves landmark \(number) alone")
            }
        }
    }

    func testLipRoundNarrowsAndPushesTheLipsForwardAndLeavesTheUpperFace() throws {
        let model = try surreyWithDerived()
        let field = try DerivedExpressions.displacement(
            DerivedExpressions.lipRound, mean: model.mean, landmarks: model.landmarks, triangles: model.triangles)
        func moved(_ number: Int) -> SIMD3<Float> {
            let vertex = model.landmarks.fixed[number]!
            return point(model, number) + SIMD3(field[3 * vertex], field[3 * vertex + 1], field[3 * vertex + 2])
        }
        let widthBefore = point(model, 55).x - point(model, 49).x
        let widthAfter = moved(55).x - moved(49).x
        XCTAssertLessThan(widthAfter, widthBefore - 0.1 * abs(widthBefore), "the mouth narrows")
        XCTAssertGreaterThan(widthAfter, 0.5 * widthBefore, "but not to a point")
        for lip in [52, 58, 63, 67] {
            XCTAssertGreaterThan(moved(lip).z - point(model, lip).z, 3, "lip landmark \(lip) comes forward (mm)")
        }
        for unmoved in [31, 37, 46, 20, 9] {
            XCTAssertLessThan(distance(moved(unmoved), point(model, unmoved)), 0.5, "landmark \(unmoved) stays where it was")
        }
    }

    func testAnUnknownNameIsRefusedWithTheKnownOnes() throws {
        let model = try surreyWithDerived()
        XCTAssertThrowsError(
            try DerivedExpressions.displacement(
                "wiggle-ears", mean: model.mean, landmarks: model.landmarks,
                triangles: model.triangles)
        ) { error in
            XCTAssertTrue("\(error)".contains("jaw-open"), "\(error)")
        }
    }
}

// Face regions as maps of the expression space: the part of a change that moves the mouth, the
// eyes or the brows, for the Surrey model's blendshapes and a PCA model alike.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

final class ExpressionRegionsTests: XCTestCase {
    /// How much of `change` each region keeps, as |part| / |change| (Euclidean, coefficients).
    private func shares(_ regions: [String: ExpressionRegion], _ change: [Float]) -> [String: Float] {
        let norm = change.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var result: [String: Float] = [:]
        for (name, region) in regions {
            let part = region.part(of: change)
            result[name] = part.reduce(0) { $0 + $1 * $1 }.squareRoot() / max(norm, 1e-9)
        }
        return result
    }

    func testTheSurreyModelsLocalControlsFallInTheirOwnRegion() throws {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let model = try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
        let description = model.effectDescription()
        XCTAssertEqual(Set(description.regions.keys), Set(ExpressionRegionName.all))
        let cases: [(control: String, region: String)] = [
            (ExpressionControlName.mouthOpen, ExpressionRegionName.mouth),
            (ExpressionControlName.eyesClosed, ExpressionRegionName.eyes),
            (ExpressionControlName.browsRaised, ExpressionRegionName.brows),
        ]
        // The derived brow raise lifts the lid skin below the brow too (by design: skin follows),
        // and that skin belongs to the eyes, so a brow raise is about 70 % brows.
        for (control, region) in cases {
            let direction = try XCTUnwrap(description.control(named: control))
            let share = shares(description.regions, direction)
            let (own, leak): (Float, Float) = region == ExpressionRegionName.brows ? (0.65, 0.35) : (0.8, 0.2)
            XCTAssertGreaterThan(share[region]!, own, "\(control): \(share)")
            for other in ExpressionRegionName.all where other != region {
                XCTAssertLessThan(share[other]!, leak, "\(control) leaks into \(other): \(share)")
            }
        }
        // The regions of a local change add up to (about) the change: nothing is counted twice.
        let jaw = try XCTUnwrap(description.control(named: ExpressionControlName.mouthOpen))
        var sum = [Float](repeating: 0, count: jaw.count)
        for region in description.regions.values {
            for (index, value) in region.part(of: jaw).enumerated() { sum[index] += value }
        }
        let error = zip(sum, jaw).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThan(error, 0.15, "regions summed: \(sum), jaw: \(jaw)")
    }

    func testRegionsDoNotDependOnHowTheBasisMixesTheRegions() throws {
        // A PCA space mixes regions in every component. Mixing the Surrey model's blendshapes by a
        // random rotation makes such a basis with a known answer: the jaw change, written in the
        // mixed coordinates, must still fall in the mouth region and nowhere else.
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let model = try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
        let masks = try XCTUnwrap(model.regionMasks())
        let k = model.expressionCount, rows = model.mean.count
        var random = SeededRandom(seed: 11)
        // A random orthogonal k×k matrix by Gram–Schmidt on Gaussian columns.
        var rotation = [[Double]]()
        while rotation.count < k {
            var column = (0..<k).map { _ in random.gaussian() }
            for other in rotation {
                let dot = zip(column, other).reduce(0) { $0 + $1.0 * $1.1 }
                column = zip(column, other).map { $0 - dot * $1 }
            }
            let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
            rotation.append(column.map { $0 / norm })
        }
        // Mixed basis column j = Σ_i E_i R[i][j]  (rotation[j] is column j of R).
        var mixed = [Float](repeating: 0, count: rows * k)
        for j in 0..<k {
            for i in 0..<k where rotation[j][i] != 0 {
                let weight = Float(rotation[j][i])
                for row in 0..<rows { mixed[j * rows + row] += weight * model.expressionBasis[i * rows + row] }
            }
        }
        let regions = MorphableModel.regionProjections(basis: mixed, rows: rows, count: k, masks: masks)
        let jaw = try XCTUnwrap(model.effectDescription().control(named: ExpressionControlName.mouthOpen))
        // In mixed coordinates c' = Rᵀ c.
        let mixedJaw = (0..<k).map { j in Float(zip(rotation[j], jaw).reduce(0) { $0 + $1.0 * Double($1.1) }) }
        let share = shares(regions, mixedJaw)
        XCTAssertGreaterThan(share[ExpressionRegionName.mouth]!, 0.8, "\(share)")
        XCTAssertLessThan(share[ExpressionRegionName.eyes]!, 0.2, "\(share)")
        XCTAssertLessThan(share[ExpressionRegionName.brows]!, 0.2, "\(share)")
    }
}

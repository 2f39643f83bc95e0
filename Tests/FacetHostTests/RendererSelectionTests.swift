import FacetHost
import FacetMorphableModel
import FacetRender
import FacetTestSupport
import Foundation
import XCTest

/// Which renderer a run gets, and the reason it is told.
final class RendererSelectionTests: XCTestCase {
    private func model() throws -> MorphableModel {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        return try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
    }

    func testAutoFallsBackToGeometricAndSaysWhy() throws {
        let selection = try RendererSelection.make(.auto, model: try model(), weights: nil, environment: [:])
        XCTAssertTrue(selection.renderer is GeometricRenderer)
        XCTAssertTrue(selection.reason.contains("no PIRender weights file configured"), selection.reason)
        XCTAssertTrue(selection.reason.contains("64-component PCA"), "the model is named as the second obstacle: \(selection.reason)")
    }

    func testNeuralWithoutWhatItNeedsIsAnError() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/face.safetensors")
        XCTAssertThrowsError(try RendererSelection.make(.neural, model: try model(), weights: missing, environment: [:])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/nonexistent/face.safetensors") && text.contains("was not found"), text)
            XCTAssertTrue(text.contains("--renderer geometric"), text)
        }
    }

    func testTheWeightsComeFromTheEnvironmentWhenNotGiven() throws {
        let selection = try RendererSelection.make(
            .auto, model: try model(), weights: nil,
            environment: [RendererSelection.weightsEnvironmentVariable: "/nowhere/w.pt"])
        XCTAssertTrue(selection.reason.contains("/nowhere/w.pt"), selection.reason)
    }

    func testGeometricIsGeometric() throws {
        let selection = try RendererSelection.make(.geometric, model: try model(), weights: nil, environment: [:])
        XCTAssertEqual(selection.renderer.summary, "geometric")
    }
}

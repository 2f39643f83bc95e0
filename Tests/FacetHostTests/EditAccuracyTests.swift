import FacetAnalysis
import FacetHost
import FacetMedia
import FacetMorphableModel
import FacetRender
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// Edits measured the way a user would check them: render the edit into the bundled portrait,
/// analyse the output again with Facet's own analyzer, and compare with the analysis of the
/// plainly re-encoded portrait.
final class EditAccuracyTests: XCTestCase {
    /// The analyzer and the baseline measurement, made once for the whole class.
    final class Fixture: @unchecked Sendable {
        let analyzer: FaceAnalyzer
        let portrait: URL
        let directory: URL
        let baseline: FaceFrame
        let expressionNames: [String]

        init() throws {
            portrait = try SharedData.require("media/astronaut.png")
            var configuration = AnalysisConfiguration()
            if let value = ProcessInfo.processInfo.environment["EXPR_REG"].flatMap(Float.init) { configuration.fitting.expressionRegularization = value }
            analyzer = try FaceAnalyzer(configuration: configuration)
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-edit-accuracy-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let plain = try Self.render(portrait, chain: "", name: "plain", analyzer: analyzer, directory: directory)
            let measured = try analyzer.analyze(plain).motion
            baseline = try XCTUnwrap(measured.tracks.first?.frames.last)
            expressionNames = measured.tracks.first?.expressionNames ?? []
        }

        /// Renders `chain` into a short video of the still portrait; returns the output.
        static func render(_ input: URL, chain: String, name: String, analyzer: FaceAnalyzer, directory: URL) throws -> URL {
            let output = directory.appendingPathComponent("\(name).mp4")
            let registry = EffectRegistry.builtIn
            let effects = chain.isEmpty ? EffectChain.empty : try ChainParser.parse(chain, registry: registry)
            var encoder = EncoderSettings()
            encoder.crf = 12
            let request = ApplyRequest(input: input, output: output, chain: effects, encoder: encoder,
                                       stillDuration: 0.4, stillFrameRate: 5, overwrite: true)
            var pipeline = Pipeline(motionSource: FaceAnalysisSource(analyzer: analyzer),
                                    renderer: GeometricRenderer(model: analyzer.model))
            pipeline.faceModel = analyzer.model.effectDescription()
            _ = try pipeline.apply(request)
            return output
        }

        func measure(_ chain: String, name: String) throws -> FaceFrame {
            let output = try Self.render(portrait, chain: chain, name: name, analyzer: analyzer, directory: directory)
            let motion = try analyzer.analyze(output).motion
            XCTAssertEqual(motion.tracks.count, 1, "the edited portrait still shows one face")
            return try XCTUnwrap(motion.tracks.first?.frames.last)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    private static let shared = Result { try Fixture() }
    private func fixture() throws -> Fixture { try Self.shared.get() }

    private let degrees: Float = 180 / .pi

    private func poseChange(_ chain: String, name: String) throws -> (yaw: Float, pitch: Float, roll: Float, angle: Float) {
        let fixture = try fixture()
        let edited = try fixture.measure(chain, name: name).coefficients.pose
        let base = fixture.baseline.coefficients.pose
        let change = ((edited.yaw - base.yaw) * degrees, (edited.pitch - base.pitch) * degrees, (edited.roll - base.roll) * degrees,
                      FaceGeometry.angleBetween(edited, base) * degrees)
        print(String(format: "%@: measured change yaw %.2f°, pitch %.2f°, roll %.2f°", chain, change.0, change.1, change.2))
        return change
    }

    func testYawOf15DegreesIsMeasuredAs15() throws {
        let change = try poseChange("direct-edit:yaw=15", name: "yaw")
        XCTAssertEqual(change.yaw, 15, accuracy: 3)
    }

    func testPitchOf10DegreesIsMeasuredAs10() throws {
        let change = try poseChange("direct-edit:pitch=10", name: "pitch")
        XCTAssertEqual(change.pitch, 10, accuracy: 3)
    }

    func testRollOf10DegreesIsMeasuredAs10() throws {
        let change = try poseChange("direct-edit:roll=10", name: "roll")
        XCTAssertEqual(change.roll, 10, accuracy: 3)
    }

    private func expressionChange(_ chain: String, name: String, component: String) throws -> (change: Float, poseChange: Float) {
        let fixture = try fixture()
        let edited = try fixture.measure(chain, name: name)
        let index = try XCTUnwrap(fixture.expressionNames.firstIndex(of: component))
        let change = edited.coefficients.expression[index] - fixture.baseline.coefficients.expression[index]
        let pose = FaceGeometry.angleBetween(edited.coefficients.pose, fixture.baseline.coefficients.pose) * degrees
        let (e, b) = (edited.coefficients.pose, fixture.baseline.coefficients.pose)
        print(String(format: "%@: measured %@ %+.3f, pose change %.2f° (yaw %+.2f°, pitch %+.2f°, roll %+.2f°)", chain, component,
                     change, pose, (e.yaw - b.yaw) * degrees, (e.pitch - b.pitch) * degrees, (e.roll - b.roll) * degrees))
        return (change, pose)
    }

    func testSmileRaisesTheMeasuredHappinessAndKeepsThePose() throws {
        let result = try expressionChange("direct-edit:smile=0.5", name: "smile", component: "happiness")
        XCTAssertGreaterThan(result.change, 0.15)
        XCTAssertLessThan(result.poseChange, 1)
    }

    func testMouthOpenRaisesTheMeasuredJawAndKeepsThePose() throws {
        let result = try expressionChange("direct-edit:mouth-open=1", name: "mouth", component: DerivedExpressions.jawOpen)
        XCTAssertGreaterThan(result.change, 0.3)
        XCTAssertLessThan(result.poseChange, 1)
    }
}

import FacetTestSupport
import Foundation
import XCTest

/// Rendering as a user meets it: the renderer is named with its reason, the neural renderer
/// refuses to run without what it needs, and an edit of the bundled portrait changes the face.
final class RenderCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    private var portrait: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples/astronaut.png")
    }

    func testTheNeuralRendererWithoutWeightsIsAnErrorNamingWhatIsMissing() throws {
        _ = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let output = directory.appendingPathComponent("out.mp4")
        let result = try CommandRunner.facet(
            "apply", portrait.path, "--preset", "smile", "--renderer", "neural",
            "--duration", "0.2", "-o", output.path,
            environment: ["FACET_PIRENDER_WEIGHTS": ""])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no PIRender weights file configured"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--renderer geometric"), "suggests what works: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing is written")
    }

    func testAnUnknownRendererIsAUsageError() throws {
        let result = try CommandRunner.facet(
            "apply", portrait.path, "--renderer", "magic", "-o",
            directory.appendingPathComponent("out.mp4").path)
        XCTAssertEqual(result.status, 64, result.stderr)
        // The choices are an enum: the parser names the value and lists every renderer.
        XCTAssertTrue(result.stderr.contains("'magic' is invalid for '--renderer"), result.stderr)
        XCTAssertTrue(result.stderr.contains("'auto', 'geometric' or 'neural'"), result.stderr)
    }

    func testApplySaysWhichRendererRunsAndWhyAndChangesTheFace() throws {
        _ = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        let output = directory.appendingPathComponent("smile.mp4")
        let result = try CommandRunner.facet(
            "apply", portrait.path, "--chain", "direct-edit:smile=0.6", "--duration", "0.2",
            "-o", output.path, "--json", environment: ["FACET_PIRENDER_WEIGHTS": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["renderer"] as? String, "geometric")
        let timings = report["timings"] as? [String: Any] ?? [:]
        XCTAssertEqual(timings["editedFaceFrames"] as? Int, 5, "every frame of the 0.2 s video at 25 fps had its face edited")

        let quietRun = try CommandRunner.facet(
            "apply", portrait.path, "--chain", "direct-edit:smile=0.6", "--duration", "0.2",
            "-o", output.path, "-y", environment: ["FACET_PIRENDER_WEIGHTS": ""])
        XCTAssertTrue(
            quietRun.stderr.contains("rendering with the geometric renderer (the neural one cannot run"),
            quietRun.stderr)
    }
}

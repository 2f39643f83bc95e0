import FacetTestSupport
import Foundation
import XCTest

/// `facet analyze` and `facet apply --motion`: analyse once, edit many times.
final class AnalyzeCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    func testAnalyseOnceThenApplyTheSavedMotion() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let motion = directory.appendingPathComponent("motion.json")
        let analysed = try CommandRunner.facet("analyze", portrait.path, "-o", motion.path, "--duration", "2", "--json")
        XCTAssertEqual(analysed.status, 0, analysed.stderr)
        let report = try json(analysed.stdout)
        XCTAssertEqual(report["frames"] as? Int, 50)
        let faces = try XCTUnwrap(report["faces"] as? [[String: Any]])
        XCTAssertEqual(faces.count, 1)
        let statistics = try XCTUnwrap(report["statistics"] as? [String: Any])
        XCTAssertLessThan(try XCTUnwrap(statistics["normalisedReprojectionError"] as? Double), 0.04)
        let timings = try XCTUnwrap(report["timings"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(timings["detectionPasses"] as? Int), 0)

        // The motion file is the documented format.
        let file = try json(String(decoding: try Data(contentsOf: motion), as: UTF8.self))
        XCTAssertEqual(file["format"] as? String, "facet-motion")
        XCTAssertEqual(file["version"] as? Int, 1)
        let scene = try XCTUnwrap(file["motion"] as? [String: Any])
        let tracks = try XCTUnwrap(scene["tracks"] as? [[String: Any]])
        XCTAssertEqual((tracks.first?["frames"] as? [Any])?.count, 50)

        // Re-used by apply: no analysis, the file's face is edited. A still's motion is the same at
        // every frame, so a video of another length (3 s here, 2 s analysed) re-uses it too.
        let output = directory.appendingPathComponent("out.mp4")
        let applied = try CommandRunner.facet(
            "apply", portrait.path, "--duration", "3", "--motion", motion.path,
            "--chain", "direct-edit:yaw=10", "-o", output.path, "--json")
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let applyReport = try json(applied.stdout)
        XCTAssertEqual(applyReport["faces"] as? Int, 1)
        XCTAssertEqual(applyReport["frames"] as? Int, 75)
        XCTAssertEqual(applyReport["analysis"] as? String, "motion file motion.json")
    }

    func testConsistencyCheckPrintsEveryVariantOfThePortrait() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let result = try CommandRunner.facet("analyze", "--consistency", portrait.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        for variant in [
            "0.5x", "2x", "mirrored", "turned +10°", "turned -10°", "video, own size", "video 1280x720",
            "video with noise", "side by side ×2", "side by side ×3",
        ] {
            XCTAssertTrue(result.stdout.contains("\n\(variant) "), "the table has a row for \(variant):\n\(result.stdout)")
        }
        XCTAssertTrue(result.stdout.contains("all 13 checks within bounds"), result.stdout)
    }

    func testConsistencyCheckRefusesOutputsAndMissingPictures() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let withOutput = try CommandRunner.facet(
            "analyze", "--consistency", portrait.path, "-o",
            directory.appendingPathComponent("m.json").path)
        XCTAssertNotEqual(withOutput.status, 0)
        XCTAssertTrue(withOutput.stderr.contains("--consistency prints a table"), withOutput.stderr)
        let missing = try CommandRunner.facet("analyze", "--consistency", directory.appendingPathComponent("none.jpg").path)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("does not exist"), missing.stderr)
    }

    func testMinimumFaceSizeIsChecked() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let tooSmall = try CommandRunner.facet("analyze", portrait.path, "--min-face-size", "4")
        XCTAssertNotEqual(tooSmall.status, 0)
        XCTAssertTrue(tooSmall.stderr.contains("--min-face-size 4.0 is out of range"), tooSmall.stderr)
        // The portrait's face (about 100 px) is below a 130 px minimum: not analysed, and reported by size.
        let large = try CommandRunner.facet("analyze", portrait.path, "--min-face-size", "130", "--duration", "0.2", "--json")
        XCTAssertEqual(large.status, 0, large.stderr)
        let report = try json(large.stdout)
        XCTAssertEqual((report["faces"] as? [Any])?.count, 0)
        let warnings = try XCTUnwrap(report["warnings"] as? [String])
        XCTAssertTrue(warnings.contains { $0.contains("smaller than the 130 px minimum") }, "\(warnings)")
        // The badge on the suit is named for what it is, not as a small face.
        XCTAssertFalse(warnings.contains { $0.contains("72 px face at") }, "\(warnings)")
    }

    func testMotionFileForAnotherVideoIsRefused() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let motion = directory.appendingPathComponent("motion.json")
        XCTAssertEqual(try CommandRunner.facet("analyze", portrait.path, "-o", motion.path, "--duration", "1").status, 0)
        let other = directory.appendingPathComponent("other.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", other.path,
        ])
        let result = try CommandRunner.facet(
            "apply", other.path, "--motion", motion.path, "--chain", "direct-edit:yaw=5",
            "-o", directory.appendingPathComponent("out.mp4").path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("512x512") && result.stderr.contains("320x240"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.mp4").path))
    }

    func testOverlayVideoKeepsEveryFrame() throws {
        let carphone = try SharedData.require("media/carphone_pristine.mp4")
        let overlay = directory.appendingPathComponent("overlay.mp4")
        let result = try CommandRunner.facet("analyze", carphone.path, "--overlay", overlay.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("face 0: frames 0–119 (120)"), result.stderr)
        let probe = try CommandRunner.facet("probe", overlay.path, "--json")
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let streams = try XCTUnwrap(try json(probe.stdout)["streams"] as? [[String: Any]])
        let video = try XCTUnwrap(streams.first?["video"] as? [String: Any])
        XCTAssertEqual(video["width"] as? Int, 176)
        XCTAssertEqual(video["height"] as? Int, 144)
        XCTAssertEqual(video["estimatedFrameCount"] as? Int, 120)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["overlay.mp4"])
    }

    func testNoFaceIsReportedAndNotAnError() throws {
        let video = directory.appendingPathComponent("pattern.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", video.path,
        ])
        let result = try CommandRunner.facet("analyze", video.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no faces found"), result.stderr)
        XCTAssertTrue(result.stderr.contains("0 faces"), result.stderr)
    }

    func testBadArgumentsAreRefusedBeforeAnalysing() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let notJSON = try CommandRunner.facet("analyze", portrait.path, "-o", directory.appendingPathComponent("m.txt").path)
        XCTAssertEqual(notJSON.status, 64)
        XCTAssertTrue(notJSON.stderr.contains(".json"), notJSON.stderr)

        let existing = directory.appendingPathComponent("exists.json")
        try Data("{}".utf8).write(to: existing)
        let refused = try CommandRunner.facet("analyze", portrait.path, "-o", existing.path)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--overwrite"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: existing, encoding: .utf8), "{}", "the existing file is untouched")

        let missingModels = try CommandRunner.facet("analyze", portrait.path, "--models", directory.appendingPathComponent("nowhere").path)
        XCTAssertEqual(missingModels.status, 1)
        XCTAssertTrue(missingModels.stderr.contains("nowhere"), missingModels.stderr)

        let badMotion = directory.appendingPathComponent("bad.json")
        try Data(#"{"format": "something-else"}"#.utf8).write(to: badMotion)
        let applied = try CommandRunner.facet(
            "apply", portrait.path, "--motion", badMotion.path, "--chain", "direct-edit:yaw=5",
            "-o", directory.appendingPathComponent("out.mp4").path)
        XCTAssertEqual(applied.status, 1)
        XCTAssertTrue(applied.stderr.contains("not a motion file"), applied.stderr)
    }

    func testModelsListingAndConversionErrors() throws {
        let models = try SharedData.require("models/sfm/sfm_shape_3448.bin").deletingLastPathComponent().deletingLastPathComponent()
        let listed = try CommandRunner.facet("models", "list", "--models", models.path)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("sfm: sfm_3448, 3448 vertices, 63 identity and 11 blendshapes"), listed.stdout)

        let notMat = directory.appendingPathComponent("model.mat")
        try Data("MATLAB? no".utf8).write(to: notMat)
        let converted = try CommandRunner.facet("models", "convert-bfm", notMat.path, "-o", directory.appendingPathComponent("bfm").path)
        XCTAssertEqual(converted.status, 1)
        XCTAssertTrue(converted.stderr.contains("model.mat"), converted.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("bfm/bfm_front.bin").path))
    }

    func testInterruptedAnalysisLeavesNoFiles() throws {
        let video = directory.appendingPathComponent("long.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=120", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", video.path,
        ])
        let motion = directory.appendingPathComponent("motion.json")
        let overlay = directory.appendingPathComponent("overlay.mp4")
        // Nothing is written while the analysis runs, so the test watches its progress bar: on a
        // terminal, facet draws "analysing [---…] 1/3000 frames" once the first frame is analysed.
        // SIGINT goes then, in the middle of the analysis (before any output exists).
        let started = Date()
        let (result, shown) = try CommandRunner.runOnTerminal(
            CommandRunner.facet,
            [
                "analyze", video.path, "-o", motion.path,
                "--overlay", overlay.path,
            ],
            whenShown: "analysing "
        ) { process in
            kill(process.processIdentifier, SIGINT)
        }
        XCTAssertTrue(shown, "the analysis never showed its progress bar within 60 s (killed): \(result.stderr)")
        XCTAssertEqual(result.status, 130, "stopped after \(Date().timeIntervalSince(started)) s: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("stopped by SIGINT") && result.stderr.contains("interrupted"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["long.mp4"])
    }
}

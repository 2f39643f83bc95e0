import Foundation
import XCTest

/// The `facet` command as a user meets it: exit codes, messages, files left behind.
final class CLITests: XCTestCase {
    private var directory: URL!
    private var video: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
        video = directory.appendingPathComponent("in.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", video.path,
        ])
    }

    /// Files in the test directory other than the input: anything a failed run left behind.
    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "in.mp4" }.sorted()
    }

    func testApplyWithAChainWritesTheWholeVideoAndReportsJSON() throws {
        let output = directory.appendingPathComponent("out.mkv")
        let result = try CommandRunner.facet(
            "apply", video.path, "-o", output.path, "--json",
            "--chain", "direct-edit:yaw=0@0,10@1~ease-in-out")
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["frames"] as? Int, 50)
        XCTAssertTrue((report?["audio"] as? String)?.hasPrefix("copied") == true, "\(report?["audio"] ?? "none")")
        XCTAssertEqual((report?["duration"] as? Double) ?? 0, 2, accuracy: 0.05)
        XCTAssertTrue((report?["chain"] as? String)?.contains("org.facet.direct-edit") == true)
        XCTAssertTrue((report?["warnings"] as? [String])?.contains { $0.contains("no faces found") } == true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.path))
        XCTAssertEqual(try leftovers(), ["out.mkv"])
    }

    /// Runs `facet apply … --json` and returns the report.
    private func applyReport(_ arguments: [String]) throws -> [String: Any] {
        let result = try CommandRunner.run(CommandRunner.facet, ["apply"] + arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    func testStillImageLengthComesFromTheAudioThenTheAnimationThenTheOption() throws {
        let still = directory.appendingPathComponent("face.png")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=1", "-frames:v", "1", still.path])
        let speech = directory.appendingPathComponent("speech.wav")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=1.5", speech.path])

        // With an audio file: as long as the audio, which is encoded to AAC (WAV's PCM cannot go in MP4).
        let spoken = try applyReport([still.path, "--audio", speech.path, "-o", directory.appendingPathComponent("a.mp4").path])
        XCTAssertEqual(spoken["duration"] as? Double ?? 0, 1.5, accuracy: 0.05)
        XCTAssertEqual(spoken["frames"] as? Int, 38, "1.5 s at 25 fps, rounded")
        XCTAssertTrue((spoken["audio"] as? String)?.contains("aac") == true, "\(spoken["audio"] ?? "")")

        // With a keyframed preset and no audio: as long as the animation (look-left ends at 3 s).
        let animated = try applyReport([
            still.path, "--preset", "look-left", "--fps", "30",
            "-o", directory.appendingPathComponent("b.mp4").path,
        ])
        XCTAssertEqual(animated["frames"] as? Int, 90)
        XCTAssertEqual(animated["audio"] as? String, "none")

        // An explicit --duration wins over the audio, and cuts the audio to it.
        let cut = try applyReport([
            still.path, "--audio", speech.path, "--duration", "0.8",
            "-o", directory.appendingPathComponent("c.mkv").path,
        ])
        XCTAssertEqual(cut["frames"] as? Int, 20)
        XCTAssertEqual(cut["duration"] as? Double ?? 0, 0.8, accuracy: 0.05)
        // AAC works in 1024-sample frames plus 1024 priming samples: up to two frames (0.128 s at 16 kHz) over.
        XCTAssertEqual(cut["audioDuration"] as? Double ?? 0, 0.8 + 0.064, accuracy: 0.065, "the audio is cut to the video")
        XCTAssertEqual(spoken["audioDuration"] as? Double ?? 0, 1.5 + 0.064, accuracy: 0.065)

        // A --duration shorter than the preset's animation is lengthened to it, with a warning.
        let short = try applyReport([
            still.path, "--duration", "1", "--preset", "look-left",
            "-o", directory.appendingPathComponent("d.mp4").path,
        ])
        XCTAssertEqual(short["frames"] as? Int, 75, "3 s at 25 fps")
        XCTAssertEqual(short["duration"] as? Double ?? 0, 3, accuracy: 0.05)
        XCTAssertTrue(
            (short["warnings"] as? [String] ?? []).contains(
                "--duration 1 s is shorter than the preset's 3 s animation; the video lasts 3 s"), "\(short["warnings"] ?? "")")
    }

    func testMissingInputIsNamed() throws {
        let result = try CommandRunner.facet(
            "apply", directory.appendingPathComponent("nope.mp4").path,
            "-o", directory.appendingPathComponent("out.mp4").path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("nope.mp4 does not exist"), result.stderr)
        XCTAssertEqual(try leftovers(), [])
    }

    func testOutputEqualToInputIsRefusedAndTheInputIsKept() throws {
        let before = try Data(contentsOf: video)
        let result = try CommandRunner.facet("apply", video.path, "-o", video.path, "--overwrite")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("is the input itself"), result.stderr)
        XCTAssertEqual(try Data(contentsOf: video), before)
    }

    func testExistingOutputNeedsOverwrite() throws {
        let output = directory.appendingPathComponent("exists.mp4")
        try Data("keep me".utf8).write(to: output)
        let refused = try CommandRunner.facet("apply", video.path, "-o", output.path)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--overwrite"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: output, encoding: .utf8), "keep me")
        let replaced = try CommandRunner.facet("apply", video.path, "-o", output.path, "-y", "--quiet")
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertGreaterThan(try Data(contentsOf: output).count, 1000)
    }

    func testUnwritableOutputDirectoryFailsWithoutLeavingFiles() throws {
        let result = try CommandRunner.facet("apply", video.path, "-o", "/proc/facet-out.mp4")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("/proc"), result.stderr)
    }

    func testMalformedPresetIsRejectedWithFileAndLineBeforeDecoding() throws {
        let preset = directory.appendingPathComponent("bad.yaml")
        try """
        format: 1
        summary: broken on purpose
        chain:
          - effect: direct-edit
            params:
              yaw: 200
        """.write(to: preset, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out.mp4")
        let result = try CommandRunner.facet("apply", video.path, "-o", output.path, "--preset", preset.path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("bad.yaml:6"), result.stderr)
        XCTAssertTrue(result.stderr.contains("45"), "the message names the maximum: \(result.stderr)")
        XCTAssertEqual(try leftovers(), ["bad.yaml"])
    }

    func testUnknownEffectInChainListsTheKnownOnes() throws {
        let result = try CommandRunner.facet(
            "apply", video.path, "-o", directory.appendingPathComponent("o.mp4").path,
            "--chain", "direct-edit:yaw=5 | wobble")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--chain:1:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("wobble"), result.stderr)
        XCTAssertTrue(result.stderr.contains("org.facet.direct-edit"), result.stderr)
    }

    // Interrupting a run (SIGINT, SIGTERM, SIGHUP, SIGQUIT): BadInputTests.checkSignal.

    func testEffectsListingAndParameterTable() throws {
        let list = try CommandRunner.facet("effects", "--json")
        XCTAssertEqual(list.status, 0, list.stderr)
        let effects = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let directEdit = effects.first { $0["id"] as? String == "org.facet.direct-edit" }
        XCTAssertNotNil(directEdit)
        let yaw = (directEdit?["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "yaw" }
        XCTAssertEqual(yaw?["unit"] as? String, "deg")
        XCTAssertEqual(yaw?["maximum"] as? Double, 45)

        let table = try CommandRunner.facet("effects", "direct-edit")
        XCTAssertEqual(table.status, 0)
        XCTAssertTrue(table.stdout.contains("-45 … 45 deg"), table.stdout)

        let unknown = try CommandRunner.facet("effects", "wobble")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown effect 'wobble'"), unknown.stderr)
    }

    func testPresetsListAndShow() throws {
        let list = try CommandRunner.facet("presets", "list", "--json")
        XCTAssertEqual(list.status, 0, list.stderr)
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        XCTAssertTrue(rows.contains { $0["name"] as? String == "look-left" }, list.stdout)
        XCTAssertTrue(rows.allSatisfy { $0["error"] == nil }, "every bundled preset is valid: \(list.stdout)")

        let show = try CommandRunner.facet("presets", "show", "look-left")
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("org.facet.direct-edit"), show.stdout)

        let missing = try CommandRunner.facet("presets", "show", "no-such-preset")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no-such-preset"), missing.stderr)
    }

    func testProbeReportsStreamsAsJSONAndRejectsNonMedia() throws {
        let probe = try CommandRunner.facet("probe", video.path, "--json")
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let info = try JSONSerialization.jsonObject(with: Data(probe.stdout.utf8)) as? [String: Any]
        let json = probe.stdout
        XCTAssertNotNil(info)
        XCTAssertTrue(json.contains("\"width\" : 320") && json.contains("\"height\" : 240"), json)

        let text = directory.appendingPathComponent("notes.mp4")
        try "this is not a video".write(to: text, atomically: true, encoding: .utf8)
        let bad = try CommandRunner.facet("probe", text.path)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("notes.mp4"), bad.stderr)
    }
}

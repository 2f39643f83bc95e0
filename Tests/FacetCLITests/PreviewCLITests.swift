import Foundation
import XCTest

/// `facet preview`, `facet apply --contact-sheet` and `facet presets show` as a user meets them.
final class PreviewCLITests: XCTestCase {
    private var directory: URL!
    private var video: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
        video = directory.appendingPathComponent("in.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video.path,
        ])
    }

    private func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Whether `url` starts with the PNG signature.
    private func isPNG(_ url: URL) throws -> Bool {
        try Data(contentsOf: url).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    func testPreviewWritesASheetAndNoVideo() throws {
        let sheet = directory.appendingPathComponent("sheet.png")
        let result = try CommandRunner.facet("preview", video.path, "-o", sheet.path, "--times", "0.5,1.2", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["frameIndices"] as? [Int], [13, 30])
        XCTAssertEqual(report["renderer"] as? String, "pass-through")
        XCTAssertTrue(try isPNG(sheet))
        XCTAssertEqual(try files(), ["in.mp4", "sheet.png"])
    }

    func testPreviewRefusesAnExistingOutputWithoutOverwrite() throws {
        let sheet = directory.appendingPathComponent("sheet.png")
        try Data("keep".utf8).write(to: sheet)
        let refused = try CommandRunner.facet("preview", video.path, "-o", sheet.path, "--preset", "look-left")
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("already exists; pass --overwrite (-y)"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: sheet), Data("keep".utf8), "the existing file is kept")

        let replaced = try CommandRunner.facet("preview", video.path, "-o", sheet.path, "-y", "--frames", "2")
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertTrue(try isPNG(sheet))
        XCTAssertEqual(try files(), ["in.mp4", "sheet.png"], "no temporary file is left beside the sheet")
    }

    func testPreviewRejectsBadArgumentsBeforeWriting() throws {
        let sheet = directory.appendingPathComponent("sheet.png")
        let badTimes = try CommandRunner.facet("preview", video.path, "-o", sheet.path, "--times", "0.5,soon")
        XCTAssertNotEqual(badTimes.status, 0)
        XCTAssertTrue(badTimes.stderr.contains("'soon' is not a time"), badTimes.stderr)
        let late = try CommandRunner.facet("preview", video.path, "-o", sheet.path, "--times", "9")
        XCTAssertEqual(late.status, 1)
        XCTAssertTrue(late.stderr.contains("past the end"), late.stderr)
        let notPNG = try CommandRunner.facet("preview", video.path, "-o", directory.appendingPathComponent("s.jpg").path)
        XCTAssertEqual(notPNG.status, 1)
        XCTAssertTrue(notPNG.stderr.contains("must be a .png file"), notPNG.stderr)
        XCTAssertEqual(try files(), ["in.mp4"])
    }

    func testPreviewOfSpeechPrintsTheSpeechLineAsApplyDoes() throws {
        let still = directory.appendingPathComponent("face.png")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=1", "-frames:v", "1", still.path])
        // A steady tone: loud, but not speech, so loudness only (with a warning saying so).
        let tone = directory.appendingPathComponent("tone.wav")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=1.5", tone.path])
        let sheet = directory.appendingPathComponent("sheet.png")
        let arguments = [still.path, "--preset", "talk", "--audio", tone.path, "--no-cache"]
        let preview = try CommandRunner.run(CommandRunner.facet, ["preview"] + arguments + ["-o", sheet.path, "--frames", "1"])
        XCTAssertEqual(preview.status, 0, preview.stderr)
        let line = preview.stderr.split(separator: "\n").first { $0.hasPrefix("facet: speech: ") }
        XCTAssertEqual(line?.hasPrefix("facet: speech: 1.5 s, no phones, loudness only"), true, preview.stderr)
        XCTAssertTrue(preview.stderr.contains("does not sound like speech"), preview.stderr)
        // The same line as apply prints.
        let apply = try CommandRunner.run(
            CommandRunner.facet, ["apply"] + arguments + ["-o", directory.appendingPathComponent("out.mp4").path])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        let applied = apply.stderr.split(separator: "\n").first { $0.hasPrefix("facet: speech: ") }
        XCTAssertEqual(applied?.prefix(45), line?.prefix(45), apply.stderr)
    }

    func testApplyWritesTheContactSheetAlongsideTheVideo() throws {
        let output = directory.appendingPathComponent("out.mp4")
        let sheet = directory.appendingPathComponent("out.png")
        let result = try CommandRunner.facet("apply", video.path, "-o", output.path, "--contact-sheet", sheet.path, "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["contactSheet"] as? String, sheet.path)
        XCTAssertTrue(try isPNG(sheet))

        // A second run without -y is refused before anything is written; both files stay.
        let again = try CommandRunner.facet(
            "apply", video.path, "-o", directory.appendingPathComponent("other.mp4").path,
            "--contact-sheet", sheet.path)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("contact sheet \(sheet.path) already exists"), again.stderr)
        XCTAssertEqual(try files(), ["in.mp4", "out.mp4", "out.png"])
    }

    func testPresetsShowPrintsTheChainAndKeyframes() throws {
        let nod = try CommandRunner.facet("presets", "show", "nod")
        XCTAssertEqual(nod.status, 0, nod.stderr)
        XCTAssertTrue(nod.stdout.contains("chain: org.facet.direct-edit@^0.2:pitch=0@0~ease-in-out,10@0.4"), nod.stdout)
        XCTAssertTrue(nod.stdout.contains("pitch = 0@0~ease-in-out,10@0.4~ease-in-out"), nod.stdout)
        XCTAssertTrue(nod.stdout.contains("faces = largest"), nod.stdout)

        let all = try CommandRunner.facet("presets", "show")
        XCTAssertEqual(all.status, 0, all.stderr)
        for name in [
            "identity", "lip-sync", "look-left", "look-right", "mimic", "mimic-expression", "neutralise", "nod", "performance", "shake",
            "smile", "surprise", "talk", "wink",
        ] {
            XCTAssertTrue(all.stdout.contains("\n\(name) — ") || all.stdout.hasPrefix("\(name) — "), "\(name) in \(all.stdout)")
        }
        XCTAssertTrue(all.stdout.contains("yaw=0@0,-15@1~ease-in-out"), all.stdout)

        let json = try CommandRunner.facet("presets", "show", "--json")
        let details = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        XCTAssertEqual(details.count, 14, json.stdout)

        let unknown = try CommandRunner.facet("presets", "show", "twirl")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no preset named 'twirl'; expected one of: identity, lip-sync, look-left"), unknown.stderr)
    }
}

import FacetTestSupport
import Foundation
import XCTest

/// `facet apply` with a driver, as a user meets it: `--set` fills a preset's parameter, a driver
/// is analysed once and then found in the cache, and a driver that cannot drive is refused before
/// anything is written.
final class ReenactmentCLITests: XCTestCase {
    private var directory: URL!
    private var cache: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
        cache = directory.appendingPathComponent("cache")
    }

    private func apply(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(CommandRunner.facet, ["apply"] + arguments, environment: ["FACET_CACHE_DIR": cache.path])
    }

    func testSetGivesAPresetsEffectsAValueAndRefusesNamesNoEffectHas() throws {
        let still = directory.appendingPathComponent("pattern.png")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=1", "-frames:v", "1", still.path])
        let output = directory.appendingPathComponent("o.mp4")
        let set = try apply([still.path, "-o", output.path, "--preset", "smile", "--set", "smile=0.25", "--duration", "0.4", "--json"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertTrue(set.stdout.contains("smile=0.25"), "the preset's smile was replaced: \(set.stdout)")

        let unknown = try apply([still.path, "-o", output.path, "-y", "--preset", "smile", "--set", "grin=1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no effect of the chain has a parameter 'grin'"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("smile"), "the known names are listed: \(unknown.stderr)")

        let malformed = try apply([still.path, "-o", output.path, "-y", "--preset", "smile", "--set", "smile"])
        XCTAssertEqual(malformed.status, 1)
        XCTAssertTrue(malformed.stderr.contains("is not NAME=VALUE"), malformed.stderr)

        let outOfRange = try apply([still.path, "-o", output.path, "-y", "--preset", "smile", "--set", "smile=9"])
        XCTAssertEqual(outOfRange.status, 1)
        XCTAssertTrue(outOfRange.stderr.contains("above the maximum"), outOfRange.stderr)
    }

    func testAPortraitDrivenByAVideoIsAnalysedOnceThenServedFromTheCache() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let carphone = try SharedData.require("media/carphone_pristine.mp4")
        let output = directory.appendingPathComponent("driven.mp4")
        let arguments = [
            portrait.path, "-o", output.path, "-y", "--preset", "mimic", "--set", "driver=\(carphone.path)", "--fps", "30", "--json",
        ]
        let first = try apply(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["frames"] as? Int, 120, "as long as carphone (4 s at 30 fps)")
        let drivers = report["drivers"] as? [[String: Any]] ?? []
        XCTAssertEqual(drivers.count, 1)
        XCTAssertEqual(drivers.first?["fromCache"] as? Bool, false)
        XCTAssertEqual(drivers.first?["kind"] as? String, "video")

        let second = try apply(arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        let again = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any] ?? [:]
        let cached = again["drivers"] as? [[String: Any]] ?? []
        XCTAssertEqual(cached.first?["fromCache"] as? Bool, true, "the second run must not analyse the driver")
        XCTAssertEqual(cached.first?["analysisSeconds"] as? Double, 0)

        let plain = try apply([
            portrait.path, "-o", output.path, "-y", "--preset", "mimic", "--set", "driver=\(carphone.path)", "--fps", "30",
        ])
        XCTAssertTrue(plain.stderr.contains("driver carphone_pristine.mp4: video, 120 frame(s), 1 face(s), from the cache"), plain.stderr)
    }

    func testAnotherVideosMotionFileDrivesButIsRefusedAsTheSourcesMotion() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let carphone = try SharedData.require("media/carphone_pristine.mp4")
        let motion = directory.appendingPathComponent("carphone.json")
        let analysed = try CommandRunner.facet("analyze", carphone.path, "-o", motion.path, "--quiet")
        XCTAssertEqual(analysed.status, 0, analysed.stderr)
        let output = directory.appendingPathComponent("o.mp4")
        let driven = try apply([portrait.path, "-o", output.path, "--chain", "reenactment:driver=\(motion.path)", "--json"])
        XCTAssertEqual(driven.status, 0, driven.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(driven.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual((report["drivers"] as? [[String: Any]])?.first?["kind"] as? String, "motion-file")
        XCTAssertEqual(report["frames"] as? Int, 120, "as long as the motion file's 4 s, at its 30 fps (no --fps given)")

        let refused = try apply([
            portrait.path, "-o", directory.appendingPathComponent("p.mp4").path, "--motion", motion.path, "--preset", "smile",
        ])
        XCTAssertEqual(refused.status, 1, "carphone's motion is not the portrait's")
        XCTAssertTrue(refused.stderr.contains("does not fit the input"), refused.stderr)
    }

    func testDriversThatCannotDriveAreRefusedAndNothingIsWritten() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let output = directory.appendingPathComponent("o.mp4")

        let unset = try apply([portrait.path, "-o", output.path, "--preset", "mimic"])
        XCTAssertEqual(unset.status, 1)
        XCTAssertTrue(unset.stderr.contains("driver is not set"), unset.stderr)
        XCTAssertTrue(unset.stderr.contains("--set driver="), "the message says how to give one: \(unset.stderr)")

        let missing = directory.appendingPathComponent("talk.mp4")
        let absent = try apply([portrait.path, "-o", output.path, "--chain", "reenactment:driver=\(missing.path)"])
        XCTAssertEqual(absent.status, 1)
        XCTAssertTrue(absent.stderr.contains("driver \(missing.path) does not exist"), absent.stderr)

        let notes = directory.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: notes)
        let text = try apply([portrait.path, "-o", output.path, "--chain", "reenactment:driver=\(notes.path)"])
        XCTAssertEqual(text.status, 1)
        XCTAssertTrue(text.stderr.contains("is not a video, image or motion file"), text.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing is written when the driver is refused")
    }
}

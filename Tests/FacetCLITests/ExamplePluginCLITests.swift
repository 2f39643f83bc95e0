import FacetTestSupport
import Foundation
import XCTest

/// The example plugins of Examples/ (built by `make examples`) loaded into `facet` and run on the
/// bundled portrait in a chain after DirectEdit. `facet preview` puts on its sheet, for each part
/// of the video, the frame where the chain's edit is strongest; DirectEdit's smile is the same on
/// every frame, so the frames shown are where the plugin's own edit peaks — a plugin that did
/// nothing (or ignored its audio, keyframes or face model) would move them.
final class ExamplePluginCLITests: XCTestCase {
    private var directory: URL!
    private var plugins: URL!

    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    private var portrait: URL { Self.root.appendingPathComponent("Samples/astronaut.png") }

    override func setUpWithError() throws {
        let libraries = [
            "Examples/SwiftPlugin/.build/release/libFacetExamples.so", "Examples/CPlugin/build/libblink-every.so",
        ].map { Self.root.appendingPathComponent($0) }
        let missing = libraries.filter { !FileManager.default.fileExists(atPath: $0.path) }
        if !missing.isEmpty {
            let message = "the example plugins are not built (\(missing.map(\.path).joined(separator: ", "))); run `make examples`"
            if SharedData.isCI { throw FixtureError("CI=true requires them: " + message) }
            throw XCTSkip(message)
        }
        _ = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        directory = try makeTemporaryDirectory(self)
        plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for library in libraries {
            try FileManager.default.copyItem(at: library, to: plugins.appendingPathComponent(library.lastPathComponent))
        }
    }

    /// Runs `facet preview` of the portrait with `chain`, as a 2 s video at 25 fps, and returns its report.
    private func preview(_ chain: String, frames: Int, extra: [String] = []) throws -> [String: Any] {
        let result = try CommandRunner.run(
            CommandRunner.facet,
            [
                "preview", portrait.path, "--duration", "2", "--chain", chain, "--frames", String(frames), "--json",
                "-o", directory.appendingPathComponent("sheet-\(UUID().uuidString).png").path,
            ] + extra,
            environment: ["FACET_PLUGIN_PATH": plugins.path, "FACET_PIRENDER_WEIGHTS": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["faces"] as? Int, 1, "the portrait has one face: \(result.stdout)")
        return report
    }

    private func frames(_ report: [String: Any]) -> [Int] { report["frameIndices"] as? [Int] ?? [] }
    private func warnings(_ report: [String: Any]) -> [String] { report["warnings"] as? [String] ?? [] }

    func testBeatNodNodsOnTheClicksOfTheSoundtrack() throws {
        // A click at 0.52 s and at 1.52 s: frames 13 and 38, one in the middle of each half.
        let clicks = directory.appendingPathComponent("clicks.wav")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "aevalsrc='0.8*sin(2*PI*1000*t)*(between(t,0.52,0.53)+between(t,1.52,1.53))':s=16000:d=2", clicks.path,
        ])
        let report = try preview("direct-edit:smile=0.3 | beat-nod:depth=10", frames: 2, extra: ["--audio", clicks.path])
        XCTAssertTrue((report["chain"] as? String)?.contains("org.facet.examples.beat-nod") == true, "\(report)")
        XCTAssertEqual(frames(report).count, 2)
        XCTAssertEqual(Double(frames(report).first ?? 0), 13, accuracy: 1, "the first nod peaks on the first click: \(report)")
        XCTAssertEqual(Double(frames(report).last ?? 0), 38, accuracy: 1, "the second nod peaks on the second click: \(report)")
        XCTAssertFalse(warnings(report).contains { $0.contains("no audio") }, "\(warnings(report))")

        let silent = try preview("direct-edit:smile=0.3 | beat-nod", frames: 2)
        XCTAssertTrue(warnings(silent).contains { $0.contains("the input has no audio") }, "\(warnings(silent))")
    }

    func testGazeToCameraFollowsItsKeyframedStrength() throws {
        // Off until 1.2 s, fully on from 1.4 s (frame 35): the second half's strongest edit is from
        // frame 35 on; with the strength ignored it would be the first frame searched there (31).
        let report = try preview("direct-edit:smile=0.3 | gaze-to-camera:strength=0@0,0@1.2,1@1.4", frames: 2)
        XCTAssertTrue((report["chain"] as? String)?.contains("org.facet.examples.gaze-to-camera") == true, "\(report)")
        XCTAssertGreaterThanOrEqual(frames(report).last ?? 0, 35, "the turn shows once the strength is 1: \(report)")
    }

    func testBlinkEveryClosesTheEyesOnItsBeatUsingTheFaceModel() throws {
        // One blink, at 1 s (frame 25), in the middle half (frames 12 … 36) of the one part searched.
        let report = try preview("direct-edit:smile=0.3 | blink-every:interval=1:duration=0.3", frames: 1)
        XCTAssertTrue((report["chain"] as? String)?.contains("org.facet.examples.blink-every") == true, "\(report)")
        XCTAssertEqual(frames(report), [25], "the sheet shows the blink: \(report)")
        XCTAssertFalse(warnings(report).contains { $0.contains("face model") }, "the C plugin got the face model: \(warnings(report))")
    }
}

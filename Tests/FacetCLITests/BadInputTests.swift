import FacetTestSupport
import Foundation
import XCTest

/// What Facet promises under bad input and signals (Docs/BadInput.md), case by case: the exit
/// status, a message naming the problem and what was expected, and no file left behind.
final class BadInputTests: XCTestCase {
    private var directory: URL!
    private var fixtures: Set<String> = []

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    // MARK: - Helpers

    /// Writes a fixture file into the test directory (not counted as a leftover).
    @discardableResult
    private func fixture(_ name: String, _ text: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        fixtures.insert(name)
        return url
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A 1 s test-pattern video (no face) made with the ffmpeg tool.
    private func video(_ name: String = "in.mp4", seconds: Int = 1) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=\(seconds)",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", url.path,
        ])
        fixtures.insert(name)
        return url
    }

    /// Files in the test directory that are not fixtures: what a failed run left behind.
    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !fixtures.contains($0) }.sorted()
    }

    /// Runs facet and checks it failed with `status`, said every one of `phrases` on stderr, and
    /// left nothing behind.
    @discardableResult
    private func expectFailure(
        _ arguments: [String], status: Int32 = 1, saying phrases: [String],
        environment: [String: String] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> CommandResult {
        let result = try CommandRunner.run(CommandRunner.facet, arguments, environment: environment)
        XCTAssertEqual(result.status, status, "facet \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        for phrase in phrases {
            XCTAssertTrue(result.stderr.contains(phrase), "expected \"\(phrase)\" in: \(result.stderr)", file: file, line: line)
        }
        XCTAssertFalse(
            result.stderr.contains("\u{1B}") || result.stdout.contains("\u{1B}"), "raw escape sequence printed", file: file, line: line)
        XCTAssertEqual(try leftovers(), [], "files left behind", file: file, line: line)
        return result
    }

    // MARK: - Media

    func testMissingInputIsNamed() throws {
        try expectFailure(["apply", path("nothing.mp4"), "-o", path("out.mp4")], saying: ["nothing.mp4", "does not exist"])
    }

    func testDirectoryAsInputIsRefused() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder"), withIntermediateDirectories: true)
        fixtures.insert("folder")
        try expectFailure(["apply", path("folder"), "-o", path("out.mp4")], saying: ["folder"])
    }

    func testTextFileAsInputIsRefused() throws {
        try fixture("notes.mp4", "this is not a video\n")
        try expectFailure(["apply", path("notes.mp4"), "-o", path("out.mp4")], saying: ["notes.mp4"])
    }

    func testEmptyInputIsRefused() throws {
        try fixture("empty.mp4", "")
        try expectFailure(["apply", path("empty.mp4"), "-o", path("out.mp4")], saying: ["empty.mp4"])
    }

    func testTruncatedVideoIsRefused() throws {
        let whole = try video("whole.mp4")
        let data = try Data(contentsOf: whole)
        try data.prefix(1500).write(to: directory.appendingPathComponent("cut.mp4"))
        fixtures.insert("cut.mp4")
        try expectFailure(["apply", path("cut.mp4"), "-o", path("out.mp4")], saying: ["cut.mp4"])
    }

    func testAudioOnlyInputIsRefused() throws {
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", path("tone.wav")])
        fixtures.insert("tone.wav")
        try expectFailure(["apply", path("tone.wav"), "-o", path("out.mp4")], saying: ["no video stream", "expected a video"])
    }

    // MARK: - Outputs

    func testUnknownOutputExtensionIsRefused() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.avi")], saying: [".avi", ".mp4"])
    }

    func testMissingOutputFolderIsNamed() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("no/such/out.mp4")], saying: ["does not exist"])
    }

    func testUnwritableOutputFolderIsNamed() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", "/proc/facet-out.mp4"], saying: ["/proc", "writable"])
    }

    func testOutputThatIsTheInputIsRefused() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", input.path, "-y"], saying: ["input"])
    }

    func testExistingOutputNeedsOverwrite() throws {
        let input = try video()
        try fixture("out.mp4", "precious")
        try expectFailure(["apply", input.path, "-o", path("out.mp4")], saying: ["already exists", "--overwrite"])
        XCTAssertEqual(try String(contentsOf: directory.appendingPathComponent("out.mp4"), encoding: .utf8), "precious")
    }

    func testUnwritableContactSheetIsFoundBeforeTheRender() throws {
        let input = try video(seconds: 3)
        let started = Date()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--contact-sheet", "/proc/facet-sheet.png"],
            saying: ["contact sheet", "/proc/facet-sheet.png"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
    }

    func testContactSheetMustBeAPNG() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--contact-sheet", path("sheet.jpg")], saying: [".png"])
    }

    func testUnwritableMotionFileIsFoundBeforeAnalysis() throws {
        let input = try video()
        try expectFailure(["analyze", input.path, "-o", "/proc/facet-motion.json"], saying: ["motion file", "/proc"])
    }

    // MARK: - Presets

    func testMissingPresetIsNamed() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--preset", "no-such-preset"], saying: ["no-such-preset"])
    }

    func testPresetSyntaxErrorHasLineAndColumn() throws {
        let input = try video()
        let preset = try fixture("bad.yaml", "format: 1\nsummary: x\nchain:\n  - effect: direct-edit\n    params: {yaw: [1, 2\n")
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--preset", preset.path], saying: ["bad.yaml:"])
    }

    func testDeeplyNestedPresetIsRefusedNotACrash() throws {
        let input = try video()
        let preset = try fixture("deep.yaml", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--preset", preset.path],
            saying: ["deep.yaml:1:", "nested more than 64"])
    }

    func testDeeplyIndentedPresetIsRefusedNotACrash() throws {
        let input = try video()
        var text = ""
        for level in 0..<200 { text += String(repeating: " ", count: level) + "k\(level):\n" }
        let preset = try fixture("indented.yaml", text)
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--preset", preset.path], saying: ["nested more than 64"])
    }

    func testHugePresetIsRefused() throws {
        let input = try video()
        let preset = try fixture("huge.yaml", "format: 1\nsummary: " + String(repeating: "x", count: 1_100_000) + "\nchain: []\n")
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--preset", preset.path], saying: ["bytes", "at most 1000000"])
    }

    func testPresetWithAnUnknownKeyIsRefused() throws {
        let input = try video()
        let preset = try fixture("keys.yaml", "format: 1\nsummary: x\nchian: []\n")
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--preset", preset.path], saying: ["chian"])
    }

    func testPresetListingSurvivesABadPresetAndEscapesItsText() throws {
        let presets = directory.appendingPathComponent("presets")
        try FileManager.default.createDirectory(at: presets, withIntermediateDirectories: true)
        fixtures.insert("presets")
        try Data((String(repeating: "[", count: 20_000) + "\n").utf8).write(to: presets.appendingPathComponent("deep.yaml"))
        try Data("format: 1\nsummary: \"title \\e]0;owned\\a and \\e[2J cleared\"\nchain: []\n".utf8)
            .write(to: presets.appendingPathComponent("escapes.yaml"))
        try Data("format: 1\nsummary: \"\(String(repeating: "1", count: 100_000))\"\nchain: []\n".utf8)
            .write(to: presets.appendingPathComponent("long.yaml"))
        let result = try CommandRunner.run(CommandRunner.facet, ["presets", "list"], environment: ["FACET_PRESET_PATH": presets.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("deep") && result.stdout.contains("INVALID"), result.stdout)
        XCTAssertFalse(result.stdout.contains("\u{1B}"), "the escape sequence reached the terminal")
        XCTAssertTrue(result.stdout.contains("\\u{1B}]0;owned"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(100000 characters)"), "the long summary is shortened")
        XCTAssertLessThan(result.stdout.count, 20_000)
    }

    // MARK: - Chains

    func testUnknownEffectListsTheKnownOnes() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--chain", "no-such-effect:x=1"],
            saying: ["unknown effect 'no-such-effect'", "direct-edit"])
    }

    func testLookAlikeLetterInAnEffectNameIsPointedOut() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--chain", "d\u{0456}rect-edit:yaw=5"],
            saying: ["did you mean `direct-edit`?", "U+0456"])
    }

    func testUnknownParameterIsRefused() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--chain", "direct-edit:yaww=5"], saying: ["yaww"])
    }

    func testOutOfRangeValueIsRefused() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--chain", "direct-edit:yaw=1000"], saying: ["yaw", "1000"])
    }

    func testHugeValueIsShortenedInTheMessage() throws {
        let input = try video()
        let value = String(repeating: "1", count: 100_000)
        let result = try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--chain", "direct-edit:yaw=\(value)"],
            saying: ["(100000 characters)"])
        XCTAssertLessThan(result.stderr.count, 5_000)
    }

    func testEscapeSequenceInAnEffectNameIsEscaped() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--chain", "\u{1B}]0;owned\u{07}:x=1"],
            saying: ["\\u{1B}]0;owned\\u{7}"])
    }

    func testEscapeSequencesInArgumentsAreEscapedInUsageErrors() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--pix-fmt", "\u{1B}[2J"], status: 64,
            saying: ["'\\u{1B}[2J' is invalid for '--pix-fmt", "yuv420p"])
        try expectFailure(["--bogus\u{1B}]0;owned\u{07}"], status: 64, saying: ["Unknown option", "\\u{1B}]0;owned"])
    }

    func testUnclosedChainIsASyntaxError() throws {
        let input = try video()
        try expectFailure(["apply", input.path, "-o", path("out.mp4"), "--chain", "direct-edit:yaw=0@0,"], saying: ["yaw"])
    }

    // MARK: - Motion files

    /// A valid motion file for a 160x120, 25-frame video, with `frame` edited into its one face's
    /// frame 3 (raw JSON text of a FaceFrame's coefficients).
    private func motionFile(
        _ name: String,
        coefficients: String = #"{"expression":[0.1,0.2],"pose":{"yaw":0.1,"pitch":0,"roll":0},"translation":{"x":0,"y":0,"z":-600}}"#,
        identity: String = "[0.5, -0.2]"
    ) throws -> URL {
        let good = #"{"expression":[0.1,0.2],"pose":{"yaw":0.1,"pitch":0,"roll":0},"translation":{"x":0,"y":0,"z":-600}}"#
        let frames = (0..<25).map { index in
            #"{"frameIndex":\#(index),"time":\#(Double(index) / 25),"confidence":0.9,"coefficients":\#(index == 3 ? coefficients : good)}"#
        }.joined(separator: ",")
        let text = #"""
            {"format":"facet-motion","version":1,"generator":"test","analysis":{},
             "source":{"path":"in.mp4","width":160,"height":120,"frameCount":25,"frameRate":25},
             "motion":{"frameTimes":[\#((0..<25).map { String(Double($0) / 25) }.joined(separator: ","))],"frameRate":25,
                       "frameWidth":160,"frameHeight":120,
                       "tracks":[{"id":0,"modelName":"sfm_3448","expressionBasis":"blendshapes","identity":\#(identity),
                                  "camera":{"projection":"perspective","focalLength":500,"principalPoint":{"x":80,"y":60}},
                                  "frames":[\#(frames)]}]}}
            """#
        return try fixture(name, text)
    }

    /// A frame's coefficients as motion-file JSON.
    private func coefficients(expression: String = "[0,0]", yaw: String = "0", z: String = "-600") -> String {
        #"{"expression":\#(expression),"pose":{"yaw":\#(yaw),"pitch":0,"roll":0},"translation":{"x":0,"y":0,"z":\#(z)}}"#
    }

    /// Applies a motion file with `frame`'s coefficients at frame 3 and expects it refused.
    private func expectMotionRefused(
        _ name: String, _ frame: String, chain: [String] = [], saying phrases: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let input = try video()
        let motion = try motionFile(name, coefficients: frame)
        try expectFailure(
            ["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")] + chain, saying: phrases,
            file: file, line: line)
    }

    func testTheMotionFileTemplateIsAccepted() throws {
        // The baseline the cases below change one number of: it must pass validation.
        let input = try video()
        let motion = try motionFile("good.json")
        let result = try CommandRunner.facet("apply", input.path, "--motion", motion.path, "-o", path("out.mp4"), "--quiet")
        XCTAssertFalse(result.stderr.contains("out of range") || result.stderr.contains("expected a finite"), result.stderr)
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("out.mp4"))
    }

    func testMissingMotionFileIsNamed() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "--motion", path("none.json"), "-o", path("out.mp4")], saying: ["none.json", "facet analyze"])
    }

    func testMotionFileThatIsNotJSONIsRefused() throws {
        let input = try video()
        let motion = try fixture("text.json", "hello")
        try expectFailure(["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")], saying: ["not a motion file"])
    }

    func testTruncatedMotionFileSaysWhere() throws {
        let input = try video()
        let whole = try String(contentsOf: try motionFile("whole.json"), encoding: .utf8)
        let motion = try fixture("cut.json", String(whole.prefix(whole.count / 2)))
        try expectFailure(["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")], saying: ["cut.json", "line"])
    }

    func testHugeExpressionIsRefusedWithItsPlace() throws {
        try expectMotionRefused(
            "huge.json", coefficients(expression: "[1e30,0.2]"), chain: ["--chain", "direct-edit:smile=0.5"],
            saying: ["track 0, frame 3: expression[0]", "within ±10"])
    }

    func testOutOfRangeMotionIsRefusedEvenWithoutAChain() throws {
        try expectMotionRefused("big.json", coefficients(expression: "[10000,0.2]"), saying: ["expression[0]"])
    }

    func testHugeIdentityIsRefused() throws {
        let input = try video()
        let motion = try motionFile("identity.json", identity: "[1e30, 0]")
        try expectFailure(["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")], saying: ["track 0: identity[0]"])
    }

    func testHeadAtTheCameraIsRefused() throws {
        try expectMotionRefused("zero.json", coefficients(z: "0"), saying: ["translation.z", "in front of the camera"])
    }

    func testHeadTwoHundredMetresAwayIsRefused() throws {
        try expectMotionRefused("far.json", coefficients(z: "-200000"), saying: ["translation.z"])
    }

    func testAngleBeyondAProfileIsRefused() throws {
        try expectMotionRefused("angle.json", coefficients(yaw: "10"), saying: ["pose.yaw", "±90°"])
    }

    func testDeeplyNestedMotionJSONIsRefusedNotACrash() throws {
        let input = try video()
        let motion = try fixture("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        try expectFailure(["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")], saying: ["deep.json"])
    }

    func testMotionForAnotherVideoIsRefused() throws {
        let input = try video()
        let motion = try motionFile("other.json")
        var text = try String(contentsOf: motion, encoding: .utf8)
        text = text.replacingOccurrences(of: #""width":160"#, with: #""width":640"#)
            .replacingOccurrences(of: #""frameWidth":160"#, with: #""frameWidth":640"#)
        try Data(text.utf8).write(to: motion)
        try expectFailure(["apply", input.path, "--motion", motion.path, "-o", path("out.mp4")], saying: ["640x120"])
    }

    // MARK: - Plugins

    private func pluginDirectory() throws -> URL {
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        fixtures.insert("plugins")
        return plugins
    }

    func testAFIFONamedLikeAPluginDoesNotHang() throws {
        let plugins = try pluginDirectory()
        XCTAssertEqual(mkfifo(plugins.appendingPathComponent("libtrap.so").path, 0o644), 0)
        let result = try CommandRunner.run(CommandRunner.facet, ["effects"], environment: ["FACET_PLUGIN_PATH": plugins.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("libtrap.so is not a regular file"), result.stderr)
        XCTAssertTrue(result.stdout.contains("org.facet.direct-edit"))
    }

    func testWorldWritablePluginFolderIsRefusedWithTheFix() throws {
        let plugins = try pluginDirectory()
        try Data("not a library".utf8).write(to: plugins.appendingPathComponent("libx.so"))
        XCTAssertEqual(chmod(plugins.path, 0o777), 0)
        let refused = try CommandRunner.run(CommandRunner.facet, ["effects"], environment: ["FACET_PLUGIN_PATH": plugins.path])
        XCTAssertEqual(refused.status, 0, refused.stderr)
        XCTAssertTrue(
            refused.stderr.contains("writable by every user") && refused.stderr.contains("chmod o-w \(plugins.path)"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("cannot load plugin"), "the library was not even opened")
        let allowed = try CommandRunner.run(
            CommandRunner.facet, ["effects"],
            environment: ["FACET_PLUGIN_PATH": plugins.path, "FACET_ALLOW_WRITABLE_PLUGINS": "1"])
        XCTAssertTrue(allowed.stderr.contains("cannot load plugin"), allowed.stderr)
    }

    func testWorldWritablePluginFileIsRefused() throws {
        let plugins = try pluginDirectory()
        let library = plugins.appendingPathComponent("libw.so")
        try Data("not a library".utf8).write(to: library)
        XCTAssertEqual(chmod(library.path, 0o666), 0)
        let result = try CommandRunner.run(CommandRunner.facet, ["effects"], environment: ["FACET_PLUGIN_PATH": plugins.path])
        XCTAssertTrue(result.stderr.contains("libw.so is writable by every user"), result.stderr)
    }

    func testRelativePluginPathEntryIsRefused() throws {
        let result = try CommandRunner.run(CommandRunner.facet, ["effects"], environment: ["FACET_PLUGIN_PATH": "plugins"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("FACET_PLUGIN_PATH entry 'plugins' is a relative path"), result.stderr)
    }

    func testABrokenLibraryIsAWarningNotAFailure() throws {
        let plugins = try pluginDirectory()
        try Data("not a library".utf8).write(to: plugins.appendingPathComponent("libbroken.so"))
        let result = try CommandRunner.run(CommandRunner.facet, ["effects"], environment: ["FACET_PLUGIN_PATH": plugins.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot load plugin") && result.stderr.contains("libbroken.so"), result.stderr)
    }

    func testCommandsThatNeedNoPluginLoadNone() throws {
        let plugins = try pluginDirectory()
        try Data("not a library".utf8).write(to: plugins.appendingPathComponent("libbroken.so"))
        let input = try video()
        for arguments in [["presets", "list"], ["apply", input.path, "-o", path("out.mp4"), "--chain", "direct-edit:yaw=3", "--quiet"]] {
            let result = try CommandRunner.run(CommandRunner.facet, arguments, environment: ["FACET_PLUGIN_PATH": plugins.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertFalse(result.stderr.contains("libbroken.so"), "\(arguments[0]) opened the plugin: \(result.stderr)")
        }
    }

    // MARK: - Weights

    func testMissingWeightsFileIsNamed() throws {
        let input = try video()
        try expectFailure(
            ["apply", input.path, "-o", path("out.mp4"), "--renderer", "neural", "--weights", path("none.safetensors")],
            saying: ["none.safetensors"])
    }

    func testABrokenWeightsFileIsNamedEvenWhenTheModelIsWhatStopsTheRenderer() throws {
        let input = try video()
        let weights = try fixture("broken.safetensors", "this is not a weights file")
        try expectFailure(
            [
                "apply", input.path, "-o", path("out.mp4"), "--renderer", "neural", "--weights", weights.path,
                "--chain", "direct-edit:yaw=5",
            ],
            saying: ["broken.safetensors is neither a safetensors file nor a PyTorch checkpoint"])
    }

    // MARK: - Signals

    /// Starts a long apply and sends `signal` once the run is under way — the temporary output
    /// (`.long.facet-partial-*.mp4`) has its first bytes, so frames are being encoded — or, when
    /// `early`, at the first moment facet handles it: as soon as its signal guard has installed a
    /// handler (before that, during dynamic loading, the system's default action applies). Then
    /// checks the status, the message and that nothing is left.
    private func checkSignal(_ signal: Int32, status: Int32, name: String, early: Bool = false) throws {
        let still = directory.appendingPathComponent("still.png")
        try CommandRunner.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=1", "-frames:v", "1", still.path])
        fixtures.insert("still.png")
        let output = directory.appendingPathComponent("long.mp4")
        var ready = false
        let result = try CommandRunner.run(CommandRunner.facet, ["apply", still.path, "--duration", "600", "-o", output.path, "--quiet"]) {
            process in
            let pid = process.processIdentifier
            ready =
                waitUntil(within: 60) {
                    guard process.isRunning else { return true }
                    if early { return catchesSignal(pid, signal) }
                    return self.temporaryOutputHasData(for: "long.mp4")
                } && process.isRunning
            kill(pid, ready ? signal : SIGKILL)
        }
        XCTAssertTrue(
            ready,
            early
                ? "facet never installed a handler for \(name) within 60 s (or exited): \(result.stderr)"
                : "the temporary output of long.mp4 never got its first bytes within 60 s (or facet exited): \(result.stderr)")
        XCTAssertEqual(result.status, status, result.stderr)
        XCTAssertTrue(result.stderr.contains("stopped by \(name)"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").filter { !$0.isEmpty }.count, 1, "one line: \(result.stderr)")
        XCTAssertEqual(try leftovers(), [])
    }

    /// Whether the hidden temporary file of `name` (`.NAME.facet-partial-*.EXT`, see `OutputFile`)
    /// exists and has bytes: the writer is open and encoding. (The output check before the run
    /// creates and removes an empty one.)
    private func temporaryOutputHasData(for name: String) -> Bool {
        let stem = "." + (name as NSString).deletingPathExtension + ".facet-partial-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.contains { candidate in
            guard candidate.hasPrefix(stem),
                let size = try? FileManager.default.attributesOfItem(atPath: path(candidate))[.size] as? Int
            else { return false }
            return size > 0
        }
    }

    func testSIGTERMExits143AndLeavesNothing() throws { try checkSignal(SIGTERM, status: 143, name: "SIGTERM") }

    func testSIGHUPExits129AndLeavesNothing() throws { try checkSignal(SIGHUP, status: 129, name: "SIGHUP") }

    func testSIGQUITExits131AndLeavesNothing() throws { try checkSignal(SIGQUIT, status: 131, name: "SIGQUIT") }

    func testSIGINTExits130AndLeavesNothing() throws { try checkSignal(SIGINT, status: 130, name: "SIGINT") }

    func testSIGINTInTheFirstMomentStillSaysSo() throws { try checkSignal(SIGINT, status: 130, name: "SIGINT", early: true) }
}

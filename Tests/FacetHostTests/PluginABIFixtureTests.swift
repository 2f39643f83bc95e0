import FacetHost
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// The compatibility promise of facet_plugin.h held against a real old plugin: a C library
/// written against the first release's header (Fixtures/abi-1.0, frozen from commit d693c0f:
/// API 1, minor 0, before face_model_json), built here with the system's C compiler, loads and
/// runs in today's host; the same source claiming API version 2 is refused naming both versions.
final class PluginABIFixtureTests: XCTestCase {
    /// Tests/FacetHostTests/Fixtures/abi-1.0.
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/abi-1.0", isDirectory: true)

    /// The first C compiler on `PATH` (`$CC` first), or nil.
    private static let compiler: URL? = {
        let environment = ProcessInfo.processInfo.environment
        let names = [environment["CC"], "cc", "gcc", "clang"].compactMap { $0 }.filter { !$0.isEmpty }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in names {
            if name.hasPrefix("/") { if FileManager.default.isExecutableFile(atPath: name) { return URL(fileURLWithPath: name) } }
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return URL(fileURLWithPath: "\(directory)/\(name)")
            }
        }
        return nil
    }()

    /// Builds old_plugin.c into a temporary directory with `cc -shared -fPIC` and returns the
    /// library; `apiVersion` overrides the version its table states. Skips without a C compiler
    /// (fails under CI=true, where the promise must be checked).
    private func buildOldPlugin(apiVersion: UInt32? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        guard let compiler = Self.compiler else {
            let message = "no C compiler ($CC, cc, gcc or clang on PATH): the ABI 1.0 fixture plugin cannot be built"
            if SharedData.isCI { throw FixtureError("CI=true requires it: " + message) }
            throw XCTSkip(message, file: file, line: line)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-abi-1.0-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let library = directory.appendingPathComponent("libold_roll.so")
        var arguments = [
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I", Self.fixtures.path,
            "-o", library.path, Self.fixtures.appendingPathComponent("old_plugin.c").path,
        ]
        if let apiVersion { arguments.insert("-DOLD_PLUGIN_API_VERSION=\(apiVersion)u", at: 0) }
        let process = Process()
        process.executableURL = compiler
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let diagnostics = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(compiler.path) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(diagnostics)")
        }
        return library
    }

    /// One face over three frames, rolls 0, 0.1 and -0.2 rad, with yaw, pitch, translation and
    /// expression the effect must leave alone.
    private static let motion = SceneMotion(
        frameTimes: [0, 0.04, 0.08], frameRate: 25, frameWidth: 64, frameHeight: 48,
        tracks: [
            FaceTrack(
                id: 0, modelName: "sfm_3448", expressionNames: ["a", "b"], identity: [0.5],
                frames: [0.0, 0.1, -0.2].enumerated().map { index, roll in
                    FaceFrame(
                        frameIndex: index, time: Double(index) * 0.04,
                        coefficients: FaceCoefficients(
                            pose: HeadPose(yaw: 0.3, pitch: -0.1, roll: Float(roll)), translation: Vector3(x: 1, y: 2, z: -900),
                            expression: [0.25, 0]))
                })
        ])

    func testAPluginBuiltAgainstTheFirstReleaseLoadsWithoutIdentityFields() throws {
        let plugin = try PluginLoader.open(library: try buildOldPlugin())
        XCTAssertEqual(plugin.info.apiVersion, 1)
        XCTAssertNil(plugin.info.apiMinor, "a 1.0 table ends before api_minor")
        XCTAssertNil(plugin.info.id)
        XCTAssertNil(plugin.info.version)
        XCTAssertEqual(plugin.info.effectCount, 1)
        XCTAssertEqual(plugin.factories.map(\.descriptor.id), ["org.facet.test.old-roll"])
        let degrees = try XCTUnwrap(plugin.factories.first?.descriptor.parameter(named: "degrees"))
        XCTAssertEqual(degrees.defaultValue, .number(5))
        XCTAssertEqual(degrees.unit, "deg")
    }

    func testTheDirectorySearchLoadsItLikeAnyPlugin() throws {
        let directory = try buildOldPlugin().deletingLastPathComponent()
        let result = PluginLoader.loadAll(from: [directory], allowWritable: false)
        XCTAssertEqual(result.errors.map(\.message), [])
        XCTAssertEqual(result.effects.map(\.descriptor.id), ["org.facet.test.old-roll"])
    }

    func testItsEffectRunsThroughTheHostAndChangesOnlyTheRoll() throws {
        let factory = try XCTUnwrap(try PluginLoader.load(library: try buildOldPlugin()).first)
        let effect = try factory.instantiate(EffectParameters(schema: factory.descriptor.parameters, given: ["degrees": .number(10)]))
        let warnings = Warnings()
        // Today's host sends a context with every later field (face model, speech): a 1.0
        // plugin never reads past `warn`, so they must not disturb it.
        let model = FaceModelDescription(
            name: "sfm_3448", expressionBasis: .blendshapes, expressionNames: ["a", "b"],
            controls: ["smile": [1, 0]], coefficientRange: [0...1, 0...1])
        let speech = SpeechInput(method: .loudness, phones: [], loudness: [0, 0.5], duration: 0.02)
        var motion = Self.motion
        try effect.process(&motion, context: EffectContext(faceModel: model, speech: speech, warn: { warnings.add($0) }))

        let added = Float(10 * Double.pi / 180)
        XCTAssertEqual(motion.frameTimes, Self.motion.frameTimes)
        for (before, after) in zip(Self.motion.tracks[0].frames, motion.tracks[0].frames) {
            XCTAssertEqual(after.coefficients.pose.roll, before.coefficients.pose.roll + added, accuracy: 1e-6)
            XCTAssertEqual(after.coefficients.pose.yaw, before.coefficients.pose.yaw)
            XCTAssertEqual(after.coefficients.pose.pitch, before.coefficients.pose.pitch)
            XCTAssertEqual(after.coefficients.translation, before.coefficients.translation)
            XCTAssertEqual(after.coefficients.expression, before.coefficients.expression)
            XCTAssertEqual(after.frameIndex, before.frameIndex)
        }
        XCTAssertEqual(motion.tracks[0].identity, Self.motion.tracks[0].identity)
        XCTAssertEqual(warnings.messages, ["added 0.175 rad of roll to 3 face frames"], "warn() through a 1.0 context")
    }

    func testTheDefaultIsWhatTheHostFillsIn() throws {
        let factory = try XCTUnwrap(try PluginLoader.load(library: try buildOldPlugin()).first)
        let effect = try factory.instantiate(EffectParameters(schema: factory.descriptor.parameters, given: [:]))
        var motion = Self.motion
        try effect.process(&motion, context: EffectContext())
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.pose.roll, Float(5 * Double.pi / 180), accuracy: 1e-6)
    }

    func testItsErrorStringReachesTheUser() throws {
        let factory = try XCTUnwrap(try PluginLoader.load(library: try buildOldPlugin()).first)
        // The plugin reads a constant only; keyframes are valid for the schema, so the host
        // passes them and the plugin's own refusal (error_out) is what the user sees.
        let keyframes = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 10)])
        let parameters = try EffectParameters(schema: factory.descriptor.parameters, given: ["degrees": .keyframes(keyframes)])
        XCTAssertThrowsError(try factory.instantiate(parameters)) { error in
            let message = (error as? EffectError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("org.facet.test.old-roll (plugin libold_roll.so) refused its parameters"), message)
            XCTAssertTrue(message.contains("old-roll found no \"degrees\" number in its parameters"), message)
        }
    }

    func testATableOfAnotherMajorVersionIsRefusedNamingBothVersions() throws {
        let library = try buildOldPlugin(apiVersion: 2)
        XCTAssertThrowsError(try PluginLoader.open(library: library)) { error in
            let error = error as? HostError
            XCTAssertEqual(error?.code, .pluginFailed)
            let message = error?.message ?? ""
            XCTAssertTrue(message.contains("speaks plugin API version 2"), message)
            XCTAssertTrue(message.contains("this host speaks 1"), message)
            XCTAssertTrue(message.contains(library.path), message)
        }
    }

    func testTheFrozenHeaderIsTheFirstRelease() throws {
        let header = try String(contentsOf: Self.fixtures.appendingPathComponent("facet_plugin.h"), encoding: .utf8)
        XCTAssertTrue(header.contains("#define FACET_PLUGIN_API_VERSION 1u"))
        for later in ["face_model_json", "driving_inputs", "speech_json", "plugin_id", "api_minor", "FACET_PLUGIN_API_MINOR"] {
            XCTAssertFalse(header.contains(later), "the 1.0 header must not have \(later): it was added later")
        }
    }
}

/// Warnings collected from the effect's context, from any thread.
private final class Warnings: @unchecked Sendable {
    // Safe to share: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

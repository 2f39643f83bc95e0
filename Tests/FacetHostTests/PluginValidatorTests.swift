import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetHost

/// `facet plugins check` on the C fixture plugin (Tests/Fixtures/BrokenPlugin): the good build
/// passes, each broken build fails with a message naming what is wrong; and the apply path
/// names the plugin, the effect and the frame for the broken outputs.
final class PluginValidatorTests: XCTestCase {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [CPluginFixture.Variant: URL]?

    /// The fixture built as `variant` (every variant is compiled once, into one temporary directory).
    private func library(_ variant: CPluginFixture.Variant) throws -> URL {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let built = Self.built, let url = built[variant] { return url }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let built = try CPluginFixture.build(CPluginFixture.Variant.allCases, into: directory)
        Self.built = built
        return built[variant]!
    }

    /// The `facet` binary built beside the tests, which the checker runs each effect in.
    private var facet: URL {
        get throws {
            var url = Bundle.main.bundleURL
            if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
            let facet = url.appendingPathComponent("facet")
            guard FileManager.default.isExecutableFile(atPath: facet.path) else {
                let message = "the facet binary is not at \(facet.path); build it with `swift build --build-tests`"
                if SharedData.isCI { throw FixtureError(message) }
                throw XCTSkip(message)
            }
            return facet
        }
    }

    private func check(_ variant: CPluginFixture.Variant, inProcess: Bool = false, timeout: Double = 60) throws -> PluginCheckReport {
        let url = try library(variant)
        return PluginValidator.check(
            library: url, options: PluginCheckOptions(executable: inProcess ? nil : try facet, timeoutSeconds: timeout))
    }

    private func assertFails(_ report: PluginCheckReport, with words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(report.passed, file: file, line: line)
        let failures = report.failures.map(\.description)
        XCTAssertTrue(
            failures.contains { $0.contains(words) }, "expected a failure with \"\(words)\"; got \(failures)", file: file, line: line)
    }

    func testTheGoodPluginPassesInAChildProcessAndInProcess() throws {
        for inProcess in [false, true] {
            let report = try check(.good, inProcess: inProcess)
            XCTAssertTrue(report.passed, report.failures.map(\.description).joined(separator: "\n"))
            XCTAssertEqual(report.pluginID, "com.example.broken")
            XCTAssertEqual(report.pluginVersion, "1.0.0")
            let text = report.lines.map(\.description)
            XCTAssertTrue(text.contains { $0.hasPrefix("PASS identity: ABI 1.4") }, "\(text)")
            XCTAssertTrue(
                text.contains { $0.hasPrefix("PASS com.example.broken.pass: strength=1 (maximum): 4 scenarios") },
                "a motion-only effect runs without audio, as in the host: \(text)")
            XCTAssertTrue(text.contains { $0.contains("timing: median") }, "\(text)")
        }
    }

    func testAWrongABIMajorFailsNamingBothVersions() throws {
        assertFails(try check(.wrongABIMajor), with: "speaks plugin API version 2 but this host speaks 1")
    }

    func testAMissingEntrySymbolFails() throws {
        assertFails(try check(.missingEntry), with: "has no facet_plugin_entry function")
    }

    func testADefaultOutsideItsRangeFails() throws {
        assertFails(
            try check(.defaultOutOfRange),
            with:
                "FAIL com.example.broken.pass: parameter 'strength' has default 5, above its maximum 1; expected a default inside its range 0…1"
        )
    }

    func testANonFiniteOutputFailsNamingTheFrame() throws {
        assertFails(try check(.nonFinite), with: "defaults, one face: ")
        assertFails(try check(.nonFinite), with: "track 0, frame 0")
    }

    func testChangedFramesFailNamingTheFrame() throws {
        assertFails(
            try check(.framesChanged),
            with: "defaults, one face: changed the frame times (12 frames became 11; first difference at frame 11)")
    }

    func testACrashIsAReportLineNamingTheEffectAndTheSignal() throws {
        assertFails(
            try check(.crash),
            with: "FAIL com.example.broken.pass: crashed the process with SIGSEGV (signal 11) while running defaults, one face")
    }

    func testACrashWhileLoadingIsAReportLine() throws {
        assertFails(
            try check(.crashOnLoad),
            with: "FAIL library: crashed the process with SIGABRT (signal 6) while running dlopen and facet_plugin_entry; "
                + "expected the library to load and describe its effects")
    }

    func testAnExitIsAReportLineNamingTheStatus() throws {
        assertFails(
            try check(.exit),
            with: "FAIL com.example.broken.pass: the process running it exited with status 3 while running defaults, one face")
    }

    func testAHungEffectIsKilledAfterTheTimeout() throws {
        assertFails(
            try check(.hang, timeout: 2),
            with: "FAIL com.example.broken.pass: did not finish within 2 s while running defaults, one face and was killed")
    }

    func testMotionThatDoesNotDecodeFailsNamingTheFrame() throws {
        assertFails(
            try check(.invalidJSON),
            with:
                "defaults, one face: com.example.broken.pass returned motion that is not valid SceneMotion JSON (at track 0, frame 0)"
        )
    }

    func testAFailingCallThatStillReturnsMotionFails() throws {
        assertFails(
            try check(.failureWithOutput),
            with:
                "defaults, one face: process() failed (deliberate failure) and still set motion_out; expected motion_out left NULL when a call fails"
        )
    }

    // MARK: - The apply path

    /// The error the chain runner gives for `variant`'s effect on two faces over 20 frames.
    private func applyError(_ variant: CPluginFixture.Variant) throws -> HostError? {
        var registry = EffectRegistry.builtIn
        for factory in try PluginLoader.load(library: try library(variant)) { try registry.register(factory) }
        let chain = try ChainParser.parse("com.example.broken.pass", registry: registry)
        let motion = PluginScenarios.motions()[1].1
        do {
            _ = try EffectChainRunner(chain).run(on: motion, audio: nil, faceModel: nil, warnings: WarningSink())
            return nil
        } catch {
            return error
        }
    }

    func testApplyNamesPluginEffectAndFrameForNonFiniteOutput() throws {
        let text = try applyError(.nonFinite)?.description ?? "no error"
        XCTAssertTrue(text.contains("effect com.example.broken.pass of plugin com.example.broken (libbroken-non-finite.so)"), text)
        XCTAssertTrue(text.contains("track 0, frame 0"), text)
    }

    func testApplyNamesPluginEffectAndFrameForChangedFrames() throws {
        let text = try applyError(.framesChanged)?.description ?? "no error"
        XCTAssertTrue(
            text.contains(
                "effect com.example.broken.pass of plugin com.example.broken (libbroken-frames-changed.so) changed the frame times "
                    + "(12 frames became 11; first difference at frame 11)"), text)
    }

    func testApplyNamesPluginAndEffectForAFailureAndDiscardsItsMotion() throws {
        let text = try applyError(.failureWithOutput)?.description ?? "no error"
        XCTAssertTrue(
            text.contains(
                "effect com.example.broken.pass of plugin com.example.broken (libbroken-failure-with-output.so) failed: deliberate failure "
                    + "(it also returned motion, which a failing effect must not; the motion was discarded)"), text)
    }

    func testApplyRunsTheGoodPluginAndReportsEachEffectAsItStarts() throws {
        var registry = EffectRegistry.builtIn
        for factory in try PluginLoader.load(library: try library(.good)) { try registry.register(factory) }
        let chain = try ChainParser.parse("direct-edit:yaw=5 | com.example.broken.pass", registry: registry)
        let motion = PluginScenarios.motions()[1].1
        let names = NameLog()
        let output = try EffectChainRunner(chain).run(
            on: motion, audio: nil, faceModel: nil, warnings: WarningSink(), started: { _, name in names.add(name) })
        XCTAssertEqual(output.frameTimes, motion.frameTimes)
        XCTAssertEqual(
            names.names,
            ["effect org.facet.direct-edit", "effect com.example.broken.pass of plugin com.example.broken (libbroken-good.so)"])
    }

    /// A per-frame effect that sleeps 20 ms per call.
    struct Sleepy: FaceEffect {
        static let descriptor = EffectDescriptor(
            id: "org.facet.test.sleepy", version: EffectVersion(1), summary: "sleeps", parameters: [ParameterSpec]())
        init(parameters: EffectParameters) throws {}
        func process(_ motion: inout SceneMotion, context: EffectContext) throws { usleep(20_000) }
    }

    func testASlowEffectIsAWarningNamingItAndTheBudget() throws {
        var registry = EffectRegistry.builtIn
        try registry.register(Sleepy.self)
        var runner = try EffectChainRunner(try ChainParser.parse("sleepy", registry: registry))
        runner.slowFloorSeconds = 0.01
        let warnings = WarningSink()
        _ = try runner.run(on: PluginScenarios.motions()[2].1, audio: nil, faceModel: nil, warnings: warnings)
        XCTAssertEqual(warnings.messages.count, 1, "\(warnings.messages)")
        XCTAssertTrue(
            warnings.messages.first?.hasPrefix("org.facet.test.sleepy: effect org.facet.test.sleepy took ") == true, "\(warnings.messages)")
        let message = warnings.messages.first ?? ""
        XCTAssertTrue(message.contains("for 1 face-frames ("), message)
        XCTAssertTrue(message.hasSuffix("far longer than its declared per frame access suggests (at most 2.00 ms each)"), message)
    }

    /// The scenarios are fair: every built-in effect (DirectEdit, Reenactment, AudioSync) passes them.
    func testEveryBuiltInEffectPassesTheScenarios() throws {
        for effect in BuiltInEffects.all {
            let factory = EffectFactory(effect)
            let lines = PluginScenarios.run(descriptor: effect.descriptor, announce: false) { try factory.instantiate($0) }
            let failures = lines.filter { $0.status == .fail }.map(\.description)
            XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
            XCTAssertTrue(lines.contains { $0.status == .pass && $0.message.contains("scenarios keep frames") }, "\(lines)")
        }
    }

    func testTheTimeBudgetFollowsTheDeclaredTemporalAccess() {
        XCTAssertNil(EffectTimeBudget.slowness(seconds: 0.5, faceFrames: 10, access: .perFrame, floorSeconds: 1))
        XCTAssertNil(EffectTimeBudget.slowness(seconds: 2, faceFrames: 10_000, access: .perFrame, floorSeconds: 1))
        let slow = EffectTimeBudget.slowness(seconds: 2, faceFrames: 100, access: .perFrame, floorSeconds: 1)
        XCTAssertEqual(
            slow,
            "took 2.0 s for 100 face-frames (20 ms each), far longer than its declared per frame access suggests (at most 2.00 ms each)")
        XCTAssertNil(EffectTimeBudget.slowness(seconds: 1.5, faceFrames: 100, access: .wholeSequence, floorSeconds: 1))
    }

    func testDescriptorsWarnAboutTasteAndFailOnMissingDocumentation() {
        let descriptor = EffectDescriptor(
            id: "com.other.fade", version: EffectVersion(1), summary: "Fades.",
            parameters: [
                ParameterSpec.number("fade-delay", default: 0, min: 0, max: 2, "Waits first."),
                ParameterSpec.number("amount", default: 1, min: 0, "How much."),
                ParameterSpec.boolean("Mirror", default: false, ""),
            ])
        let lines = DescriptorChecks.lines(descriptor, pluginID: "com.example.tools").map(\.description)
        XCTAssertEqual(
            lines,
            [
                "WARN com.other.fade: the effect id does not extend the plugin id com.example.tools; ids usually do (com.example.tools.NAME)",
                "WARN com.other.fade: parameter 'fade-delay' has no unit, but 'fade' suggests one (deg, s, frames…); say it in the descriptor",
                "WARN com.other.fade: parameter 'amount' has no maximum: its extremes cannot be tried",
                "WARN com.other.fade: parameter 'Mirror' is not written in lower case with '-' between words, as chains and presets expect",
                "FAIL com.other.fade: parameter 'Mirror' has no documentation; expected a sentence for the parameter table",
            ])
    }

    func testIdsAndVersionsAreCheckedForSyntax() {
        XCTAssertTrue(DescriptorChecks.isReverseDNS("com.example.gaze-fix"))
        XCTAssertFalse(DescriptorChecks.isReverseDNS("Com.Example"))
        XCTAssertFalse(DescriptorChecks.isReverseDNS("gaze"))
        XCTAssertFalse(DescriptorChecks.isReverseDNS("com..gaze"))
        XCTAssertTrue(DescriptorChecks.isSemanticVersion("1.2.3"))
        XCTAssertTrue(DescriptorChecks.isSemanticVersion("1.0.0-beta.1"))
        XCTAssertFalse(DescriptorChecks.isSemanticVersion("1.2"))
        XCTAssertFalse(DescriptorChecks.isSemanticVersion("01.2.3"))
    }
}

/// Effect names heard in order.
private final class NameLog: @unchecked Sendable {
    // Safe to share: used from the one test thread.
    private(set) var names: [String] = []
    func add(_ name: String) { names.append(name) }
}

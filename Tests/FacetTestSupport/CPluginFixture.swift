// The C fixture plugin (Tests/Fixtures/BrokenPlugin/broken_plugin.c), compiled in a test's
// set-up into a temporary directory, once per variant.

import Foundation
import XCTest

/// Builds the fixture plugin: as it is (a good plugin) or broken in one way by a `-D` flag.
public enum CPluginFixture {
    /// The ways the fixture can be built; the raw value is its `-D` flag (empty: the good one).
    public enum Variant: String, CaseIterable, Sendable {
        case good = ""
        case wrongABIMajor = "BROKEN_ABI_MAJOR"
        case missingEntry = "BROKEN_NO_ENTRY"
        case defaultOutOfRange = "BROKEN_DEFAULT"
        case nonFinite = "BROKEN_NAN"
        case framesChanged = "BROKEN_FRAMES"
        case invalidJSON = "BROKEN_JSON"
        case failureWithOutput = "BROKEN_FAIL_OUTPUT"
        case crash = "BROKEN_CRASH"
        case crashOnLoad = "BROKEN_LOAD_CRASH"
        case exit = "BROKEN_EXIT"
        case hang = "BROKEN_HANG"
    }

    /// The package root (this file is Tests/FacetTestSupport/CPluginFixture.swift).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The fixture's C source.
    public static var source: URL { packageRoot.appendingPathComponent("Tests/Fixtures/BrokenPlugin/broken_plugin.c") }

    /// The C compiler: `$CC`, else the first of cc, gcc, clang on the PATH; nil when there is none.
    public static var compiler: URL? {
        let environment = ProcessInfo.processInfo.environment
        let names = [environment["CC"], "cc", "gcc", "clang"].compactMap { $0 }.filter { !$0.isEmpty }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in names {
            if name.hasPrefix("/") { if FileManager.default.isExecutableFile(atPath: name) { return URL(fileURLWithPath: name) } }
            for directory in path {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// Compiles `variants` into `directory` (`libbroken-NAME.so`, the good one `libbroken-good.so`)
    /// with `cc -shared -fPIC -I Sources/CFacetPlugin/include`. Skips the test when there is no
    /// C compiler, except under `CI=true`, where that fails it.
    public static func build(_ variants: [Variant], into directory: URL) throws -> [Variant: URL] {
        guard let compiler else {
            let message = "no C compiler (cc, gcc or clang on the PATH, or $CC) to build the fixture plugin \(source.path)"
            if SharedData.isCI { throw FixtureError("CI=true requires one: " + message) }
            throw XCTSkip(message)
        }
        var built: [Variant: URL] = [:]
        for variant in variants {
            let output = directory.appendingPathComponent("libbroken-\(variant.name).so")
            let process = Process()
            process.executableURL = compiler
            process.arguments =
                ["-shared", "-fPIC", "-I", packageRoot.appendingPathComponent("Sources/CFacetPlugin/include").path]
                + (variant == .good ? [] : ["-D" + variant.rawValue]) + ["-o", output.path, source.path]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw FixtureError("\(compiler.path) could not build the \(variant.name) fixture plugin: \(message)")
            }
            built[variant] = output
        }
        return built
    }
}

extension CPluginFixture.Variant {
    /// `good`, `wrong-abi-major`, …: the variant's name in file names and messages.
    public var name: String {
        switch self {
        case .good: return "good"
        case .wrongABIMajor: return "wrong-abi-major"
        case .missingEntry: return "missing-entry"
        case .defaultOutOfRange: return "default-out-of-range"
        case .nonFinite: return "non-finite"
        case .framesChanged: return "frames-changed"
        case .invalidJSON: return "invalid-json"
        case .failureWithOutput: return "failure-with-output"
        case .crash: return "crash"
        case .crashOnLoad: return "crash-on-load"
        case .exit: return "exit"
        case .hang: return "hang"
        }
    }
}

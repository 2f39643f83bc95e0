// The text of a fresh plugin package (`facet plugins new NAME`): a Swift package with one effect,
// its parameter table, a test and the one registration line, ready to build and load.

import Foundation

/// A new plugin package: the files `facet plugins new` writes, from the effect's name and where
/// the package finds Facet.
public struct PluginTemplate: Sendable, Equatable {
    /// Where the new package gets the `FacetSDK` and `FacetPluginKit` products from.
    public enum FacetDependency: Sendable, Equatable {
        /// A Facet checkout on this machine (an absolute path).
        case path(String)
        /// Facet's repository by URL and the lowest version to accept.
        case url(String, from: String)
    }

    /// The URL a package without a local checkout depends on.
    public static let facetURL = "https://example.org/facet.git"

    /// The effect's short name as chains use it, e.g. `soft-tilt`.
    public let name: String
    /// Where the package gets Facet.
    public let dependency: FacetDependency

    /// Checks `name` and creates the template.
    ///
    /// A name is lower-case words of letters and digits joined by single `-`, starting with a
    /// letter (`tilt`, `soft-tilt`, `blink2`), at most 48 characters: it becomes the chain name,
    /// the package and the Swift type (`SoftTilt`), so it must be all three at once.
    public init(name: String, dependency: FacetDependency) throws(HostError) {
        try Self.check(name: name)
        self.name = name
        self.dependency = dependency
    }

    /// The Swift type and module of the effect: `soft-tilt` → `SoftTilt`.
    public var typeName: String {
        name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The library product and its target: `SoftTiltPlugin` (built as `libSoftTiltPlugin.so`).
    public var pluginTargetName: String { typeName + "Plugin" }

    /// The effect's and the library's id.
    public var effectID: String { "com.example.\(name)" }

    /// The files of the package, paths relative to its directory, in the order they are written.
    public var files: [(path: String, contents: String)] {
        [
            ("Package.swift", packageManifest),
            ("Sources/\(typeName)/\(typeName).swift", effectSource),
            ("Sources/\(pluginTargetName)/Export.swift", exportSource),
            ("Tests/\(typeName)Tests/\(typeName)Tests.swift", testSource),
            ("README.md", readme),
            (".gitignore", ".build/\n.swiftpm/\nPackage.resolved\n"),
        ]
    }

    /// Writes the package into `directory`, creating it; refuses a directory that exists and is
    /// not empty, so nothing of the user's is ever overwritten.
    public func write(into directory: URL) throws(HostError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw HostError(
                    .invalidArguments, "\(directory.path) is a file; expected a new or empty directory for the plugin package")
            }
            let entries = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            guard entries.isEmpty else {
                throw HostError(
                    .invalidArguments,
                    "\(directory.path) already exists and is not empty (\(entries.count) entr\(entries.count == 1 ? "y" : "ies")); expected a new or empty directory, so that nothing in it is overwritten"
                )
            }
        }
        try HostError.catching(.invalidArguments, "could not write the plugin package into \(directory.path)") {
            for file in files {
                let url = directory.appendingPathComponent(file.path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .withoutOverwriting)
            }
        }
    }

    // MARK: - Names

    /// Names that would make a module clash with one the package imports.
    private static let reservedTypeNames: Set<String> = [
        "Swift", "Foundation", "Glibc", "Dispatch", "XCTest", "Testing", "FacetSDK", "FacetPluginKit", "CFacetPlugin", "FacetErrors",
        "PackageDescription",
    ]

    private static func check(name: String) throws(HostError) {
        let words = name.split(separator: "-", omittingEmptySubsequences: false)
        let wellFormed =
            !name.isEmpty && name.count <= 48
            && words.allSatisfy { word in
                !word.isEmpty && word.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            }
            && (name.first.map { ("a"..."z").contains($0) } ?? false)
        guard wellFormed else {
            throw HostError(
                .invalidArguments,
                "plugin name \(DisplayText.quoted(name)) is not usable; expected lower-case letters and digits in words joined by single '-', starting with a letter, at most 48 characters (e.g. soft-tilt)"
            )
        }
        let type = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard !reservedTypeNames.contains(type) else {
            throw HostError(
                .invalidArguments,
                "plugin name \(DisplayText.quoted(name)) would make a module named \(type), which the package already imports; choose another name"
            )
        }
    }

    // MARK: - The files

    private var dependencyLine: String {
        switch dependency {
        case .path(let path):
            return """
                        // A Facet checkout on this machine. To build elsewhere, depend on Facet by URL and version
                        // instead, and write package: "facet" below:
                        //     .package(url: "\(Self.facetURL)", from: "<version>")
                        .package(name: "Facet", path: \(swiftLiteral(path)))
                """
        case .url(let url, let version):
            return """
                        .package(url: \(swiftLiteral(url)), from: \(swiftLiteral(version)))
                """
        }
    }

    /// The name the manifest's products refer to the Facet package by.
    private var facetPackage: String {
        switch dependency {
        case .path: return "Facet"
        case .url(let url, _):
            let last = url.split(separator: "/").last.map(String.init) ?? "facet"
            return last.hasSuffix(".git") ? String(last.dropLast(4)) : last
        }
    }

    private var packageManifest: String {
        """
        // swift-tools-version:6.0
        //
        // The \(name) effect as a Facet plugin library: the effect depends on FacetSDK only (so its tests
        // need no host), the library target adds FacetPluginKit, and the dynamic library product is what
        // `facet` loads from a directory on FACET_PLUGIN_PATH.
        import PackageDescription

        let package = Package(
            name: "\(name)",
            products: [
                .library(name: "\(pluginTargetName)", type: .dynamic, targets: ["\(pluginTargetName)"])
            ],
            dependencies: [
        \(dependencyLine)
            ],
            targets: [
                .target(name: "\(typeName)", dependencies: [.product(name: "FacetSDK", package: "\(facetPackage)")]),
                .target(
                    name: "\(pluginTargetName)",
                    dependencies: [
                        "\(typeName)", .product(name: "FacetSDK", package: "\(facetPackage)"),
                        .product(name: "FacetPluginKit", package: "\(facetPackage)"),
                    ]),
                .testTarget(name: "\(typeName)Tests", dependencies: ["\(typeName)", .product(name: "FacetSDK", package: "\(facetPackage)")]),
            ]
        )

        """
    }

    private var effectSource: String {
        """
        import FacetSDK

        /// Tilts the head in the picture by `angle` degrees: a starting point to change into your effect.
        /// (Docs/Plugins.md in Facet's repository explains every part; Examples/ has complete plugins.)
        public struct \(typeName): PerFrameFaceEffect {
            // MARK: - Parameter table

            /// The tilt, degrees; constant or keyframed (`angle=0@0,10@2~ease-in-out`).
            public static let angle = NumberParameter(
                "angle", default: 10, range: -30...30, unit: "deg", "How far the head tilts; positive is counter-clockwise.")

            /// Identity, version and parameters: what `facet effects \(name)` shows.
            public static let descriptor = EffectDescriptor(
                id: "\(effectID)",
                version: EffectVersion(0, 1, 0),
                summary: "Tilt the head in the picture.",
                parameters: [angle],
                temporalAccess: .perFrame)

            // MARK: - Set-up

            private let parameters: EffectParameters

            /// Creates the effect from validated parameters (defaults filled in).
            public init(parameters: EffectParameters) throws {
                self.parameters = parameters
            }

            // MARK: - Per-frame work

            /// Adds the angle at the frame's time to the head's roll.
            public func edit(_ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack, context: EffectContext) throws {
                coefficients.pose.roll += Float(parameters[Self.angle, at: time] * .pi / 180)
            }
        }

        """
    }

    private var exportSource: String {
        """
        // The one registration line: the library's identity and its effects.
        import FacetPluginKit
        import FacetSDK
        import \(typeName)

        /// The entry point `facet` looks up in lib\(pluginTargetName).so.
        @_cdecl("facet_plugin_entry")
        public func facetPluginEntry(_ hostAPIVersion: UInt32) -> UnsafeRawPointer? {
            FacetPluginExport.entry(
                hostAPIVersion: hostAPIVersion, plugin: PluginIdentity(id: "\(effectID)", version: EffectVersion(0, 1, 0)),
                effects: [\(typeName).self])
        }

        """
    }

    private var testSource: String {
        """
        import FacetSDK
        import XCTest
        import \(typeName)

        /// The effect on motion built in memory: no video, no host.
        final class \(typeName)Tests: XCTestCase {
            private func run(_ given: [String: ParameterValue]) throws -> SceneMotion {
                let frames = (0..<10).map { FaceFrame(frameIndex: $0, time: Double($0) / 10, coefficients: FaceCoefficients()) }
                var motion = SceneMotion(
                    frameTimes: frames.map(\\.time), frameRate: 10, frameWidth: 64, frameHeight: 64,
                    tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
                let effect = try \(typeName)(parameters: EffectParameters(for: \(typeName).self, given: given))
                try effect.process(&motion, context: EffectContext())
                return motion
            }

            func testTheHeadTiltsByTheAngle() throws {
                let roll = try run(["angle": .number(12)]).tracks[0].frames[5].coefficients.pose.roll
                XCTAssertEqual(roll * 180 / .pi, 12, accuracy: 1e-4)
            }

            func testAngleZeroChangesNothing() throws {
                XCTAssertTrue(try run(["angle": .number(0)]).tracks[0].frames.allSatisfy { $0.coefficients == FaceCoefficients() })
            }
        }

        """
    }

    private var readme: String {
        let source: String
        switch dependency {
        case .path(let path): source = "the Facet checkout at `\(path)` (see Package.swift to depend on it by URL instead)"
        case .url(let url, let version): source = "Facet \(version) or later from \(url)"
        }
        return """
            # \(name)

            A Facet effect plugin, made by `facet plugins new \(name)`. It builds against \(source).

            ```sh
            swift build                                   # or -c release for a faster plugin
            swift test                                    # the effect's own tests, no video needed
            export FACET_PLUGIN_PATH=$PWD/.build/debug    # where lib\(pluginTargetName).so is
            facet effects \(name)                         # lists it with its parameter table
            facet apply portrait.png --duration 2 --chain '\(name):angle=0@0,15@2~ease-in-out' -o out.mp4
            ```

            - `Sources/\(typeName)/\(typeName).swift`: the effect — parameter table, set-up, per-frame work.
            - `Sources/\(pluginTargetName)/Export.swift`: the one registration line (the library's id and its effects).
            - `Tests/\(typeName)Tests/`: tests on motion built in memory.

            Change `\(effectID)` to an id of your own (reverse DNS) before sharing the plugin. Facet's
            Docs/Plugins.md describes the contract; its Examples/ folder has complete plugins (Swift and C).

            """
    }
}

/// `text` as a Swift string literal.
private func swiftLiteral(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

// MARK: - Finding Facet

extension PluginTemplate {
    /// The Facet checkout this host was built from, when it is still there (a source build); nil
    /// for an installed facet or a moved checkout.
    public static func sourceCheckout() -> URL? {
        // This file is <root>/Sources/FacetHost/Plugins/PluginTemplate.swift.
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return isCheckout(root) ? root : nil
    }

    /// `path` as a Facet checkout a package can depend on, made absolute; refuses a directory
    /// without Facet's manifest and SDK.
    public static func checkout(at path: String) throws(HostError) -> URL {
        let url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        guard isCheckout(url) else {
            throw HostError(
                .invalidArguments,
                "--facet \(DisplayText.quoted(path)) is not a Facet checkout; expected a directory with Package.swift and Sources/FacetSDK")
        }
        return url
    }

    private static func isCheckout(_ url: URL) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
            && manager.fileExists(atPath: url.appendingPathComponent("Sources/FacetSDK").path)
    }
}

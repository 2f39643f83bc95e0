// swift-tools-version:6.0
//
// Facet — a plugin-based face-editing video host (PIRenderer-style 3DMM motion editing).
// Dependencies point one way, top to bottom of this file: the SDK knows nothing of the C
// libraries; media wraps FFmpeg; the host composes media, effects and presets; the CLI presents.
import PackageDescription

// MARK: - Shared settings

/// Every Swift target builds in the Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Facet",
    products: [
        /// The effect SDK: what a third-party plugin package depends on. Foundation only.
        .library(name: "FacetSDK", targets: ["FacetSDK"]),
        /// The plugin-side adapter of the run-time plugin ABI: one line exports a plugin's effects.
        .library(name: "FacetPluginKit", targets: ["FacetPluginKit"]),
        .executable(name: "facet", targets: ["facet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: - C libraries (thin shims)

        .systemLibrary(
            name: "CFFmpeg",
            path: "Sources/CFFmpeg",
            pkgConfig: "libavformat libavcodec libavfilter libswscale libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavfilter-dev",
                              "libswscale-dev", "libswresample-dev", "libavutil-dev"])]
        ),

        /// The run-time plugin ABI: one C header (facet_plugin.h), no code, no dependencies.
        .target(name: "CFacetPlugin", path: "Sources/CFacetPlugin"),

        // MARK: - Core

        /// Effect SDK: `FaceEffect`, motion and coefficient types, parameter schema, keyframes.
        .target(name: "FacetSDK", path: "Sources/FacetSDK", swiftSettings: swiftSettings),
        /// Exports FaceEffect types from a separately built plugin library through the C ABI.
        .target(name: "FacetPluginKit", dependencies: ["FacetSDK", "CFacetPlugin"], path: "Sources/FacetPluginKit",
                swiftSettings: swiftSettings),
        /// Media I/O over FFmpeg: decode, encode, mux, audio resampling, RGB frames.
        .target(name: "FacetMedia", dependencies: ["CFFmpeg"], path: "Sources/FacetMedia",
                swiftSettings: swiftSettings),
        /// The host: effect registry, presets and chains, the processing pipeline.
        .target(name: "FacetHost",
                dependencies: ["FacetSDK", "FacetMedia", "CFacetPlugin", "DirectEdit",
                               .product(name: "Yams", package: "Yams")],
                path: "Sources/FacetHost", swiftSettings: swiftSettings),

        // MARK: - Effects (plugins shipped in-tree; ordinary targets, never SwiftPM plugins)

        /// Semantic head-pose and expression edits with keyframes.
        .target(name: "DirectEdit", dependencies: ["FacetSDK"], path: "Plugins/DirectEdit",
                swiftSettings: swiftSettings),

        // MARK: - Tools

        .executableTarget(
            name: "facet",
            dependencies: ["FacetHost", "FacetMedia", "FacetSDK",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/facet", swiftSettings: swiftSettings),

        // MARK: - Tests

        /// Helpers shared by the test targets (making test media with the ffmpeg tool).
        .target(name: "FacetTestSupport", path: "Tests/FacetTestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "FacetSDKTests", dependencies: ["FacetSDK"], path: "Tests/FacetSDKTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetMediaTests", dependencies: ["FacetMedia", "FacetTestSupport"], path: "Tests/FacetMediaTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetHostTests", dependencies: ["FacetHost", "FacetSDK", "FacetMedia", "DirectEdit", "FacetTestSupport"],
                    path: "Tests/FacetHostTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetCLITests", dependencies: ["facet", "FacetTestSupport"], path: "Tests/FacetCLITests",
                    swiftSettings: swiftSettings),
    ]
)

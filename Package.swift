// swift-tools-version:6.0
//
// Facet — a plugin-based face-editing video host (PIRenderer-style 3DMM motion editing).
// Dependencies point one way, top to bottom of this file: the SDK knows nothing of the C
// libraries; media wraps FFmpeg; analysis wraps dlib and fits face models; the neural engine
// wraps OpenBLAS and runs PIRender; the host composes media, analysis, effects and presets; the
// CLI presents.
import PackageDescription

// MARK: - Shared settings

/// Every Swift target builds in the Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The numeric modules (media pixel loops, fitting, tracking, rendering) are optimised in debug
/// builds too: the tests run thousands of frames of analysis and rendering on real faces, which take
/// ten times longer unoptimised. (Not for the SDK: a plugin package depends on it, and SwiftPM
/// refuses unsafe flags in a dependency.)
let numericSwiftSettings: [SwiftSetting] = swiftSettings + [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

/// The dlib shim is optimised in every configuration: dlib's detector and shape predictor are
/// header templates compiled into the shim, ~100x slower at -O0. `DEBUG` is undefined because
/// dlib turns its asserts on when it is set, which Debian's library was not built with.
/// (Unsafe flags are allowed here because `CDlib` is never part of the `FacetSDK` product.)
let optimisedCxxSettings: [CXXSetting] = [
    .unsafeFlags(["-O2", "-UDEBUG", "-DNDEBUG"]),
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

        /// pocketsphinx 0.8 and sphinxbase (CMU), for phone recognition and alignment of speech.
        .systemLibrary(name: "CPocketSphinx", path: "Sources/CPocketSphinx", pkgConfig: "pocketsphinx",
                       providers: [.apt(["libpocketsphinx-dev", "libsphinxbase-dev"])]),

        /// OpenBLAS's C interface (cblas), for the neural engine's matrix products.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),

        /// A plain-C shim over dlib (C++): HOG face detection and the 68-point shape predictor.
        .target(name: "CDlib", path: "Sources/CDlib", cxxSettings: optimisedCxxSettings,
                linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("lapack"), .linkedLibrary("blas")]),

        /// The run-time plugin ABI: one C header (facet_plugin.h), no code, no dependencies.
        .target(name: "CFacetPlugin", path: "Sources/CFacetPlugin"),

        // MARK: - Core

        /// Deterministic random inputs and memory/time figures for benchmark commands (and tests).
        .target(name: "FacetBenchmarkSupport", path: "Sources/FacetBenchmarkSupport", swiftSettings: swiftSettings),
        /// The one error shape every module declares its error with: code, message, place, cause, origin.
        .target(name: "FacetErrors", path: "Sources/FacetErrors", swiftSettings: swiftSettings),
        /// Effect SDK: `FaceEffect`, motion and coefficient types, parameter schema, keyframes.
        .target(name: "FacetSDK", dependencies: ["FacetErrors"], path: "Sources/FacetSDK", swiftSettings: swiftSettings),
        /// Exports FaceEffect types from a separately built plugin library through the C ABI.
        .target(name: "FacetPluginKit", dependencies: ["FacetSDK", "CFacetPlugin"], path: "Sources/FacetPluginKit",
                swiftSettings: swiftSettings),
        /// Media I/O over FFmpeg: decode, encode, mux, audio resampling, RGB frames.
        .target(name: "FacetMedia", dependencies: ["FacetErrors", "CFFmpeg"], path: "Sources/FacetMedia",
                swiftSettings: numericSwiftSettings),
        /// Speech analysis over pocketsphinx: timed phones (transcript aligned, or recognised) and a
        /// loudness envelope from 16 kHz mono samples. Knows nothing of media files or faces.
        .target(name: "FacetSpeech", dependencies: ["FacetErrors", "CPocketSphinx"], path: "Sources/FacetSpeech",
                swiftSettings: numericSwiftSettings),
        /// DEFLATE and zlib decompression (zip entries of checkpoints, compressed MAT-file elements), and
        /// SHA-256 content digests (cache keys).
        .target(name: "FacetCompression", path: "Sources/FacetCompression", swiftSettings: numericSwiftSettings),
        /// 3D morphable models (eos format, Surrey Face Model, BFM converter) and fitting them to
        /// landmarks. Pure Swift: no C library.
        .target(name: "FacetMorphableModel", dependencies: ["FacetErrors", "FacetBenchmarkSupport", "FacetSDK", "FacetCompression"], path: "Sources/FacetMorphableModel",
                swiftSettings: numericSwiftSettings),
        /// Face analysis of video: detection and landmarks (dlib), tracking, smoothing, fitting
        /// every track into motion, motion files.
        .target(name: "FacetAnalysis", dependencies: ["FacetErrors", "FacetSDK", "FacetMedia", "FacetMorphableModel", "CDlib"],
                path: "Sources/FacetAnalysis", swiftSettings: numericSwiftSettings),
        /// A CPU neural-network engine over OpenBLAS: NCHW tensors, ops, memory plans, weight
        /// loading (safetensors, PyTorch checkpoints). Knows nothing of faces.
        .target(name: "FacetNeural", dependencies: ["FacetErrors", "COpenBLAS", "FacetCompression"], path: "Sources/FacetNeural",
                swiftSettings: numericSwiftSettings),
        /// The PIRender generator (mapping, warping, editing networks) on the neural engine.
        .target(name: "FacetPIRender", dependencies: ["FacetNeural", "FacetBenchmarkSupport"], path: "Sources/FacetPIRender",
                swiftSettings: numericSwiftSettings),
        /// The render stage: edited motion back into pixels. The geometric renderer (mesh-guided
        /// warp, no weights) and the neural renderer (PIRender crop, generate, composite).
        .target(name: "FacetRender",
                dependencies: ["FacetErrors", "FacetSDK", "FacetMedia", "FacetMorphableModel", "FacetNeural", "FacetPIRender"],
                path: "Sources/FacetRender", swiftSettings: numericSwiftSettings),
        /// The host: effect registry, presets and chains, the processing pipeline.
        .target(name: "FacetHost",
                dependencies: ["FacetErrors", "FacetBenchmarkSupport", "FacetCompression", "FacetSDK", "FacetMedia", "FacetAnalysis",
                               "FacetMorphableModel", "FacetSpeech",
                               "FacetNeural", "FacetPIRender", "FacetRender", "CFacetPlugin", "DirectEdit",
                               "Reenactment", "AudioSync", .product(name: "Yams", package: "Yams")],
                path: "Sources/FacetHost", swiftSettings: swiftSettings),

        // MARK: - Effects (plugins shipped in-tree; ordinary targets, never SwiftPM plugins)

        /// Semantic head-pose and expression edits with keyframes.
        .target(name: "DirectEdit", dependencies: ["FacetSDK"], path: "Plugins/DirectEdit",
                swiftSettings: swiftSettings),
        /// A driving face's pose and expression drive chosen faces (relative or absolute).
        .target(name: "Reenactment", dependencies: ["FacetSDK"], path: "Plugins/Reenactment",
                swiftSettings: swiftSettings),
        /// Lip sync from the audio's timed phones (or loudness), with a living head and blinks.
        .target(name: "AudioSync", dependencies: ["FacetSDK"], path: "Plugins/AudioSync",
                swiftSettings: swiftSettings),

        // MARK: - Tools

        .executableTarget(
            name: "facet",
            dependencies: ["FacetHost", "FacetMedia", "FacetSDK", "FacetBenchmarkSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/facet", swiftSettings: swiftSettings),

        // MARK: - Tests

        /// Helpers shared by the test targets: test media made with the ffmpeg tool, the shared
        /// data folder (skip when absent, fail under CI), a seeded random source, media in memory,
        /// text snapshots.
        .target(name: "FacetTestSupport", dependencies: ["FacetBenchmarkSupport", "FacetHost", "FacetMedia", "FacetSDK"],
                path: "Tests/FacetTestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "FacetErrorsTests", dependencies: ["FacetErrors"], path: "Tests/FacetErrorsTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetSDKTests", dependencies: ["FacetSDK"], path: "Tests/FacetSDKTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetMediaTests", dependencies: ["FacetMedia", "FacetTestSupport"], path: "Tests/FacetMediaTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetHostTests", dependencies: ["FacetHost", "FacetSDK", "FacetMedia", "FacetRender", "FacetAnalysis", "FacetMorphableModel",
                                   "FacetSpeech", "DirectEdit", "FacetPluginKit", "FacetTestSupport"],
                    path: "Tests/FacetHostTests", exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ReenactmentTests", dependencies: ["Reenactment", "FacetSDK"], path: "Tests/ReenactmentTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "AudioSyncTests", dependencies: ["AudioSync", "FacetSDK"], path: "Tests/AudioSyncTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetCompressionTests", dependencies: ["FacetCompression"], path: "Tests/FacetCompressionTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "FacetMorphableModelTests", dependencies: ["FacetMorphableModel", "FacetSDK", "FacetTestSupport"],
                    path: "Tests/FacetMorphableModelTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetAnalysisTests",
                    dependencies: ["FacetAnalysis", "FacetMorphableModel", "FacetMedia", "FacetRender", "FacetSDK", "FacetTestSupport"],
                    path: "Tests/FacetAnalysisTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetNeuralTests", dependencies: ["FacetNeural", "FacetTestSupport"],
                    path: "Tests/FacetNeuralTests", exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "FacetPIRenderTests", dependencies: ["FacetPIRender", "FacetNeural", "FacetTestSupport"],
                    path: "Tests/FacetPIRenderTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetRenderTests",
                    dependencies: ["FacetRender", "FacetMedia", "FacetMorphableModel", "FacetSDK", "FacetPIRender", "FacetNeural",
                                   "FacetTestSupport"],
                    path: "Tests/FacetRenderTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetSpeechTests", dependencies: ["FacetSpeech", "FacetMedia", "FacetTestSupport", "AudioSync", "FacetSDK"],
                    path: "Tests/FacetSpeechTests", swiftSettings: swiftSettings),
        .testTarget(name: "FacetCLITests", dependencies: ["facet", "FacetTestSupport", "FacetNeural"], path: "Tests/FacetCLITests",
                    exclude: ["Snapshots"], swiftSettings: swiftSettings),
    ]
)

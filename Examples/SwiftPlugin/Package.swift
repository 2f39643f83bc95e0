// swift-tools-version:6.0
//
// Two effects as one run-time plugin library, built outside Facet the way a third-party plugin
// is: the effects depend on the `FacetSDK` product only, the library target adds
// `FacetPluginKit`, and the dynamic library product is what `facet` loads.
//
// This example depends on the Facet checkout it lives in, by path. A plugin of your own depends
// on Facet by URL and version instead (see README.md):
//     .package(url: "https://example.org/facet.git", from: "0.10.0")
import PackageDescription

let package = Package(
    name: "FacetExamples",
    products: [
        /// The plugin library: copy libFacetExamples.so into a directory on FACET_PLUGIN_PATH.
        .library(name: "FacetExamples", type: .dynamic, targets: ["FacetExamplesPlugin"])
    ],
    dependencies: [
        .package(name: "Facet", path: "../..")
    ],
    targets: [
        // MARK: - Effects (FacetSDK only: testable without a host)
        .target(name: "FacetExamples", dependencies: [.product(name: "FacetSDK", package: "Facet")]),

        // MARK: - The plugin library (the one registration line)
        .target(
            name: "FacetExamplesPlugin",
            dependencies: [
                "FacetExamples", .product(name: "FacetSDK", package: "Facet"), .product(name: "FacetPluginKit", package: "Facet"),
            ]),

        // MARK: - Tests
        .testTarget(name: "FacetExamplesTests", dependencies: ["FacetExamples", .product(name: "FacetSDK", package: "Facet")]),
    ]
)

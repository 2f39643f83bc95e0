import FacetHost
import XCTest

/// The package `facet plugins new` writes, as text: names, and the two ways to depend on Facet.
final class PluginTemplateTests: XCTestCase {
    func testNamesBecomeTypesTargetsAndIDs() throws {
        let template = try PluginTemplate(name: "soft-tilt2", dependency: .path("/src/facet"))
        XCTAssertEqual(template.typeName, "SoftTilt2")
        XCTAssertEqual(template.pluginTargetName, "SoftTilt2Plugin")
        XCTAssertEqual(template.effectID, "com.example.soft-tilt2")
        let export = try XCTUnwrap(template.files.first { $0.path == "Sources/SoftTilt2Plugin/Export.swift" })
        XCTAssertTrue(export.contents.contains("effects: [SoftTilt2.self]"), export.contents)
    }

    func testByURLTheProductsNameThePackageByItsURL() throws {
        let template = try PluginTemplate(name: "tilt", dependency: .url("https://example.org/facet.git", from: "0.10.0"))
        let manifest = try XCTUnwrap(template.files.first { $0.path == "Package.swift" }).contents
        XCTAssertTrue(manifest.contains(".package(url: \"https://example.org/facet.git\", from: \"0.10.0\")"), manifest)
        XCTAssertTrue(manifest.contains(".product(name: \"FacetPluginKit\", package: \"facet\")"), manifest)
        XCTAssertFalse(manifest.contains("path:"), manifest)
    }

    func testAPathIsWrittenAsASwiftLiteral() throws {
        let template = try PluginTemplate(name: "tilt", dependency: .path("/home/a \"b\"/facet"))
        let manifest = try XCTUnwrap(template.files.first { $0.path == "Package.swift" }).contents
        XCTAssertTrue(manifest.contains(#".package(name: "Facet", path: "/home/a \"b\"/facet")"#), manifest)
    }
}

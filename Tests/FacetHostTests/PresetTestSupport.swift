import DirectEdit
import FacetHost
import FacetSDK
import Foundation
import XCTest

/// A motionless effect with one parameter of every type, for schema tests.
struct ProbeEffect: FaceEffect {
    static let descriptor = EffectDescriptor(
        id: "org.facet.test.probe",
        version: EffectVersion(1, 2, 3),
        summary: "Does nothing; declares one parameter of every type.",
        parameters: [
            .number("strength", default: 0.5, min: 0, max: 1, "A factor."),
            .integer("count", default: 1, min: 0, max: 10, "A whole number."),
            .boolean("mirror", default: false, "On or off."),
            .choice("style", ["soft", "hard"], default: "soft", "A word."),
            .text("label", default: "", "Free text."),
        ]
    )

    init(parameters: EffectParameters) throws {}
    func process(_ motion: inout SceneMotion, context: EffectContext) throws {}
}

/// An effect whose short name clashes with DirectEdit's, to test ambiguity.
struct OtherDirectEdit: FaceEffect {
    static let descriptor = EffectDescriptor(
        id: "com.example.direct-edit", version: EffectVersion(2),
        summary: "Clashes by short name.", parameters: [])
    init(parameters: EffectParameters) throws {}
    func process(_ motion: inout SceneMotion, context: EffectContext) throws {}
}

/// The built-in effects plus `ProbeEffect`.
func testRegistry() -> EffectRegistry {
    var registry = EffectRegistry.builtIn
    try! registry.register(ProbeEffect.self)
    return registry
}

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Parses preset text as `test.yaml`.
func loadPreset(_ yaml: String, registry: EffectRegistry = testRegistry()) throws(HostError) -> Preset {
    try PresetLoader.parse(yaml: yaml, name: "test", file: "test.yaml", registry: registry)
}

/// Asserts that `body` throws a `HostError` with `code` at `line`:`column` of `file` whose
/// message contains every string of `mentions`; returns the error. A nil `line` asserts that
/// the error has no location.
@discardableResult
func assertHostError<T>(
    _ body: () throws(HostError) -> T, code: HostError.Code, file: String = "test.yaml",
    line: Int?, column: Int?, mentions: [String],
    sourceFile: StaticString = #filePath, sourceLine: UInt = #line
) -> HostError? {
    do {
        let value = try body()
        XCTFail("expected \(code) but got \(value)", file: sourceFile, line: sourceLine)
        return nil
    } catch {
        XCTAssertEqual(error.code, code, "\(error)", file: sourceFile, line: sourceLine)
        if line == nil {
            XCTAssertNil(error.location, "\(error)", file: sourceFile, line: sourceLine)
        } else {
            XCTAssertEqual(error.location?.file, file, "\(error)", file: sourceFile, line: sourceLine)
        }
        XCTAssertEqual(error.location?.line, line, "\(error)", file: sourceFile, line: sourceLine)
        XCTAssertEqual(error.location?.column, column, "\(error)", file: sourceFile, line: sourceLine)
        // What the user reads: the message and its chain of causes.
        for text in mentions {
            XCTAssertTrue(
                error.description.contains(text), "'\(error)' does not mention '\(text)'",
                file: sourceFile, line: sourceLine)
        }
        return error
    }
}

/// A keyframe track that must be valid.
func track(_ keyframes: [(Double, Double, Easing)]) -> KeyframeTrack {
    try! KeyframeTrack(keyframes.map { Keyframe(time: $0.0, value: $0.1, easing: $0.2) })
}

import XCTest

@testable import FacetSDK

/// The JSON forms that cross the plugin boundary must round-trip exactly and reject bad input.
final class DescriptorCodingTests: XCTestCase {
    func testDescriptorRoundTripsThroughJSON() throws {
        let descriptor = EffectDescriptor(
            id: "com.example.test", version: EffectVersion(2, 1, 3), summary: "A test.",
            parameters: [
                .number("yaw", default: 5, min: -45, max: 45, unit: "deg", "Turn."),
                .integer("count", default: 2, min: 1, max: 9, "How many."),
                .boolean("freeze", default: true, "Freeze."),
                .choice("mode", ["relative", "absolute"], default: "absolute", "Mode."),
                .text("faces", default: "largest", "Which faces."),
            ],
            temporalAccess: .window(behind: 3, ahead: 7), inputs: [.audio])
        let decoded = try JSONDecoder().decode(EffectDescriptor.self, from: JSONEncoder().encode(descriptor))
        XCTAssertEqual(decoded, descriptor)
    }

    func testANumberWithoutKeyframesSaysSoInJSONAndOlderDescriptorsReadAsBefore() throws {
        let constant = ParameterSpec.number("lag", default: 0, min: -1, max: 1, unit: "s", "Shift.").withoutKeyframes()
        XCTAssertFalse(constant.isKeyframable)
        let json = try XCTUnwrap(String(data: try JSONEncoder().encode(constant), encoding: .utf8))
        XCTAssertTrue(json.contains("\"keyframable\":false"), json)
        XCTAssertEqual(try JSONDecoder().decode(ParameterSpec.self, from: Data(json.utf8)), constant)
        // Keyframable numbers carry no key, as before; a descriptor without it takes keyframes.
        let animated = ParameterSpec.number("yaw", default: 0, "Turn.")
        let plain = try XCTUnwrap(String(data: try JSONEncoder().encode(animated), encoding: .utf8))
        XCTAssertFalse(plain.contains("keyframable"), plain)
        XCTAssertTrue(try JSONDecoder().decode(ParameterSpec.self, from: Data(plain.utf8)).isKeyframable)
        XCTAssertFalse(ParameterSpec.boolean("freeze", default: false, "Freeze.").isKeyframable)
    }

    func testParameterValuesRoundTripIncludingKeyframes() throws {
        let track = try KeyframeTrack([Keyframe(time: 0, value: 1, easing: .easeInOut), Keyframe(time: 2, value: 3)])
        let values: [String: ParameterValue] = ["a": .number(1.5), "b": .boolean(false), "c": .text("x"), "d": .keyframes(track)]
        let decoded = try JSONDecoder().decode([String: ParameterValue].self, from: JSONEncoder().encode(values))
        XCTAssertEqual(decoded, values)
    }

    func testAKeyframeWithoutEasingIsLinearAndOneWithoutAValueIsRefused() throws {
        let decoded = try JSONDecoder().decode(
            ParameterValue.self, from: Data(#"{"keyframes": [{"time": 0, "value": 1}, {"time": 2, "value": 3, "easing": "hold"}]}"#.utf8))
        XCTAssertEqual(decoded, .keyframes(try KeyframeTrack([Keyframe(time: 0, value: 1), Keyframe(time: 2, value: 3, easing: .hold)])))
        XCTAssertTrue(
            String(decoding: try JSONEncoder().encode(Keyframe(time: 0, value: 1)), as: UTF8.self).contains(#""easing":"linear""#),
            "the host and the kit always write the easing")
        XCTAssertThrowsError(try JSONDecoder().decode(Keyframe.self, from: Data(#"{"time": 0}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(Keyframe.self, from: Data(#"{"time": 0, "value": 1, "easing": "bounce"}"#.utf8)))
    }

    func testInvalidJSONFormsAreRejected() {
        let rows = [
            #"{"name": "colour"}"#,  // unknown type
            #"{"keyframes": [{"time": 1, "value": 0, "easing": "linear"}, {"time": 0, "value": 1, "easing": "linear"}]}"#,
            #"{}"#,
        ]
        XCTAssertThrowsError(try JSONDecoder().decode(ParameterType.self, from: Data(rows[0].utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(ParameterValue.self, from: Data(rows[1].utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(ParameterValue.self, from: Data(rows[2].utf8)))
        let badDefault = #"{"name": "yaw", "type": {"name": "number"}, "defaultValue": {"number": 90}, "maximum": 45}"#
        XCTAssertThrowsError(try JSONDecoder().decode(ParameterSpec.self, from: Data(badDefault.utf8))) { error in
            XCTAssertTrue("\(error)".contains("the default is invalid"), "\(error)")
        }
    }
}

import XCTest

@testable import FacetSDK

final class ParameterTests: XCTestCase {
    let schema: [ParameterSpec] = [
        .number("yaw", default: 0, min: -45, max: 45, unit: "deg", "Turn."),
        .integer("count", default: 2, min: 1, max: 9, "How many."),
        .boolean("freeze", default: false, "Freeze."),
        .choice("mode", ["relative", "absolute"], default: "relative", "Mode."),
        .text("faces", default: "all", "Which faces."),
    ]

    func testDefaultsAreFilledIn() throws {
        let parameters = try EffectParameters(schema: schema, given: ["yaw": .number(12)])
        XCTAssertEqual(try parameters.number("yaw"), 12)
        XCTAssertEqual(try parameters.integer("count"), 2)
        XCTAssertFalse(try parameters.boolean("freeze"))
        XCTAssertEqual(try parameters.text("mode"), "relative")
        XCTAssertEqual(try parameters.text("faces"), "all")
        XCTAssertEqual(parameters.schema, schema)
    }

    func testKeyframedNumbersVaryWithTime() throws {
        let track = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 2, value: 40)])
        let parameters = try EffectParameters(schema: schema, given: ["yaw": .keyframes(track)])
        XCTAssertEqual(try parameters.number("yaw", at: 1), 20, accuracy: 1e-12)
        XCTAssertTrue(try parameters.isAnimated("yaw"))
        XCTAssertFalse(try parameters.isAnimated("count"))
        XCTAssertEqual(parameters.animationEndTime, 2)
    }

    /// Each row: parameter, bad value, expected code, words the message must contain.
    func testInvalidValuesNameWhatWasExpected() throws {
        let outOfRangeTrack = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 50)])
        let rows: [(String, ParameterValue, EffectError.Code, [String])] = [
            ("yaw", .number(60), .outOfRange, ["above the maximum 45", "-45 … 45 deg"]),
            ("yaw", .number(-46), .outOfRange, ["below the minimum -45"]),
            ("yaw", .keyframes(outOfRangeTrack), .outOfRange, ["keyframe 2 value 50"]),
            ("yaw", .text("left"), .invalidParameter, ["got the text \"left\"", "a number"]),
            ("count", .number(2.5), .outOfRange, ["not whole", "a whole number"]),
            ("count", .number(1e300), .outOfRange, ["too large to count exactly", "a whole number"]),
            ("freeze", .number(1), .invalidParameter, ["got a number", "true or false"]),
            ("mode", .text("sideways"), .invalidParameter, ["\"sideways\"", "one of relative, absolute"]),
            ("faces", .boolean(true), .invalidParameter, ["got a boolean", "text"]),
        ]
        for (name, value, code, words) in rows {
            XCTAssertThrowsError(try EffectParameters(schema: schema, given: [name: value]), "\(name)") { error in
                guard let error = error as? EffectError else { return XCTFail("not an EffectError: \(error)") }
                XCTAssertEqual(error.code, code, "\(name): \(error)")
                for word in words { XCTAssertTrue(error.message.contains(word), "\(name): '\(error.message)' lacks '\(word)'") }
            }
        }
    }

    func testKeyframesForANumberDeclaredWithoutThemAreRefused() throws {
        let seed = ParameterSpec.integer("seed", default: 0, "Seed.").withoutKeyframes()
        let track = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 3)])
        XCTAssertNoThrow(try EffectParameters(schema: [seed], given: ["seed": .number(4)]))
        XCTAssertThrowsError(try EffectParameters(schema: [seed], given: ["seed": .keyframes(track)])) { error in
            let message = (error as? EffectError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("'seed' cannot be keyframed"), message)
            XCTAssertFalse(message.contains("keyframe list"), "no keyframe list offered: \(message)")
        }
    }

    func testUnknownParameterListsTheKnownOnes() {
        XCTAssertThrowsError(try EffectParameters(schema: schema, given: ["yw": .number(1)])) { error in
            let error = error as? EffectError
            XCTAssertEqual(error?.code, .unknownParameter)
            XCTAssertTrue(error?.message.contains("'yw'") == true)
            XCTAssertTrue(error?.message.contains("yaw, count, freeze, mode, faces") == true, error?.message ?? "")
        }
    }

    func testRangeDescriptionsAndFormatting() {
        XCTAssertEqual(schema[0].rangeDescription, "-45 … 45 deg")
        XCTAssertEqual(schema[3].rangeDescription, "relative | absolute")
        XCTAssertNil(schema[4].rangeDescription)
        XCTAssertEqual(ParameterSpec.format(3), "3")
        XCTAssertEqual(ParameterSpec.format(2.5), "2.5")
    }

    func testVersionsParseAndOrder() {
        XCTAssertEqual(EffectVersion(parsing: "1.2.3"), EffectVersion(1, 2, 3))
        XCTAssertEqual(EffectVersion(parsing: "2"), EffectVersion(2, 0, 0))
        XCTAssertNil(EffectVersion(parsing: "1.x"))
        XCTAssertNil(EffectVersion(parsing: "1.2.3.4"))
        XCTAssertNil(EffectVersion(parsing: "-1"))
        XCTAssertLessThan(EffectVersion(1, 9, 9), EffectVersion(2, 0, 0))
        XCTAssertLessThan(EffectVersion(1, 2, 3), EffectVersion(1, 2, 4))
    }
}

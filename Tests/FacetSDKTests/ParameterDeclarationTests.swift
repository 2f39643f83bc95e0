import XCTest

@testable import FacetSDK

/// Typed declarations: declared once, listed in the descriptor, read back with their Swift type.
final class ParameterDeclarationTests: XCTestCase {
    enum Mode: String, CaseIterable, Sendable { case relative, absolute }
    enum Style: String, CaseIterable, Sendable { case soft, hard = "very-hard" }

    /// One declaration of every kind, as an effect would write them.
    enum Probe {
        static let yaw = NumberParameter("yaw", default: 0, range: -45...45, unit: "deg", "Turn.")
        static let count = IntegerParameter("count", default: 2, range: 1...9, "How many.")
        static let freeze = BooleanParameter("freeze", default: false, "Freeze.")
        static let mode = ChoiceParameter("mode", default: Mode.relative, "Mode.")
        static let faces = TextParameter("faces", default: "all", "Which faces.")
        static let delay = NumberParameter("delay", default: 0.5, range: 0..., unit: "s", "Wait.")
        static let gain = NumberParameter("gain", default: 1, "Any factor.")
        static let level = IntegerParameter("level", default: -1, range: ...0, "At most 0.")

        static let all: [any ParameterDeclaration] = [yaw, count, freeze, mode, faces, delay, gain, level]
        static let schema = EffectDescriptor(
            id: "org.facet.test.probe", version: EffectVersion(1), summary: "Probe.",
            parameters: all
        ).parameters
    }

    /// A per-frame effect that reads a typed parameter and its context: the face model and warn.
    struct Smile: PerFrameFaceEffect {
        static let strength = NumberParameter("strength", default: 1, range: 0...1, "How much.")
        static let descriptor = EffectDescriptor(
            id: "org.facet.test.smile", version: EffectVersion(1),
            summary: "Smiles.", parameters: [strength])
        private let parameters: EffectParameters
        init(parameters: EffectParameters) throws { self.parameters = parameters }

        func edit(
            _ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack,
            context: EffectContext
        ) throws {
            guard let smile = context.faceModel?.control(named: ExpressionControlName.smile) else {
                return context.warn("no smile control at t = \(time)")
            }
            let strength = Float(parameters[Self.strength, at: time])
            for index in smile.indices { coefficients.expression[index] += strength * smile[index] }
        }
    }

    func testDeclarationsMakeTheSpecsOfTheDescriptor() {
        XCTAssertEqual(
            Probe.schema,
            [
                .number("yaw", default: 0, min: -45, max: 45, unit: "deg", "Turn."),
                .integer("count", default: 2, min: 1, max: 9, "How many."),
                .boolean("freeze", default: false, "Freeze."),
                .choice("mode", ["relative", "absolute"], default: "relative", "Mode."),
                .text("faces", default: "all", "Which faces."),
                .number("delay", default: 0.5, min: 0, unit: "s", "Wait."),
                .number("gain", default: 1, "Any factor."),
                .integer("level", default: -1, max: 0, "At most 0."),
            ])
        let style = ChoiceParameter("style", default: Style.hard, "A word.")
        XCTAssertEqual(style.spec.type, .choice(["soft", "very-hard"]), "the enum's raw values, in case order")
        XCTAssertEqual(style.spec.defaultValue, .text("very-hard"))
    }

    func testTypedReadsReturnTheDefaults() throws {
        let parameters = try EffectParameters(schema: Probe.schema, given: [:])
        XCTAssertEqual(parameters[Probe.yaw, at: 3], 0)
        XCTAssertEqual(parameters[Probe.count, at: 0], 2)
        XCTAssertEqual(parameters[Probe.freeze], false)
        XCTAssertEqual(parameters[Probe.mode], .relative)
        XCTAssertEqual(parameters[Probe.faces], "all")
        XCTAssertEqual(parameters[Probe.delay, at: 0], 0.5)
        XCTAssertEqual(parameters[Probe.level, at: 0], -1)
        XCTAssertFalse(parameters.isAnimated(Probe.yaw))
    }

    func testTypedReadsReturnTheGivenValuesWithTheirSwiftTypes() throws {
        let parameters = try EffectParameters(
            schema: Probe.schema,
            given: [
                "yaw": .number(12.5), "count": .number(7), "freeze": .boolean(true), "mode": .text("absolute"),
                "faces": .text("id:3"), "gain": .number(-20),
            ])
        let yaw: Double = parameters[Probe.yaw, at: 0]
        let count: Int = parameters[Probe.count, at: 0]
        let mode: Mode = parameters[Probe.mode]
        XCTAssertEqual(yaw, 12.5)
        XCTAssertEqual(count, 7)
        XCTAssertEqual(mode, .absolute)
        XCTAssertTrue(parameters[Probe.freeze])
        XCTAssertEqual(parameters[Probe.faces], "id:3")
        XCTAssertEqual(parameters[Probe.gain, at: 0], -20)
        XCTAssertEqual(try parameters.value(of: Probe.yaw, at: 0), 12.5)
        XCTAssertEqual(try parameters.value(of: Probe.mode), .absolute)
    }

    func testKeyframedReadsFollowTheCurve() throws {
        let yaw = try KeyframeTrack([
            Keyframe(time: 0, value: 0), Keyframe(time: 2, value: 40, easing: .hold),
            Keyframe(time: 3, value: -10),
        ])
        let count = try KeyframeTrack([Keyframe(time: 0, value: 1), Keyframe(time: 1, value: 4)])
        let parameters = try EffectParameters(schema: Probe.schema, given: ["yaw": .keyframes(yaw), "count": .keyframes(count)])
        XCTAssertEqual(parameters[Probe.yaw, at: -1], 0, "before the first keyframe: the first value")
        XCTAssertEqual(parameters[Probe.yaw, at: 1], 20, accuracy: 1e-12)
        XCTAssertEqual(parameters[Probe.yaw, at: 2.5], 40, "held")
        XCTAssertEqual(parameters[Probe.yaw, at: 9], -10, "after the last keyframe: the last value")
        XCTAssertEqual(parameters[Probe.count, at: 0.4], 2, "1 + 3 × 0.4 = 2.2 rounds to 2")
        XCTAssertEqual(parameters[Probe.count, at: 0.5], 3, "2.5 rounds away from zero")
        XCTAssertTrue(parameters.isAnimated(Probe.yaw))
        XCTAssertFalse(parameters.isAnimated(Probe.delay))
        XCTAssertFalse(parameters.isAnimated(Probe.mode))
        XCTAssertEqual(parameters.animationEndTime, 3)
    }

    func testValuesOutsideTheSchemaAreRejectedWhenValidated() {
        let rows: [(String, ParameterValue, EffectError.Code, [String])] = [
            ("yw", .number(1), .unknownParameter, ["'yw'", "yaw, count, freeze, mode, faces, delay, gain, level"]),
            ("yaw", .number(46), .outOfRange, ["above the maximum 45"]),
            ("delay", .number(-0.1), .outOfRange, ["below the minimum 0", "0 … ∞ s"]),
            ("level", .number(1), .outOfRange, ["above the maximum 0"]),
            ("mode", .text("sideways"), .invalidParameter, ["one of relative, absolute"]),
            ("freeze", .text("yes"), .invalidParameter, ["true or false"]),
        ]
        for (name, value, code, words) in rows {
            XCTAssertThrowsError(try EffectParameters(schema: Probe.schema, given: [name: value]), name) { error in
                guard let error = error as? EffectError else { return XCTFail("not an EffectError: \(error)") }
                XCTAssertEqual(error.code, code, "\(name): \(error)")
                for word in words { XCTAssertTrue(error.message.contains(word), "\(name): '\(error.message)' lacks '\(word)'") }
            }
        }
    }

    func testReadingADeclarationTheSchemaLacksIsAnErrorNamingIt() throws {
        let parameters = try EffectParameters(schema: [Probe.yaw.spec, Probe.mode.spec], given: [:])
        XCTAssertThrowsError(try parameters.value(of: Probe.count, at: 0)) { error in
            let error = error as? EffectError
            XCTAssertEqual(error?.code, .unknownParameter)
            XCTAssertTrue(error?.message.contains("'count'") == true, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("it declares: yaw, mode") == true, "\(String(describing: error))")
        }
        XCTAssertThrowsError(try parameters.value(of: Probe.faces))
    }

    func testReadingADeclarationTheSchemaDeclaresDifferentlyIsAnError() throws {
        let narrower = NumberParameter("yaw", default: 0, range: -10...10, unit: "deg", "Turn.")
        let parameters = try EffectParameters(schema: [narrower.spec], given: ["yaw": .number(5)])
        XCTAssertThrowsError(try parameters.value(of: Probe.yaw, at: 0)) { error in
            let error = error as? EffectError
            XCTAssertEqual(error?.code, .invalidParameter)
            XCTAssertTrue(error?.message.contains("-45 … 45 deg") == true, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("-10 … 10 deg") == true, "\(String(describing: error))")
        }
        let asText = TextParameter("yaw", default: "", "Turn.")
        XCTAssertThrowsError(try parameters.value(of: asText)) { error in
            XCTAssertEqual((error as? EffectError)?.code, .invalidParameter)
        }
        XCTAssertEqual(try parameters.value(of: narrower, at: 0), 5)
    }

    func testStringReadsThrowForUnknownNamesAndOtherTypesInsteadOfReturningZero() throws {
        let parameters = try EffectParameters(schema: Probe.schema, given: ["yaw": .number(3)])
        let rows: [(String, () throws -> Any, EffectError.Code, [String])] = [
            (
                "number of a misspelt name", { try parameters.number("yw") }, .unknownParameter,
                ["'yw'", "yaw, count, freeze, mode, faces, delay, gain, level"]
            ),
            ("integer of a misspelt name", { try parameters.integer("cuont") }, .unknownParameter, ["'cuont'"]),
            ("boolean of a misspelt name", { try parameters.boolean("frezee") }, .unknownParameter, ["'frezee'"]),
            ("text of a misspelt name", { try parameters.text("fcaes") }, .unknownParameter, ["'fcaes'"]),
            ("isAnimated of a misspelt name", { try parameters.isAnimated("yw") }, .unknownParameter, ["'yw'"]),
            ("number of a choice", { try parameters.number("mode") }, .invalidParameter, ["'mode'", "as a number", "choice"]),
            ("integer of a number", { try parameters.integer("yaw") }, .invalidParameter, ["'yaw'", "as an integer"]),
            ("boolean of text", { try parameters.boolean("faces") }, .invalidParameter, ["'faces'", "as a boolean"]),
            ("text of a boolean", { try parameters.text("freeze") }, .invalidParameter, ["'freeze'", "as text"]),
        ]
        for (what, read, code, words) in rows {
            XCTAssertThrowsError(try read(), what) { error in
                guard let error = error as? EffectError else { return XCTFail("\(what): not an EffectError: \(error)") }
                XCTAssertEqual(error.code, code, "\(what): \(error)")
                for word in words { XCTAssertTrue(error.message.contains(word), "\(what): '\(error.message)' lacks '\(word)'") }
            }
        }
        XCTAssertEqual(try parameters.number("yaw"), 3)
        XCTAssertEqual(try parameters.number("count"), 2, "an integer reads as a number too")
        XCTAssertEqual(try parameters.text("mode"), "relative", "a choice reads as its word")
    }

    func testParametersForAnEffectUseItsDescriptor() throws {
        let parameters = try EffectParameters(for: Smile.self, given: ["strength": .number(0.25)])
        XCTAssertEqual(parameters.schema, Smile.descriptor.parameters)
        XCTAssertEqual(parameters[Smile.strength, at: 0], 0.25)
        XCTAssertThrowsError(try EffectParameters(for: Smile.self, given: ["strength": .number(2)]))
    }

    func testAPerFrameEffectReadsTheFaceModelAndWarnsThroughItsContext() throws {
        let model = FaceModelDescription(
            name: "toy", expressionBasis: .blendshapes, expressionNames: ["happy", "sad"],
            controls: [ExpressionControlName.smile: [1, 0]], coefficientRange: [0...1, 0...1])
        func scene() -> SceneMotion {
            SceneMotion(
                frameTimes: [0, 0.5], frameRate: 2, frameWidth: 8, frameHeight: 8,
                tracks: [
                    FaceTrack(
                        id: 0, modelName: "toy",
                        frames: (0..<2).map {
                            FaceFrame(frameIndex: $0, time: Double($0) / 2, coefficients: FaceCoefficients(expression: [0.1, 0.2]))
                        })
                ])
        }
        let ramp = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 1)])
        let effect = try Smile(parameters: EffectParameters(for: Smile.self, given: ["strength": .keyframes(ramp)]))

        var motion = scene()
        let warnings = WarningLines()
        try effect.process(&motion, context: EffectContext(faceModel: model, warn: { warnings.append($0) }))
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.expression, [0.1, 0.2])
        XCTAssertEqual(motion.tracks[0].frames[1].coefficients.expression[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(motion.tracks[0].frames[1].coefficients.expression[1], 0.2)
        XCTAssertEqual(warnings.lines, [])

        var withoutModel = scene()
        try effect.process(&withoutModel, context: EffectContext(warn: { warnings.append($0) }))
        XCTAssertEqual(withoutModel, scene())
        XCTAssertEqual(warnings.lines, ["no smile control at t = 0.0", "no smile control at t = 0.5"])
    }
}

/// Collects warnings from an effect context.
final class WarningLines: @unchecked Sendable {
    // Safe to share: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

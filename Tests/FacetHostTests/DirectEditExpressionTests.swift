import DirectEdit
import FacetSDK
import XCTest

/// DirectEdit's expression controls, neutralising, freezing and clamping, on in-memory motion.
final class DirectEditExpressionTests: XCTestCase {
    /// A blendshape model with two own expressions and derived-style controls.
    private let model = FaceModelDescription(
        name: "toy", expressionBasis: .blendshapes, expressionNames: ["happiness", "surprise", "jaw-open", "left-eye-closed"],
        controls: [
            "happiness": [1, 0, 0, 0], "surprise": [0, 1, 0, 0], ExpressionControlName.smile: [1, 0, 0, 0],
            ExpressionControlName.mouthOpen: [0, 0, 1, 0], ExpressionControlName.leftEyeClosed: [0, 0, 0, 1],
        ],
        coefficientRange: Array(repeating: 0...1.5, count: 4))

    private func scene(expression: [Float] = [0.2, 0.1, 0, 0]) -> SceneMotion {
        let frames = (0..<20).map { index in
            FaceFrame(
                frameIndex: index, time: Double(index) / 10,
                coefficients: FaceCoefficients(
                    pose: HeadPose(yaw: 0.01 * Float(index)), translation: Vector3(z: -500),
                    expression: expression))
        }
        return SceneMotion(
            frameTimes: (0..<20).map { Double($0) / 10 }, frameRate: 10, frameWidth: 320, frameHeight: 240,
            tracks: [FaceTrack(id: 0, modelName: "toy", frames: frames)])
    }

    private func run(
        _ given: [String: ParameterValue], on motion: inout SceneMotion,
        model: FaceModelDescription? = nil
    ) throws -> [String] {
        let parameters = try EffectParameters(schema: DirectEdit.descriptor.parameters, given: given)
        let warnings = WarningLog()
        try DirectEdit(parameters: parameters).process(
            &motion,
            context: EffectContext(
                faceModel: model ?? self.model,
                warn: { warnings.append($0) }))
        return warnings.lines
    }

    func testNamedControlsAddTheirDirectionTimesTheStrength() throws {
        var motion = scene()
        _ = try run(["smile": .number(0.5), "mouth-open": .number(0.8)], on: &motion)
        let expression = motion.tracks[0].frames[3].coefficients.expression
        XCTAssertEqual(expression[0], 0.7, accuracy: 1e-6, "smile adds to the source's happiness")
        XCTAssertEqual(expression[1], 0.1, accuracy: 1e-6, "surprise untouched")
        XCTAssertEqual(expression[2], 0.8, accuracy: 1e-6)
        XCTAssertEqual(motion.tracks[0].frames[3].coefficients.pose, scene().tracks[0].frames[3].coefficients.pose)
    }

    func testTheModelsOwnExpressionIsChosenByName() throws {
        var motion = scene()
        _ = try run(["expression": .text("surprise"), "expression-strength": .number(0.6)], on: &motion)
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.expression[1], 0.7, accuracy: 1e-6)
        var other = scene()
        XCTAssertThrowsError(try run(["expression": .text("boredom")], on: &other)) { error in
            XCTAssertTrue("\(error)".contains("happiness, surprise"), "lists the model's expressions: \(error)")
        }
    }

    func testNeutraliseScalesTheSourceExpressionBeforeTheControls() throws {
        var motion = scene(expression: [0.4, 0.8, 0, 0])
        _ = try run(["neutralise": .number(0.75), "left-eye-closed": .number(1)], on: &motion)
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.expression, [0.1, 0.2, 0, 1])
    }

    func testKeyframedStrengthFollowsTime() throws {
        var motion = scene(expression: [0, 0, 0, 0])
        let ramp = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 1)])
        _ = try run(["mouth-open": .keyframes(ramp)], on: &motion)
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.expression[2], 0, accuracy: 1e-6)
        XCTAssertEqual(motion.tracks[0].frames[5].coefficients.expression[2], 0.5, accuracy: 1e-6)
        XCTAssertEqual(motion.tracks[0].frames[15].coefficients.expression[2], 1, accuracy: 1e-6)
    }

    func testFreezeHoldsThePoseAndExpressionOfOneMoment() throws {
        var motion = scene()
        motion.tracks[0].frames[10].coefficients.expression = [0.9, 0, 0, 0]
        _ = try run(["motion": .text("freeze"), "freeze-at": .number(1.0)], on: &motion)
        for frame in motion.tracks[0].frames {
            XCTAssertEqual(frame.coefficients.pose.yaw, 0.1, accuracy: 1e-6, "pose of t = 1 s everywhere")
            XCTAssertEqual(frame.coefficients.expression, [0.9, 0, 0, 0])
        }
    }

    func testImplausibleResultsAreClampedWithOneWarningNamingTheLimit() throws {
        var motion = scene()
        // The source already turns up to 0.19 rad (11°); +45° more passes 50° on the later frames.
        let warnings = try run(["yaw": .number(45), "smile": .number(1.5)], on: &motion)
        let limit = DirectEdit.Limits.yawDegrees * .pi / 180
        XCTAssertTrue(motion.tracks[0].frames.allSatisfy { $0.coefficients.pose.yaw <= limit + 1e-6 })
        XCTAssertEqual(motion.tracks[0].frames[19].coefficients.pose.yaw, limit, accuracy: 1e-6)
        XCTAssertTrue(motion.tracks[0].frames.allSatisfy { $0.coefficients.expression[0] <= 1.5 })
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("yaw") && $0.contains("±50°") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("happiness") && $0.contains("1.5") }, "\(warnings)")
    }

    func testExpressionControlsWithoutAModelAreRefused() throws {
        var motion = scene()
        let parameters = try EffectParameters(schema: DirectEdit.descriptor.parameters, given: ["smile": .number(1)])
        XCTAssertThrowsError(try DirectEdit(parameters: parameters).process(&motion, context: EffectContext())) { error in
            XCTAssertTrue("\(error)".contains("smile"), "\(error)")
        }
    }

    func testShorterMotionIsPaddedToTheModelsDimension() throws {
        var motion = scene(expression: [0.2, 0.1])
        _ = try run(["mouth-open": .number(1)], on: &motion)
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.expression, [0.2, 0.1, 1, 0])
    }
}

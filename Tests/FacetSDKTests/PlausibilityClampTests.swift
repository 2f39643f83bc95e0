import FacetSDK
import XCTest

final class PlausibilityClampTests: XCTestCase {
    private let model = FaceModelDescription(
        name: "toy", expressionBasis: .blendshapes, expressionNames: ["smile", "blink", "frown"],
        controls: [:], coefficientRange: [0...1.5, 0...1.5, 0...1.5])

    func testExpressionsOutOfRangeAreClampedAndNamedInOneSentence() {
        var clamps = PlausibilityClamp()
        var frames: [[Float]] = [[2, 0.5, -1], [0.2, 1.9, 0], [1.7, 0, 0], [0.5, 0.5, 0.5]]
        for index in frames.indices { clamps.clamp(&frames[index], to: model) }
        XCTAssertEqual(frames, [[1.5, 0.5, 0], [0.2, 1.5, 0], [1.5, 0, 0], [0.5, 0.5, 0.5]])
        XCTAssertEqual(clamps.warnings.count, 1, "one sentence for every coefficient: \(clamps.warnings)")
        let sentence = clamps.warnings.first ?? ""
        XCTAssertTrue(sentence.contains("in 3 face-frame(s)"), sentence)
        XCTAssertTrue(sentence.contains("(smile 2, frown 1, blink 1 face-frames)"), "most often first, equals as first met: \(sentence)")
        XCTAssertTrue(sentence.contains("0.0…1.5"), sentence)
    }

    func testPoseLimitsWarnOncePerAxisBeforeTheExpressions() {
        var clamps = PlausibilityClamp()
        var pose = HeadPose(yaw: 80 * .pi / 180, pitch: 0, roll: -60 * .pi / 180)
        clamps.clamp(&pose)
        XCTAssertEqual(pose.yaw, PoseLimits.yawDegrees * .pi / 180, accuracy: 1e-6)
        XCTAssertEqual(pose.roll, -PoseLimits.rollDegrees * .pi / 180, accuracy: 1e-6)
        var expression: [Float] = [3, 0, 0]
        clamps.clamp(&expression, to: model)
        XCTAssertEqual(clamps.warnings.count, 3)
        XCTAssertTrue(clamps.warnings[0].hasPrefix("the edited yaw went beyond ±50°"), clamps.warnings[0])
        XCTAssertTrue(clamps.warnings[1].hasPrefix("the edited roll went beyond ±45°"), clamps.warnings[1])
        XCTAssertTrue(clamps.warnings[2].hasPrefix("expression coefficients went outside"), clamps.warnings[2])
    }
}

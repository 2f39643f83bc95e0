import FacetSDK
import Reenactment
import XCTest

/// Choosing the driver's reference frame.
final class ReferenceTests: XCTestCase {
    /// 3 s at 30 fps: turned (0–19), frontal and neutral but poorly fitted (20–39), smiling
    /// (40–59), frontal, neutral and confident (60–79), turned again (80–89).
    private let driving: DrivingInput = {
        let times = Fixture.times(90)
        func block(_ t: Double) -> Int { Int((t * 30).rounded()) / 20 }
        let track = Fixture.track(frameTimes: times, confidence: { block($0) == 1 ? 0.2 : 1 }) { t in
            switch block(t) {
            case 0, 4: return Fixture.coefficients(yaw: 20 * .pi / 180)
            case 2: return Fixture.coefficients(expression: [0.8, 0, 0, 0])
            default: return Fixture.coefficients()
            }
        }
        return Fixture.driving(Fixture.scene(times, [track]))
    }()

    private func referenceTime(_ reference: String) throws -> Double {
        try Reenactment.referenceTime(
            in: driving, parameters: try Fixture.parameters(["driver": "talk.mp4", "reference": reference, "smooth": 0.0]),
            faceModel: Fixture.faceModel())
    }

    func testAutoPicksTheFrontalNeutralConfidentFrameWhoseWholeWindowIsSo() throws {
        // Frame 66 is the first whose ±0.2 s (±6 frames) lie inside the good block 60–79; the
        // poorly fitted block 20–39 comes earlier and would win without the confidence term.
        XCTAssertEqual(try referenceTime("auto"), 66.0 / 30, accuracy: 1e-9)
    }

    func testFirstAndATimeChooseTheirFrames() throws {
        XCTAssertEqual(try referenceTime("first"), 0)
        XCTAssertEqual(try referenceTime("2.01"), 60.0 / 30, accuracy: 1e-9)
        XCTAssertEqual(try referenceTime("1.5s"), 45.0 / 30, accuracy: 1e-9)
    }

    func testRelativeModeWithAutoLeavesTheSourceAloneWhereTheDriverIsAtItsReference() throws {
        let own = Fixture.coefficients(yaw: 0.1, expression: [0.1, 0.1, 0.1, 0.1])
        var motion = Fixture.source(frames: 90) { _ in own }
        try Fixture.run([:], on: &motion, driving: driving)
        XCTAssertEqual(motion.tracks[0].frames[70].coefficients, own)
        XCTAssertEqual(motion.tracks[0].frames[5].coefficients.pose.yaw, 0.1 + 20 * .pi / 180, accuracy: 1e-6)
        assertExpression(motion.tracks[0].frames[50].coefficients.expression, [0.9, 0.1, 0.1, 0.1])
    }
}

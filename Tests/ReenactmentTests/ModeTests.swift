import FacetSDK
import Reenactment
import XCTest

/// Relative and absolute mode, components and strengths, on hand-made motion.
final class ModeTests: XCTestCase {
    /// A driver that nods, turns and talks: frame 0 is neutral and frontal.
    private let talker = Fixture.driver(frames: 60) { t in
        let s = Float(t)
        return Fixture.coefficients(
            yaw: 0.3 * s, pitch: -0.1 * s, roll: 0.05 * s, x: 4 * s, y: -2 * s, z: Fixture.depth + 30 * s,
            expression: [0.5 * s, 0.2 * s, 0.3 * s, -0.1 * s])
    }

    func testDescriptorListsTheParametersInTableOrder() {
        XCTAssertEqual(
            Reenactment.descriptor.parameters.map(\.name),
            [
                "driver", "driver-face", "faces", "mode", "reference", "components", "pose", "expression", "mouth", "eyes",
                "brows", "translation", "offset", "fit", "smooth",
            ])
        XCTAssertEqual(Reenactment.descriptor.id, "org.facet.reenactment")
        XCTAssertEqual(Reenactment.descriptor.version, EffectVersion(0, 1, 0))
        XCTAssertEqual(Reenactment.descriptor.temporalAccess, .wholeSequence)
        XCTAssertEqual(Reenactment.descriptor.parameter(named: "driver")?.role, .drivingInput)
    }

    func testRelativeWithReferenceFirstOnAStillCopyOfTheDriversFirstFrameReproducesTheDriver() throws {
        let first = talker.motion.tracks[0].frames[0].coefficients
        var motion = Fixture.source(frames: 60) { _ in first }
        try Fixture.run(["reference": "first", "translation": 1.0], on: &motion, driving: talker)
        for (out, expected) in zip(motion.tracks[0].frames, talker.motion.tracks[0].frames) {
            let (a, e) = (out.coefficients, expected.coefficients)
            XCTAssertEqual(a.pose.yaw, e.pose.yaw, accuracy: 1e-5)
            XCTAssertEqual(a.pose.pitch, e.pose.pitch, accuracy: 1e-5)
            XCTAssertEqual(a.pose.roll, e.pose.roll, accuracy: 1e-5)
            XCTAssertEqual(a.translation.x, e.translation.x, accuracy: 1e-4)
            XCTAssertEqual(a.translation.z, e.translation.z, accuracy: 1e-3)
            assertExpression(a.expression, e.expression)
        }
    }

    func testAbsoluteSelfDrivingLeavesTheMotionUnchanged() throws {
        var motion = talker.motion
        try Fixture.run(["mode": "absolute"], on: &motion, driving: talker)
        for (out, before) in zip(motion.tracks[0].frames, talker.motion.tracks[0].frames) {
            XCTAssertEqual(out.coefficients.pose.yaw, before.coefficients.pose.yaw, accuracy: 1e-6)
            XCTAssertEqual(out.coefficients.translation, before.coefficients.translation)
            assertExpression(out.coefficients.expression, before.coefficients.expression, accuracy: 1e-6)
        }
    }

    func testRelativeAddsTheDriversChangeAndKeepsTheSourcesNeutralAndTranslation() throws {
        let own = Fixture.coefficients(yaw: 0.1, pitch: 0.05, x: 5, y: 3, expression: [0.2, 0.1, 0, 0.3])
        var motion = Fixture.source(frames: 60) { _ in own }
        try Fixture.run(["reference": "first"], on: &motion, driving: talker)
        let frames = motion.tracks[0].frames
        // Frame 0 is the driver's reference: no change.
        XCTAssertEqual(frames[0].coefficients, own)
        let t: Float = 1  // frame 30
        let out = frames[30].coefficients
        XCTAssertEqual(out.pose.yaw, 0.1 + 0.3 * t, accuracy: 1e-5)
        XCTAssertEqual(out.pose.pitch, 0.05 - 0.1 * t, accuracy: 1e-5)
        XCTAssertEqual(out.translation, own.translation, "translation defaults to 0: the head stays where it was")
        assertExpression(out.expression, [0.2 + 0.5, 0.1 + 0.2, 0.3, 0.3 - 0.1])
    }

    func testRelativeTranslationAddsThatShareOfTheDriversHeadMovement() throws {
        var motion = Fixture.source(frames: 60) { _ in Fixture.coefficients(x: 5) }
        try Fixture.run(["reference": "first", "translation": 0.5], on: &motion, driving: talker)
        let out = motion.tracks[0].frames[30].coefficients.translation
        XCTAssertEqual(out.x, 5 + 0.5 * 4, accuracy: 1e-4)
        XCTAssertEqual(out.z, Fixture.depth + 0.5 * 30, accuracy: 1e-3)
    }

    func testAbsoluteReplacesPoseAndExpressionButKeepsTranslationWhenTheDriverApproaches() throws {
        let approaching = Fixture.driver(frames: 60) { t in
            Fixture.coefficients(yaw: 0.2, pitch: 0.1, z: Fixture.depth + 300 * Float(t), expression: [0.4, 0, 0.1, 0.2])
        }
        let own = Fixture.coefficients(yaw: -0.1, x: 7, expression: [0, 0.3, 0, 0])
        var motion = Fixture.source(frames: 60) { _ in own }
        try Fixture.run(["mode": "absolute", "translation": 1.0], on: &motion, driving: approaching)
        for frame in motion.tracks[0].frames {
            XCTAssertEqual(frame.coefficients.pose.yaw, 0.2, accuracy: 1e-6)
            XCTAssertEqual(frame.coefficients.pose.pitch, 0.1, accuracy: 1e-6)
            XCTAssertEqual(frame.coefficients.translation, own.translation, "absolute mode never moves the head")
            assertExpression(frame.coefficients.expression, [0.4, 0, 0.1, 0.2])
        }
    }

    func testComponentsPoseLeavesTheExpressionUntouched() throws {
        let own = Fixture.coefficients(expression: [0.2, 0.1, 0, 0.3])
        var motion = Fixture.source(frames: 60) { _ in own }
        try Fixture.run(["reference": "first", "components": "pose"], on: &motion, driving: talker)
        let out = motion.tracks[0].frames[30].coefficients
        XCTAssertEqual(out.expression, own.expression)
        XCTAssertEqual(out.pose.yaw, 0.3, accuracy: 1e-5)
    }

    func testComponentsExpressionLeavesThePoseUntouched() throws {
        var motion = Fixture.source(frames: 60)
        try Fixture.run(["reference": "first", "components": "expression", "translation": 1.0], on: &motion, driving: talker)
        let out = motion.tracks[0].frames[30].coefficients
        XCTAssertEqual(out.pose, .frontal)
        XCTAssertEqual(out.translation, Fixture.coefficients().translation, "translation goes with the pose component")
        assertExpression(out.expression, [0.5, 0.2, 0.3, -0.1])
    }

    func testMouthZeroRemovesOnlyTheMouthPart() throws {
        var motion = Fixture.source(frames: 60)
        try Fixture.run(["reference": "first", "mouth": 0.0], on: &motion, driving: talker)
        let out = motion.tracks[0].frames[30].coefficients
        assertExpression(out.expression, [0, 0, 0.3, -0.1], "mouth = coefficients 0 and 1 stay the source's")
        XCTAssertEqual(out.pose.yaw, 0.3, accuracy: 1e-5)
    }

    func testListedRegionsDriveOnlyThoseRegions() throws {
        var motion = Fixture.source(frames: 60)
        try Fixture.run(["reference": "first", "components": "mouth,eyes", "eyes": 2.0], on: &motion, driving: talker)
        let out = motion.tracks[0].frames[30].coefficients
        assertExpression(out.expression, [0.5, 0.2, 0.6, 0], "brows (3) not listed; eyes doubled")
        XCTAssertEqual(out.pose, .frontal)
    }

    func testExpressionStrengthScalesEveryRegion() throws {
        var motion = Fixture.source(frames: 60)
        try Fixture.run(["reference": "first", "expression": 0.5, "brows": 2.0], on: &motion, driving: talker)
        assertExpression(motion.tracks[0].frames[30].coefficients.expression, [0.25, 0.1, 0.15, -0.1])
    }

    func testKeyframedStrengthIsReadAtTheSourceFramesTime() throws {
        var motion = Fixture.source(frames: 60)
        let ramp = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 2)])
        try Fixture.run(["reference": "first", "pose": ramp], on: &motion, driving: talker)
        let frames = motion.tracks[0].frames
        XCTAssertEqual(frames[15].coefficients.pose.yaw, 1.0 * 0.3 * 0.5, accuracy: 1e-5)  // t = 0.5, strength 1
        XCTAssertEqual(frames[30].coefficients.pose.yaw, 2.0 * 0.3 * 1.0, accuracy: 1e-5)  // t = 1, strength 2
        XCTAssertEqual(frames[40].coefficients.pose.yaw, 2.0 * 0.3 * 4 / 3, accuracy: 1e-5)  // held after the last keyframe
    }

    func testWithoutAFaceModelTheWholeExpressionIsStillDriven() throws {
        var motion = Fixture.source(frames: 60)
        try Fixture.run(["reference": "first"], on: &motion, driving: talker, model: nil)
        assertExpression(motion.tracks[0].frames[30].coefficients.expression, [0.5, 0.2, 0.3, -0.1])
    }

    func testAShorterSourceExpressionIsPaddedWithZeros() throws {
        var motion = Fixture.source(frames: 60) { _ in FaceCoefficients(translation: Vector3(z: Fixture.depth), expression: [0.1, 0.2]) }
        try Fixture.run(["reference": "first"], on: &motion, driving: talker)
        for frame in motion.tracks[0].frames { XCTAssertEqual(frame.coefficients.expression.count, 4) }
        assertExpression(motion.tracks[0].frames[30].coefficients.expression, [0.6, 0.4, 0.3, -0.1])
    }

    func testAbsoluteStillGivesEveryFrameItsPoseAndARelativeStillWarnsItChangesNothing() throws {
        let still = Fixture.driving(
            Fixture.scene([0], [Fixture.track(frameTimes: [0]) { _ in Fixture.coefficients(yaw: 0.25, expression: [0.3, 0, 0, 0]) }]),
            name: "face.png", kind: .still)
        var motion = Fixture.source(frames: 60)
        XCTAssertTrue(try Fixture.run(["mode": "absolute", "fit": "trim"], on: &motion, driving: still).isEmpty)
        for frame in motion.tracks[0].frames { XCTAssertEqual(frame.coefficients.pose.yaw, 0.25, accuracy: 1e-6) }

        var relative = Fixture.source(frames: 60)
        let warnings = try Fixture.run([:], on: &relative, driving: still)
        XCTAssertEqual(relative, Fixture.source(frames: 60))
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("face.png") && warnings[0].contains("mode=absolute"), warnings[0])
    }
}

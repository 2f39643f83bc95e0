import FacetMedia
import FacetMorphableModel
import FacetNeural
import FacetPIRender
import FacetSDK
import FacetTestSupport
import XCTest

@testable import FacetRender

/// Crop → generator → paste with a generator stand-in: the pipeline must put the face back
/// where it was, touch nothing outside the mask, and remove colour casts.
final class NeuralPipelineTests: XCTestCase {
    private let width = 320, height = 320

    private func landmarks() -> [Point2] { NeuralFixtures.face(width: 146, noseTip: Point2(x: 160, y: 172)) }

    /// Renders one frame with `generator`; returns the RGB before and after and the mask.
    private func renderOnce(_ generator: AffineStubGenerator, edit: Bool = true) throws
        -> (before: RGBImage, after: RGBImage, mask: FaceMask, renderer: NeuralRenderer)
    {
        let frame = try NeuralFixtures.smoothFrame(width: width, height: height, in: NeuralFixtures.scratch())
        let before = try frame.rgb
        let motion = NeuralFixtures.motion(landmarks: [landmarks()], width: width, height: height)
        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), generator: generator)
        try renderer.render(frame, source: motion.source, edited: edit ? motion.edited : motion.source)
        return (before, try frame.rgb, try FaceMask(landmarks: landmarks()), renderer)
    }

    /// Max and mean absolute RGB difference inside the mask, and whether every pixel outside is identical.
    private func compare(_ result: (before: RGBImage, after: RGBImage, mask: FaceMask, renderer: NeuralRenderer))
        -> (maxInside: Int, meanInside: Double, insideCount: Int, outsideIdentical: Bool)
    {
        var maxInside = 0, sumInside = 0, insideCount = 0, outsideIdentical = true
        for y in 0..<height {
            for x in 0..<width {
                let a = result.before[x, y], b = result.after[x, y]
                let difference = max(abs(Int(a.red) - Int(b.red)), abs(Int(a.green) - Int(b.green)), abs(Int(a.blue) - Int(b.blue)))
                if result.mask.weight(x: Double(x), y: Double(y)) > 0 {
                    maxInside = max(maxInside, difference)
                    sumInside += difference
                    insideCount += 1
                } else if difference != 0 {
                    outsideIdentical = false
                }
            }
        }
        return (maxInside, Double(sumInside) / Double(max(insideCount, 1)), insideCount, outsideIdentical)
    }

    func testIdentityGeneratorPutsTheFaceBackAndLeavesOutsideBitIdentical() throws {
        let generator = AffineStubGenerator()
        let result = try renderOnce(generator)
        let stats = compare(result)
        XCTAssertEqual(generator.calls, 1)
        XCTAssertEqual(result.renderer.statistics.facesRendered, 1)
        XCTAssertEqual(result.renderer.statistics.framesRendered, 1)
        XCTAssertGreaterThan(stats.insideCount, 10_000, "the mask covers the face")
        XCTAssertTrue(stats.outsideIdentical, "pixels outside the mask must stay bit-identical")
        XCTAssertLessThanOrEqual(stats.maxInside, 2)
        XCTAssertLessThan(stats.meanInside, 0.05)
    }

    func testColourMatchingRemovesACast() throws {
        // The generator tints the face: red brighter and stronger, blue darker and flatter.
        let generator = AffineStubGenerator(gain: SIMD3(1.3, 1, 0.7), offset: SIMD3(0.25, 0, -0.2))
        let stats = compare(try renderOnce(generator))
        XCTAssertTrue(stats.outsideIdentical)
        XCTAssertLessThanOrEqual(stats.maxInside, 4, "the cast must be undone inside the mask")
        XCTAssertLessThan(stats.meanInside, 1)
    }

    func testTransferInvertsAnAffineCast() throws {
        let resolution = 16
        let source = Tensor(shape: [1, 3, resolution, resolution])
        let generated = Tensor(shape: [1, 3, resolution, resolution])
        for index in 0..<source.count {
            source.data[index] = sin(Float(index) * 0.37) * 0.6
            generated.data[index] = source.data[index] * 0.8 + 0.3
        }
        let weights = [Float](repeating: 1, count: resolution * resolution)
        let transfer = ColourTransfer.matching(generated: generated, source: source, weights: weights)
        for channel in 0..<3 {
            XCTAssertEqual(transfer.gain[channel], 1.25, accuracy: 1e-4)
            XCTAssertEqual(transfer.offset[channel], -0.375, accuracy: 1e-4)
        }
        XCTAssertEqual(
            ColourTransfer.matching(
                generated: generated, source: source,
                weights: [Float](repeating: 0, count: resolution * resolution)), .identity)
    }

    func testUnchangedFacesAreNotRendered() throws {
        let generator = AffineStubGenerator(offset: SIMD3(repeating: 0.5))
        let result = try renderOnce(generator, edit: false)
        XCTAssertEqual(generator.calls, 0)
        XCTAssertEqual(result.before, result.after)
        XCTAssertEqual(result.renderer.statistics.facesRendered, 0)
    }

    func testMaskIsOpaqueOnTheFaceAndZeroAwayFromIt() throws {
        let points = landmarks()
        let mask = try FaceMask(landmarks: points)
        XCTAssertEqual(mask.weight(x: Double(points[30].x), y: Double(points[30].y)), 1, "nose tip")
        XCTAssertEqual(mask.weight(x: Double(points[48].x), y: Double(points[48].y)), 1, "mouth corner")
        XCTAssertEqual(mask.weight(x: 5, y: 5), 0)
        // The feathered band is ~8 % of the face size: weights strictly between 0 and 1 exist.
        let row = Double(points[30].y)
        let ramp = stride(from: 0.0, to: 320, by: 1).map { mask.weight(x: $0, y: row) }.filter { $0 > 0 && $0 < 1 }
        XCTAssertGreaterThan(ramp.count, 12)
        let bounds = mask.bounds(frameWidth: 320, frameHeight: 320)
        XCTAssertGreaterThan(bounds.width, 150)
    }

    func testTrackFromAnotherModelIsRejected() throws {
        let frame = try NeuralFixtures.smoothFrame(width: width, height: height, in: NeuralFixtures.scratch())
        var motion = NeuralFixtures.motion(landmarks: [landmarks()], width: width, height: height)
        motion.edited.tracks[0].modelName = "sfm_3448"
        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), generator: AffineStubGenerator())
        XCTAssertThrowsError(try renderer.render(frame, source: motion.source, edited: motion.edited)) { error in
            XCTAssertEqual((error as? RenderError)?.code, .incompatible)
            XCTAssertTrue("\(error)".contains("sfm_3448"), "\(error)")
        }
    }
}

/// The driving window: edited coefficients, project → Deep3DFaceRecon conversions, clamping.
final class NeuralDrivingWindowTests: XCTestCase {
    func testWindowHoldsEditedMotionAndClampsAtTheTrackEnds() throws {
        let faces = (0..<5).map { NeuralFixtures.face(width: 150 + Float($0), noseTip: Point2(x: 300 + Float($0) * 4, y: 200)) }
        let motion = NeuralFixtures.motion(landmarks: faces, width: 640, height: 480, editedExpression: { Float($0) + 1 })
        let track = motion.edited.tracks[0]
        let framing = try TrackFraming(track: motion.source.tracks[0], frameHeight: 480, framer: FaceFramer())
        let window = Tensor(shape: [1, 73, 27])
        try NeuralRenderer.drivingWindow(track: track, position: 1, framing: framing, radius: 13, cameraDistance: 10, into: window)
        func value(_ channel: Int, _ t: Int) -> Float { window.data[channel * 27 + t] }
        for t in 0..<27 {
            let frame = min(max(1 - 13 + t, 0), 4)
            XCTAssertEqual(value(0, t), Float(frame) + 1, "edited expression of frame \(frame) at window slot \(t)")
            XCTAssertEqual(value(1, t), 0)
            XCTAssertEqual(value(64, t), -0.05, accuracy: 1e-7, "pitch")
            XCTAssertEqual(value(65, t), 0.1, accuracy: 1e-7, "yaw")
            XCTAssertEqual(value(66, t), 0.02, accuracy: 1e-7, "roll")
            XCTAssertEqual(value(69, t), 9.5, accuracy: 1e-6, "Deep3DFaceRecon tz = Facet tz + 10")
            XCTAssertEqual(value(70, t), framing.cropParameters[frame][0])
            XCTAssertEqual(value(71, t), framing.cropParameters[frame][1])
        }
        // Slot 0 … 12 clamp to frame 0, the last 10 slots to frame 4.
        XCTAssertEqual(value(0, 0), 1)
        XCTAssertEqual(value(0, 26), 5)
        // The crop parameters are near VoxCeleb's (the box is smoothed, the face moves a little).
        XCTAssertEqual(value(70, 13), 1, accuracy: 0.05)
        XCTAssertEqual(value(71, 13), 128, accuracy: 5)
        XCTAssertEqual(value(72, 13), 128, accuracy: 5)
    }

    func testPipelineDrivesTheGeneratorWithTheEditedFrame() throws {
        let faces = (0..<3).map { _ in NeuralFixtures.face(width: 146, noseTip: Point2(x: 160, y: 172)) }
        let motion = NeuralFixtures.motion(landmarks: faces, width: 320, height: 320, editedExpression: { Float($0) * 2 + 3 })
        let frame = try NeuralFixtures.smoothFrame(width: 320, height: 320, in: NeuralFixtures.scratch())
        let generator = AffineStubGenerator()
        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), generator: generator)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        XCTAssertEqual(generator.lastDriving.count, 73 * 27)
        XCTAssertEqual(generator.lastDriving[13], 3, "frame 0's edited expression at the window centre")
        XCTAssertEqual(generator.lastDriving[26], 7, "the window's end is frame 2 (clamped)")
    }
}

/// What the host tells the user about the neural renderer.
final class NeuralAvailabilityTests: XCTestCase {
    func testMessagesNameWhatIsMissing() throws {
        let model = try NeuralFixtures.model()
        let noWeights = NeuralRenderer.availability(model: model, weights: nil)
        XCTAssertFalse(noWeights.isAvailable)
        XCTAssertTrue(noWeights.message.contains("no PIRender weights file configured"), noWeights.message)

        let missing = URL(fileURLWithPath: "/nonexistent/pirender/epoch_00190_iteration_000400000_checkpoint.pt")
        let notFound = NeuralRenderer.availability(model: model, weights: missing)
        XCTAssertEqual(notFound.problems, ["the PIRender weights file \(missing.path) was not found"])

        // A file that is no weights file at all is named as such, before anything loads it.
        let junk = try NeuralFixtures.scratch().appendingPathComponent("junk.safetensors")
        try Data([0]).write(to: junk)
        XCTAssertTrue(
            NeuralRenderer.availability(model: model, weights: junk).message
                .contains("junk.safetensors is neither a safetensors file nor a PyTorch checkpoint (its first bytes are 00)"))

        // A file shaped like safetensors (header length, then the JSON header) passes the check.
        let weights = try NeuralFixtures.scratch().appendingPathComponent("face.safetensors")
        try Data([2, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)).write(to: weights)
        let sfm = try NeuralFixtures.model(name: "sfm_3448", expressions: 6, blendshapes: true, convention: .surrey)
        let wrongModel = NeuralRenderer.availability(model: sfm, weights: weights)
        XCTAssertEqual(
            wrongModel.problems,
            [
                "model \"sfm_3448\" has 6 blendshape expressions but PIRender needs the "
                    + "64-component PCA expression space of the BFM converted with `facet models convert-bfm`"
            ])
        let noModel = NeuralRenderer.availability(model: nil, weights: nil)
        XCTAssertEqual(noModel.problems.count, 2)
        XCTAssertTrue(noModel.message.contains("no face model configured"), noModel.message)

        let otherPCA = try NeuralFixtures.model(name: "other", convention: ModelConvention(lengthUnit: "mm", projection: .weakPerspective))
        XCTAssertTrue(NeuralRenderer.availability(model: otherPCA, weights: weights).message.contains("Deep3DFaceRecon's layout"))
        XCTAssertTrue(NeuralRenderer.availability(model: model, weights: weights).isAvailable)
    }

    func testCreatingWithoutWeightsOrWithTheWrongModelThrowsUnavailable() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/face.safetensors")
        XCTAssertThrowsError(try NeuralRenderer(model: NeuralFixtures.model(), weights: missing)) { error in
            XCTAssertEqual((error as? RenderError)?.code, .unavailable)
            XCTAssertTrue("\(error)".contains(missing.path))
        }
        let sfm = try NeuralFixtures.model(name: "sfm_3448", expressions: 6, blendshapes: true, convention: .surrey)
        XCTAssertThrowsError(try NeuralRenderer(model: sfm, generator: AffineStubGenerator())) { error in
            XCTAssertEqual((error as? RenderError)?.code, .unavailable)
        }
    }
}

/// The same pipeline on a real 4:2:0 video frame: every plane sample outside the mask stays
/// bit-identical, and the identity generator puts the inside back.
final class NeuralYUVPipelineTests: XCTestCase {
    func testYUVFrameKeepsEverySampleOutsideTheMask() throws {
        let video = try SharedData.require("media/carphone_pristine.mp4")
        let reader = try VideoReader(url: video)
        let frame = try XCTUnwrap(try reader.nextFrame())
        let width = frame.width, height = frame.height
        func planes() throws -> [[UInt8]] {
            try frame.withWritablePlanes { picture in
                picture.planes.map { plane in
                    (0..<plane.height).flatMap { y in (0..<plane.width).map { x in plane[x, y] } }
                }
            }
        }
        let before = try planes()
        XCTAssertEqual(before.count, 3, "a planar YUV frame")
        let beforeRGB = try frame.rgb
        let landmarks = NeuralFixtures.face(width: 70, noseTip: Point2(x: 90, y: 80))
        let motion = NeuralFixtures.motion(landmarks: [landmarks], width: width, height: height)
        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), generator: AffineStubGenerator())
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let after = try planes()
        let afterRGB = try frame.rgb
        let mask = try FaceMask(landmarks: landmarks)
        let shifts = try frame.withWritablePlanes { picture in picture.planes.map { ($0.shiftX, $0.shiftY, $0.width) } }
        var changed = 0
        for (index, (shiftX, shiftY, planeWidth)) in shifts.enumerated() {
            for (offset, (old, new)) in zip(before[index], after[index]).enumerated() where old != new {
                changed += 1
                let sampleX = offset % planeWidth, sampleY = offset / planeWidth
                var touchesMask = false
                for y in (sampleY << shiftY)..<min((sampleY + 1) << shiftY, height) {
                    for x in (sampleX << shiftX)..<min((sampleX + 1) << shiftX, width)
                    where mask.weight(x: Double(x), y: Double(y)) > 0 { touchesMask = true }
                }
                XCTAssertTrue(touchesMask, "plane \(index) sample (\(sampleX), \(sampleY)) changed outside the mask")
            }
        }
        XCTAssertGreaterThan(changed, 0, "the face was rewritten (rounding through RGB changes some samples)")
        var maxError = 0, total = 0, count = 0
        for y in 0..<height {
            for x in 0..<width where mask.weight(x: Double(x), y: Double(y)) > 0 {
                let a = beforeRGB[x, y], b = afterRGB[x, y]
                let error = max(abs(Int(a.red) - Int(b.red)), abs(Int(a.green) - Int(b.green)), abs(Int(a.blue) - Int(b.blue)))
                maxError = max(maxError, error)
                total += error
                count += 1
            }
        }
        // The crop is upsampled (~120 px → 256) and back, on a real picture with chroma at half resolution.
        XCTAssertLessThan(Double(total) / Double(count), 2.5, "mean error inside the mask")
        XCTAssertLessThan(maxError, 40)
    }
}

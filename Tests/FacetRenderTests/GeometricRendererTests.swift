import FacetMedia
import FacetMorphableModel
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetRender

final class GeometricRendererTests: XCTestCase {
    // MARK: - Untouched pixels

    func testSummaryNamesTheRenderer() throws {
        XCTAssertEqual(GeometricRenderer(model: try SurreyModel.load()).summary, "geometric")
    }

    func testUnchangedCoefficientsLeaveTheFrameBitIdentical() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        let frame = try TestFrames.yuvFrame(scene.texturedImage())
        let before = try TestFrames.planes(frame)
        var renderer = GeometricRenderer(model: scene.model)
        let motion = scene.motion(edited: scene.source)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        XCTAssertEqual(try TestFrames.planes(frame), before)
    }

    func testPoseEditChangesNothingOutsideTheHeadRegion() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        let frame = try TestFrames.yuvFrame(scene.texturedImage())
        let geometry = try TestFrames.geometry(frame)
        let before = try TestFrames.planes(frame)
        var edited = scene.source
        edited.pose = HeadPose(yawDegrees: 18, pitchDegrees: -6, rollDegrees: 5)
        edited.translation.x += 6
        var renderer = GeometricRenderer(model: scene.model)
        let motion = scene.motion(edited: edited)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let after = try TestFrames.planes(frame)
        let flow = try renderer.flow(
            identity: [], camera: scene.camera, source: scene.source, edited: edited,
            frameWidth: scene.width, frameHeight: scene.height)
        var changedLuma = 0, outside = 0
        for y in 0..<geometry[0].height {
            for x in 0..<geometry[0].width where before[0][y * geometry[0].width + x] != after[0][y * geometry[0].width + x] {
                changedLuma += 1
                if !flow.isInHeadRegion(x: x, y: y) { outside += 1 }
            }
        }
        XCTAssertGreaterThan(changedLuma, 2000, "a pose edit of this size must move many pixels")
        XCTAssertEqual(outside, 0, "luma samples changed outside the head region")
        // Chroma (4:2:0): a changed sample must have a head-region luma pixel within one pixel of its footprint.
        for plane in 1..<3 {
            let g = geometry[plane]
            var strays = 0
            for y in 0..<g.height {
                for x in 0..<g.width where before[plane][y * g.width + x] != after[plane][y * g.width + x] {
                    let lumaX = x << g.shiftX, lumaY = y << g.shiftY
                    let near = (-1...2).contains { dy in (-1...2).contains { dx in flow.isInHeadRegion(x: lumaX + dx, y: lumaY + dy) } }
                    if !near { strays += 1 }
                }
            }
            XCTAssertEqual(strays, 0, "plane \(plane): chroma samples changed away from the head region")
        }
        // The head region itself is bounded: nothing beyond the falloff around the mesh's bounding box.
        XCTAssertLessThan(Float(flow.width), flow.faceSize * 2.5)
    }

    func testAFaceThatCannotBeDrawnIsRefusedNotACrash() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        var renderer = GeometricRenderer(model: scene.model)
        // Within MotionLimits but 1 cm from the camera, and a huge expression: the mesh projects
        // thousands of frame sides away; the renderer refuses instead of converting it to Int.
        for edit in [
            { (c: inout FaceCoefficients) in c.translation.z = -10 },
            { (c: inout FaceCoefficients) in c.expression = c.expression.map { _ in 1e7 } },
        ] {
            let frame = try TestFrames.yuvFrame(scene.texturedImage())
            let before = try TestFrames.planes(frame)
            var edited = scene.source
            edit(&edited)
            let motion = scene.motion(edited: edited)
            XCTAssertThrowsError(try renderer.render(frame, source: motion.source, edited: motion.edited)) { error in
                XCTAssertTrue("\(error)".contains("does not project into"), "\(error)")
            }
            XCTAssertEqual(try TestFrames.planes(frame), before, "nothing drawn")
        }
    }

    // MARK: - Geometry

    func testPoseEditMovesLandmarkDotsToTheEditedProjection() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        var image = scene.texturedImage(base: (120, 120, 120))
        // Greyish texture: desaturate so the coloured dots are unique.
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let grey = UInt8((Int(image.pixels[i]) + Int(image.pixels[i + 1]) + Int(image.pixels[i + 2])) / 3)
            image.pixels[i] = grey; image.pixels[i + 1] = grey; image.pixels[i + 2] = grey
        }
        // Inner-face landmarks: brows, nose, eye corners, mouth corners, lips.
        let numbers = [20, 25, 28, 31, 34, 37, 40, 43, 46, 49, 52, 55, 58]
        let colours: [(UInt8, UInt8, UInt8)] = [
            (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255),
            (0, 255, 255), (255, 128, 0), (128, 0, 255), (0, 128, 255), (255, 0, 128),
            (128, 255, 0), (0, 255, 128), (255, 255, 255),
        ]
        let sourceLandmarks = scene.landmarks(scene.source)
        for (number, colour) in zip(numbers, colours) {
            let point = try XCTUnwrap(sourceLandmarks[number - 1])
            for y in Int(point.y) - 4...Int(point.y) + 4 {
                for x in Int(point.x) - 4...Int(point.x) + 4 {
                    let dx = Float(x) - point.x, dy = Float(y) - point.y
                    if dx * dx + dy * dy <= 2.2 * 2.2 { image[x, y] = colour }
                }
            }
        }
        let frame = try TestFrames.rgbFrame(image)
        var edited = scene.source
        edited.pose = HeadPose(yawDegrees: 14, pitchDegrees: 6, rollDegrees: -3)
        edited.translation.x += 12
        let editedLandmarks = scene.landmarks(edited)
        var renderer = GeometricRenderer(model: scene.model)
        let motion = scene.motion(edited: edited)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let result = try frame.rgb
        for (number, colour) in zip(numbers, colours) {
            let expected = try XCTUnwrap(editedLandmarks[number - 1])
            let old = try XCTUnwrap(sourceLandmarks[number - 1])
            // Weighted centroid of the dot's colour near the expected place.
            var sumX: Float = 0, sumY: Float = 0, sumW: Float = 0
            for y in Int(expected.y) - 12...Int(expected.y) + 12 {
                for x in Int(expected.x) - 12...Int(expected.x) + 12 {
                    let p = result[x, y]
                    let distance =
                        (pow(Float(p.red) - Float(colour.0), 2) + pow(Float(p.green) - Float(colour.1), 2)
                        + pow(Float(p.blue) - Float(colour.2), 2)).squareRoot()
                    let weight = max(0, 1 - distance / 90)
                    sumX += weight * Float(x); sumY += weight * Float(y); sumW += weight
                }
            }
            XCTAssertGreaterThan(sumW, 3, "landmark \(number): its dot is gone")
            guard sumW > 3 else { continue }
            let found = Point2(x: sumX / sumW, y: sumY / sumW)
            let error = hypot(found.x - expected.x, found.y - expected.y)
            XCTAssertLessThan(error, 1.5, "landmark \(number): dot at \(found), expected \(expected) (was at \(old))")
            XCTAssertGreaterThan(hypot(expected.x - old.x, expected.y - old.y), 3, "landmark \(number) should move")
        }
    }

    func testFlowIsContinuousAcrossTheMeshBoundary() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        var edited = scene.source
        edited.pose = HeadPose(yawDegrees: 20, pitchDegrees: 8, rollDegrees: -6)
        edited.translation.y -= 10
        let flow = try GeometricRenderer(model: scene.model).flow(
            identity: [], camera: scene.camera, source: scene.source,
            edited: edited, frameWidth: scene.width, frameHeight: scene.height)
        var largestJump: Float = 0, boundaryMotion: Float = 0, pairs = 0
        for y in flow.originY..<flow.originY + flow.height - 1 {
            for x in flow.originX..<flow.originX + flow.width - 1 {
                let here = flow.displacement(x: x, y: y)
                for (nx, ny) in [(x + 1, y), (x, y + 1)] where flow.isCoveredByMesh(x: x, y: y) != flow.isCoveredByMesh(x: nx, y: ny) {
                    let there = flow.displacement(x: nx, y: ny)
                    largestJump = max(largestJump, hypot(here.dx - there.dx, here.dy - there.dy))
                    boundaryMotion += hypot(here.dx, here.dy)
                    pairs += 1
                }
            }
        }
        XCTAssertGreaterThan(pairs, 300)
        XCTAssertGreaterThan(boundaryMotion / Float(pairs), 5, "the edit must move the boundary for this test to mean anything")
        XCTAssertLessThan(largestJump, 0.75, "flow jumps across the mesh boundary (pixels)")
    }

    func testFlowIsExactlyZeroBeyondTheFalloffDistance() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        var edited = scene.source
        edited.pose = HeadPose(yawDegrees: -15, pitchDegrees: 5, rollDegrees: 8)
        edited.translation.x -= 8
        let flow = try GeometricRenderer(model: scene.model).flow(
            identity: [], camera: scene.camera, source: scene.source,
            edited: edited, frameWidth: scene.width, frameHeight: scene.height)
        XCTAssertEqual(flow.falloffDistance, 0.35 * flow.faceSize, accuracy: 0.01, "the face is far from the edges: no shrinking")
        var mesh: [Point2] = []
        for y in flow.originY..<flow.originY + flow.height {
            for x in flow.originX..<flow.originX + flow.width where flow.isCoveredByMesh(x: x, y: y) {
                let isEdge =
                    !flow.isCoveredByMesh(x: x - 1, y: y) || !flow.isCoveredByMesh(x: x + 1, y: y)
                    || !flow.isCoveredByMesh(x: x, y: y - 1) || !flow.isCoveredByMesh(x: x, y: y + 1)
                if isEdge { mesh.append(Point2(x: Float(x), y: Float(y))) }
            }
        }
        XCTAssertFalse(mesh.isEmpty)
        var beyond = 0, nonZeroBeyond = 0, movingNear = 0
        for y in stride(from: 0, to: scene.height, by: 3) {
            for x in stride(from: 0, to: scene.width, by: 3) where !flow.isCoveredByMesh(x: x, y: y) {
                var nearest = Float.infinity
                for p in mesh { nearest = min(nearest, hypot(p.x - Float(x), p.y - Float(y))) }
                let d = flow.displacement(x: x, y: y)
                if nearest > flow.falloffDistance + 1.5 {
                    beyond += 1
                    if d.dx != 0 || d.dy != 0 { nonZeroBeyond += 1 }
                } else if nearest > 0.2 * flow.falloffDistance, nearest < 0.5 * flow.falloffDistance, hypot(d.dx, d.dy) > 0.5 {
                    movingNear += 1
                }
            }
        }
        XCTAssertGreaterThan(beyond, 1000)
        XCTAssertEqual(nonZeroBeyond, 0, "the flow must be exactly zero beyond the falloff distance")
        XCTAssertGreaterThan(movingNear, 100, "hair, ears and neck near the face must move with the head")
    }

    func testFalloffShrinksSoTheFlowIsZeroBeforeTheFrameEdge() throws {
        // The face's bounding box starts ~20 px from the left edge.
        let scene = GeometricTestScene(model: try SurreyModel.load(), centre: Point2(x: 95, y: 240))
        var edited = scene.source
        edited.translation.x += 10
        let flow = try GeometricRenderer(model: scene.model).flow(
            identity: [], camera: scene.camera, source: scene.source,
            edited: edited, frameWidth: scene.width, frameHeight: scene.height)
        XCTAssertLessThan(flow.falloffDistance, 0.35 * flow.faceSize)
        for y in 0..<scene.height {
            let d = flow.displacement(x: 0, y: y)
            XCTAssertTrue(d.dx == 0 && d.dy == 0, "row \(y): the flow reaches the frame's left edge")
        }
    }

    // MARK: - Mouth and eyes

    func testOpeningTheMouthDarkensTheNewOpening() throws {
        let model = try SurreyModel.load()
        let scene = GeometricTestScene(model: model)
        let surprise = try XCTUnwrap(model.expressionNames.firstIndex(of: "surprise"))
        var edited = scene.source
        edited.expression[surprise] = 1
        let inner = [49, 62, 63, 64, 55, 66, 67, 68]
        let sourceLips = try inner.map { try XCTUnwrap(scene.landmarks(scene.source)[$0 - 1]) }
        let editedLips = try inner.map { try XCTUnwrap(scene.landmarks(edited)[$0 - 1]) }
        XCTAssertGreaterThan(area(editedLips), area(sourceLips) + 60, "surprise must open the SFM's mouth")

        func meanLumaInsideOpening(synthesize: Bool) throws -> (before: Float, after: Float) {
            let image = scene.texturedImage(base: (205, 160, 140))
            let frame = try TestFrames.rgbFrame(image)
            var renderer = GeometricRenderer(model: model, configuration: .init(synthesizesMouthInterior: synthesize))
            let motion = scene.motion(edited: edited)
            try renderer.render(frame, source: motion.source, edited: motion.edited)
            let result = try frame.rgb
            var before: Float = 0, after: Float = 0, count: Float = 0
            for y in 0..<scene.height {
                for x in 0..<scene.width {
                    let p = Point2(x: Float(x), y: Float(y))
                    guard isInside(p, polygon: editedLips), !isInside(p, polygon: sourceLips),
                        distanceToOutline(p, polygon: editedLips) > 1.5
                    else { continue }
                    before += luma(image[x, y]); after += luma(result[x, y]); count += 1
                }
            }
            XCTAssertGreaterThan(count, 20, "the new opening must cover pixels")
            return (before / max(count, 1), after / max(count, 1))
        }
        let synthesized = try meanLumaInsideOpening(synthesize: true)
        XCTAssertLessThan(synthesized.after, 0.45 * synthesized.before, "the new mouth opening must be a dark cavity")
        let stretched = try meanLumaInsideOpening(synthesize: false)
        XCTAssertGreaterThan(stretched.after, 0.75 * stretched.before, "without synthesis the warp shows (lip) skin")
    }

    /// The closing lid is the source's own lid slid down: the eyeball disappears under it, and the
    /// source's lashes arrive at the closed lid's edge.
    func testClosingAnEyeSlidesTheLidAndItsLashesOverTheEyeball() throws {
        let model = try SurreyModel.load()
        let scene = GeometricTestScene(model: model)
        // The right eye's upper lid (iBUG 38, 39) brought down onto the lower lid.
        let (neutral, closed, eye) = try GeometricTestScene.closedRightEye(model)
        let sourceMesh = ProjectedMesh(vertices: neutral, coefficients: scene.source, camera: scene.camera)
        let editedMesh = ProjectedMesh(vertices: closed, coefficients: scene.source, camera: scene.camera)
        let sourceEye = eye.map { sourceMesh.point($0) }
        let editedLid = (editedMesh.point(eye[1]), editedMesh.point(eye[2]))

        // Skin, with a white eyeball and a dark iris inside the source's eye outline.
        var image = scene.texturedImage(base: (200, 155, 135))
        let centre = Point2(x: sourceEye.map(\.x).reduce(0, +) / 6, y: sourceEye.map(\.y).reduce(0, +) / 6)
        var white = 0
        for y in 0..<scene.height {
            for x in 0..<scene.width where isInside(Point2(x: Float(x), y: Float(y)), polygon: sourceEye) {
                let isIris = hypot(Float(x) - centre.x, Float(y) - centre.y) < 3
                image[x, y] = isIris ? (40, 30, 25) : (245, 245, 245)
                if !isIris { white += 1 }
            }
        }
        XCTAssertGreaterThan(white, 25)
        // Dark lashes along the source's upper lid (from 38 to 39, the pixel row just above it).
        let sourceLid = (sourceMesh.point(eye[1]), sourceMesh.point(eye[2]))
        for step in 0...20 {
            let t = Float(step) / 20
            let x = sourceLid.0.x + t * (sourceLid.1.x - sourceLid.0.x), y = sourceLid.0.y + t * (sourceLid.1.y - sourceLid.0.y)
            image[Int(x.rounded()), Int(y.rounded()) - 1] = (35, 25, 20)
        }

        func render(synthesize: Bool) throws -> RGBImage {
            let frame = try TestFrames.rgbFrame(image)
            try GeometricRenderer(model: model, configuration: .init(synthesizesClosedEyelids: synthesize))
                .renderFace(frame, source: sourceMesh, edited: editedMesh)
            return try frame.rgb
        }
        func whitePixels(_ picture: RGBImage) -> Int {
            var count = 0
            for y in 0..<scene.height {
                for x in 0..<scene.width {
                    let p = picture[x, y]
                    if p.red > 225 && p.green > 225 && p.blue > 225 { count += 1 }
                }
            }
            return count
        }
        func lidDarkness(_ picture: RGBImage) -> Float {
            // The darkest luma along the closed lid edge between 38 and 39 (the iris is covered there).
            var darkest: Float = 255
            for step in 0...10 {
                let t = Float(step) / 10
                let x = editedLid.0.x + t * (editedLid.1.x - editedLid.0.x), y = editedLid.0.y + t * (editedLid.1.y - editedLid.0.y)
                for dy in -2...2 { darkest = min(darkest, luma(picture[Int(x.rounded()), Int(y.rounded()) + dy])) }
            }
            return darkest
        }
        let synthesized = try render(synthesize: true)
        XCTAssertLessThan(whitePixels(synthesized), white / 10, "the closed lid must cover the eyeball")
        let plain = try render(synthesize: false)
        XCTAssertLessThan(whitePixels(synthesized), whitePixels(plain), "the lid covers more of the eyeball than the plain warp")
        XCTAssertLessThan(lidDarkness(synthesized), 90, "the source's lashes along the closed lid's edge")
    }

    // MARK: - Errors

    func testTrackOfAnotherModelIsRejectedByName() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        let frame = try TestFrames.rgbFrame(scene.texturedImage())
        var edited = scene.source
        edited.pose.yaw += 0.1
        let motion = scene.motion(edited: edited, modelName: "bfm09-front")
        var renderer = GeometricRenderer(model: scene.model)
        XCTAssertThrowsError(try renderer.render(frame, source: motion.source, edited: motion.edited)) { error in
            let renderError = error as? RenderError
            XCTAssertEqual(renderError?.code, .incompatible)
            XCTAssertTrue(renderError?.message.contains("bfm09-front") ?? false, "\(error)")
            XCTAssertTrue(renderError?.message.contains("sfm_3448") ?? false, "\(error)")
        }
    }

    func testOutOfRangeConfigurationIsNamed() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        let renderer = GeometricRenderer(model: scene.model, configuration: .init(falloffDistance: -1))
        XCTAssertThrowsError(
            try renderer.flow(
                identity: [], camera: scene.camera, source: scene.source, edited: scene.source,
                frameWidth: 64, frameHeight: 64)
        ) { error in
            XCTAssertEqual((error as? RenderError)?.code, .invalidArgument)
            XCTAssertTrue("\(error)".contains("falloffDistance"), "\(error)")
        }
    }

    private func area(_ polygon: [Point2]) -> Float {
        var sum: Float = 0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            sum += a.x * b.y - b.x * a.y
        }
        return abs(sum) / 2
    }
}

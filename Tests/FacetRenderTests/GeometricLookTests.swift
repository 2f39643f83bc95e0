import FacetMedia
import FacetMorphableModel
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetRender

/// How edited faces look: the source's mouth interior stays attached to the lips, the resampling
/// keeps detail, and a closed lid has a thin lash line.
final class GeometricLookTests: XCTestCase {
    // MARK: - Mouth interior

    func testOpeningTheMouthKeepsTheTeethUnderTheUpperLipAndDarkensOnlyTheNewGap() throws {
        let model = try SurreyModel.load()
        var scene = GeometricTestScene(model: model)
        let surprise = try XCTUnwrap(model.expressionNames.firstIndex(of: "surprise"))
        scene.source.expression[surprise] = 0.6
        var edited = scene.source
        edited.expression[surprise] = 1.6
        let inner = [49, 62, 63, 64, 55, 66, 67, 68]
        let sourceLips = try inner.map { try XCTUnwrap(scene.landmarks(scene.source)[$0 - 1]) }
        let editedLips = try inner.map { try XCTUnwrap(scene.landmarks(edited)[$0 - 1]) }
        // The middle of each opening: upper lip 63 (index 2), lower lip 67 (index 6).
        let sourceHeight = hypot(sourceLips[6].x - sourceLips[2].x, sourceLips[6].y - sourceLips[2].y)
        let editedHeight = hypot(editedLips[6].x - editedLips[2].x, editedLips[6].y - editedLips[2].y)
        XCTAssertGreaterThan(sourceHeight, 8, "the source mouth must be open")
        XCTAssertGreaterThan(editedHeight, sourceHeight + 10, "the edit must open it further")

        // Skin, with a bright band (teeth) in the upper half of the source opening and a mid-dark
        // lower half.
        var image = scene.texturedImage(base: (205, 160, 140))
        let split = Point2(x: (sourceLips[2].x + sourceLips[6].x) / 2, y: (sourceLips[2].y + sourceLips[6].y) / 2)
        for y in 0..<scene.height {
            for x in 0..<scene.width where isInside(Point2(x: Float(x), y: Float(y)), polygon: sourceLips) {
                image[x, y] = Float(y) < split.y ? (246, 244, 236) : (150, 80, 80)
            }
        }
        let frame = try TestFrames.rgbFrame(image)
        var renderer = GeometricRenderer(model: model)
        let motion = scene.motion(edited: edited)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let result = try frame.rgb

        // Along the edited opening's middle, from the upper lip (63) down to the lower lip (67).
        func lumaBelowUpperLip(_ distance: Float) -> Float {
            let t = distance / editedHeight
            let x = editedLips[2].x + t * (editedLips[6].x - editedLips[2].x)
            let y = editedLips[2].y + t * (editedLips[6].y - editedLips[2].y)
            return luma(result[Int(x.rounded()), Int(y.rounded())])
        }
        var teeth: [Float] = []
        for distance in stride(from: Float(2), through: sourceHeight / 2 - 2, by: 1) { teeth.append(lumaBelowUpperLip(distance)) }
        XCTAssertFalse(teeth.isEmpty)
        XCTAssertGreaterThan(teeth.min() ?? 0, 200, "the teeth stay attached under the edited upper lip: \(teeth)")
        let gapMiddle = lumaBelowUpperLip(editedHeight / 2)
        XCTAssertLessThan(gapMiddle, 50, "the new gap between the lips is a dark cavity")
        // The lower half of the source interior stays with the lower lip.
        let lower = lumaBelowUpperLip(editedHeight - 3)
        XCTAssertEqual(lower, luma((150, 80, 80)), accuracy: 25, "the lower interior moves with the lower lip")
        // No stretched teeth: in the middle of the opening (where its height is about that at 63-67),
        // bright pixels only near the upper lip.
        let middleX = editedLips[2].x, halfSpan = 0.2 * abs(editedLips[4].x - editedLips[0].x)
        var brightFarDown = 0
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                let p = Point2(x: Float(x), y: Float(y))
                guard abs(p.x - middleX) < halfSpan, isInside(p, polygon: editedLips),
                    distanceToOutline(p, polygon: editedLips) > 1.5
                else { continue }
                // Signed distance below the edited upper lip's middle along the opening's direction.
                let along =
                    ((p.x - editedLips[2].x) * (editedLips[6].x - editedLips[2].x)
                        + (p.y - editedLips[2].y) * (editedLips[6].y - editedLips[2].y)) / editedHeight
                if along > sourceHeight / 2 + 3, along < editedHeight - sourceHeight / 2 - 3, luma(result[x, y]) > 150 {
                    brightFarDown += 1
                }
            }
        }
        XCTAssertLessThan(brightFarDown, 5, "no teeth stretched into the new gap")
    }

    func testTheOpenedMouthsInteriorFadesOutTowardsTheCornersInsteadOfEndingInADarkPoint() throws {
        // Inner-lip points 49, 62, 63, 64, 55, 66, 67, 68: closed lips, then opened by 30 px.
        func outline(upper: Float, lower: Float) -> [Point2] {
            [
                Point2(x: 100, y: 100), Point2(x: 125, y: upper), Point2(x: 150, y: upper), Point2(x: 175, y: upper),
                Point2(x: 200, y: 100), Point2(x: 175, y: lower), Point2(x: 150, y: lower), Point2(x: 125, y: lower),
            ]
        }
        let mouth = try XCTUnwrap(MouthSynthesis(source: outline(upper: 100, lower: 100), edited: outline(upper: 95, lower: 125)))
        func coverage(u: Float) -> Float {
            let x = 100 + 100 * u
            let top = mouth.editedOutline.upper(u), bottom = mouth.editedOutline.lower(u)
            return mouth.pixel(x: x, y: 100 + (top + bottom) / 2)?.coverage ?? 0
        }
        XCTAssertEqual(coverage(u: 0.5), 1, accuracy: 1e-4, "the middle of the opening is all interior")
        XCTAssertEqual(coverage(u: 0.2), 1, accuracy: 1e-4, "the interior is whole a fifth of the way in")
        // Four pixels from a corner the opening is still several pixels high (wider than the
        // inner lip's soft edge), yet only a trace of interior shows: the lips meet there.
        let nearCorner = mouth.editedOutline.opening(0.04)
        XCTAssertGreaterThan(nearCorner, 2.5, "the opening near the corner is wider than the lip's soft edge")
        XCTAssertLessThan(coverage(u: 0.04), 0.5, "the interior fades out near the corner")
        XCTAssertLessThan(coverage(u: 0.04), coverage(u: 0.08))
    }

    // MARK: - Resampling

    /// Renders the scene's source mesh moved `shift` px left (so the flow reads `shift` px to the
    /// right) over an image; returns the result and the pixels where the flow is exactly that shift.
    private func translated(
        _ image: RGBImage, scene: GeometricTestScene, shift: Float,
        interpolation: GeometricRenderer.Interpolation
    ) throws -> (RGBImage, [(Int, Int)]) {
        let vertices = scene.model.vertices(identity: [], expression: [])
        let sourceMesh = ProjectedMesh(vertices: vertices, coefficients: scene.source, camera: scene.camera)
        var editedMesh = sourceMesh
        editedMesh.x = sourceMesh.x.map { $0 - shift }
        let renderer = GeometricRenderer(
            model: scene.model,
            configuration: .init(
                synthesizesMouthInterior: false,
                synthesizesClosedEyelids: false,
                interpolation: interpolation))
        let flow = renderer.flow(source: sourceMesh, edited: editedMesh, frameWidth: scene.width, frameHeight: scene.height)
        var exact: [(Int, Int)] = []
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                let (dx, dy) = flow.displacement(x: x, y: y)
                if abs(dx - shift) < 1e-3, abs(dy) < 1e-3 { exact.append((x, y)) }
            }
        }
        let frame = try TestFrames.rgbFrame(image)
        try renderer.renderFace(frame, source: sourceMesh, edited: editedMesh)
        return (try frame.rgb, exact)
    }

    func testBicubicReproducesASmoothGradientUnderAHalfPixelTranslation() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        // Red rises 2 per column, green 2 per row, within the ranges checked below.
        func red(_ x: Float) -> Float { min(max(2 * (x - 250), 0), 255) }
        func green(_ y: Float) -> Float { min(max(2 * (y - 170), 0), 255) }
        var image = RGBImage(width: scene.width, height: scene.height)
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                image[x, y] = (UInt8(red(Float(x))), UInt8(green(Float(y))), 90)
            }
        }
        let shift: Float = 3.5
        let (result, exact) = try translated(image, scene: scene, shift: shift, interpolation: .bicubic)
        var checked = 0
        for (x, y) in exact {
            let sourceX = Float(x) + shift
            guard sourceX - 2 >= 250, sourceX + 2 <= 377, y - 2 >= 170, y + 2 <= 297 else { continue }
            let pixel = result[x, y]
            XCTAssertEqual(Float(pixel.red), red(sourceX), "red at \(x),\(y)")
            XCTAssertEqual(Float(pixel.green), green(Float(y)), "green at \(x),\(y)")
            XCTAssertEqual(pixel.blue, 90)
            checked += 1
            if checked > 2000 { break }
        }
        XCTAssertGreaterThan(checked, 500, "the translated region must cover the gradient")
    }

    func testBicubicKeepsMoreOfACheckerboardsDetailThanBilinear() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        var image = RGBImage(width: scene.width, height: scene.height)
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                let value: UInt8 = (x / 2 + y / 2) % 2 == 0 ? 60 : 190
                image[x, y] = (value, value, value)
            }
        }
        func energy(_ picture: RGBImage, _ pixels: [(Int, Int)]) -> Float {
            var sum: Float = 0
            for (x, y) in pixels where x > 0 {
                let d = Float(picture[x, y].red) - Float(picture[x - 1, y].red)
                sum += d * d
            }
            return sum / Float(max(pixels.count, 1))
        }
        let shift: Float = 2.5
        let (bicubic, exact) = try translated(image, scene: scene, shift: shift, interpolation: .bicubic)
        let (bilinear, _) = try translated(image, scene: scene, shift: shift, interpolation: .bilinear)
        XCTAssertGreaterThan(exact.count, 500)
        let original = energy(image, exact), sharp = energy(bicubic, exact), soft = energy(bilinear, exact)
        XCTAssertGreaterThan(sharp, 1.3 * soft, "bicubic keeps more high frequencies (\(sharp) vs \(soft), source \(original))")
        XCTAssertGreaterThan(sharp, 0.6 * original)
    }

    func testSubPixelFlowBelowOneSixtyFourthLeavesPixelsUntouched() throws {
        let scene = GeometricTestScene(model: try SurreyModel.load())
        let image = scene.texturedImage()
        let (result, exact) = try translated(image, scene: scene, shift: 0.01, interpolation: .bicubic)
        XCTAssertGreaterThan(exact.count, 500)
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                guard result[x, y] != image[x, y] else { continue }
                XCTFail("pixel \(x),\(y) changed under a 0.01 px flow"); return
            }
        }
    }

    // MARK: - Eyelids

    func testClosedLidHasAThinLashLineAndSkinColouredLid() throws {
        let model = try SurreyModel.load()
        let scene = GeometricTestScene(model: model)
        // The right eye's upper lid (iBUG 38, 39) brought down onto the lower lid.
        let (neutral, closed, eye) = try GeometricTestScene.closedRightEye(model)
        let sourceMesh = ProjectedMesh(vertices: neutral, coefficients: scene.source, camera: scene.camera)
        let editedMesh = ProjectedMesh(vertices: closed, coefficients: scene.source, camera: scene.camera)
        let sourceEye = eye.map { sourceMesh.point($0) }
        let editedLid = (editedMesh.point(eye[1]), editedMesh.point(eye[2]))

        // Plain skin; a white eyeball with a dark iris, and a dark lash band above the source lid.
        let skin: (UInt8, UInt8, UInt8) = (200, 160, 140)
        var image = RGBImage(width: scene.width, height: scene.height, red: skin.0, green: skin.1, blue: skin.2)
        let centre = Point2(x: sourceEye.map(\.x).reduce(0, +) / 6, y: sourceEye.map(\.y).reduce(0, +) / 6)
        let lid = LidPolyline(Array(sourceEye[0...3]))
        for y in 0..<scene.height {
            for x in 0..<scene.width {
                let p = Point2(x: Float(x), y: Float(y))
                if isInside(p, polygon: sourceEye) {
                    image[x, y] = hypot(p.x - centre.x, p.y - centre.y) < 3 ? (40, 30, 25) : (245, 245, 245)
                } else if p.x > lid.xs[0], p.x < lid.xs[3], p.y < lid.y(at: p.x), p.y > lid.y(at: p.x) - 2 {
                    image[x, y] = (30, 20, 20)
                }
            }
        }
        let frame = try TestFrames.rgbFrame(image)
        try GeometricRenderer(model: model).renderFace(frame, source: sourceMesh, edited: editedMesh)
        let result = try frame.rgb

        // Dark pixels per column across the closed lid's middle, within ±6 px of its edge.
        let skinLuma = luma(skin)
        var dark = 0, columns = 0, lidLumas: [Float] = []
        let x0 = Int(editedLid.0.x.rounded(.up)), x1 = Int(editedLid.1.x.rounded(.down))
        XCTAssertGreaterThan(x1 - x0, 3)
        for x in x0...x1 {
            let t = (Float(x) - editedLid.0.x) / (editedLid.1.x - editedLid.0.x)
            let edge = editedLid.0.y + t * (editedLid.1.y - editedLid.0.y)
            for y in Int(edge) - 6...Int(edge) + 6 where luma(result[x, y]) < skinLuma - 70 { dark += 1 }
            lidLumas.append(luma(result[x, Int(edge) - 3]))
            columns += 1
        }
        let perColumn = Float(dark) / Float(columns)
        XCTAssertGreaterThanOrEqual(perColumn, 0.5, "a lash line along the closed lid")
        XCTAssertLessThanOrEqual(perColumn, 2, "the lash line is thin (\(perColumn) dark px per column)")
        // The lid above the lash line is skin, a little darker than the source skin at most.
        for value in lidLumas {
            XCTAssertEqual(value, skinLuma, accuracy: 30, "lid skin above the lash line")
        }
    }
}

/// The source's upper lid as a polyline sorted by x, for drawing a lash band above it.
private struct LidPolyline {
    var xs: [Float]
    var ys: [Float]

    init(_ points: [Point2]) {
        let sorted = points.sorted { $0.x < $1.x }
        xs = sorted.map(\.x)
        ys = sorted.map(\.y)
    }

    func y(at x: Float) -> Float {
        if x <= xs[0] { return ys[0] }
        for i in 1..<xs.count where x <= xs[i] {
            let span = xs[i] - xs[i - 1]
            return ys[i - 1] + (span > 0 ? (x - xs[i - 1]) / span : 0) * (ys[i] - ys[i - 1])
        }
        return ys[ys.count - 1]
    }
}

// The geometric renderer: re-renders edited faces by warping the full-resolution frame through a
// mesh-guided backward flow that is exactly zero away from the head (see FaceFlow.swift), then
// draws what a warp cannot show — a mouth interior attached to the lips with a cavity where the
// edit opens the mouth (FeatureSynthesis.swift) — and slides the face's own lid skin down where
// it closes an eye (EyelidWarp.swift). Resampling is
// Catmull-Rom bicubic on full-resolution planes; displacements under 1/64 px leave pixels as they
// are; per-face buffers are reused across frames. No weights; pixels outside the head region stay
// bit-identical.

import Dispatch
import FacetMedia
import FacetMorphableModel
import FacetSDK

/// Re-renders each edited face by warping the frame through a flow built from the face model's
/// mesh projected with the source and with the edited coefficients.
public struct GeometricRenderer: FrameRenderer {
    /// The face model the tracks were fitted with.
    public let model: MorphableModel
    /// The renderer's settings.
    public let configuration: Configuration

    /// Triangle vertex indices, 3 per triangle.
    private let triangleIndices: [Int32]
    /// The sign of a front-facing triangle's signed area in image coordinates (y down).
    private let frontSign: Float
    /// iBUG numbers of the inner-lip outline (the corners from 49/55).
    private static let mouthNumbers = [49, 62, 63, 64, 55, 66, 67, 68]
    /// iBUG numbers of the two eye outlines and the brows above them.
    private static let eyeNumbers = [Array(37...42), Array(43...48)]
    private static let browNumbers = [Array(18...22), Array(23...27)]
    /// The model's vertex of each iBUG landmark number it maps.
    private let landmarkVertices: [Int: Int]
    /// Per eye, how much the model's own eye-closing blendshape closes the mean eye at weight 1
    /// (used when a face's own full closure is not known).
    private let fullEyeClosure: [Float]
    /// Per eye, the expression column of the blendshape that closes it (nil if the model has none).
    private let eyeClosingColumns: [Int?]
    /// Identity shapes (mean + identity basis · identity) by identity, reused across frames.
    private var identityShapes: [[Float]: [Float]] = [:]
    /// Per-face buffers reused across frames.
    private let workspace = RenderWorkspace()

    /// Creates the renderer for a model; per-model tables (triangles, feature vertices) are built here.
    public init(model: MorphableModel, configuration: Configuration = .init()) {
        self.model = model
        self.configuration = configuration
        triangleIndices = model.triangles.flatMap { [$0.x, $0.y, $0.z] }
        // The front side is the one facing the camera for the frontal pose: y flips in the image.
        var areaSum: Float = 0
        let mean = model.mean
        for triangle in model.triangles {
            let a = Int(triangle.x) * 3, b = Int(triangle.y) * 3, c = Int(triangle.z) * 3
            let (x0, y0) = (mean[a], -mean[a + 1]), (x1, y1) = (mean[b], -mean[b + 1]), (x2, y2) = (mean[c], -mean[c + 1])
            areaSum += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        }
        frontSign = areaSum >= 0 ? 1 : -1
        var landmarkVertices: [Int: Int] = [:]
        for number in 1...68 { if let vertex = model.landmarkVertex(number) { landmarkVertices[number] = vertex } }
        self.landmarkVertices = landmarkVertices
        (fullEyeClosure, eyeClosingColumns) = Self.eyeClosures(model, landmarkVertices: landmarkVertices)
    }

    /// The mean colour (RGB 0…255) of 3×3 neighbourhoods at `points`.
    static func meanRGB(_ picture: WritablePicture, at points: [Point2]) -> (red: Float, green: Float, blue: Float) {
        var red: Float = 0, green: Float = 0, blue: Float = 0, count: Float = 0
        var values = [Float](repeating: 0, count: picture.planes.count)
        for point in points {
            for dy in -1...1 {
                for dx in -1...1 {
                    let x = min(max(Int(point.x.rounded()) + dx, 0), picture.width - 1)
                    let y = min(max(Int(point.y.rounded()) + dy, 0), picture.height - 1)
                    for (index, plane) in picture.planes.enumerated() {
                        values[index] = Float(plane[min(x >> plane.shiftX, plane.width - 1), min(y >> plane.shiftY, plane.height - 1)])
                    }
                    let rgb = picture.rgb(samples: values)
                    red += rgb.red; green += rgb.green; blue += rgb.blue; count += 1
                }
            }
        }
        guard count > 0 else { return (150, 80, 80) }
        return (red / count, green / count, blue / count)
    }

    /// The tone of lit skin among `points`: the mean colour of the samples between the 40th and
    /// 85th percentile of brightness (shadows, lashes, brow hairs and highlights left out).
    static func litSkinRGB(_ picture: WritablePicture, at points: [Point2]) -> (red: Float, green: Float, blue: Float) {
        let colours = points.map { meanRGB(picture, at: [$0]) }.sorted {
            $0.red + $0.green + $0.blue < $1.red + $1.green + $1.blue
        }
        guard !colours.isEmpty else { return (150, 110, 90) }
        let low = colours.count * 40 / 100, high = max(colours.count * 85 / 100, low + 1)
        let chosen = colours[low..<min(high, colours.count)]
        let count = Float(chosen.count)
        return (
            chosen.map(\.red).reduce(0, +) / count, chosen.map(\.green).reduce(0, +) / count,
            chosen.map(\.blue).reduce(0, +) / count
        )
    }

    /// Per eye outline, the largest closure any of the model's eye-closing blendshapes
    /// (`*-eye-closed`) makes at weight 1 on the mean face seen from the front (1 where it has
    /// none), and that blendshape's column.
    private static func eyeClosures(_ model: MorphableModel, landmarkVertices: [Int: Int]) -> ([Float], [Int?]) {
        let closing = model.expressionNames.indices.filter { model.expressionNames[$0].hasSuffix("eye-closed") }
        let rows = model.mean.count
        let results: [(Float, Int?)] = eyeNumbers.map { numbers in
            let vertices = numbers.compactMap { landmarkVertices[$0] }
            guard vertices.count == numbers.count else { return (1, nil) }
            // Frontal projection: x right, y down.
            let neutral = vertices.map { Point2(x: model.mean[3 * $0], y: -model.mean[3 * $0 + 1]) }
            var best: Float = 0, bestColumn: Int?
            for column in closing {
                let closed = vertices.map { vertex in
                    Point2(
                        x: model.mean[3 * vertex] + model.expressionBasis[column * rows + 3 * vertex],
                        y: -(model.mean[3 * vertex + 1] + model.expressionBasis[column * rows + 3 * vertex + 1]))
                }
                let closure = EyelidWarp.closure(source: neutral, edited: closed) ?? 0
                if closure > best { best = closure; bestColumn = column }
            }
            return best > 0.5 ? (best, bestColumn) : (1, nil)
        }
        return (results.map(\.0), results.map(\.1))
    }

    /// Per eye, how much the model's eye-closing blendshape at full weight closes this face's
    /// eye at this pose (identity, the source expression and the camera all change it a little);
    /// nil where the model has no such blendshape.
    private func fullEyeClosures(
        vertices: [Float], coefficients: FaceCoefficients, camera: FaceCamera,
        mesh: ProjectedMesh
    ) -> [Float?] {
        let rows = model.mean.count
        return zip(Self.eyeNumbers, eyeClosingColumns).map { numbers, column in
            guard let column else { return nil }
            let eye = numbers.compactMap { landmarkVertices[$0] }
            guard eye.count == numbers.count else { return nil }
            let weight = column < coefficients.expression.count ? coefficients.expression[column] : 0
            var closed: [Float] = []
            for vertex in eye {
                for axis in 0..<3 {
                    closed.append(vertices[3 * vertex + axis] + (1 - weight) * model.expressionBasis[column * rows + 3 * vertex + axis])
                }
            }
            let projected = ProjectedMesh(vertices: closed, coefficients: coefficients, camera: camera)
            let closure = EyelidWarp.closure(source: eye.map(mesh.point), edited: eye.indices.map(projected.point))
            return closure.flatMap { $0 > 0.3 ? $0 : nil }
        }
    }

    /// Describes the renderer.
    public var summary: String { "geometric" }

    // MARK: - Rendering

    /// Re-renders, in place, every face of `edited` at this frame whose coefficients or identity
    /// differ from the same track in `source`; other faces and all pixels outside the edited
    /// faces' head regions stay bit-identical.
    public mutating func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {
        try configuration.validate()
        if edited.frameWidth > 0, edited.frameHeight > 0, edited.frameWidth != frame.width || edited.frameHeight != frame.height {
            throw RenderError(
                .incompatible,
                "frame \(frame.index) is \(frame.width)x\(frame.height) but the motion was "
                    + "analysed at \(edited.frameWidth)x\(edited.frameHeight); expected the same size")
        }
        var faces: [(source: ProjectedMesh, edited: ProjectedMesh, detail: FaceDetail)] = []
        for track in edited.tracks {
            guard let editedPosition = track.position(ofFrame: frame.index),
                let sourceTrack = source.tracks.first(where: { $0.id == track.id }),
                let sourcePosition = sourceTrack.position(ofFrame: frame.index)
            else { continue }
            let editedCoefficients = track.frames[editedPosition].coefficients
            let sourceCoefficients = sourceTrack.frames[sourcePosition].coefficients
            guard editedCoefficients != sourceCoefficients || track.identity != sourceTrack.identity else { continue }
            try checkCompatible(track, coefficients: editedCoefficients, frame: frame.index)
            try checkCompatible(sourceTrack, coefficients: sourceCoefficients, frame: frame.index)
            let sourceVertices = vertices(identity: sourceTrack.identity, expression: sourceCoefficients.expression)
            let sourceMesh = ProjectedMesh(vertices: sourceVertices, coefficients: sourceCoefficients, camera: sourceTrack.camera!)
            let editedMesh = ProjectedMesh(
                vertices: vertices(identity: track.identity, expression: editedCoefficients.expression),
                coefficients: editedCoefficients, camera: track.camera!)
            for (mesh, which) in [(sourceMesh, "analysed"), (editedMesh, "edited")]
            where !mesh.isDrawable(frameWidth: frame.width, frameHeight: frame.height) {
                throw RenderError(
                    .incompatible,
                    "frame \(frame.index), track \(track.id): the \(which) face does not project into "
                        + "the \(frame.width)x\(frame.height) picture (its mesh has points that are not finite or lie more "
                        + "than \(Int(FlowBuilder.maximumReach)) frame sides outside it); expected coefficients of a head in view")
            }
            let closures = fullEyeClosures(
                vertices: sourceVertices, coefficients: sourceCoefficients,
                camera: sourceTrack.camera!, mesh: sourceMesh)
            faces.append(
                (
                    sourceMesh, editedMesh,
                    FaceDetail(
                        landmarks: sourceTrack.frames[sourcePosition].landmarks,
                        fullEyeClosures: closures)
                ))
        }
        guard !faces.isEmpty else { return }
        var buffers = faces.map { _ in workspace.take() }
        var flows = faces.indices.map { index in
            FlowBuilder.build(
                source: faces[index].source, edited: faces[index].edited, triangles: triangleIndices,
                frontSign: frontSign, frameWidth: frame.width, frameHeight: frame.height,
                configuration: configuration, buffers: &buffers[index])
        }
        defer {
            // The flows' arrays go back to the workspace once the flows are gone.
            for index in buffers.indices { buffers[index].recycle(flows[index]) }
            flows.removeAll()
            for set in buffers { workspace.give(set) }
        }
        guard flows.contains(where: { !$0.isEmpty }) else { return }
        do {
            try frame.withWritablePlanes { picture in
                for index in faces.indices where !flows[index].isEmpty {
                    renderFace(
                        into: picture, flow: flows[index], source: faces[index].source, edited: faces[index].edited,
                        detail: faces[index].detail, copy: &buffers[index].copy)
                }
            }
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError(.pixels, "frame \(frame.index): could not reach the pixels to render edited faces", cause: error)
        }
    }

    /// The backward flow the renderer would use for one face edit on a frame of the given size.
    ///
    /// - Parameters:
    ///   - identity: the track's identity coefficients (same for source and edit).
    ///   - camera: the track's camera.
    ///   - source: the face's coefficients as analysed.
    ///   - edited: the face's coefficients after the effect chain.
    public func flow(
        identity: [Float], camera: FaceCamera, source: FaceCoefficients, edited: FaceCoefficients,
        frameWidth: Int, frameHeight: Int
    ) throws(RenderError) -> FaceFlow {
        try configuration.validate()
        guard frameWidth > 0, frameHeight > 0 else {
            throw RenderError(.invalidArgument, "frame size \(frameWidth)x\(frameHeight); expected positive dimensions")
        }
        var shapes = identityShapes
        let sourceMesh = ProjectedMesh(
            vertices: Self.vertices(model, identity: identity, expression: source.expression, cache: &shapes),
            coefficients: source, camera: camera)
        let editedMesh = ProjectedMesh(
            vertices: Self.vertices(model, identity: identity, expression: edited.expression, cache: &shapes),
            coefficients: edited, camera: camera)
        return flow(source: sourceMesh, edited: editedMesh, frameWidth: frameWidth, frameHeight: frameHeight)
    }

    /// The flow between two projections of the model's mesh.
    func flow(source: ProjectedMesh, edited: ProjectedMesh, frameWidth: Int, frameHeight: Int) -> FaceFlow {
        FlowBuilder.build(
            source: source, edited: edited, triangles: triangleIndices, frontSign: frontSign,
            frameWidth: frameWidth, frameHeight: frameHeight, configuration: configuration)
    }

    /// Renders one face given its two projections (model-space vertices already posed and projected).
    func renderFace(_ frame: VideoFrame, source: ProjectedMesh, edited: ProjectedMesh, landmarks: [Point2]? = nil) throws {
        let flow = self.flow(source: source, edited: edited, frameWidth: frame.width, frameHeight: frame.height)
        guard !flow.isEmpty else { return }
        var copy: [UInt8] = []
        try frame.withWritablePlanes { picture in
            renderFace(
                into: picture, flow: flow, source: source, edited: edited,
                detail: FaceDetail(landmarks: landmarks, fullEyeClosures: []), copy: &copy)
        }
    }

    private func checkCompatible(_ track: FaceTrack, coefficients: FaceCoefficients, frame: Int) throws(RenderError) {
        guard track.modelName == model.name else {
            throw RenderError(
                .incompatible,
                "track \(track.id) was fitted with the face model \"\(track.modelName)\"; the "
                    + "geometric renderer was created with \"\(model.name)\"")
        }
        guard track.camera != nil else {
            throw RenderError(
                .incompatible,
                "track \(track.id) has no camera; the geometric renderer needs the camera the "
                    + "coefficients were fitted with to project the mesh")
        }
        guard track.identity.count <= model.identityCount else {
            throw RenderError(
                .incompatible,
                "track \(track.id) has \(track.identity.count) identity coefficients; the model "
                    + "\"\(model.name)\" has \(model.identityCount)")
        }
        guard coefficients.expression.count <= model.expressionCount else {
            throw RenderError(
                .incompatible,
                "track \(track.id) frame \(frame) has \(coefficients.expression.count) expression "
                    + "coefficients; the model \"\(model.name)\" has \(model.expressionCount)")
        }
    }

    /// Model-space vertices, reusing the identity shape across frames.
    private mutating func vertices(identity: [Float], expression: [Float]) -> [Float] {
        if identityShapes.count > 32 { identityShapes.removeAll() }
        return Self.vertices(model, identity: identity, expression: expression, cache: &identityShapes)
    }

    private static func vertices(
        _ model: MorphableModel, identity: [Float], expression: [Float],
        cache: inout [[Float]: [Float]]
    ) -> [Float] {
        var shape: [Float]
        if let cached = cache[identity] {
            shape = cached
        } else {
            shape = model.vertices(identity: identity, expression: [])
            cache[identity] = shape
        }
        let rows = shape.count
        shape.withUnsafeMutableBufferPointer { target in
            model.expressionBasis.withUnsafeBufferPointer { basis in
                for column in 0..<min(expression.count, model.expressionCount) where expression[column] != 0 {
                    let weight = expression[column]
                    let base = column * rows
                    for row in 0..<rows { target[row] += weight * basis[base + row] }
                }
            }
        }
        return shape
    }

    // MARK: - Warp and synthesis

    /// `copy` is scratch for the warp's copy of each plane's region.
    private func renderFace(
        into picture: WritablePicture, flow: FaceFlow, source: ProjectedMesh, edited: ProjectedMesh,
        detail: FaceDetail, copy: inout [UInt8]
    ) {
        var features = synthesis(source: source, edited: edited, detail: detail)
        if var mouth = features?.mouth {
            // The cavity's colours come from the face's own lips: their shadow at the rim, near
            // black at the back; the tongue a lighter, pinker lip tone; teeth an off-white as
            // bright as the face is lit.
            let lips = Self.meanRGB(picture, at: mouth.lipPoints)
            let light = min(max((lips.red + lips.green + lips.blue) / 3 / 120, 0.55), 1.25)
            func samples(_ r: Float, _ g: Float, _ b: Float) -> [Float] {
                picture.samples(red: min(max(r, 0), 255), green: min(max(g, 0), 255), blue: min(max(b, 0), 255)).map(Float.init)
            }
            mouth.edgeColour = samples(0.42 * lips.red, 0.3 * lips.green, 0.3 * lips.blue)
            mouth.backColour = samples(0.16 * lips.red, 0.06 * lips.green, 0.06 * lips.blue)
            mouth.tongueColour = samples(0.78 * lips.red, 0.5 * lips.green, 0.5 * lips.blue)
            mouth.teethColour = samples(178 * light, 168 * light, 152 * light)
            features?.mouth = mouth
        }
        features?.blackColour = picture.samples(red: 0, green: 0, blue: 0).map(Float.init)
        if let eyes = features?.eyes {
            features?.eyes = eyes.map { eye in
                var eye = eye
                let tone = Self.litSkinRGB(picture, at: eye.toneSamplePoints)
                eye.lidLight = picture.samples(red: tone.red, green: tone.green, blue: tone.blue).map(Float.init)
                return eye
            }
        }
        for (planeIndex, plane) in picture.planes.enumerated() {
            PlaneWarp.warp(
                plane: plane, planeIndex: planeIndex, flow: flow, features: features,
                interpolation: configuration.interpolation, parallel: configuration.usesMultipleThreads,
                copy: &copy)
        }
    }

    /// A feature's outline in the source and in the edit. The source outline is the tracked
    /// landmarks where the motion has them (they are where the feature is in the picture; the
    /// fitted mesh is within a pixel or two of them), else the source mesh; the edited outline is
    /// the source outline moved by the mesh's own displacement at each point.
    private func featurePoints(
        _ numbers: [Int], source: ProjectedMesh, edited: ProjectedMesh,
        landmarks: [Point2]?
    ) -> (source: [Point2], edited: [Point2])? {
        let vertices = numbers.compactMap { landmarkVertices[$0] }
        guard vertices.count == numbers.count else { return nil }
        let meshSource = vertices.map(source.point), meshEdited = vertices.map(edited.point)
        guard let landmarks, landmarks.count == 68 else { return (meshSource, meshEdited) }
        let tracked = numbers.map { landmarks[$0 - 1] }
        let moved = zip(tracked, zip(meshSource, meshEdited)).map { point, mesh in
            Point2(x: point.x + mesh.1.x - mesh.0.x, y: point.y + mesh.1.y - mesh.0.y)
        }
        return (tracked, moved)
    }

    private func synthesis(source: ProjectedMesh, edited: ProjectedMesh, detail: FaceDetail) -> FeatureSynthesis? {
        let landmarks = detail.landmarks
        var mouth: MouthSynthesis?
        if configuration.synthesizesMouthInterior,
            let points = featurePoints(Self.mouthNumbers, source: source, edited: edited, landmarks: landmarks)
        {
            mouth = MouthSynthesis(source: points.source, edited: points.edited)
        }
        var eyes: [EyelidWarp] = []
        if configuration.synthesizesClosedEyelids {
            for (index, (eye, brow)) in zip(Self.eyeNumbers, Self.browNumbers).enumerated() {
                guard let points = featurePoints(eye, source: source, edited: edited, landmarks: landmarks) else { continue }
                let browPoints = featurePoints(brow, source: source, edited: edited, landmarks: landmarks)?.source ?? []
                if let warp = EyelidWarp(
                    source: points.source, edited: points.edited, brow: browPoints,
                    fullClosure: (index < detail.fullEyeClosures.count ? detail.fullEyeClosures[index] : nil)
                        ?? fullEyeClosure[index])
                {
                    eyes.append(warp)
                }
            }
        }
        return FeatureSynthesis(mouth: mouth, eyes: eyes)
    }
}

/// What the renderer knows of one face at one frame besides its two meshes.
struct FaceDetail {
    /// The source frame's 68 tracked landmarks, if the motion has them.
    var landmarks: [Point2]?
    /// Per eye, the closure the model's eye-closing blendshape at full weight makes on this face
    /// (nil or absent: the mean face's).
    var fullEyeClosures: [Float?]
}

/// Warps one plane of a picture through a face flow, in place, reading an unmodified copy.
enum PlaneWarp {
    static func warp(
        plane: PixelPlane, planeIndex: Int, flow: FaceFlow, features: FeatureSynthesis?,
        interpolation: GeometricRenderer.Interpolation, parallel: Bool,
        copy: inout [UInt8]
    ) {
        let scaleX = 1 << plane.shiftX, scaleY = 1 << plane.shiftY
        let x0 = flow.originX >> plane.shiftX, y0 = flow.originY >> plane.shiftY
        let x1 = min(plane.width - 1, (flow.originX + flow.width - 1) >> plane.shiftX)
        let y1 = min(plane.height - 1, (flow.originY + flow.height - 1) >> plane.shiftY)
        guard x1 >= x0, y1 >= y0 else { return }
        let copyWidth = x1 - x0 + 1, copyHeight = y1 - y0 + 1
        // copy (copyHeight, copyWidth): the region as it was before this face was drawn.
        copy.reset(count: copyWidth * copyHeight, to: 0)
        copy.withUnsafeMutableBufferPointer { target in
            for row in 0..<copyHeight {
                let line = plane.base + (y0 + row) * plane.rowStride + x0 * plane.pixelStep
                for column in 0..<copyWidth { target[row * copyWidth + column] = line[column * plane.pixelStep] }
            }
        }
        let features = features
        let rows = copyHeight
        let bandCount = parallel ? min(rows, 8) : 1
        let shared = features
        copy.withUnsafeBufferPointer { source in
            flow.displacementX.withUnsafeBufferPointer { fxs in
                flow.displacementY.withUnsafeBufferPointer { fys in
                    flow.meshCoverage.withUnsafeBufferPointer { coverage in
                        let context = WarpContext(
                            plane: plane, planeIndex: planeIndex, source: source, fx: fxs, fy: fys, coverage: coverage,
                            flowOriginX: flow.originX, flowOriginY: flow.originY, flowWidth: flow.width,
                            flowHeight: flow.height, x0: x0, y0: y0, copyWidth: copyWidth, copyHeight: copyHeight,
                            scaleX: Float(scaleX), scaleY: Float(scaleY), features: shared,
                            bicubic: interpolation == .bicubic && plane.shiftX == 0 && plane.shiftY == 0)
                        if bandCount > 1 {
                            DispatchQueue.concurrentPerform(iterations: bandCount) { band in
                                let start = rows * band / bandCount, end = rows * (band + 1) / bandCount
                                context.warpRows(start..<end)
                            }
                        } else {
                            context.warpRows(0..<rows)
                        }
                    }
                }
            }
        }
    }
}

/// Everything one row band of the warp reads; rows of different bands never overlap.
private struct WarpContext: @unchecked Sendable {
    let plane: PixelPlane
    let planeIndex: Int
    /// The region's copy (copyHeight, copyWidth).
    let source: UnsafeBufferPointer<UInt8>
    /// The flow (flowHeight, flowWidth), in frame pixels.
    let fx: UnsafeBufferPointer<Float>
    let fy: UnsafeBufferPointer<Float>
    let coverage: UnsafeBufferPointer<UInt8>
    let flowOriginX: Int, flowOriginY: Int, flowWidth: Int, flowHeight: Int
    let x0: Int, y0: Int, copyWidth: Int, copyHeight: Int
    let scaleX: Float, scaleY: Float
    let features: FeatureSynthesis?
    /// Catmull-Rom bicubic resampling instead of bilinear (full-resolution planes: luma or RGB;
    /// subsampled chroma stays bilinear, where the eye does not see the difference).
    let bicubic: Bool

    /// The copy's value at plane point (u, v), clamped to the copy.
    @inline(__always)
    func sample(_ u: Float, _ v: Float) -> Float {
        let maxX = Float(copyWidth - 1), maxY = Float(copyHeight - 1)
        let u = min(max(u, 0), maxX), v = min(max(v, 0), maxY)
        let iu = Int(u), iv = Int(v)
        let au = u - Float(iu), av = v - Float(iv)
        if !bicubic {
            let iu1 = min(iu + 1, copyWidth - 1), iv1 = min(iv + 1, copyHeight - 1)
            let s00 = Float(source[iv * copyWidth + iu]), s01 = Float(source[iv * copyWidth + iu1])
            let s10 = Float(source[iv1 * copyWidth + iu]), s11 = Float(source[iv1 * copyWidth + iu1])
            let top = s00 + au * (s01 - s00), bottom = s10 + au * (s11 - s10)
            return top + av * (bottom - top)
        }
        if au == 0, av == 0 { return Float(source[iv * copyWidth + iu]) }
        // Catmull-Rom weights.
        let wx0 = ((-0.5 * au + 1) * au - 0.5) * au, wx1 = (1.5 * au - 2.5) * au * au + 1
        let wx2 = ((-1.5 * au + 2) * au + 0.5) * au, wx3 = (0.5 * au - 0.5) * au * au
        let wy0 = ((-0.5 * av + 1) * av - 0.5) * av, wy1 = (1.5 * av - 2.5) * av * av + 1
        let wy2 = ((-1.5 * av + 2) * av + 0.5) * av, wy3 = (0.5 * av - 0.5) * av * av
        var c0 = iu - 1, c1 = iu, c2 = iu + 1, c3 = iu + 2
        var r0 = iv - 1, r1 = iv, r2 = iv + 1, r3 = iv + 2
        if c0 < 0 || c3 >= copyWidth {
            c0 = max(c0, 0); c2 = min(c2, copyWidth - 1); c3 = min(c3, copyWidth - 1)
        }
        if r0 < 0 || r3 >= copyHeight {
            r0 = max(r0, 0); r2 = min(r2, copyHeight - 1); r3 = min(r3, copyHeight - 1)
        }
        @inline(__always) func row(_ r: Int) -> Float {
            let base = r * copyWidth
            return wx0 * Float(source[base + c0]) + wx1 * Float(source[base + c1])
                + wx2 * Float(source[base + c2]) + wx3 * Float(source[base + c3])
        }
        let value = wy0 * row(r0) + wy1 * row(r1) + wy2 * row(r2) + wy3 * row(r3)
        return min(max(value, 0), 255)
    }

    func warpRows(_ rows: Range<Int>) {
        let isFullResolution = scaleX == 1 && scaleY == 1
        let flowMaxX = Float(flowWidth - 1), flowMaxY = Float(flowHeight - 1)
        for row in rows {
            let line = plane.base + (y0 + row) * plane.rowStride
            // The plane sample's centre in frame pixels.
            let frameY = isFullResolution ? Float(y0 + row) : (Float(y0 + row) + 0.5) * scaleY - 0.5
            for column in 0..<copyWidth {
                let frameX = isFullResolution ? Float(x0 + column) : (Float(x0 + column) + 0.5) * scaleX - 0.5
                var dx: Float, dy: Float
                var nearestFlow: Int
                if isFullResolution {
                    nearestFlow = (y0 + row - flowOriginY) * flowWidth + (x0 + column - flowOriginX)
                    dx = fx[nearestFlow]
                    dy = fy[nearestFlow]
                } else {
                    // Bilinear flow at the chroma sample's centre.
                    let u = min(max(frameX - Float(flowOriginX), 0), flowMaxX)
                    let v = min(max(frameY - Float(flowOriginY), 0), flowMaxY)
                    let iu = min(Int(u), flowWidth - 2 < 0 ? 0 : flowWidth - 2), iv = min(Int(v), flowHeight - 2 < 0 ? 0 : flowHeight - 2)
                    let au = u - Float(iu), av = v - Float(iv)
                    let i00 = iv * flowWidth + iu
                    let i01 = flowWidth > 1 ? i00 + 1 : i00
                    let i10 = flowHeight > 1 ? i00 + flowWidth : i00
                    let i11 = flowHeight > 1 ? i01 + flowWidth : i01
                    let topX = fx[i00] + au * (fx[i01] - fx[i00]), bottomX = fx[i10] + au * (fx[i11] - fx[i10])
                    let topY = fy[i00] + au * (fy[i01] - fy[i00]), bottomY = fy[i10] + au * (fy[i11] - fy[i10])
                    dx = topX + av * (bottomX - topX)
                    dy = topY + av * (bottomY - topY)
                    nearestFlow = Int(v.rounded()) * flowWidth + Int(u.rounded())
                }
                // Features are drawn only inside the head region (mesh or moving pixels).
                let inHeadRegion = coverage[nearestFlow] != 0 || dx != 0 || dy != 0
                let hasFeature = inHeadRegion && (features?.contains(frameX, frameY) ?? false)
                // Displacements under 1/64 px keep the pixel as it is (no resampling blur).
                guard abs(dx) >= 1 / 64 || abs(dy) >= 1 / 64 || hasFeature else { continue }
                // The source point in this plane's copy (closing lids read their own skin).
                var eye = EyelidSample(x: frameX + dx, y: frameY + dy)
                if hasFeature, let features, !features.eyes.isEmpty {
                    eye = features.sourcePoint(x: frameX, y: frameY, meshX: eye.x, meshY: eye.y)
                }
                let sourceX = eye.x, sourceY = eye.y
                var value = sample((sourceX + 0.5) / scaleX - 0.5 - Float(x0), (sourceY + 0.5) / scaleY - 0.5 - Float(y0))
                if eye.tone > 0, let features {
                    let light = features.eyes[eye.eye].lidLight[planeIndex]
                    @inline(__always) func read(_ x: Float, _ y: Float) -> Float {
                        sample((x + 0.5) / scaleX - 0.5 - Float(x0), (y + 0.5) / scaleY - 0.5 - Float(y0))
                    }
                    // The skin above the lid, averaged along the eye over a fifth of its width (one
                    // column would streak down the lid).
                    let along = features.eyes[eye.eye].edited
                    let stepX = eye.spread * along.axisX, stepY = eye.spread * along.axisY
                    var base: Float = 0
                    for step in -2...2 {
                        base += read(eye.topX + Float(step) * stepX, eye.topY + Float(step) * stepY)
                    }
                    base /= 5
                    base += eye.light * (light - base)
                    base += eye.darkness * (features.blackColour[planeIndex] - base)
                    let texture = read(eye.textureX, eye.textureY)
                    value += eye.tone * (base + EyelidWarp.lidTextureGain * (texture - light) - value)
                }
                if eye.shade > 0, let features { value += eye.shade * (features.blackColour[planeIndex] - value) }
                if hasFeature, let features {
                    if let mouth = features.mouth, let pixel = mouth.pixel(x: frameX, y: frameY) {
                        var interior = mouth.cavityValue(plane: planeIndex, pixel)
                        if pixel.cavity < 1 {
                            let own = sample(
                                (pixel.sourceX + 0.5) / scaleX - 0.5 - Float(x0),
                                (pixel.sourceY + 0.5) / scaleY - 0.5 - Float(y0))
                            interior = own + pixel.cavity * (interior - own)
                        }
                        value += pixel.coverage * (interior - value)
                    }
                }
                line[(x0 + column) * plane.pixelStep] = UInt8(min(max(value + 0.5, 0), 255))
            }
        }
    }
}

// The backward flow of one edited face: for every pixel of the output, where to read the source
// frame. Built from the face mesh projected twice (source and edited coefficients):
// 1. the edited mesh is rasterised with a z-buffer (front-facing triangles only); a covered pixel
//    reads the source at the same barycentric point of the same triangle in the source projection;
// 2. the flow of the mesh's boundary pixels is carried outwards (nearest boundary pixel, found by
//    a two-pass distance transform that propagates the nearest seed) and smoothed with a box blur;
// 3. outside the mesh that extension fades with a smoothstep of the distance to the mesh, reaching
//    exactly zero at the falloff distance; inside, the barycentric flow blends into the extension
//    over a band along the boundary, so the flow is continuous across it.

import FacetMorphableModel
import FacetSDK
import Foundation

/// The backward flow of one edited face over its region of interest: the output pixel `(x, y)`
/// shows the source frame at `(x + dx, y + dy)`. Zero everywhere outside the region.
///
/// Pixel `(x, y)` of the frame is the point `(x, y)` of the projection (integer = pixel centre).
public struct FaceFlow: Sendable {
    /// Left column of the region in frame pixels.
    public let originX: Int
    /// Top row of the region in frame pixels.
    public let originY: Int
    /// Columns of the region.
    public let width: Int
    /// Rows of the region.
    public let height: Int
    /// The face size in pixels (larger side of the edited and source meshes' bounding box).
    public let faceSize: Float
    /// The distance from the edited mesh (pixels) at which the flow has become exactly zero.
    public let falloffDistance: Float
    /// Horizontal displacement per region pixel, row-major (`width * height`).
    public internal(set) var displacementX: [Float]
    /// Vertical displacement per region pixel, row-major (`width * height`).
    public internal(set) var displacementY: [Float]
    /// 1 where the edited mesh covers the pixel (front-facing triangles), else 0; row-major.
    public internal(set) var meshCoverage: [UInt8]

    /// An empty flow (nothing moves).
    init(frameWidth: Int, frameHeight: Int) {
        originX = 0; originY = 0; width = 0; height = 0; faceSize = 0; falloffDistance = 0
        displacementX = []; displacementY = []; meshCoverage = []
    }

    init(
        originX: Int, originY: Int, width: Int, height: Int, faceSize: Float, falloffDistance: Float,
        displacementX: [Float], displacementY: [Float], meshCoverage: [UInt8]
    ) {
        self.originX = originX
        self.originY = originY
        self.width = width
        self.height = height
        self.faceSize = faceSize
        self.falloffDistance = falloffDistance
        self.displacementX = displacementX
        self.displacementY = displacementY
        self.meshCoverage = meshCoverage
    }

    /// Whether the frame pixel lies in the region of interest.
    public func contains(x: Int, y: Int) -> Bool {
        x >= originX && y >= originY && x < originX + width && y < originY + height
    }

    /// The displacement at a frame pixel; zero outside the region.
    public func displacement(x: Int, y: Int) -> (dx: Float, dy: Float) {
        guard contains(x: x, y: y) else { return (0, 0) }
        let index = (y - originY) * width + (x - originX)
        return (displacementX[index], displacementY[index])
    }

    /// Whether the edited mesh covers the frame pixel.
    public func isCoveredByMesh(x: Int, y: Int) -> Bool {
        guard contains(x: x, y: y) else { return false }
        return meshCoverage[(y - originY) * width + (x - originX)] != 0
    }

    /// Whether the renderer may write the frame pixel (luma or RGB resolution): the head region is
    /// where the flow is non-zero or the edited mesh covers the pixel (mouth and eyelid synthesis
    /// stay on the mesh). Every other pixel stays bit-identical. A subsampled chroma sample may
    /// change when the flow at its centre is non-zero, i.e. within one luma pixel of this region.
    public func isInHeadRegion(x: Int, y: Int) -> Bool {
        guard contains(x: x, y: y) else { return false }
        let index = (y - originY) * width + (x - originX)
        return meshCoverage[index] != 0 || displacementX[index] != 0 || displacementY[index] != 0
    }

    /// Whether nothing moves.
    public var isEmpty: Bool { width == 0 || height == 0 }
}

/// A mesh projected into the picture: pixel coordinates and camera-space depth (larger = nearer).
struct ProjectedMesh {
    /// Horizontal pixel coordinate per vertex.
    var x: [Float]
    /// Vertical pixel coordinate per vertex (down).
    var y: [Float]
    /// Camera-space z per vertex (towards the viewer).
    var z: [Float]

    /// Projects model-space vertices (`xyz` triples) with a pose, translation and camera.
    init(vertices: [Float], coefficients: FaceCoefficients, camera: FaceCamera) {
        let r = FaceGeometry.rotationMatrix(coefficients.pose)
        let t = coefficients.translation
        let count = vertices.count / 3
        var xs = [Float](repeating: 0, count: count)
        var ys = [Float](repeating: 0, count: count)
        var zs = [Float](repeating: 0, count: count)
        let focal = camera.focalLength
        let cx = camera.principalPoint.x, cy = camera.principalPoint.y
        let weakScale = focal / max(-t.z, .leastNormalMagnitude)
        let isPerspective = camera.projection == .perspective
        vertices.withUnsafeBufferPointer { v in
            for i in 0..<count {
                let a = v[3 * i], b = v[3 * i + 1], c = v[3 * i + 2]
                let px = r[0] * a + r[1] * b + r[2] * c + t.x
                let py = r[3] * a + r[4] * b + r[5] * c + t.y
                let pz = r[6] * a + r[7] * b + r[8] * c + t.z
                let scale = isPerspective ? focal / max(-pz, .leastNormalMagnitude) : weakScale
                xs[i] = cx + scale * px
                ys[i] = cy - scale * py
                zs[i] = pz
            }
        }
        x = xs; y = ys; z = zs
    }

    /// The point of vertex `index`.
    func point(_ index: Int) -> Point2 { Point2(x: x[index], y: y[index]) }

    /// The bounding box (minX, minY, maxX, maxY) of the vertices.
    var bounds: (Float, Float, Float, Float) {
        (x.min() ?? 0, y.min() ?? 0, x.max() ?? 0, y.max() ?? 0)
    }

    /// Whether every vertex is finite and the mesh lies within `FlowBuilder.maximumReach` frame
    /// sides of the frame: what the rasteriser can draw in bounded time with checked integers.
    func isDrawable(frameWidth: Int, frameHeight: Int) -> Bool {
        let reach = FlowBuilder.maximumReach * Float(max(frameWidth, frameHeight))
        let xs = -reach...(Float(frameWidth) + reach), ys = -reach...(Float(frameHeight) + reach)
        for index in x.indices where !(xs.contains(x[index]) && ys.contains(y[index]) && z[index].isFinite) { return false }
        return true
    }
}

/// The large per-face arrays of a flow and its warp, kept between frames (see `RenderWorkspace`)
/// so they are neither allocated nor zero-filled by the kernel anew for every frame.
struct FlowBuffers {
    var flowX: [Float] = [], flowY: [Float] = [], coverage: [UInt8] = []
    var depth: [Float] = [], nearest: [Int32] = [], distance: [Float] = []
    var extensionX: [Float] = [], extensionY: [Float] = []
    var seedColumn: [Float] = [], seedRow: [Float] = []
    var blurred: [Float] = [], line: [Float] = []
    /// A plane region's copy for the warp.
    var copy: [UInt8] = []

    /// Takes the flow's arrays back once the flow has been used.
    mutating func recycle(_ flow: FaceFlow) {
        if flow.displacementX.capacity > flowX.capacity {
            flowX = flow.displacementX; flowY = flow.displacementY; coverage = flow.meshCoverage
        }
    }
}

/// Per-renderer pools of `FlowBuffers`, shared (under a lock) by copies of a renderer.
final class RenderWorkspace: @unchecked Sendable {
    private let lock = NSLock()
    private var pool: [FlowBuffers] = []

    /// A set of buffers (empty when the pool is).
    func take() -> FlowBuffers {
        lock.lock(); defer { lock.unlock() }
        return pool.popLast() ?? FlowBuffers()
    }

    /// Returns buffers to the pool (at most four sets are kept).
    func give(_ buffers: FlowBuffers) {
        lock.lock(); defer { lock.unlock() }
        if pool.count < 4 { pool.append(buffers) }
    }
}

extension Array {
    /// Makes the array `count` copies of `value`, reusing its storage when it can.
    @inline(__always)
    mutating func reset(count: Int, to value: Element) {
        if self.count == count {
            withUnsafeMutableBufferPointer { $0.update(repeating: value) }
        } else {
            removeAll(keepingCapacity: true)
            append(contentsOf: repeatElement(value, count: count))
        }
    }
}

/// Computes a `FaceFlow` from the two projections of one mesh.
enum FlowBuilder {
    /// How far outside the frame, in frame sides, a mesh may reach and still be drawn.
    static let maximumReach: Float = 4

    /// - Parameters:
    ///   - triangles: vertex indices, 3 per triangle.
    ///   - frontSign: the sign of a front-facing triangle's image-space signed area.
    static func build(
        source: ProjectedMesh, edited: ProjectedMesh, triangles: [Int32], frontSign: Float,
        frameWidth: Int, frameHeight: Int, configuration: GeometricRenderer.Configuration
    ) -> FaceFlow {
        var buffers = FlowBuffers()
        return build(
            source: source, edited: edited, triangles: triangles, frontSign: frontSign, frameWidth: frameWidth,
            frameHeight: frameHeight, configuration: configuration, buffers: &buffers)
    }

    /// As above, reusing (and refilling) `buffers`; the flow owns the buffers' flow arrays.
    static func build(
        source: ProjectedMesh, edited: ProjectedMesh, triangles: [Int32], frontSign: Float,
        frameWidth: Int, frameHeight: Int, configuration: GeometricRenderer.Configuration,
        buffers: inout FlowBuffers
    ) -> FaceFlow {
        guard
            let region = Self.region(
                source: source, edited: edited, frameWidth: frameWidth, frameHeight: frameHeight,
                configuration: configuration)
        else {
            return FaceFlow(frameWidth: frameWidth, frameHeight: frameHeight)
        }
        let count = region.width * region.height

        var flowX = buffers.flowX, flowY = buffers.flowY, coverage = buffers.coverage, depth = buffers.depth
        buffers.flowX = []; buffers.flowY = []; buffers.coverage = []; buffers.depth = []
        flowX.reset(count: count, to: 0)
        flowY.reset(count: count, to: 0)
        coverage.reset(count: count, to: 0)
        depth.reset(count: count, to: -.infinity)
        defer { buffers.depth = depth }

        // 1. Rasterise the edited mesh; store the barycentric flow of the front-most triangle.
        rasterise(
            edited: edited, source: source, triangles: triangles, frontSign: frontSign, region: region,
            flowX: &flowX, flowY: &flowY, depth: &depth)
        guard markCoverage(depth: depth, coverage: &coverage) > 0 else {
            buffers.flowX = flowX; buffers.flowY = flowY; buffers.coverage = coverage
            return FaceFlow(frameWidth: frameWidth, frameHeight: frameHeight)
        }

        // 2. Boundary seeds (mesh pixels with a 4-neighbour off the mesh), nearest seed everywhere.
        var nearest = buffers.nearest, distance = buffers.distance
        buffers.nearest = []; buffers.distance = []
        defer { buffers.nearest = nearest; buffers.distance = distance }
        findNearestBoundaryPixels(
            coverage: coverage, width: region.width, height: region.height,
            nearest: &nearest, distance: &distance, buffers: &buffers)

        // 3. The extension: boundary flow carried to every pixel, smoothed.
        let blurRadius = max(1, Int((configuration.boundaryBlendWidth * region.faceSize * 0.5).rounded()))
        let (extensionX, extensionY) = smoothedExtension(
            flowX: flowX, flowY: flowY, nearest: nearest, width: region.width,
            height: region.height, blurRadius: blurRadius, buffers: &buffers)
        defer { buffers.extensionX = extensionX; buffers.extensionY = extensionY }

        // 4. Blend: barycentric inside (after the band), extension fading to zero outside.
        let band = max(1, configuration.boundaryBlendWidth * region.faceSize)
        blend(
            flowX: &flowX, flowY: &flowY, extensionX: extensionX, extensionY: extensionY, coverage: coverage,
            distance: distance, band: band, falloff: region.falloff)
        return FaceFlow(
            originX: region.originX, originY: region.originY, width: region.width, height: region.height,
            faceSize: region.faceSize, falloffDistance: region.falloff, displacementX: flowX,
            displacementY: flowY, meshCoverage: coverage)
    }

    /// The part of the frame a flow covers, in frame pixels.
    struct Region {
        let originX: Int, originY: Int, width: Int, height: Int
        /// The larger side of the two meshes' bounding box, in pixels.
        let faceSize: Float
        /// The distance from the mesh at which the flow reaches zero.
        let falloff: Float
    }

    /// The region of the flow: the two meshes' bounding box grown by the falloff distance, clipped
    /// to the frame; nil when there is nothing to draw (a degenerate, non-finite or far too large
    /// face, or a region outside the frame).
    @inline(__always)
    static func region(
        source: ProjectedMesh, edited: ProjectedMesh, frameWidth: Int, frameHeight: Int,
        configuration: GeometricRenderer.Configuration
    ) -> Region? {
        let (sx0, sy0, sx1, sy1) = source.bounds
        let (ex0, ey0, ex1, ey1) = edited.bounds
        let minX = min(sx0, ex0), minY = min(sy0, ey0), maxX = max(sx1, ex1), maxY = max(sy1, ey1)
        let faceSize = max(maxX - minX, maxY - minY)
        guard faceSize.isFinite, faceSize > 1, faceSize <= 2 * maximumReach * Float(max(frameWidth, frameHeight)) else {
            return nil
        }

        // The falloff shrinks so the flow is zero before any frame edge the face does not touch.
        var falloff = configuration.falloffDistance * faceSize
        let edgeRoom = [minX, minY, Float(frameWidth - 1) - maxX, Float(frameHeight - 1) - maxY].filter { $0 > 0 }
        if let room = edgeRoom.min() {
            falloff = min(falloff, max(configuration.minimumFalloffDistance * faceSize, room * 0.8))
        }
        let originX = max(0, Int((minX - falloff).rounded(.down)) - 1)
        let originY = max(0, Int((minY - falloff).rounded(.down)) - 1)
        let endX = min(frameWidth, Int((maxX + falloff).rounded(.up)) + 2)
        let endY = min(frameHeight, Int((maxY + falloff).rounded(.up)) + 2)
        guard endX > originX, endY > originY else { return nil }
        return Region(
            originX: originX, originY: originY, width: endX - originX, height: endY - originY,
            faceSize: faceSize, falloff: falloff)
    }

    /// Rasterises the front-facing triangles of the edited mesh into the region with a z-buffer
    /// (`depth`, larger = nearer); a pixel the front-most triangle covers gets, in `flowX` and
    /// `flowY`, the offset to the same barycentric point of that triangle in the source mesh.
    @inline(__always)
    static func rasterise(
        edited: ProjectedMesh, source: ProjectedMesh, triangles: [Int32], frontSign: Float,
        region: Region, flowX: inout [Float], flowY: inout [Float], depth: inout [Float]
    ) {
        let width = region.width, height = region.height
        let ox = Float(region.originX), oy = Float(region.originY)
        triangles.withUnsafeBufferPointer { tri in
            edited.x.withUnsafeBufferPointer { ex in
                edited.y.withUnsafeBufferPointer { ey in
                    edited.z.withUnsafeBufferPointer { ez in
                        source.x.withUnsafeBufferPointer { sx in
                            source.y.withUnsafeBufferPointer { sy in
                                flowX.withUnsafeMutableBufferPointer { fx in
                                    flowY.withUnsafeMutableBufferPointer { fy in
                                        depth.withUnsafeMutableBufferPointer { zb in
                                            var t = 0
                                            while t + 2 < tri.count {
                                                let i0 = Int(tri[t]), i1 = Int(tri[t + 1]), i2 = Int(tri[t + 2])
                                                t += 3
                                                let x0 = ex[i0] - ox, y0 = ey[i0] - oy
                                                let x1 = ex[i1] - ox, y1 = ey[i1] - oy
                                                let x2 = ex[i2] - ox, y2 = ey[i2] - oy
                                                let area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
                                                guard area * frontSign > 1e-6 else { continue }
                                                let lowX = max(0, Int(min(x0, x1, x2).rounded(.up)))
                                                let highX = min(width - 1, Int(max(x0, x1, x2).rounded(.down)))
                                                let lowY = max(0, Int(min(y0, y1, y2).rounded(.up)))
                                                let highY = min(height - 1, Int(max(y0, y1, y2).rounded(.down)))
                                                guard lowX <= highX, lowY <= highY else { continue }
                                                let inverse = 1 / area
                                                let tolerance: Float = -1e-5
                                                let z0 = ez[i0], z1 = ez[i1], z2 = ez[i2]
                                                let s0x = sx[i0], s1x = sx[i1], s2x = sx[i2]
                                                let s0y = sy[i0], s1y = sy[i1], s2y = sy[i2]
                                                for py in lowY...highY {
                                                    let y = Float(py)
                                                    let row = py * width
                                                    for px in lowX...highX {
                                                        let x = Float(px)
                                                        let w0 = ((x1 - x) * (y2 - y) - (x2 - x) * (y1 - y)) * inverse
                                                        let w1 = ((x2 - x) * (y0 - y) - (x0 - x) * (y2 - y)) * inverse
                                                        let w2 = 1 - w0 - w1
                                                        guard w0 >= tolerance, w1 >= tolerance, w2 >= tolerance else { continue }
                                                        let z = w0 * z0 + w1 * z1 + w2 * z2
                                                        let index = row + px
                                                        guard z > zb[index] else { continue }
                                                        zb[index] = z
                                                        fx[index] = w0 * s0x + w1 * s1x + w2 * s2x - (x + ox)
                                                        fy[index] = w0 * s0y + w1 * s1y + w2 * s2y - (y + oy)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sets `coverage` to 1 where the rasteriser drew (`depth` above −∞); returns how many pixels that is.
    @inline(__always)
    static func markCoverage(depth: [Float], coverage: inout [UInt8]) -> Int {
        var meshPixels = 0
        for i in 0..<depth.count where depth[i] > -.infinity {
            coverage[i] = 1
            meshPixels += 1
        }
        return meshPixels
    }

    /// For every pixel of the region, the nearest boundary pixel of the mesh (a covered pixel with
    /// a 4-neighbour off it) into `nearest` (its index; −1 for none) and the distance to it into
    /// `distance`. The seeds' rows and columns are kept in `buffers`' scratch.
    @inline(__always)
    static func findNearestBoundaryPixels(
        coverage: [UInt8], width: Int, height: Int, nearest: inout [Int32],
        distance: inout [Float], buffers: inout FlowBuffers
    ) {
        let count = width * height
        nearest.reset(count: count, to: -1)
        distance.reset(count: count, to: .infinity)
        coverage.withUnsafeBufferPointer { cov in
            for py in 0..<height {
                for px in 0..<width {
                    let i = py * width + px
                    guard cov[i] != 0 else { continue }
                    let isBoundary =
                        (px > 0 && cov[i - 1] == 0) || (px < width - 1 && cov[i + 1] == 0)
                        || (py > 0 && cov[i - width] == 0) || (py < height - 1 && cov[i + width] == 0)
                    if isBoundary { nearest[i] = Int32(i) }
                }
            }
        }
        var seedColumn = buffers.seedColumn, seedRow = buffers.seedRow
        buffers.seedColumn = []; buffers.seedRow = []
        seedColumn.reset(count: count, to: 0)
        seedRow.reset(count: count, to: 0)
        propagateNearestSeed(
            &nearest, distance: &distance, seedColumn: &seedColumn, seedRow: &seedRow,
            width: width, height: height)
        buffers.seedColumn = seedColumn; buffers.seedRow = seedRow
    }

    /// The flow of each pixel's nearest boundary pixel (zero where there is none), box-blurred
    /// twice by `blurRadius`: arrays taken from `buffers` (the caller gives them back); the blur's
    /// scratch goes back to `buffers` here.
    @inline(__always)
    static func smoothedExtension(
        flowX: [Float], flowY: [Float], nearest: [Int32], width: Int, height: Int,
        blurRadius: Int, buffers: inout FlowBuffers
    ) -> (x: [Float], y: [Float]) {
        let count = width * height
        var extensionX = buffers.extensionX, extensionY = buffers.extensionY
        var blurred = buffers.blurred, scratch = buffers.line
        buffers.extensionX = []; buffers.extensionY = []; buffers.blurred = []; buffers.line = []
        extensionX.reset(count: count, to: 0)
        extensionY.reset(count: count, to: 0)
        blurred.reset(count: count, to: 0)
        scratch.reset(count: max(width, height), to: 0)
        defer { buffers.blurred = blurred; buffers.line = scratch }
        for i in 0..<count {
            let seed = Int(nearest[i])
            guard seed >= 0 else { continue }
            extensionX[i] = flowX[seed]
            extensionY[i] = flowY[seed]
        }
        for _ in 0..<2 {
            boxBlur(&extensionX, width: width, height: height, radius: blurRadius, scratch: &scratch, output: &blurred)
            boxBlur(&extensionY, width: width, height: height, radius: blurRadius, scratch: &scratch, output: &blurred)
        }
        return (extensionX, extensionY)
    }

    /// The final flow, in place: on the mesh, the barycentric flow blends into the extension over
    /// `band` pixels from the boundary; off it, the extension fades to exactly zero at `falloff`.
    @inline(__always)
    static func blend(
        flowX: inout [Float], flowY: inout [Float], extensionX: [Float], extensionY: [Float],
        coverage: [UInt8], distance: [Float], band: Float, falloff: Float
    ) {
        for i in 0..<coverage.count {
            let d = distance[i]
            if coverage[i] != 0 {
                let w = smoothstep(d / band)
                flowX[i] = extensionX[i] + w * (flowX[i] - extensionX[i])
                flowY[i] = extensionY[i] + w * (flowY[i] - extensionY[i])
            } else if d < falloff {
                let fade = 1 - smoothstep(d / falloff)
                flowX[i] = extensionX[i] * fade
                flowY[i] = extensionY[i] * fade
            } else {
                flowX[i] = 0
                flowY[i] = 0
            }
        }
    }

    /// `3t² − 2t³` on [0, 1], clamped outside.
    @inline(__always)
    static func smoothstep(_ t: Float) -> Float {
        let c = min(max(t, 0), 1)
        return c * c * (3 - 2 * c)
    }

    /// Two raster passes that give every pixel (approximately) its nearest seed pixel and the
    /// Euclidean distance to it; seeds hold their own index in `nearest`, others −1.
    /// `seedColumn` and `seedRow` are scratch (`nearest.count` each): the nearest seed's column
    /// and row, carried along with its index (no division per test).
    static func propagateNearestSeed(
        _ nearest: inout [Int32], distance: inout [Float], seedColumn: inout [Float],
        seedRow: inout [Float], width: Int, height: Int
    ) {
        nearest.withUnsafeMutableBufferPointer { seed in
            distance.withUnsafeMutableBufferPointer { dist in
                seedColumn.withUnsafeMutableBufferPointer { column in
                    seedRow.withUnsafeMutableBufferPointer { row in
                        for i in 0..<seed.count where seed[i] >= 0 {
                            dist[i] = 0
                            column[i] = Float(i % width)
                            row[i] = Float(i / width)
                        }
                        @inline(__always) func consider(_ i: Int, _ j: Int, _ px: Float, _ py: Float) {
                            let candidate = seed[j]
                            guard candidate >= 0 else { return }
                            let dx = column[j] - px, dy = row[j] - py
                            let d = dx * dx + dy * dy
                            if d < dist[i] { dist[i] = d; seed[i] = candidate; column[i] = column[j]; row[i] = row[j] }
                        }
                        // Forward: from the left and the row above, then from the right within the row.
                        for py in 0..<height {
                            let line = py * width, y = Float(py)
                            for px in 0..<width {
                                let i = line + px, x = Float(px)
                                if px > 0 { consider(i, i - 1, x, y) }
                                if py > 0 {
                                    consider(i, i - width, x, y)
                                    if px > 0 { consider(i, i - width - 1, x, y) }
                                    if px < width - 1 { consider(i, i - width + 1, x, y) }
                                }
                            }
                            for px in stride(from: width - 2, through: 0, by: -1) { consider(line + px, line + px + 1, Float(px), y) }
                        }
                        // Backward: from the right and the row below, then from the left within the row.
                        for py in stride(from: height - 1, through: 0, by: -1) {
                            let line = py * width, y = Float(py)
                            for px in stride(from: width - 1, through: 0, by: -1) {
                                let i = line + px, x = Float(px)
                                if px < width - 1 { consider(i, i + 1, x, y) }
                                if py < height - 1 {
                                    consider(i, i + width, x, y)
                                    if px > 0 { consider(i, i + width - 1, x, y) }
                                    if px < width - 1 { consider(i, i + width + 1, x, y) }
                                }
                            }
                            for px in 1..<max(width, 1) { consider(line + px, line + px - 1, Float(px), y) }
                        }
                        for i in 0..<dist.count { dist[i] = dist[i].squareRoot() }
                    }
                }
            }
        }
    }

    /// A box blur of `radius` along rows then columns, clamping at the edges. `scratch` holds at
    /// least one row; `output` is a scratch field of the same size (swapped with `field`).
    static func boxBlur(
        _ field: inout [Float], width: Int, height: Int, radius: Int, scratch: inout [Float],
        output: inout [Float]
    ) {
        let scale = 1 / Float(2 * radius + 1)
        field.withUnsafeMutableBufferPointer { f in
            output.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { line in
                    // Rows: each row into `line`, then a running sum back into the field.
                    for py in 0..<height {
                        let start = py * width
                        for k in 0..<width { line[k] = f[start + k] }
                        var sum: Float = 0
                        for k in -radius...radius { sum += line[min(max(k, 0), width - 1)] }
                        for k in 0..<width {
                            f[start + k] = sum * scale
                            sum += line[min(k + radius + 1, width - 1)] - line[max(k - radius, 0)]
                        }
                    }
                    // Columns, a row at a time (cache friendly): running sums per column into `out`.
                    for px in 0..<width { line[px] = 0 }
                    for k in -radius...radius {
                        let start = min(max(k, 0), height - 1) * width
                        for px in 0..<width { line[px] += f[start + px] }
                    }
                    for py in 0..<height {
                        let target = py * width
                        let adding = min(py + radius + 1, height - 1) * width, removing = max(py - radius, 0) * width
                        for px in 0..<width {
                            out[target + px] = line[px] * scale
                            line[px] += f[adding + px] - f[removing + px]
                        }
                    }
                }
            }
        }
        swap(&field, &output)
    }
}

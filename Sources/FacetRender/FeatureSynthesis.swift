// Mouth interiors and closed eyelids: what a warp of the source cannot show.
//
// - mouth: the mesh has a slit between the lips, so inside the edited inner-lip polygon the flow
//   is only the boundary extension. The interior is mapped explicitly instead: both inner-lip
//   outlines are parametrised by u (fraction between the corners) and v (offset across the corner
//   axis). An edited pixel at depth d below the edited upper lip (or above the edited lower lip)
//   reads the source interior at the same u and depth d below the source's upper lip (above its
//   lower lip) while d is within that lip's share of the source opening: upper teeth move with the
//   upper lip, the lower interior with the lower lip. The rest, the new gap, is a cavity: dark
//   red-brown at its edges, near black at the back, a hint of tongue above the lower lip (and a
//   faint teeth band under the upper lip when the source mouth was closed);
// - eye: where an output pixel x is outside the edited eye opening but reads the source at s(x)
//   inside the source's opening, or lies between the closed lid's edge and the source's lash and
//   crease band above the lid, it becomes lid skin (colour running from the skin above that band
//   to the skin under the lower lid, slightly darker towards the lash line), with a thin lash
//   line on the closed lid's edge.
// Coverage is anti-aliased with the signed distance to the outlines (one pixel ramp).

import FacetSDK

/// A closed polygon in frame pixels with an anti-aliased inside test.
struct FeaturePolygon {
    var xs: [Float]
    var ys: [Float]

    init(_ points: [Point2]) {
        xs = points.map(\.x)
        ys = points.map(\.y)
    }

    /// The shoelace area in square pixels (absolute).
    var area: Float {
        var sum: Float = 0
        for i in 0..<xs.count {
            let j = (i + 1) % xs.count
            sum += xs[i] * ys[j] - xs[j] * ys[i]
        }
        return abs(sum) / 2
    }

    /// minX, minY, maxX, maxY.
    var bounds: (Float, Float, Float, Float) {
        (xs.min() ?? 0, ys.min() ?? 0, xs.max() ?? 0, ys.max() ?? 0)
    }

    /// The signed distance to the outline (positive inside) of the point.
    func signedDistance(_ x: Float, _ y: Float) -> Float {
        var inside = false
        var best = Float.infinity
        let count = xs.count
        var j = count - 1
        for i in 0..<count {
            let ax = xs[j], ay = ys[j], bx = xs[i], by = ys[i]
            if (by > y) != (ay > y), x < (ax - bx) * (y - by) / (ay - by) + bx { inside.toggle() }
            let ex = ax - bx, ey = ay - by
            let length = ex * ex + ey * ey
            let t = length > 0 ? min(max(((x - bx) * ex + (y - by) * ey) / length, 0), 1) : 0
            let dx = x - (bx + t * ex), dy = y - (by + t * ey)
            best = min(best, dx * dx + dy * dy)
            j = i
        }
        let distance = best.squareRoot()
        return inside ? distance : -distance
    }

    /// The fraction of a pixel at the point that lies inside (one-pixel anti-aliasing ramp).
    @inline(__always)
    func coverage(_ x: Float, _ y: Float) -> Float {
        min(max(signedDistance(x, y) + 0.5, 0), 1)
    }
}

/// Linear interpolation along a polyline sorted by x.
struct LipCurve {
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
            let t = span > 0 ? (x - xs[i - 1]) / span : 0
            return ys[i - 1] + t * (ys[i] - ys[i - 1])
        }
        return ys[ys.count - 1]
    }

    /// The distance from a point to the polyline.
    func distance(_ x: Float, _ y: Float) -> Float {
        var best = Float.infinity
        for i in 1..<xs.count {
            let ax = xs[i - 1], ay = ys[i - 1], ex = xs[i] - ax, ey = ys[i] - ay
            let length = ex * ex + ey * ey
            let t = length > 0 ? min(max(((x - ax) * ex + (y - ay) * ey) / length, 0), 1) : 0
            let dx = x - (ax + t * ex), dy = y - (ay + t * ey)
            best = min(best, dx * dx + dy * dy)
        }
        return best.squareRoot()
    }
}

/// One projection's inner-lip outline in mouth coordinates: u is the fraction along the axis from
/// the first corner (iBUG 49) to the second (55), v the offset in pixels across it (down for an
/// upright face). Both lips are piecewise linear in u, so the region between them is exactly the
/// inner-lip polygon.
struct MouthOutline {
    var originX: Float, originY: Float
    /// Unit axis from corner to corner.
    var axisX: Float, axisY: Float
    /// Corner-to-corner length in pixels.
    var length: Float
    /// The upper and lower lips: (u, v) knots sorted by u, from u = 0 to u = 1.
    var upperU: [Float], upperV: [Float]
    var lowerU: [Float], lowerV: [Float]

    /// Eight inner-lip points: 49, 62, 63, 64, 55 (upper, corner to corner), 66, 67, 68 (lower, back).
    init(_ points: [Point2]) {
        let a = points[0], b = points[4]
        let ex = b.x - a.x, ey = b.y - a.y
        let length = max((ex * ex + ey * ey).squareRoot(), 1e-3)
        originX = a.x; originY = a.y
        axisX = ex / length; axisY = ey / length
        self.length = length
        let (ax, ay) = (axisX, axisY)
        func uv(_ p: Point2) -> (Float, Float) {
            let rx = p.x - a.x, ry = p.y - a.y
            return ((rx * ax + ry * ay) / length, ry * ax - rx * ay)
        }
        let upper = [0, 1, 2, 3, 4].map { uv(points[$0]) }.sorted { $0.0 < $1.0 }
        let lower = [4, 5, 6, 7, 0].map { uv(points[$0]) }.sorted { $0.0 < $1.0 }
        upperU = upper.map(\.0); upperV = upper.map(\.1)
        lowerU = lower.map(\.0); lowerV = lower.map(\.1)
    }

    /// (u, v) of a point.
    @inline(__always)
    func coordinates(_ p: Point2) -> (Float, Float) { coordinates(p.x, p.y) }

    @inline(__always)
    func coordinates(_ x: Float, _ y: Float) -> (Float, Float) {
        let rx = x - originX, ry = y - originY
        return ((rx * axisX + ry * axisY) / length, ry * axisX - rx * axisY)
    }

    /// The point at (u, v).
    @inline(__always)
    func point(u: Float, v: Float) -> (Float, Float) {
        (originX + u * length * axisX - v * axisY, originY + u * length * axisY + v * axisX)
    }

    @inline(__always)
    static func interpolate(_ us: [Float], _ vs: [Float], _ u: Float) -> Float {
        if u <= us[0] { return vs[0] }
        for i in 1..<us.count where u <= us[i] {
            let span = us[i] - us[i - 1]
            let t = span > 1e-6 ? (u - us[i - 1]) / span : 1
            return vs[i - 1] + t * (vs[i] - vs[i - 1])
        }
        return vs[vs.count - 1]
    }

    /// The upper lip's v at u.
    @inline(__always)
    func upper(_ u: Float) -> Float { Self.interpolate(upperU, upperV, u) }
    /// The lower lip's v at u.
    @inline(__always)
    func lower(_ u: Float) -> Float { Self.interpolate(lowerU, lowerV, u) }
    /// The opening's height at u (0 where the lips touch or cross).
    @inline(__always)
    func opening(_ u: Float) -> Float { max(lower(u) - upper(u), 0) }
}

/// What the mouth interior shows at one output pixel (the same for every plane).
struct MouthPixel {
    /// How much of the pixel is inside the edited opening (anti-aliased).
    var coverage: Float
    /// How much of the interior is the synthetic cavity rather than the source's own interior.
    var cavity: Float
    /// Where the source's own interior is read (frame pixels), when `cavity < 1`.
    var sourceX: Float, sourceY: Float
    /// 0 at the cavity's edge … 1 at its back.
    var depth: Float
    /// Weights of the tongue hint and the teeth hint in the cavity colour.
    var tongue: Float, teeth: Float
}

/// The mouth interior of an edit that changes the opening between the lips.
struct MouthSynthesis {
    var edited: FeaturePolygon
    var sourceOutline: MouthOutline
    var editedOutline: MouthOutline
    /// The share of the source opening that stays attached to the upper lip (the rest to the lower).
    var upperShare: Float = 0.65
    /// Where it may draw (frame pixels): minX, minY, maxX, maxY.
    var bounds: (Float, Float, Float, Float)
    /// Sample values per plane of the cavity's edge, its back, the tongue and teeth hints.
    var edgeColour: [Float] = []
    var backColour: [Float] = []
    var tongueColour: [Float] = []
    var teethColour: [Float] = []

    /// Inner-lip outlines (8 points: 49, 62, 63, 64, 55, 66, 67, 68; 61/65 are the corners) of
    /// source and edited projections; nil when the edit changes neither the opening's size nor
    /// its height anywhere by more than about a pixel.
    init?(source: [Point2], edited: [Point2]) {
        let editedPolygon = FeaturePolygon(edited)
        let sourcePolygon = FeaturePolygon(source)
        let sourceOutline = MouthOutline(source), editedOutline = MouthOutline(edited)
        let grows = editedPolygon.area > sourcePolygon.area * 1.1 + 4
        let reshaped = sourcePolygon.area > 4 && [0.25, 0.5, 0.75].contains { (u: Float) in
            abs(editedOutline.opening(u) - sourceOutline.opening(u)) > 1
        }
        guard grows || reshaped, editedPolygon.area > 1 else { return nil }
        self.edited = editedPolygon
        self.sourceOutline = sourceOutline
        self.editedOutline = editedOutline
        let (x0, y0, x1, y1) = editedPolygon.bounds
        bounds = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    }

    /// The interior at output point `(x, y)`; nil outside the edited opening.
    @inline(__always)
    func pixel(x: Float, y: Float) -> MouthPixel? {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return nil }
        let inside = edited.signedDistance(x, y)
        let coverage = min(max(inside + 0.5, 0), 1)
        guard coverage > 0 else { return nil }
        let (rawU, v) = editedOutline.coordinates(x, y)
        let u = min(max(rawU, 0), 1)
        let top = editedOutline.upper(u), bottom = editedOutline.lower(u)
        let downFromUpper = max(v - top, 0), upFromLower = max(bottom - v, 0)
        // The source's opening at u, split between the lips.
        let sourceTop = sourceOutline.upper(u), sourceBottom = sourceOutline.lower(u)
        let sourceHeight = max(sourceBottom - sourceTop, 0)
        let upperPart = upperShare * sourceHeight, lowerPart = sourceHeight - upperPart
        let gapTop = downFromUpper - upperPart, gapBottom = upFromLower - lowerPart
        let cavity = min(max(min(gapTop, gapBottom) + 0.5, 0), 1)
        var sourceX: Float = 0, sourceY: Float = 0
        if cavity < 1 {
            let sourceV = gapTop <= gapBottom ? sourceTop + min(downFromUpper, upperPart)
                                              : sourceBottom - min(upFromLower, lowerPart)
            (sourceX, sourceY) = sourceOutline.point(u: u, v: sourceV)
        }
        var depth: Float = 0, tongue: Float = 0, teeth: Float = 0
        if cavity > 0 {
            let gapHeight = max(gapTop + gapBottom, 1)
            let mouthWidth = editedOutline.length
            let edge = max(min(gapTop, gapBottom, inside), 0)
            depth = FlowBuilder.smoothstep(edge / max(min(0.45 * gapHeight, 0.12 * mouthWidth), 1))
            let across = FlowBuilder.smoothstep(4 * u * (1 - u))
            let down = min(max(gapTop / gapHeight, 0), 1)
            tongue = 0.5 * FlowBuilder.smoothstep((down - 0.5) / 0.45) * across
                * FlowBuilder.smoothstep(gapHeight / (0.2 * mouthWidth))
            // Where the source showed no interior at all, a faint band of upper teeth.
            let closedSource = 1 - FlowBuilder.smoothstep(sourceHeight / 3)
            teeth = 0.55 * closedSource * (1 - FlowBuilder.smoothstep(down / 0.35)) * across * min(max(inside - 0.5, 0), 1)
        }
        return MouthPixel(coverage: coverage, cavity: cavity, sourceX: sourceX, sourceY: sourceY,
                          depth: depth, tongue: tongue, teeth: teeth)
    }

    /// The cavity's value in plane `plane` for a pixel.
    @inline(__always)
    func cavityValue(plane: Int, _ pixel: MouthPixel) -> Float {
        var colour = edgeColour[plane] + pixel.depth * (backColour[plane] - edgeColour[plane])
        colour += pixel.tongue * (tongueColour[plane] - colour)
        colour += pixel.teeth * (teethColour[plane] - colour)
        return colour
    }
}

/// One eye that an edit closes further than the source.
struct EyelidSynthesis {
    var edited: FeaturePolygon
    var source: FeaturePolygon
    /// The edited upper lid edge (iBUG 37…40 or 43…46), where the lash line goes.
    var lidEdge: LipCurve
    /// The source's upper lid edge.
    var sourceLid: LipCurve
    /// The source's lower lid edge.
    var sourceLowerLid: LipCurve
    /// How far below the source's lower lid the skin under the eye is sampled (pixels).
    var underEyeOffset: Float
    /// How far above the source lid edge its lashes and crease reach (pixels); the closed lid
    /// covers that band too.
    var lidBand: Float
    /// The source opening's mean height (pixels).
    var sourceHeight: Float
    /// The lash line's width in pixels (≈ 1 px for a 30 px wide eye).
    var lashWidth: Float
    /// How much of the source opening the edit closes, 0…1.
    var closure: Float
    /// Points on the source's lid skin, between the lashes and the brow, whose colour becomes the lid's.
    var skinPoints: [Point2]
    var bounds: (Float, Float, Float, Float)
    /// Sample values per plane of the lid skin (set per plane from the source), of black, and of the lash line.
    var skinColour: [Float] = []
    var blackColour: [Float] = []
    var lashColour: [Float] = []

    /// Six-point eye outlines (iBUG 37…42 or 43…48) of source and edited projections; nil when
    /// the edit does not close the eye further.
    init?(source: [Point2], edited: [Point2]) {
        let editedPolygon = FeaturePolygon(edited)
        let sourcePolygon = FeaturePolygon(source)
        guard sourcePolygon.area > 4, editedPolygon.area < sourcePolygon.area * 0.9 else { return nil }
        self.edited = editedPolygon
        self.source = sourcePolygon
        lidEdge = LipCurve(Array(edited[0...3]))
        sourceLid = LipCurve(Array(source[0...3]))
        sourceLowerLid = LipCurve([source[0], source[5], source[4], source[3]])
        closure = min(max(1 - editedPolygon.area / sourcePolygon.area, 0), 1)
        let eyeWidth = max(abs(source[3].x - source[0].x), 1)
        sourceHeight = sourcePolygon.area / eyeWidth
        lidBand = 0.3 * eyeWidth
        underEyeOffset = 0.12 * eyeWidth
        lashWidth = min(max(eyeWidth / 30, 0.7), 3)
        // Lid skin: above the lashes and below the brow, across the lid's middle.
        var points: [Point2] = []
        for t: Float in [0.3, 0.42, 0.54, 0.66] {
            let x = source[0].x + t * (source[3].x - source[0].x)
            for k: Float in [0.25, 0.35, 0.45] { points.append(Point2(x: x, y: sourceLid.y(at: x) - k * eyeWidth)) }
        }
        skinPoints = points
        let (a0, b0, a1, b1) = editedPolygon.bounds
        let (c0, d0, c1, d1) = sourcePolygon.bounds
        bounds = (min(a0, c0) - 3, min(b0, d0) - lidBand - 3, max(a1, c1) + 3, max(b1, d1) + 3)
    }

    /// The value of plane `plane` at output point `(x, y)`, whose warp reads the source at
    /// `(sx, sy)` and shows `warped`; `source` reads the source plane at a frame point.
    @inline(__always)
    func shade(plane: Int, x: Float, y: Float, sx: Float, sy: Float, warped: Float,
               source read: (Float, Float) -> Float) -> Float {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return warped }
        var value = warped
        let edge = lidEdge.y(at: x)
        // Lid skin over the part of the source opening the warp would show outside the edited one…
        var alpha = (1 - edited.coverage(x, y)) * source.coverage(sx, sy)
        // …and over the band from the source's lashes and crease down to the closed lid's edge.
        let left = lidEdge.xs[0], right = lidEdge.xs[lidEdge.xs.count - 1]
        let sourceEdge = sourceLid.y(at: x)
        if x > left, x < right {
            let drop = edge - sourceEdge
            let lowered = FlowBuilder.smoothstep(drop / max(0.35 * sourceHeight, 1))
            let bandTop = sourceEdge - lidBand
            let vertical = FlowBuilder.smoothstep((y - bandTop) / (0.6 * lidBand)) * min(max(edge - y + 0.5, 0), 1)
            let corner = FlowBuilder.smoothstep(min(x - left, right - x) / (0.06 * (right - left)))
            alpha = max(alpha, vertical * lowered * corner)
        }
        if alpha > 0 {
            // The lid's colour runs from the skin just above the covered band down to the skin just
            // under the lower lid, so it joins both without a seam and keeps their shading; the
            // median lid colour bounds it, so a brow hair or a lash in a sample cannot darken it.
            let bandTop = sourceEdge - lidBand
            let skin = skinColour[plane]
            // Each sample is the mean of a short row (±3 px), so single lashes and pores leave no streaks.
            func row(_ y: Float) -> Float {
                var sum: Float = 0
                for dx: Float in [-3, -1.5, 0, 1.5, 3] { sum += read(x + dx, y) }
                return sum / 5
            }
            let above = skin + min(max(row(bandTop - 1) - skin, -40), 12)
            let below = skin + min(max(row(sourceLowerLid.y(at: x) + underEyeOffset) - skin, -40), 12)
            let down = min(max((y - bandTop) / max(edge - bandTop, 1), 0), 1)
            let base = above + down * (below - above)
            // The lid is round: shaded towards the lash line and the corners.
            let across = min(max((x - left) / max(right - left, 1), 0), 1)
            let sides = 1 - FlowBuilder.smoothstep(4 * across * (1 - across))
            let shadow = 0.03 + 0.09 * (1 - FlowBuilder.smoothstep((edge - y) / max(0.6 * lidBand, 1))) + 0.08 * sides
            let lid = base + shadow * (blackColour[plane] - base)
            value += alpha * (lid - value)
        }
        // A thin lash line along the closed lid edge, as dark as the eye is closed, thinner at the corners.
        if x > left, x < right {
            let taper = FlowBuilder.smoothstep(min(x - left, right - x) / (0.25 * (right - left)))
            let width = lashWidth * (0.5 + 0.5 * taper)
            let distance = lidEdge.distance(x, y)
            let lash = 0.9 * closure * min(max(0.5 * width + 0.5 - distance, 0), 1) * (0.4 + 0.6 * taper)
            if lash > 0 { value += lash * (lashColour[plane] - value) }
        }
        return value
    }
}

/// Everything drawn over one face's warp.
struct FeatureSynthesis {
    var mouth: MouthSynthesis?
    var eyes: [EyelidSynthesis]
    /// Union of the features' bounds (frame pixels).
    var bounds: (Float, Float, Float, Float)

    init?(mouth: MouthSynthesis?, eyes: [EyelidSynthesis]) {
        var all = eyes.map(\.bounds)
        if let mouth { all.append(mouth.bounds) }
        guard !all.isEmpty else { return nil }
        self.mouth = mouth
        self.eyes = eyes
        bounds = (all.map(\.0).min()!, all.map(\.1).min()!, all.map(\.2).max()!, all.map(\.3).max()!)
    }

    @inline(__always)
    func contains(_ x: Float, _ y: Float) -> Bool {
        x >= bounds.0 && x <= bounds.2 && y >= bounds.1 && y <= bounds.3
    }

    /// The eyelids drawn over a warped value (the mouth is drawn by the warp itself); `source`
    /// reads the source plane at a frame point.
    @inline(__always)
    func shade(plane: Int, x: Float, y: Float, sx: Float, sy: Float, warped: Float,
               source: (Float, Float) -> Float) -> Float {
        var value = warped
        for eye in eyes { value = eye.shade(plane: plane, x: x, y: y, sx: sx, sy: sy, warped: value, source: source) }
        return value
    }
}

// Mouth interiors and closed eyelids: what a warp of the source cannot show.
//
// - mouth: the mesh has no hole between the lips, so inside the edited inner-lip polygon the warp
//   shows the source's lips (or its smaller opening) stretched. The cavity is drawn over the edited
//   opening with an opacity from how much of it is new: (edited area − source area) / edited area,
//   so an opening that grows from a closed mouth becomes fully synthetic, while a source that was
//   already open keeps some of its own (stretched) interior;
// - eye: where an output pixel x is outside the edited eye opening but reads the source at s(x)
//   inside the source's opening, the warp would show the eyeball where the edited lid now is →
//   eyelid skin, with a lash line on the lid edge.
// Coverage is anti-aliased with the signed distance to the polygons (one pixel ramp).

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

/// The mouth opening an edit adds.
struct MouthSynthesis {
    var edited: FeaturePolygon
    var source: FeaturePolygon
    var upperLip: LipCurve
    var lowerLip: LipCurve
    var leftCorner: Float
    var rightCorner: Float
    /// The cavity's opacity: how much of the edited opening is new.
    var newness: Float
    /// Where it may draw (frame pixels): minX, minY, maxX, maxY.
    var bounds: (Float, Float, Float, Float)
    /// Sample values per plane of the cavity's edge, its back, and the teeth hint.
    var edgeColour: [Float] = []
    var backColour: [Float] = []
    var teethColour: [Float] = []

    /// Inner-lip polygons (8 points from iBUG 61…68, corners 61/65 taken from 49/55) of source and
    /// edited projections; nil when the edit does not open the mouth wider.
    init?(source: [Point2], edited: [Point2]) {
        let editedPolygon = FeaturePolygon(edited)
        let sourcePolygon = FeaturePolygon(source)
        guard editedPolygon.area > sourcePolygon.area * 1.1 + 4 else { return nil }
        self.edited = editedPolygon
        self.source = sourcePolygon
        newness = min(max(1.25 * (editedPolygon.area - sourcePolygon.area) / editedPolygon.area, 0), 1)
        upperLip = LipCurve(Array(edited[0...4]))
        lowerLip = LipCurve([edited[4], edited[5], edited[6], edited[7], edited[0]])
        leftCorner = min(edited[0].x, edited[4].x)
        rightCorner = max(edited[0].x, edited[4].x)
        let (x0, y0, x1, y1) = editedPolygon.bounds
        bounds = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    }

    /// The value of plane `plane` at output point `(x, y)` reading the source at `(sx, sy)`.
    @inline(__always)
    func shade(plane: Int, x: Float, y: Float, sx: Float, sy: Float, warped: Float) -> Float {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return warped }
        let inside = edited.signedDistance(x, y)
        let coverage = min(max(inside + 0.5, 0), 1)
        guard coverage > 0 else { return warped }
        let alpha = coverage * newness
        let top = upperLip.y(at: x)
        let opening = max(lowerLip.y(at: x) - top, 1)
        // Darker towards the back (the middle of the opening).
        let depth = FlowBuilder.smoothstep(inside / (0.5 * opening))
        var colour = edgeColour[plane] + depth * (backColour[plane] - edgeColour[plane])
        // A lighter band below the upper lip hints at the upper teeth, fading to the corners.
        let down = (y - top) / opening
        let across = (x - leftCorner) / max(rightCorner - leftCorner, 1)
        let teeth = 0.55 * (1 - FlowBuilder.smoothstep(down / 0.35)) * FlowBuilder.smoothstep(4 * across * (1 - across))
            * min(max(inside - 0.5, 0), 1)
        colour += teeth * (teethColour[plane] - colour)
        return warped + alpha * (colour - warped)
    }
}

/// One eye that an edit closes further than the source.
struct EyelidSynthesis {
    var edited: FeaturePolygon
    var source: FeaturePolygon
    /// The edited upper lid edge (iBUG 37…40 or 43…46), where the lash line goes.
    var lidEdge: LipCurve
    /// How much of the source opening the edit closes, 0…1.
    var closure: Float
    /// Points just above the source's upper lid whose colour becomes the lid's.
    var skinPoints: [Point2]
    var bounds: (Float, Float, Float, Float)
    /// Sample values per plane of the lid skin (set per plane from the source) and the lash line.
    var skinColour: [Float] = []
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
        closure = min(max(1 - editedPolygon.area / sourcePolygon.area, 0), 1)
        let eyeWidth = abs(source[3].x - source[0].x)
        skinPoints = [source[1], source[2]].map { Point2(x: $0.x, y: $0.y - 0.22 * eyeWidth) }
        let (a0, b0, a1, b1) = editedPolygon.bounds
        let (c0, d0, c1, d1) = sourcePolygon.bounds
        bounds = (min(a0, c0) - 3, min(b0, d0) - 3, max(a1, c1) + 3, max(b1, d1) + 3)
    }

    @inline(__always)
    func shade(plane: Int, x: Float, y: Float, sx: Float, sy: Float, warped: Float) -> Float {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return warped }
        var value = warped
        let alpha = (1 - edited.coverage(x, y)) * source.coverage(sx, sy)
        if alpha > 0 { value += alpha * (skinColour[plane] - value) }
        // The lash line along the closed lid edge, as dark as the eye is closed.
        let lash = 0.85 * closure * min(max(1.6 - lidEdge.distance(x, y), 0), 1)
        if lash > 0, x >= lidEdge.xs[0], x <= lidEdge.xs[lidEdge.xs.count - 1] {
            value += lash * (lashColour[plane] - value)
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

    func shade(plane: Int, x: Float, y: Float, sx: Float, sy: Float, warped: Float) -> Float {
        var value = warped
        for eye in eyes { value = eye.shade(plane: plane, x: x, y: y, sx: sx, sy: sy, warped: value) }
        if let mouth { value = mouth.shade(plane: plane, x: x, y: y, sx: sx, sy: sy, warped: value) }
        return value
    }
}

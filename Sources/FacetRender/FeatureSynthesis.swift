// Mouth interiors (what a warp of the source cannot show) and the features drawn over a face's warp.
//
// - mouth: the mesh has a slit between the lips, so inside the edited inner-lip outline the flow
//   is only the boundary extension. The interior is mapped explicitly instead: both inner lips
//   are smooth curves v(u) (u the fraction between the corners, v the offset across the corner
//   axis). An edited pixel at depth d below the edited upper lip (or above the edited lower lip)
//   reads the source interior at the same u and depth d below the source's upper lip (above its
//   lower lip) while d is within that lip's share of the source opening: upper teeth move with the
//   upper lip, the lower interior with the lower lip. The rest, the new gap, is a cavity in the
//   face's own lip tones: their shadow at the rim, near black at the back, a rounded tongue on wide
//   openings, and an upper teeth row with tooth edges where the source's lips were closed;
// - eyes: closing lids are a warp of the face's own lid skin (EyelidWarp.swift).
// Coverage is anti-aliased with a one-pixel ramp across the lips' curves.

import FacetSDK

/// A closed polygon in frame pixels: its area and bounds.
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
}

/// One projection's inner-lip outline in mouth coordinates: u is the fraction along the axis from
/// the first corner (iBUG 49) to the second (55), v the offset in pixels across it (down for an
/// upright face). Each lip is a smooth curve (Hermite spline) through its landmarks, so the
/// opening has no polygon corners.
struct MouthOutline {
    var frame: FeatureFrame
    /// The upper and lower inner lips, v over u.
    var upperLip: SmoothCurve
    var lowerLip: SmoothCurve

    /// Eight inner-lip points: 49, 62, 63, 64, 55 (upper, corner to corner), 66, 67, 68 (lower, back).
    init(_ points: [Point2]) {
        let frame = FeatureFrame(from: points[0], to: points[4])
        self.frame = frame
        let uv = points.map { frame.coordinates($0) }
        upperLip = SmoothCurve([0, 1, 2, 3, 4].map { (uv[$0].u, uv[$0].v) })
        lowerLip = SmoothCurve([4, 5, 6, 7, 0].map { (uv[$0].u, uv[$0].v) })
    }

    /// Corner-to-corner length in pixels.
    var length: Float { frame.length }

    @inline(__always)
    func coordinates(_ x: Float, _ y: Float) -> (Float, Float) {
        let c = frame.coordinates(x, y)
        return (c.u, c.v)
    }

    /// The point at (u, v).
    @inline(__always)
    func point(u: Float, v: Float) -> (Float, Float) {
        let p = frame.point(u: u, v: v)
        return (p.x, p.y)
    }

    /// The upper lip's v at u.
    @inline(__always)
    func upper(_ u: Float) -> Float { upperLip.value(u) }
    /// The lower lip's v at u.
    @inline(__always)
    func lower(_ u: Float) -> Float { lowerLip.value(u) }
    /// The opening's height at u (0 where the lips touch or cross).
    @inline(__always)
    func opening(_ u: Float) -> Float { max(lower(u) - upper(u), 0) }

    /// The opening's outline as a polygon sampled densely along both splines.
    func polygon(samples: Int = 24) -> FeaturePolygon {
        var points: [Point2] = []
        for k in 0...samples {
            let u = Float(k) / Float(samples)
            let p = point(u: u, v: upper(u))
            points.append(Point2(x: p.0, y: p.1))
        }
        for k in stride(from: samples - 1, through: 1, by: -1) {
            let u = Float(k) / Float(samples)
            let p = point(u: u, v: max(lower(u), upper(u)))
            points.append(Point2(x: p.0, y: p.1))
        }
        return FeaturePolygon(points)
    }
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
    /// How far up the tongue the pixel is, 0 (its front, lit) … 1 (its top, in the mouth's shade).
    var tongueShade: Float = 0
}

/// The mouth interior of an edit that changes the opening between the lips.
struct MouthSynthesis {
    var sourceOutline: MouthOutline
    var editedOutline: MouthOutline
    /// The share of the source opening that stays attached to the upper lip (the rest to the lower).
    var upperShare: Float = 0.65
    /// Where it may draw (frame pixels): minX, minY, maxX, maxY.
    var bounds: (Float, Float, Float, Float)
    /// Points on the source's lips (above and below the opening) whose colour the cavity takes.
    var lipPoints: [Point2]
    /// Sample values per plane of the cavity's edge, its back, the tongue and teeth hints.
    var edgeColour: [Float] = []
    var backColour: [Float] = []
    var tongueColour: [Float] = []
    var teethColour: [Float] = []

    /// Inner-lip outlines (8 points: 49, 62, 63, 64, 55, 66, 67, 68; 61/65 are the corners) of
    /// source and edited projections; nil when the edit changes neither the opening's size nor
    /// its height anywhere by more than about a pixel.
    init?(source: [Point2], edited: [Point2]) {
        let sourceOutline = MouthOutline(source), editedOutline = MouthOutline(edited)
        let editedPolygon = editedOutline.polygon()
        let sourcePolygon = sourceOutline.polygon()
        let grows = editedPolygon.area > sourcePolygon.area * 1.1 + 4
        let reshaped =
            sourcePolygon.area > 4
            && [0.25, 0.5, 0.75].contains { (u: Float) in
                abs(editedOutline.opening(u) - sourceOutline.opening(u)) > 1
            }
        guard grows || reshaped, editedPolygon.area > 1 else { return nil }
        self.sourceOutline = sourceOutline
        self.editedOutline = editedOutline
        var lipPoints: [Point2] = []
        for u: Float in [0.3, 0.4, 0.5, 0.6, 0.7] {
            for v in [sourceOutline.upper(u) - 0.07 * sourceOutline.length, sourceOutline.lower(u) + 0.09 * sourceOutline.length] {
                let p = sourceOutline.point(u: u, v: v)
                lipPoints.append(Point2(x: p.0, y: p.1))
            }
        }
        self.lipPoints = lipPoints
        let (x0, y0, x1, y1) = editedPolygon.bounds
        bounds = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    }

    /// The interior at output point `(x, y)`; nil outside the edited opening.
    @inline(__always)
    func pixel(x: Float, y: Float) -> MouthPixel? {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return nil }
        let (rawU, v) = editedOutline.coordinates(x, y)
        guard rawU > -0.05, rawU < 1.05 else { return nil }
        let u = min(max(rawU, 0), 1)
        let top = editedOutline.upper(u), bottom = editedOutline.lower(u)
        // Inside the opening: the distance across the mouth to the nearer lip (the lips' splines
        // are nearly parallel to the corner axis except at the corners, where the opening closes).
        let inside = min(v - top, bottom - v)
        // The inner lip turns into the mouth: a soft edge of about 2% of the mouth's width (at
        // least a pixel), not a cut.
        let softness = max(0.02 * editedOutline.length, 1)
        // Towards the corners the lips meet in a rounded fold rather than a dark point: the
        // interior fades out over the last 12% of the mouth's width at each end, where the warped
        // lips show instead.
        let cornerFade = FlowBuilder.smoothstep(min(rawU, 1 - rawU) / Self.cornerFadeWidth)
        let coverage = min(max((inside + 0.5) / softness, 0), 1) * cornerFade
        guard coverage > 0 else { return nil }
        let downFromUpper = max(v - top, 0), upFromLower = max(bottom - v, 0)
        // The source's opening at u, split between the lips.
        let sourceTop = sourceOutline.upper(u), sourceBottom = sourceOutline.lower(u)
        let sourceHeight = max(sourceBottom - sourceTop, 0)
        let upperPart = upperShare * sourceHeight, lowerPart = sourceHeight - upperPart
        let gapTop = downFromUpper - upperPart, gapBottom = upFromLower - lowerPart
        let cavity = min(max(min(gapTop, gapBottom) + 0.5, 0), 1)
        var sourceX: Float = 0, sourceY: Float = 0
        if cavity < 1 {
            let sourceV =
                gapTop <= gapBottom
                ? sourceTop + min(downFromUpper, upperPart)
                : sourceBottom - min(upFromLower, lowerPart)
            (sourceX, sourceY) = sourceOutline.point(u: u, v: sourceV)
        }
        var depth: Float = 0, tongue: Float = 0, teeth: Float = 0, tongueShade: Float = 0
        if cavity > 0 {
            let gapHeight = max(gapTop + gapBottom, 1)
            let mouthWidth = editedOutline.length
            // Depth: the lips shade the cavity's rim; the back is dark.
            let edge = max(min(gapTop, gapBottom, inside), 0)
            depth = FlowBuilder.smoothstep(edge / max(min(0.5 * gapHeight, 0.12 * mouthWidth), 1))
            // Tongue: a rounded bump rising from the lower lip on wide openings.
            let tongueHeight = 0.4 * gapHeight * FlowBuilder.smoothstep((gapHeight / mouthWidth - 0.12) / 0.2)
            let tongueTop = tongueHeight * (1 - 4 * (u - 0.5) * (u - 0.5) / 0.36)
            // Its top is soft (a tongue is round, and in shade), its front lit.
            tongue =
                0.85 * FlowBuilder.smoothstep((tongueTop - gapBottom + 0.5) / max(0.3 * tongueHeight, 1))
                * (1 - FlowBuilder.smoothstep((abs(u - 0.5) - 0.25) / 0.08))
            tongueShade = min(max(gapBottom / max(tongueTop, 1), 0), 1)
            // Teeth where the source showed none (its lips were closed at u): an upper row under
            // the upper lip, with gaps between teeth sized from the mouth's width, in the lip's
            // shadow just under it and darker towards the corners. (A lower row above the lower
            // lip was tried: a landmark detector then reads the teeth's edge as the lower lip.)
            let closedSource = 1 - FlowBuilder.smoothstep(sourceHeight / max(0.04 * sourceOutline.length, 1))
            if closedSource > 0 {
                // The incisors reach lowest; the row's lower edge rises towards the corners and
                // is soft (a tooth's edge is translucent).
                let upperRow = min(0.08 * mouthWidth, 0.4 * gapHeight) * (1 - 0.3 * FlowBuilder.smoothstep(abs(u - 0.5) / 0.3))
                let inUpper =
                    FlowBuilder.smoothstep((upperRow - gapTop + 0.5) / max(0.15 * upperRow, 1)) * min(max(gapTop + 1, 0), 1)
                let spread = 1 - FlowBuilder.smoothstep((abs(u - 0.5) - 0.24) / 0.1)
                let shadowed = 0.6 + 0.4 * FlowBuilder.smoothstep(gapTop / max(0.35 * upperRow, 1))
                teeth =
                    0.85 * closedSource * inUpper * shadowed * spread * (1 - 0.2 * Self.toothGap(u))
                    * (0.3 + 0.7 * FlowBuilder.smoothstep(4 * u * (1 - u) / 0.9))
            }
        }
        return MouthPixel(
            coverage: coverage, cavity: cavity, sourceX: sourceX, sourceY: sourceY,
            depth: depth, tongue: tongue, teeth: teeth, tongueShade: tongueShade)
    }

    /// How far in from each corner (a fraction of the mouth's width) the interior fades in.
    static let cornerFadeWidth: Float = 0.12

    /// Tooth edges along the mouth (u from corner to corner): 1 in the thin dark line between
    /// two teeth, 0 on a tooth. Incisors are 0.1 of the mouth wide, the teeth beside them narrower.
    @inline(__always)
    static func toothGap(_ u: Float) -> Float {
        let offset = abs(u - 0.5)
        let edges: [Float] = [0, 0.1, 0.185, 0.26, 0.33]
        var nearest = Float.infinity
        for edge in edges { nearest = min(nearest, abs(offset - edge)) }
        return 1 - FlowBuilder.smoothstep(nearest / 0.012)
    }

    /// The cavity's value in plane `plane` for a pixel.
    @inline(__always)
    func cavityValue(plane: Int, _ pixel: MouthPixel) -> Float {
        var colour = edgeColour[plane] + pixel.depth * (backColour[plane] - edgeColour[plane])
        let tongue = tongueColour[plane] + 0.55 * pixel.tongueShade * (backColour[plane] - tongueColour[plane])
        colour += pixel.tongue * (tongue - colour)
        colour += pixel.teeth * (teethColour[plane] - colour)
        return colour
    }
}

/// Everything drawn over one face's warp.
struct FeatureSynthesis {
    var mouth: MouthSynthesis?
    var eyes: [EyelidWarp]
    /// Sample values per plane of black (the line where closed lids meet darkens towards it).
    var blackColour: [Float] = []
    /// Union of the features' bounds (frame pixels).
    var bounds: (Float, Float, Float, Float)

    init?(mouth: MouthSynthesis?, eyes: [EyelidWarp]) {
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

    /// Where an output point reads the source once closing lids are accounted for, and how much
    /// it darkens towards black (where closed lids meet).
    @inline(__always)
    func sourcePoint(x: Float, y: Float, meshX: Float, meshY: Float) -> EyelidSample {
        for (index, eye) in eyes.enumerated() {
            if var point = eye.sourcePoint(x: x, y: y, meshX: meshX, meshY: meshY) {
                point.eye = index
                return point
            }
        }
        return EyelidSample(x: meshX, y: meshY)
    }
}

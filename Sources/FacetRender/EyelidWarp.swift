// Eyelids that close: the face's own upper-lid skin slides down over the eye.
//
// A real lid is skin that moves, so the closed lid is drawn from the face's own pixels, not
// painted: in the eye's own frame (u along the corner axis, 0 … 1; v across it, down), each
// column from the top of the lid band (below the brow) down to the edited lid edge reads the
// source's column from the same top down to the source's lid edge, stretched, and the lash band
// moves down unstretched to the new lid edge. Stretched alone, that band carries the crease, the
// brow's shadow (on deep-set eyes, its hairs) and the upper lash line past the corners down over
// the eye, and a landmark detector reads those as an open eye; so, as far as the eye closes,
// the lid is mostly its own skin: the skin just above the band continued down (averaged along
// the eye, so no edge shows where the lid begins), a little lit towards the face's skin tone,
// shaded above the lashes, textured with the under-eye skin's grain, reaching past the corner
// landmarks. What is still open below a partly closed lid shows the eyeball where it was; a
// lower lid that rises is the skin under the eye stretched up the same way. The remap is applied
// inside a zone around the eye and blends into the mesh flow over its rim, so pose edits at the
// same time stay seamless. Lids are smooth curves through the landmarks (Hermite splines).

import FacetSDK

/// A smooth function v(u) through knots sorted by u: cubic Hermite with finite-difference
/// tangents (Catmull-Rom for even spacing), held constant beyond the end knots.
struct SmoothCurve {
    private(set) var us: [Float]
    private(set) var vs: [Float]
    private var slopes: [Float]

    /// Knots as (u, v) pairs; they are sorted by u, and knots closer than 1e-4 in u are merged.
    init(_ knots: [(Float, Float)]) {
        var sorted: [(Float, Float)] = []
        for knot in knots.sorted(by: { $0.0 < $1.0 }) {
            if let last = sorted.last, knot.0 - last.0 < 1e-4 {
                sorted[sorted.count - 1] = (last.0, (last.1 + knot.1) / 2)
            } else {
                sorted.append(knot)
            }
        }
        us = sorted.map(\.0)
        vs = sorted.map(\.1)
        let count = us.count
        var slopes = [Float](repeating: 0, count: count)
        if count >= 2 {
            for i in 0..<count {
                let a = max(i - 1, 0), b = min(i + 1, count - 1)
                slopes[i] = (vs[b] - vs[a]) / max(us[b] - us[a], 1e-6)
            }
        }
        self.slopes = slopes
    }

    /// The curve at u.
    @inline(__always)
    func value(_ u: Float) -> Float {
        let count = us.count
        guard count > 1 else { return vs.first ?? 0 }
        if u <= us[0] { return vs[0] }
        if u >= us[count - 1] { return vs[count - 1] }
        var i = 1
        while i < count - 1 && u > us[i] { i += 1 }
        let h = us[i] - us[i - 1]
        let t = (u - us[i - 1]) / h
        let t2 = t * t, t3 = t2 * t
        return (2 * t3 - 3 * t2 + 1) * vs[i - 1] + (t3 - 2 * t2 + t) * h * slopes[i - 1]
            + (-2 * t3 + 3 * t2) * vs[i] + (t3 - t2) * h * slopes[i]
    }
}

/// A feature's own frame: u is the fraction along the axis from one corner to the other, v the
/// signed distance in pixels across it (down for an upright face).
struct FeatureFrame {
    var originX: Float, originY: Float
    var axisX: Float, axisY: Float
    var length: Float

    init(from a: Point2, to b: Point2) {
        let ex = b.x - a.x, ey = b.y - a.y
        let length = max((ex * ex + ey * ey).squareRoot(), 1e-3)
        originX = a.x; originY = a.y
        axisX = ex / length; axisY = ey / length
        self.length = length
    }

    @inline(__always)
    func coordinates(_ x: Float, _ y: Float) -> (u: Float, v: Float) {
        let rx = x - originX, ry = y - originY
        return ((rx * axisX + ry * axisY) / length, ry * axisX - rx * axisY)
    }

    @inline(__always)
    func coordinates(_ p: Point2) -> (u: Float, v: Float) { coordinates(p.x, p.y) }

    @inline(__always)
    func point(u: Float, v: Float) -> (x: Float, y: Float) {
        (originX + u * length * axisX - v * axisY, originY + u * length * axisY + v * axisX)
    }
}

/// Where one output pixel of a closing eye reads the source.
struct EyelidSample {
    /// The source point (frame pixels).
    var x: Float, y: Float
    /// How much the value darkens towards black (the line where the lids meet).
    var shade: Float = 0
    /// How much of the value is the closed lid's own skin (the skin at `topX`, `topY` continued
    /// down, lit towards the eye's `lidLight`, shaded towards black, with the texture read at
    /// `textureX`, `textureY`) rather than the stretched source, 0…1.
    var tone: Float = 0
    /// How far the lid's colour moves towards `lidLight` (its lit middle), 0…1.
    var light: Float = 0
    /// How far the lid's colour moves towards black (its shade above the lashes), 0…1.
    var darkness: Float = 0
    /// The skin just above the lid, which the lid continues (read at ± `spread` along the eye).
    var topX: Float = 0, topY: Float = 0, spread: Float = 0
    /// The source point whose deviation from the tone gives the lid its skin texture.
    var textureX: Float = 0, textureY: Float = 0
    /// Which eye of the synthesis this sample belongs to.
    var eye: Int = 0
}

/// One eye that an edit closes further than the source: where each output pixel around the eye
/// reads the source so the lid slides down (see the file comment).
struct EyelidWarp {
    let source: FeatureFrame
    let edited: FeatureFrame
    /// Source lids (v in source pixels).
    let sourceUpper: SmoothCurve, sourceLower: SmoothCurve
    /// Edited lids, in source pixels (the edited frame's v scaled by the corner distances' ratio).
    let editedUpper: SmoothCurve, editedLower: SmoothCurve
    /// How far above the source lid edge the lid skin that slides reaches (source pixels).
    let band: Float
    /// The lid's edge with its lashes, moved without stretching (source pixels).
    let lashBand: Float
    /// How far below the source's lower lid the skin that rises with it reaches.
    let below: Float
    /// The zone's rim over which the remap blends into the mesh flow (source pixels).
    let rim: Float
    /// Edited-frame pixels per source pixel across the eye.
    let scale: Float
    /// How much of the source opening the edit closes, 0…1 (mean over the eye's width).
    let closure: Float
    /// Where the warp may change anything (output pixels): minX, minY, maxX, maxY.
    let bounds: (Float, Float, Float, Float)

    /// How much an edit closes an eye: 1 − the edited opening over the source's, sampled across
    /// the eye (both six-point outlines); nil when the source eye shows no opening.
    static func closure(source sourcePoints: [Point2], edited editedPoints: [Point2]) -> Float? {
        guard sourcePoints.count == 6, editedPoints.count == 6 else { return nil }
        let source = FeatureFrame(from: sourcePoints[0], to: sourcePoints[3])
        let edited = FeatureFrame(from: editedPoints[0], to: editedPoints[3])
        guard source.length > 1e-6, edited.length > 1e-6 else { return nil }
        let (sourceUpper, sourceLower) = lids(sourcePoints, source, 1)
        let (editedUpper, editedLower) = lids(editedPoints, edited, source.length / edited.length)
        let samples: [Float] = [0.2, 0.35, 0.5, 0.65, 0.8]
        let sourceOpening = samples.map { max(sourceLower.value($0) - sourceUpper.value($0), 0) }.reduce(0, +)
        let editedOpening = samples.map { max(editedLower.value($0) - editedUpper.value($0), 0) }.reduce(0, +)
        guard sourceOpening > 1e-3 * source.length else { return nil }
        return 1 - editedOpening / sourceOpening
    }

    /// The upper and lower lid of a six-point outline in `frame`, v scaled by `factor`.
    private static func lids(_ points: [Point2], _ frame: FeatureFrame, _ factor: Float) -> (SmoothCurve, SmoothCurve) {
        let uv = points.map { frame.coordinates($0) }
        let upper = [0, 1, 2, 3].map { (uv[$0].u, uv[$0].v * factor) }
        let lower = [3, 4, 5, 0].map { (uv[$0].u, uv[$0].v * factor) }
        return (SmoothCurve(upper), SmoothCurve(lower))
    }

    /// The share of the closing travel the upper lid makes (the lower lid rises the rest).
    static let upperLidShare: Float = 0.8

    /// Six-point outlines (iBUG 37…42 or 43…48: corner, two upper-lid points, corner, two
    /// lower-lid points) of the source and the edit, and the source's brow points above the eye
    /// (iBUG 18…22 or 23…27, may be empty). `fullClosure` is the closure the model's own
    /// eye-closing blendshape makes at weight 1 (its mean eye keeps a sliver open): an edit that
    /// closes that much shuts the eye. The lids close along the source's own lid shapes: the upper
    /// lid makes `upperLidShare` of the travel. Nil unless the edit closes the eye by more than 5%.
    init?(source sourcePoints: [Point2], edited editedPoints: [Point2], brow: [Point2], fullClosure: Float = 1) {
        guard let measured = Self.closure(source: sourcePoints, edited: editedPoints) else { return nil }
        let closure = min(max(measured / max(fullClosure, 0.5), 0), 1)
        guard closure > 0.05 else { return nil }
        let source = FeatureFrame(from: sourcePoints[0], to: sourcePoints[3])
        let edited = FeatureFrame(from: editedPoints[0], to: editedPoints[3])
        guard source.length > 2, edited.length > 2 else { return nil }
        let scale = edited.length / source.length
        let (sourceUpper, sourceLower) = Self.lids(sourcePoints, source, 1)
        var upperKnots: [(Float, Float)] = [], lowerKnots: [(Float, Float)] = []
        for u: Float in [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] {
            let top = sourceUpper.value(u), bottom = sourceLower.value(u)
            let opening = max(bottom - top, 0)
            upperKnots.append((u, top + closure * Self.upperLidShare * opening))
            lowerKnots.append((u, bottom - closure * (1 - Self.upperLidShare) * opening))
        }
        let editedUpper = SmoothCurve(upperKnots), editedLower = SmoothCurve(lowerKnots)
        // The sliding skin: up to 40% of the way to the brow's landmarks, which trace the brow's
        // upper edge (its hairs must not be dragged down: on a deep-set eye the brow is a third
        // of an eye width above the lid), between a tenth and 0.45 of an eye width.
        let width = source.length
        var band = 0.4 * width
        if !brow.isEmpty {
            let browV = brow.map { source.coordinates($0).v }.reduce(0, +) / Float(brow.count)
            let lidV = sourceUpper.value(0.5)
            band = min(max(0.4 * (lidV - browV), 0.1 * width), 0.45 * width)
        }
        self.source = source
        self.edited = edited
        self.sourceUpper = sourceUpper
        self.sourceLower = sourceLower
        self.editedUpper = editedUpper
        self.editedLower = editedLower
        self.band = band
        below = 0.3 * width
        lashBand = min((0.08) * width, 0.5 * band)
        rim = 0.12 * width
        self.scale = scale
        self.closure = closure
        // The zone in output pixels: u in −0.3 … 1.3 (the remap blends in over −0.2 … 0 and
        // 1 … 1.2, the lid's tone reaches on past the corners), v from above the band to below
        // the lower skin.
        var xs: [Float] = [], ys: [Float] = []
        for u: Float in [-0.3, 0.5, 1.3] {
            for v in [sourceUpper.value(0.5) - band - rim, sourceLower.value(0.5) + below + rim] {
                let p = edited.point(u: u, v: v * scale)
                xs.append(p.x); ys.append(p.y)
            }
        }
        bounds = (xs.min()! - 1, ys.min()! - 1, xs.max()! + 1, ys.max()! + 1)
        // Lit skin near the eye, whose tone the closed lid takes: the skin under the lower lid
        // (a closed lid bulges forward over the eyeball and is lit like it, not like the
        // recessed crease) and the skin at the top of the sliding band.
        var samples: [Point2] = []
        for u: Float in [0.25, 0.375, 0.5, 0.625, 0.75] {
            for depth: Float in [0.15, 0.22, 0.29] {
                let p = source.point(u: u, v: sourceLower.value(u) + depth * width)
                samples.append(Point2(x: p.x, y: p.y))
            }
            let p = source.point(u: u, v: sourceUpper.value(u) - band)
            samples.append(Point2(x: p.x, y: p.y))
        }
        toneSamplePoints = samples
    }

    /// Source points (frame pixels) of lit skin around the eye; the renderer sets `lidLight` from
    /// the picture's values there.
    let toneSamplePoints: [Point2]
    /// Sample values per plane of the closed lid's lit middle (from `toneSamplePoints`).
    var lidLight: [Float] = []

    /// The most a closed lid's value is its own skin rather than the stretched source: the rest
    /// keeps the source's texture, and its crease and brow shadow fade to a trace.
    static let lidToneStrength: Float = 0.85
    /// How much of the under-eye skin's deviation from the lit tone textures the closed lid.
    static let lidTextureGain: Float = 0.4
    /// How far the lid's bulging middle is lit towards the face's skin tone.
    static let lidLightening: Float = 0.1
    /// How far the lid darkens (towards black) just above the lashes.
    static let lidShadow: Float = 0.25

    /// Where output point (x, y) reads the source, given the mesh flow's source point; nil outside
    /// the zone. `shade` (0…1) darkens the line where the lids meet, as much as the eye is closed
    /// there.
    @inline(__always)
    func sourcePoint(x: Float, y: Float, meshX: Float, meshY: Float) -> EyelidSample? {
        guard x >= bounds.0, x <= bounds.2, y >= bounds.1, y <= bounds.3 else { return nil }
        let (u, editedV) = edited.coordinates(x, y)
        guard u > -0.3, u < 1.3 else { return nil }
        let v = editedV / scale
        let top = sourceUpper.value(u) - band, bottom = sourceLower.value(u) + below
        guard v > top - rim, v < bottom + rim else { return nil }
        let lid = sourceUpper.value(u), lowerLid = sourceLower.value(u)
        let newLid = editedUpper.value(u), newLower = editedLower.value(u)
        var sourceV = v
        if v > top && v <= newLid {
            // The lid skin from the band's top down to the lash band, stretched; the lash band
            // itself (the last `lashBand` pixels above the lid edge) moves down unstretched, so
            // the closed lid ends in a thin lash line as a real one does, not a dark slit.
            let lashTop = lid - lashBand, newLashTop = newLid - lashBand
            if v >= newLashTop {
                sourceV = v - (newLid - lid)
            } else {
                let t = (v - top) / max(newLashTop - top, 1e-3)
                sourceV = top + t * (lashTop - top)
            }
        } else if v >= newLower && v < bottom && newLower < lowerLid {
            // The skin under the eye, stretched up to the raised lower lid.
            sourceV = bottom - (bottom - v) * (bottom - lowerLid) / max(bottom - newLower, 1e-3)
        }
        let target = source.point(u: u, v: sourceV)
        // Blend into the mesh flow over the zone's rim (in u and in v).
        let inU = FlowBuilder.smoothstep((u + 0.2) / 0.2) * FlowBuilder.smoothstep((1.2 - u) / 0.2)
        let inV = FlowBuilder.smoothstep((v - (top - rim)) / rim) * FlowBuilder.smoothstep((bottom + rim - v) / rim)
        let weight = inU * inV
        // The line where the lids meet (the lashes' shadow): as dark as the eye is closed at u, 0.05 of the eye wide.
        let opening = max(lowerLid - lid, 1e-3)
        let closedHere = min(max(1 - (newLower - newLid) / opening, 0), 1)
        let lineWidth = max(0.05 * source.length, 0.6)
        let distance = abs(v - newLid)
        let line = closedHere * closedHere * min(max(1 - distance / lineWidth, 0), 1)
        let shade = 0.5 * line * FlowBuilder.smoothstep(4 * u * (1 - u) / 0.6)
        var sample = EyelidSample(x: meshX + weight * (target.x - meshX), y: meshY + weight * (target.y - meshY), shade: shade)
        // The closed lid's own skin, from the band's top (unchanged skin) down to the lash band:
        // the skin just above the band continued down (so no edge shows where the lid begins), lit
        // towards the face's skin tone in its bulging middle, shaded above the lashes, with the
        // under-eye skin's texture; as strong as the eye closes here.
        let newLashTop = newLid - lashBand
        if v > top, v < newLid, closedHere > 0 {
            let s = min(max((v - top) / max(newLashTop - top, 1e-3), 0), 1)
            let fromTop = FlowBuilder.smoothstep(s / 0.25)
            let aboveLashes = 1 - FlowBuilder.smoothstep((v - newLashTop) / max(lashBand, 0.5))
            // Beyond the corners too: the lash line runs on past the corner landmarks.
            let acrossEye = FlowBuilder.smoothstep((u + 0.28) / 0.12) * FlowBuilder.smoothstep((1.28 - u) / 0.12)
            sample.tone = Self.lidToneStrength * min(closedHere / 0.6, 1) * fromTop * aboveLashes * acrossEye * inV
            sample.light = Self.lidLightening * FlowBuilder.smoothstep((s - 0.1) / 0.6)
            sample.darkness = Self.lidShadow * FlowBuilder.smoothstep((s - 0.6) / 0.4)
            let above = source.point(u: u, v: top - 0.03 * source.length)
            sample.topX = above.x
            sample.topY = above.y
            sample.spread = 0.05 * source.length
            let texture = source.point(u: u, v: lowerLid + (0.12 + 0.18 * s) * source.length)
            sample.textureX = texture.x
            sample.textureY = texture.y
        }
        return sample
    }
}

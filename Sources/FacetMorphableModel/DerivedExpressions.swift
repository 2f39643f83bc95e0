import Foundation

// Expression directions a model lacks, derived from its mesh regions.
//
// The Surrey Face Model's six blendshapes are whole-face emotions (anger … surprise): nothing in
// them opens the jaw alone, shuts one eye or lifts the brows. Users of a face editor expect those
// controls, and the fitter needs them to follow blinks and speech. Each one is built here as a
// displacement field over the mean shape, placed by the model's landmark vertices (so it follows
// any mesh with an iBUG landmark map) and sized by the inter-ocular distance (so it works in
// millimetres or decimetres alike):
//
// - jaw-open: the lower face turns about a hinge axis behind the cheeks at the height of the
//   nose base (12° at weight 1, about 2 cm of lip gap for an average face), blended into the
//   cheeks above the mouth line;
// - left/right-eye-closed: the upper lid comes down to just above the lower lid (which rises a
//   little), the skin up to the brow following with a falloff;
// - left/right-brow-raised: the brow rises a tenth of the inter-ocular distance, the forehead
//   above and the lid skin below following with a falloff;
// - smile (used only to derive controls of PCA models; the Surrey model has its own
//   "happiness"): the mouth corners move up, out and back;
// - lip-round (used only to derive controls of PCA models, for lip sync's rounded vowels; a
//   blendshape model would need it appended as a blendshape, which changes its dimension): the
//   lips narrow towards the mouth's centre and push forward, the face above the upper lip and
//   below the lower lip following with a falloff.
//
// "Left" and "right" are the subject's own, as in the iBUG numbering (37–42 is the right eye).

/// Expression directions derived from a model's mesh regions (see the file comment).
public enum DerivedExpressions {
    /// The lower jaw dropped: lips parted.
    public static let jawOpen = "jaw-open"
    /// The subject's left upper eyelid down.
    public static let leftEyeClosed = "left-eye-closed"
    /// The subject's right upper eyelid down.
    public static let rightEyeClosed = "right-eye-closed"
    /// The subject's left eyebrow raised.
    public static let leftBrowRaised = "left-brow-raised"
    /// The subject's right eyebrow raised.
    public static let rightBrowRaised = "right-brow-raised"
    /// Mouth corners up, out and back.
    public static let smile = "smile"
    /// Lips narrowed and pushed forward (a pucker: the rounded vowels OO, OH).
    public static let lipRound = "lip-round"

    /// The directions appended as blendshapes to a blendshape model that lacks them, in order.
    public static let blendshapeNames = [jawOpen, leftEyeClosed, rightEyeClosed, leftBrowRaised, rightBrowRaised]
    /// Every direction this type can derive.
    public static let allNames = blendshapeNames + [smile, lipRound]

    /// Jaw rotation at weight 1, in degrees.
    public static let jawAngleDegrees: Float = 12

    /// The displacement field (`3N` values) of the direction `name` for a mesh with the given mean
    /// shape (`3N` values, y up) and landmark map.
    /// `triangles` tell the upper lip from the lower where the two touch (a closed mouth's inner
    /// lip vertices can sit at the same place, separated only by the mesh's mouth slit).
    public static func displacement(
        _ name: String, mean: [Float], landmarks: LandmarkMap,
        triangles: [SIMD3<Int32>]
    ) throws -> [Float] {
        let regions = try FaceRegions(mean: mean, landmarks: landmarks, triangles: triangles)
        switch name {
        case jawOpen: return regions.jawOpen()
        case leftEyeClosed: return regions.eyeClosed(left: true)
        case rightEyeClosed: return regions.eyeClosed(left: false)
        case leftBrowRaised: return regions.browRaised(left: true)
        case rightBrowRaised: return regions.browRaised(left: false)
        case smile: return regions.smile()
        case lipRound: return regions.lipRound()
        default:
            throw ModelError(
                .invalidArgument,
                "no derived expression is called \"\(name)\"; expected one of "
                    + allNames.joined(separator: ", "))
        }
    }

    /// The derived blendshapes a blendshape model lacks, as eos blendshapes ready to append.
    public static func blendshapes(
        mean: [Float], landmarks: LandmarkMap, triangles: [SIMD3<Int32>],
        existing: [String]
    ) throws -> [EosBlendshape] {
        try blendshapeNames.filter { !existing.contains($0) }.map { name in
            EosBlendshape(name: name, deformation: try displacement(name, mean: mean, landmarks: landmarks, triangles: triangles))
        }
    }
}

/// Landmark positions of a mean shape and the region fields built from them.
private struct FaceRegions {
    let mean: [Float]
    let count: Int
    /// Inter-ocular distance (between the eye centres): the unit every size is given in.
    let unit: Float
    let points: [Int: SIMD3<Float>]
    /// Every vertex's neighbours along mesh edges.
    let neighbours: [[Int32]]

    init(mean: [Float], landmarks: LandmarkMap, triangles: [SIMD3<Int32>]) throws {
        self.mean = mean
        count = mean.count / 3
        var neighbours = [[Int32]](repeating: [], count: count)
        for triangle in triangles {
            for (a, b) in [(triangle.x, triangle.y), (triangle.y, triangle.z), (triangle.z, triangle.x)]
            where a >= 0 && b >= 0 && Int(a) < count && Int(b) < count {
                if !neighbours[Int(a)].contains(b) { neighbours[Int(a)].append(b) }
                if !neighbours[Int(b)].contains(a) { neighbours[Int(b)].append(a) }
            }
        }
        self.neighbours = neighbours
        var points: [Int: SIMD3<Float>] = [:]
        for (number, vertex) in landmarks.fixed where vertex >= 0 && vertex < count {
            points[number] = SIMD3(mean[3 * vertex], mean[3 * vertex + 1], mean[3 * vertex + 2])
        }
        let required = [
            9, 18, 20, 22, 23, 25, 27, 31, 34, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 55,
            52, 58, 62, 63, 64, 66, 67, 68,
        ]
        let missing = required.filter { points[$0] == nil }
        guard missing.isEmpty else {
            throw ModelError(
                .incompatible,
                "deriving expressions needs the landmark vertices "
                    + missing.map(String.init).joined(separator: ", ") + ", which the model's landmark map lacks")
        }
        self.points = points
        let right = (points[37]! + points[40]!) / 2
        let left = (points[43]! + points[46]!) / 2
        unit = max(Self.length(left - right), .leastNormalMagnitude)
    }

    static func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }

    func vertex(_ index: Int) -> SIMD3<Float> {
        SIMD3(mean[3 * index], mean[3 * index + 1], mean[3 * index + 2])
    }

    /// A function of x through the given (x, y) knots, linear between them and constant outside.
    static func profile(_ knots: [(Float, Float)]) -> (Float) -> Float {
        let sorted = knots.sorted { $0.0 < $1.0 }
        return { x in
            guard let first = sorted.first, let last = sorted.last else { return 0 }
            if x <= first.0 { return first.1 }
            if x >= last.0 { return last.1 }
            for (a, b) in zip(sorted, sorted.dropFirst()) where x <= b.0 {
                let t = (x - a.0) / max(b.0 - a.0, .leastNormalMagnitude)
                return a.1 + t * (b.1 - a.1)
            }
            return last.1
        }
    }

    /// 0 below `low`, 1 above `high`, smooth in between (either order of the edges).
    static func smoothstep(_ low: Float, _ high: Float, _ x: Float) -> Float {
        guard low != high else { return x >= high ? 1 : 0 }
        let t = min(max((x - low) / (high - low), 0), 1)
        return t * t * (3 - 2 * t)
    }

    /// 1 inside [a, b] (a < b) shrunk by `inset`, fading to 0 at `margin` outside.
    static func window(_ x: Float, from a: Float, to b: Float, margin: Float) -> Float {
        smoothstep(a - margin, a, x) * (1 - smoothstep(b, b + margin, x))
    }

    // MARK: - Jaw

    func jawOpen() -> [Float] {
        let corners = [points[49]!, points[55]!]
        let mouthLeft = min(corners[0].x, corners[1].x), mouthRight = max(corners[0].x, corners[1].x)
        let mouthHalfWidth = (mouthRight - mouthLeft) / 2
        let mouthCentreX = (mouthLeft + mouthRight) / 2
        // The parting line: midway between the inner upper and inner lower lips, through the corners.
        let parting = Self.profile([
            (corners[0].x, corners[0].y), (corners[1].x, corners[1].y),
            ((points[62]!.x + points[68]!.x) / 2, (points[62]!.y + points[68]!.y) / 2),
            ((points[63]!.x + points[67]!.x) / 2, (points[63]!.y + points[67]!.y) / 2),
            ((points[64]!.x + points[66]!.x) / 2, (points[64]!.y + points[66]!.y) / 2),
        ])
        let cornerHeight = (corners[0].y + corners[1].y) / 2
        let eyeCornerDepth = (points[37]!.z + points[46]!.z) / 2
        let pivot = SIMD2<Float>(points[34]!.y + 0.1 * unit, eyeCornerDepth - 1.1 * unit)  // (y, z)
        let angle = DerivedExpressions.jawAngleDegrees * .pi / 180
        let cosine = cos(angle), sine = sin(angle)
        // How much of the jaw's turn each vertex takes.
        var weights = [Float](repeating: 0, count: count)
        var nearParting: [Int] = []
        for index in 0..<count {
            let v = vertex(index)
            let beyondCorner = max(0, abs(v.x - mouthCentreX) - mouthHalfWidth)
            // Inside the mouth's width the split is sharp (lips part); towards the jaw's sides the
            // parting line levels off at the corners' height and the blend widens into the cheeks.
            let sideBlend = min(beyondCorner / (0.15 * unit), 1)
            let line = parting(v.x) * (1 - sideBlend) + cornerHeight * sideBlend
            let band = 0.02 * unit + 0.9 * beyondCorner
            weights[index] = Self.smoothstep(line + band / 2, line - band / 2, v.y)
            if beyondCorner < 0.05 * unit, abs(v.y - line) < 0.06 * unit, v.z > points[49]!.z - 0.1 * unit {
                nearParting.append(index)
            }
        }
        // Near the parting line height says nothing (closed lips touch): there a vertex takes the
        // mean of its mesh neighbours, so the inner upper lip follows the upper lip and the inner
        // lower lip the lower, across the mesh's mouth slit.
        for index in nearParting { weights[index] = 0.5 }
        for _ in 0..<60 {
            for index in nearParting where !neighbours[index].isEmpty {
                var sum: Float = 0
                for other in neighbours[index] { sum += weights[Int(other)] }
                weights[index] = sum / Float(neighbours[index].count)
            }
        }
        var field = [Float](repeating: 0, count: mean.count)
        for index in 0..<count {
            let v = vertex(index)
            let weight = weights[index]
            guard weight > 0 else { continue }
            let y = v.y - pivot.x, z = v.z - pivot.y
            let turnedY = y * cosine - z * sine, turnedZ = y * sine + z * cosine
            field[3 * index + 1] = weight * (turnedY - y)
            field[3 * index + 2] = weight * (turnedZ - z)
        }
        return field
    }

    // MARK: - Eyes

    func eyeClosed(left: Bool) -> [Float] {
        // iBUG: right eye 37 outer, 38 39 upper, 40 inner, 41 42 lower (41 under 39, 42 under 38);
        // left eye 43 inner, 44 45 upper, 46 outer, 47 48 lower (47 under 45, 48 under 44).
        let (cornerA, cornerB, upper, lower, brow) =
            left
            ? (points[43]!, points[46]!, [points[44]!, points[45]!], [points[48]!, points[47]!], [points[23]!, points[25]!, points[27]!])
            : (points[37]!, points[40]!, [points[38]!, points[39]!], [points[42]!, points[41]!], [points[18]!, points[20]!, points[22]!])
        let upperLid = Self.profile([(cornerA.x, cornerA.y), (cornerB.x, cornerB.y)] + upper.map { ($0.x, $0.y) })
        let lowerLid = Self.profile([(cornerA.x, cornerA.y), (cornerB.x, cornerB.y)] + lower.map { ($0.x, $0.y) })
        let browLine = Self.profile(brow.map { ($0.x, $0.y) })
        let minX = min(cornerA.x, cornerB.x), maxX = max(cornerA.x, cornerB.x)
        let margin = 0.35 * (maxX - minX)
        var field = [Float](repeating: 0, count: mean.count)
        for index in 0..<count {
            let v = vertex(index)
            let horizontal = Self.window(v.x, from: minX + 0.1 * margin, to: maxX - 0.1 * margin, margin: margin)
            guard horizontal > 0 else { continue }
            let top = upperLid(v.x), bottom = lowerLid(v.x)
            let gap = max(top - bottom, 0.02 * unit)
            let closure = bottom + 0.2 * gap  // where the lids meet
            let browY = max(browLine(v.x), top + 0.1 * unit)
            var dy: Float
            if v.y >= top {
                // Lid skin up to the brow follows, fading out two thirds of the way there.
                dy = (closure - top) * (1 - Self.smoothstep(top, top + 0.66 * (browY - top), v.y))
            } else if v.y >= bottom {
                let t = (v.y - bottom) / gap
                dy = (closure - bottom) * (1 - t) + (closure - top) * t
            } else {
                dy = (closure - bottom) * Self.smoothstep(bottom - 0.12 * unit, bottom, v.y)
            }
            // Keep off the nose bridge and the cheek: fade with depth behind the lids too.
            field[3 * index + 1] = dy * horizontal
        }
        return field
    }

    // MARK: - Brows

    func browRaised(left: Bool) -> [Float] {
        let brow = left ? [points[23]!, points[25]!, points[27]!] : [points[18]!, points[20]!, points[22]!]
        let lids = left ? [points[44]!, points[45]!] : [points[38]!, points[39]!]
        let browLine = Self.profile(brow.map { ($0.x, $0.y) })
        let lidHeight = lids.map(\.y).reduce(0, +) / Float(lids.count)
        let minX = brow.map(\.x).min()!, maxX = brow.map(\.x).max()!
        let lift = 0.1 * unit
        var field = [Float](repeating: 0, count: mean.count)
        for index in 0..<count {
            let v = vertex(index)
            let horizontal = Self.window(v.x, from: minX, to: maxX, margin: 0.2 * unit)
            guard horizontal > 0 else { continue }
            let line = browLine(v.x)
            let vertical: Float
            if v.y >= line {
                vertical = 1 - Self.smoothstep(line + 0.1 * unit, line + 0.7 * unit, v.y)
            } else {
                vertical = Self.smoothstep(lidHeight, line - 0.05 * unit, v.y)
            }
            field[3 * index + 1] = lift * vertical * horizontal
        }
        return field
    }

    // MARK: - Smile

    func smile() -> [Float] {
        let corners = [points[49]!, points[55]!]
        let centreX = (corners[0].x + corners[1].x) / 2
        let sigma = 0.3 * unit
        var field = [Float](repeating: 0, count: mean.count)
        for index in 0..<count {
            let v = vertex(index)
            var shift = SIMD3<Float>(repeating: 0)
            for corner in corners {
                let distance = Self.length(v - corner)
                let weight = exp(-(distance * distance) / (2 * sigma * sigma))
                let outward: Float = corner.x > centreX ? 1 : -1
                shift += weight * SIMD3(0.07 * unit * outward, 0.06 * unit, -0.04 * unit)
            }
            field[3 * index] = shift.x
            field[3 * index + 1] = shift.y
            field[3 * index + 2] = shift.z
        }
        return field
    }

    // MARK: - Lips rounded

    func lipRound() -> [Float] {
        let corners = [points[49]!, points[55]!]
        let upperLip = points[52]!, lowerLip = points[58]!
        let centreX = (corners[0].x + corners[1].x) / 2
        let centreY = (upperLip.y + lowerLip.y) / 2
        let halfWidth = abs(corners[1].x - corners[0].x) / 2
        let noseBase = points[34]!.y
        var field = [Float](repeating: 0, count: mean.count)
        for index in 0..<count {
            let v = vertex(index)
            // Across: full over the mouth's width, fading over half of it beyond the corners.
            let across = Self.window(v.x, from: centreX - halfWidth, to: centreX + halfWidth, margin: 0.5 * halfWidth)
            // Up and down: full over the lips, fading out before the nose base and towards the chin.
            let upward = 1 - Self.smoothstep(upperLip.y, upperLip.y + 0.8 * (noseBase - upperLip.y), v.y)
            let downward = Self.smoothstep(lowerLip.y - 0.3 * unit, lowerLip.y, v.y)
            let weight = across * upward * downward
            guard weight > 0, v.z > corners[0].z - 0.3 * unit else { continue }
            // The corners come in by 30% of the mouth's half width, the lips forward a tenth of the
            // eyes' distance, and the lips a little taller (they bunch as they narrow).
            field[3 * index] = -0.3 * (v.x - centreX) * weight
            field[3 * index + 1] = 0.1 * (v.y - centreY) * weight
            field[3 * index + 2] = 0.1 * unit * weight
        }
        return field
    }
}

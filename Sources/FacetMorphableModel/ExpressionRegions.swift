import FacetSDK

// Face regions (mouth, eyes, brows) as linear maps of a model's expression space, so that an
// effect can take "the mouth part" of an expression change whether the model's expressions are
// whole-face blendshapes or PCA components.
//
// Each region is a soft vertex mask over the mean shape, placed by the model's iBUG landmark
// vertices and sized by the inter-ocular distance `u`:
// - mouth: within 0.35 u of a lip landmark (49–68), fading out by 0.6 u, and the chin and jaw
//   below the mouth corners, out to 0.35 u beyond them and fading over 0.3 u (the jaw opening
//   moves them);
// - brows: the brow line (through the brow landmarks 18–27) and everything above it over the
//   brows' width (the forehead), fading in over 0.15 u below the line and 0.2 u at the sides;
// - eyes: within 0.22 u of an eye landmark (37–48), fading out by 0.38 u, and the lid skin
//   between the eye and the brow line (what a closing lid moves).
// Where masks meet, they are scaled to sum to at most 1. The region's map is then the
// least-squares expression change whose shape matches the masked shape change:
// `P = (EᵀE + λI)⁻¹ Eᵀ M E`, with E the expression basis, M the mask, λ a thousandth of EᵀE's
// mean diagonal (the same ridge as `projectOntoExpressionBasis`).

extension MorphableModel {
    /// The standard regions (`ExpressionRegionName`) as maps of this model's expression space;
    /// empty when the model lacks the landmark vertices that place them.
    public func expressionRegions() -> [String: ExpressionRegion] {
        guard let masks = regionMasks() else { return [:] }
        return Self.regionProjections(basis: expressionBasis, rows: mean.count, count: expressionCount, masks: masks)
    }

    /// `P = (EᵀE + λI)⁻¹ Eᵀ M E` for each mask, `E` the `rows × k` column-major `basis`.
    static func regionProjections(basis expressionBasis: [Float], rows: Int, count k: Int, masks: [String: [Float]])
        -> [String: ExpressionRegion]
    {
        let count = rows / 3
        guard k > 0, expressionBasis.count == rows * k else { return [:] }
        // Gram matrix G = EᵀE and, per region, H = Eᵀ M E.
        var gram = [Double](repeating: 0, count: k * k)
        var masked = [String: [Double]]()
        for name in ExpressionRegionName.all { masked[name] = [Double](repeating: 0, count: k * k) }
        expressionBasis.withUnsafeBufferPointer { basis in
            for a in 0..<k {
                for b in a..<k {
                    var total = 0.0
                    var byRegion = [Double](repeating: 0, count: ExpressionRegionName.all.count)
                    for vertex in 0..<count {
                        var dot = 0.0
                        for axis in 0..<3 {
                            dot += Double(basis[a * rows + 3 * vertex + axis]) * Double(basis[b * rows + 3 * vertex + axis])
                        }
                        total += dot
                        for (r, name) in ExpressionRegionName.all.enumerated() { byRegion[r] += Double(masks[name]![vertex]) * dot }
                    }
                    gram[a * k + b] = total
                    gram[b * k + a] = total
                    for (r, name) in ExpressionRegionName.all.enumerated() {
                        masked[name]![a * k + b] = byRegion[r]
                        masked[name]![b * k + a] = byRegion[r]
                    }
                }
            }
        }
        let trace = (0..<k).reduce(0.0) { $0 + gram[$1 * k + $1] }
        let ridge = 1e-3 * trace / Double(k)
        for index in 0..<k { gram[index * k + index] += ridge }
        guard let lower = Self.cholesky(gram, k) else { return [:] }
        var regions: [String: ExpressionRegion] = [:]
        for name in ExpressionRegionName.all {
            let h = masked[name]!
            var projection = [Float](repeating: 0, count: k * k)
            for column in 0..<k {
                let solved = Self.choleskySolve(lower, k, (0..<k).map { h[$0 * k + column] })
                for row in 0..<k { projection[row * k + column] = Float(solved[row]) }
            }
            regions[name] = ExpressionRegion(projection: projection)
        }
        return regions
    }

    /// Per-vertex weights in [0, 1] of each standard region, summing to at most 1; nil when a
    /// landmark vertex the regions need is missing.
    func regionMasks() -> [String: [Float]]? {
        let count = mean.count / 3
        func point(_ number: Int) -> SIMD3<Float>? {
            guard let vertex = landmarkVertex(number), vertex >= 0, vertex < count else { return nil }
            return SIMD3(mean[3 * vertex], mean[3 * vertex + 1], mean[3 * vertex + 2])
        }
        // Models map the inner mouth corners (61, 65) and the jaw contour differently or not at all:
        // most of each group is enough.
        let lips = (49...68).compactMap(point), eyes = (37...48).compactMap(point), brows = (18...27).compactMap(point)
        guard lips.count >= 16, eyes.count >= 10, brows.count >= 8,
            let rightEye = point(37), let rightOuter = point(40), let leftEye = point(43), let leftOuter = point(46),
            let mouthRight = point(49), let mouthLeft = point(55)
        else { return nil }
        let unit = max(Self.distance((rightEye + rightOuter) / 2, (leftEye + leftOuter) / 2), .leastNormalMagnitude)
        func falloff(_ distance: Float, inner: Float, outer: Float) -> Float {
            if distance <= inner * unit { return 1 }
            if distance >= outer * unit { return 0 }
            let t = (distance - inner * unit) / ((outer - inner) * unit)
            return 1 - t * t * (3 - 2 * t)
        }
        func nearest(_ v: SIMD3<Float>, _ points: [SIMD3<Float>]) -> Float {
            points.reduce(Float.greatestFiniteMagnitude) { min($0, Self.distance(v, $1)) }
        }
        let cornerHeight = (mouthRight.y + mouthLeft.y) / 2
        let jawLeft = min(mouthRight.x, mouthLeft.x) - 0.65 * unit, jawRight = max(mouthRight.x, mouthLeft.x) + 0.65 * unit
        let browLow = brows.map(\.x).min()!, browHigh = brows.map(\.x).max()!
        let sortedBrows = brows.sorted { $0.x < $1.x }
        /// The brow line's height at x: linear between brow landmarks, constant beyond.
        func browLine(_ x: Float) -> Float {
            if x <= sortedBrows.first!.x { return sortedBrows.first!.y }
            if x >= sortedBrows.last!.x { return sortedBrows.last!.y }
            for (a, b) in zip(sortedBrows, sortedBrows.dropFirst()) where x <= b.x {
                return b.x > a.x ? a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) : a.y
            }
            return sortedBrows.last!.y
        }
        func smoothstep(_ low: Float, _ high: Float, _ x: Float) -> Float {
            let t = min(max((x - low) / (high - low), 0), 1)
            return t * t * (3 - 2 * t)
        }
        let eyeTop = eyes.map(\.y).max()!
        var mouth = [Float](repeating: 0, count: count)
        var eye = [Float](repeating: 0, count: count)
        var brow = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let v = SIMD3(mean[3 * index], mean[3 * index + 1], mean[3 * index + 2])
            var m = falloff(nearest(v, lips), inner: 0.35, outer: 0.6)
            if v.y < cornerHeight, v.x > jawLeft, v.x < jawRight {
                // The chin and jaw below the mouth corners, fading out over 0.3 u at the sides.
                let side = min(v.x - jawLeft, jawRight - v.x) / unit
                m = max(m, min(1, side / 0.3))
            }
            let line = browLine(v.x)
            let across = 1 - smoothstep(0, 0.2 * unit, max(browLow - v.x, v.x - browHigh, 0))
            let b = across * smoothstep(line - 0.15 * unit, line - 0.02 * unit, v.y)
            var e = falloff(nearest(v, eyes), inner: 0.22, outer: 0.38)
            if v.y > eyeTop - 0.1 * unit, v.y < line { e = max(e, across * (1 - b)) }
            let total = m + e + b
            let scale: Float = total > 1 ? 1 / total : 1
            (mouth[index], eye[index], brow[index]) = (m * scale, e * scale, b * scale)
        }
        return [ExpressionRegionName.mouth: mouth, ExpressionRegionName.eyes: eye, ExpressionRegionName.brows: brow]
    }

    private static func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
        let d = a - b
        return (d * d).sum().squareRoot()
    }

    /// The lower Cholesky factor of a symmetric positive-definite `k×k` matrix; nil if it is not.
    private static func cholesky(_ matrix: [Double], _ k: Int) -> [Double]? {
        var lower = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var value = matrix[i * k + j]
                for p in 0..<j { value -= lower[i * k + p] * lower[j * k + p] }
                if i == j {
                    guard value > 0 else { return nil }
                    lower[i * k + j] = value.squareRoot()
                } else {
                    lower[i * k + j] = value / lower[j * k + j]
                }
            }
        }
        return lower
    }

    /// Solves `L Lᵀ x = b` for the factor `L` of `cholesky`.
    private static func choleskySolve(_ lower: [Double], _ k: Int, _ right: [Double]) -> [Double] {
        var solution = right
        for i in 0..<k {
            for p in 0..<i { solution[i] -= lower[i * k + p] * solution[p] }
            solution[i] /= lower[i * k + i]
        }
        for i in stride(from: k - 1, through: 0, by: -1) {
            for p in (i + 1)..<k { solution[i] -= lower[p * k + i] * solution[p] }
            solution[i] /= lower[i * k + i]
        }
        return solution
    }
}

// The numeric core of `FaceFitter`: buffers sized once per track, small dense solves by hand.

import FacetSDK
import Foundation

/// Scratch space and state for fitting one track; not shared between threads.
final class FitWorkspace {
    let model: MorphableModel
    let configuration: FaceFitter.Configuration
    let weakPerspective: Bool
    let focal, cx, cy: Double
    let expressionCount: Int
    let identityCount: Int
    let blendshapes: Bool
    let parameterCount: Int

    // Landmark slots: model vertices that can stand for a landmark (fixed ones, then contour candidates).
    let slotVertex: [Int]
    let fixedLandmark: [Int]  // 0-based landmark index of each fixed slot (slot = position)
    let rightSlots: Range<Int>
    let leftSlots: Range<Int>
    /// mean (+ identity) of every slot: 3 per slot.
    let base: UnsafeMutablePointer<Double>
    let meanSlots: UnsafeMutablePointer<Double>
    /// Expression basis rows per slot: (slot·3 + c)·E + e.
    let expressionRows: UnsafeMutablePointer<Double>
    /// Identity basis rows per slot: (slot·3 + c)·K + k.
    let identityRows: UnsafeMutablePointer<Double>

    // Current identity and frame state.
    var identity: [Double]
    var rotation = Matrix3.identity
    /// Translation: with a weak-perspective camera, `tx` and `ty` are the image offset in pixels of the
    /// model's origin from the principal point (u = cx + tx + s·x), so the fit does not depend on where in
    /// the picture the face is (in model units, a face far from the centre couples the scale to the
    /// translation and the steps find other local minima); with a perspective camera they are model units.
    var tx = 0.0, ty = 0.0, tz = -1.0, scale = 1.0
    let expression: UnsafeMutablePointer<Double>

    // Observations and correspondences of the current frame.
    let observed: UnsafeMutablePointer<Double>  // 68 × 2
    let correspondenceLandmark: UnsafeMutablePointer<Int>
    let correspondenceSlot: UnsafeMutablePointer<Int>
    /// A contour correspondence is a point on the model's contour between two neighbouring candidate
    /// vertices: `correspondenceSlot` weighs 1 − mix, `correspondenceNextSlot` weighs `correspondenceMix`
    /// (fixed landmarks: the same slot twice, mix 0).
    let correspondenceNextSlot: UnsafeMutablePointer<Int>
    let correspondenceMix: UnsafeMutablePointer<Double>
    /// How much each correspondence counts (1, or less for the contour side turning away).
    let correspondenceWeight: UnsafeMutablePointer<Double>
    var correspondenceCount = 0
    /// Whether landmarks beyond `outlierThreshold` are down-weighted (not while the pose is still coarse).
    var robust = true
    /// Whether Gauss–Newton steps leave the rotation as it is (translation and expression only).
    var holdsRotation = false
    var landmarkSpread = 1.0
    /// The landmark noise the residuals are weighed by, as a fraction of `landmarkSpread` (see
    /// `FaceFitter.Configuration.landmarkNoise`).
    var relativeNoise: Double

    // Solver scratch.
    let hessian: UnsafeMutablePointer<Double>
    let gradient: UnsafeMutablePointer<Double>
    let step: UnsafeMutablePointer<Double>
    let row: UnsafeMutablePointer<Double>
    let rotatedExpression: UnsafeMutablePointer<Double>  // 3 × E
    let factor: UnsafeMutablePointer<Double>
    let freeIndex: UnsafeMutablePointer<Int>
    let errors: UnsafeMutablePointer<Double>  // 68: sorted landmark errors

    init(model: MorphableModel, configuration: FaceFitter.Configuration, camera: FaceCamera) {
        self.model = model
        self.configuration = configuration
        weakPerspective = camera.projection == .weakPerspective
        focal = Double(camera.focalLength)
        cx = Double(camera.principalPoint.x)
        cy = Double(camera.principalPoint.y)
        expressionCount = model.expressionCount
        identityCount = model.identityCount
        blendshapes = model.expressionKind == .blendshapes
        parameterCount = 6 + model.expressionCount
        relativeNoise = Double(configuration.landmarkNoise ?? FaceFitter.Configuration.initialLandmarkNoise)

        var vertices: [Int] = []
        var fixed: [Int] = []
        for number in 1...68 {
            if let vertex = model.landmarks.fixed[number] {
                vertices.append(vertex)
                fixed.append(number - 1)
            }
        }
        let rightStart = vertices.count
        if LandmarkMap.rightContourLandmarks.contains(where: { model.landmarks.usesContourCandidates($0) }) {
            vertices += model.landmarks.rightContour
        }
        let leftStart = vertices.count
        if LandmarkMap.leftContourLandmarks.contains(where: { model.landmarks.usesContourCandidates($0) }) {
            vertices += model.landmarks.leftContour
        }
        slotVertex = vertices
        fixedLandmark = fixed
        rightSlots = rightStart..<leftStart
        leftSlots = leftStart..<vertices.count

        let slots = vertices.count
        let rows = model.mean.count
        base = .allocate(capacity: slots * 3)
        meanSlots = .allocate(capacity: slots * 3)
        expressionRows = .allocate(capacity: max(slots * 3 * expressionCount, 1))
        identityRows = .allocate(capacity: max(slots * 3 * identityCount, 1))
        for (slot, vertex) in vertices.enumerated() {
            for c in 0..<3 {
                meanSlots[slot * 3 + c] = Double(model.mean[vertex * 3 + c])
                for e in 0..<expressionCount {
                    expressionRows[(slot * 3 + c) * expressionCount + e] = Double(model.expressionBasis[e * rows + vertex * 3 + c])
                }
                for k in 0..<identityCount {
                    identityRows[(slot * 3 + c) * identityCount + k] = Double(model.identityBasis[k * rows + vertex * 3 + c])
                }
            }
        }
        base.update(from: meanSlots, count: slots * 3)
        identity = [Double](repeating: 0, count: identityCount)
        expression = .allocate(capacity: max(expressionCount, 1))
        expression.initialize(repeating: 0, count: max(expressionCount, 1))
        observed = .allocate(capacity: 136)
        correspondenceLandmark = .allocate(capacity: 68)
        correspondenceSlot = .allocate(capacity: 68)
        correspondenceNextSlot = .allocate(capacity: 68)
        correspondenceMix = .allocate(capacity: 68)
        correspondenceWeight = .allocate(capacity: 68)
        let p = parameterCount
        let big = max(p, identityCount)
        hessian = .allocate(capacity: big * big)
        factor = .allocate(capacity: big * big)
        gradient = .allocate(capacity: big)
        step = .allocate(capacity: big)
        row = .allocate(capacity: 2 * big)
        rotatedExpression = .allocate(capacity: max(3 * expressionCount, 1))
        freeIndex = .allocate(capacity: big)
        errors = .allocate(capacity: 68)
    }

    deinit {
        for pointer in [
            base, meanSlots, expressionRows, identityRows, expression, observed, hessian, factor, gradient,
            step, row, rotatedExpression, errors,
        ] {
            pointer.deallocate()
        }
        correspondenceLandmark.deallocate()
        correspondenceSlot.deallocate()
        correspondenceNextSlot.deallocate()
        correspondenceMix.deallocate()
        correspondenceWeight.deallocate()
        freeIndex.deallocate()
    }

    // MARK: - Identity

    /// Sets the identity and recomputes the slots' neutral positions.
    func setIdentity(_ values: [Double]) {
        identity = values
        let slots = slotVertex.count
        for index in 0..<(slots * 3) {
            var sum = meanSlots[index]
            let rowBase = index * identityCount
            for k in 0..<identityCount { sum += identityRows[rowBase + k] * values[k] }
            base[index] = sum
        }
    }

    /// Fits the identity to a track (a spread subset of its frames); returns the frames used. Unless the
    /// configuration fixes the landmark noise, the noise the fit leaves is measured and the identity fitted again
    /// with it, from the identity found so far, up to twice (see `FaceFitter.Configuration.landmarkNoise`).
    func fitIdentity(frames: [[Point2]]) -> [Int] {
        let chosen = fitIdentityAtCurrentNoise(frames: frames)
        guard configuration.landmarkNoise == nil else { return chosen }
        let range = configuration.landmarkNoiseRange
        for _ in 0..<2 {
            let measured = min(max(residualNoise(frames: frames, chosen: chosen), Double(range.lowerBound)), Double(range.upperBound))
            if abs(measured - relativeNoise) < 0.1 * relativeNoise { break }
            relativeNoise = measured
            _ = fitIdentityAtCurrentNoise(frames: frames)
        }
        return chosen
    }

    /// Fits the identity jointly with the pose and expression of a spread subset of frames (Gauss–Newton
    /// with the frame blocks eliminated by their Schur complement), with the landmarks weighed by the current
    /// `relativeNoise`; returns the frames used.
    func fitIdentityAtCurrentNoise(frames: [[Point2]]) -> [Int] {
        let chosen = chooseIdentityFrames(frames)
        let count = chosen.count
        let viewWeights = Self.viewWeights(chosen.map { frames[$0] }, similarity: Double(configuration.identityViewSimilarity))
        let p = parameterCount
        let k = identityCount
        var saved = SavedFrames(observations: chosen.map { frames[$0] }, expressionCount: expressionCount)
        // Start: every frame fitted with the mean identity.
        for position in 0..<count {
            loadObservations(frames[chosen[position]])
            initialisePose()
            fitPoseAndExpression()
            save(position, in: &saved)
        }
        guard k > 0 else { return chosen }
        let schur = UnsafeMutablePointer<Double>.allocate(capacity: k * k)
        let identityGradient = UnsafeMutablePointer<Double>.allocate(capacity: k)
        let couplings = UnsafeMutablePointer<Double>.allocate(capacity: count * p * k)  // per frame: H_ff⁻¹ H_fα
        let frameSteps = UnsafeMutablePointer<Double>.allocate(capacity: count * p)  // per frame: H_ff⁻¹ g_f
        defer {
            schur.deallocate()
            identityGradient.deallocate()
            couplings.deallocate()
            frameSteps.deallocate()
        }
        let prior = Double(configuration.identityRegularization)
        for iteration in 0..<max(configuration.identityIterations, 1) {
            for index in 0..<(k * k) { schur[index] = 0 }
            for index in 0..<k { identityGradient[index] = 0 }
            for position in 0..<count {
                restore(position, from: saved)
                if iteration > 0 {
                    matchContours()
                    save(position, in: &saved)
                }
                eliminateFrame(
                    coupling: couplings + position * p * k, frameStep: frameSteps + position * p,
                    weight: viewWeights[position], schur: schur, identityGradient: identityGradient)
            }
            guard solveIdentityStep(schur: schur, identityGradient: identityGradient, prior: prior) else { break }
            let newIdentity = (0..<k).map { identity[$0] + identityGradient[$0] }
            var stepSize = 0.0
            for a in 0..<k { stepSize += identityGradient[a] * identityGradient[a] }
            // Frame steps: δ_f = −H_ff⁻¹ g_f − Y δα.
            for position in 0..<count {
                restore(position, from: saved)
                let coupling = couplings + position * p * k
                for i in 0..<p {
                    var value = -frameSteps[position * p + i]
                    for a in 0..<k { value -= coupling[i * k + a] * identityGradient[a] }
                    step[i] = value
                }
                applyFrameStep(step)
                save(position, in: &saved)
            }
            setIdentity(newIdentity)
            if stepSize < 1e-10 { break }
        }
        return chosen
    }

    /// The identity frames' own state between the joint steps: observations, pose, expression and correspondences.
    struct SavedFrames {
        /// The landmarks of every identity frame.
        let observations: [[Point2]]
        var states: [FrameState]
        /// `expressionCount` values per frame.
        var expressions: [Double]
        var matches: [[Correspondence]]

        init(observations: [[Point2]], expressionCount: Int) {
            self.observations = observations
            states = [FrameState](repeating: FrameState(), count: observations.count)
            expressions = [Double](repeating: 0, count: max(observations.count * expressionCount, 1))
            matches = [[Correspondence]](repeating: [], count: observations.count)
        }
    }

    /// Saves the current frame state as identity frame `position`.
    private func save(_ position: Int, in saved: inout SavedFrames) {
        let e = expressionCount
        saved.states[position] = FrameState(rotation: rotation, tx: tx, ty: ty, tz: tz, scale: scale)
        for index in 0..<e { saved.expressions[position * e + index] = expression[index] }
        saved.matches[position] = (0..<correspondenceCount).map { correspondence($0) }
    }

    /// Makes identity frame `position` the current frame: its observations and its saved state.
    private func restore(_ position: Int, from saved: SavedFrames) {
        let e = expressionCount
        loadObservations(saved.observations[position])
        let state = saved.states[position]
        (rotation, tx, ty, tz, scale) = (state.rotation, state.tx, state.ty, state.tz, state.scale)
        for index in 0..<e { expression[index] = saved.expressions[position * e + index] }
        correspondenceCount = saved.matches[position].count
        for (index, match) in saved.matches[position].enumerated() { setCorrespondence(index, match) }
    }

    /// Adds the current frame to the identity's normal equations with its frame block eliminated (Schur
    /// complement), weighed by `weight`: `schur` −= H_αf H_ff⁻¹ H_fα (upper triangle) and `identityGradient`
    /// −= H_αf H_ff⁻¹ g_f. Leaves H_ff⁻¹ g_f in `frameStep` (p values) and H_ff⁻¹ H_fα in `coupling` (p × K)
    /// for the back-substitution; both zero when the frame block cannot be solved.
    private func eliminateFrame(
        coupling: UnsafeMutablePointer<Double>, frameStep: UnsafeMutablePointer<Double>,
        weight: Double, schur: UnsafeMutablePointer<Double>,
        identityGradient: UnsafeMutablePointer<Double>
    ) {
        let p = parameterCount
        let k = identityCount
        accumulateFrame(
            coupling: coupling, identityHessian: schur, identityGradient: identityGradient,
            identityWeight: weight)
        // Held blendshape weights do not move: drop their rows.
        for i in 0..<p where isHeldAtBound(i) {
            for j in 0..<p { hessian[i * p + j] = i == j ? 1 : 0; hessian[j * p + i] = i == j ? 1 : 0 }
            gradient[i] = 0
            for a in 0..<k { coupling[i * k + a] = 0 }
        }
        guard choleskySolve(size: p, matrix: hessian, rhs: gradient, solution: frameStep) else {
            for index in 0..<p { frameStep[index] = 0 }
            for index in 0..<(p * k) { coupling[index] = 0 }
            return
        }
        // S −= H_αf H_ff⁻¹ H_fα and ∇ −= H_αf H_ff⁻¹ g_f, keeping H_ff⁻¹ H_fα for the back-substitution.
        for a in 0..<k {
            for i in 0..<p { row[i] = coupling[i * k + a] }
            for i in 0..<p { step[i] = row[i] }
            choleskySubstitute(size: p, factor: hessian, rhs: step, solution: step)
            for b in a..<k {
                var sum = 0.0
                for i in 0..<p { sum += coupling[i * k + b] * step[i] }
                schur[a * k + b] -= weight * sum
            }
            var dot = 0.0
            for i in 0..<p { dot += row[i] * frameStep[i] }
            identityGradient[a] -= weight * dot
            // Keep Y = H_ff⁻¹ H_fα column a in place of H_fα column a (no longer needed).
            for i in 0..<p { coupling[i * k + a] = step[i] }
        }
    }

    /// Adds the identity prior to the reduced system (`schur`, upper triangle, mirrored here; `identityGradient`)
    /// and solves it: the identity step replaces `identityGradient`. False when the system cannot be solved.
    private func solveIdentityStep(
        schur: UnsafeMutablePointer<Double>, identityGradient: UnsafeMutablePointer<Double>,
        prior: Double
    ) -> Bool {
        let k = identityCount
        for a in 0..<k {
            schur[a * k + a] += prior
            identityGradient[a] += prior * identity[a]
            for b in 0..<a { schur[a * k + b] = schur[b * k + a] }
        }
        for a in 0..<k { identityGradient[a] = -identityGradient[a] }
        return choleskySolve(size: k, matrix: schur, rhs: identityGradient, solution: identityGradient)
    }

    /// The landmark noise the fit leaves: every identity frame fitted again with the current identity, the
    /// squared landmark errors (relative to each frame's landmark spread) of all of them, weighed by the frames'
    /// view weights; the weighted median of the squared errors over 2 ln 2 (the median of a 2-D Gaussian error's
    /// square is 2 ln 2 σ², and the median ignores the few landmarks an occlusion throws off). Returns σ as a
    /// fraction of the landmark spread.
    func residualNoise(frames: [[Point2]], chosen: [Int]) -> Double {
        let weights = Self.viewWeights(chosen.map { frames[$0] }, similarity: Double(configuration.identityViewSimilarity))
        var samples: [(value: Double, weight: Double)] = []
        for (position, index) in chosen.enumerated() {
            loadObservations(frames[index])
            initialisePose()
            fitPoseAndExpression()
            let r = rotation
            let spread2 = landmarkSpread * landmarkSpread
            for correspondence in 0..<correspondenceCount {
                let landmark = correspondenceLandmark[correspondence]
                let (x, y, z) = correspondencePoint(correspondence)
                let (u, v, _, _) = projectWithJacobian(
                    r.m00 * x + r.m01 * y + r.m02 * z, r.m10 * x + r.m11 * y + r.m12 * z,
                    r.m20 * x + r.m21 * y + r.m22 * z)
                let du = u - observed[landmark * 2], dv = v - observed[landmark * 2 + 1]
                samples.append(((du * du + dv * dv) / spread2, weights[position]))
            }
        }
        guard !samples.isEmpty else { return relativeNoise }
        samples.sort { $0.value < $1.value }
        let half = samples.reduce(0) { $0 + $1.weight } / 2
        var cumulative = 0.0
        var median = samples[samples.count - 1].value
        for sample in samples {
            cumulative += sample.weight
            if cumulative >= half {
                median = sample.value
                break
            }
        }
        return (median / (2 * log(2.0))).squareRoot()
    }

    /// The pose and translation of one frame, saved while the identity is fitted.
    struct FrameState {
        var rotation = Matrix3.identity
        var tx = 0.0, ty = 0.0, tz = -1.0, scale = 1.0
    }

    /// How much each identity frame counts as evidence of the identity: 1 for a view unlike the others,
    /// 1/n for each of n views that are the same up to the landmark noise (a still picture made into a video,
    /// a head that holds still). Frames are compared by their 68 landmarks after removing position, size and
    /// in-plane rotation (Procrustes), as an RMS distance in units of the eye distance; a kernel of width
    /// `similarity` says how alike two views are (exp(−(d/similarity)²)), and a frame's weight is 1 over the
    /// sum of its likeness to every identity frame, itself included. The weights sum to the number of distinct
    /// views, so n copies of one picture fit the identity exactly as the picture alone does.
    static func viewWeights(_ frames: [[Point2]], similarity: Double) -> [Double] {
        let count = frames.count
        guard count > 1, similarity > 0 else { return [Double](repeating: 1, count: count) }
        // Each frame centred and scaled to a unit eye distance; in-plane rotation removed pairwise.
        let shapes: [[(Double, Double)]] = frames.map { points in
            var cx = 0.0, cy = 0.0
            for point in points { cx += Double(point.x); cy += Double(point.y) }
            cx /= Double(points.count)
            cy /= Double(points.count)
            func eye(_ range: Range<Int>) -> (Double, Double) {
                var x = 0.0, y = 0.0
                for index in range { x += Double(points[index].x); y += Double(points[index].y) }
                return (x / Double(range.count), y / Double(range.count))
            }
            let right = eye(36..<42), left = eye(42..<48)
            let eyes = max(((left.0 - right.0) * (left.0 - right.0) + (left.1 - right.1) * (left.1 - right.1)).squareRoot(), 1e-9)
            return points.map { ((Double($0.x) - cx) / eyes, (Double($0.y) - cy) / eyes) }
        }
        func distance(_ a: [(Double, Double)], _ b: [(Double, Double)]) -> Double {
            // The rotation that best aligns b to a (2-D Procrustes without scale), then the RMS difference.
            var dot = 0.0, cross = 0.0
            for (p, q) in zip(a, b) {
                dot += p.0 * q.0 + p.1 * q.1
                cross += q.0 * p.1 - q.1 * p.0
            }
            let angle = atan2(cross, dot)
            let (c, s) = (cos(angle), sin(angle))
            var squares = 0.0
            for (p, q) in zip(a, b) {
                let (x, y) = (c * q.0 - s * q.1, s * q.0 + c * q.1)
                squares += (x - p.0) * (x - p.0) + (y - p.1) * (y - p.1)
            }
            return (squares / Double(a.count)).squareRoot()
        }
        var likeness = [Double](repeating: 1, count: count)  // each frame is like itself
        for i in 0..<count {
            for j in (i + 1)..<count {
                let ratio = distance(shapes[i], shapes[j]) / similarity
                let value = exp(-ratio * ratio)
                likeness[i] += value
                likeness[j] += value
            }
        }
        return likeness.map { 1 / $0 }
    }

    /// Up to `maxIdentityFrames` frames spread evenly over the track, preferring views within ±45° yaw.
    private func chooseIdentityFrames(_ frames: [[Point2]]) -> [Int] {
        var usable: [Int] = []
        for (index, frame) in frames.enumerated() {
            loadObservations(frame)
            initialisePose()
            if abs(Double(rotation.pose.yaw)) < 45 * .pi / 180 { usable.append(index) }
        }
        if usable.isEmpty { usable = Array(frames.indices) }
        let limit = max(configuration.maxIdentityFrames, 1)
        if usable.count <= limit { return usable }
        return (0..<limit).map { usable[($0 * (usable.count - 1)) / max(limit - 1, 1)] }
    }

    // MARK: - One frame

    /// Copies a frame's landmarks and sets the fixed correspondences.
    func loadObservations(_ points: [Point2]) {
        var meanX = 0.0, meanY = 0.0
        for index in 0..<68 {
            observed[index * 2] = Double(points[index].x)
            observed[index * 2 + 1] = Double(points[index].y)
            meanX += observed[index * 2]
            meanY += observed[index * 2 + 1]
        }
        meanX /= 68
        meanY /= 68
        var spread = 0.0
        for index in 0..<68 {
            let dx = observed[index * 2] - meanX, dy = observed[index * 2 + 1] - meanY
            spread += dx * dx + dy * dy
        }
        landmarkSpread = max((spread / 68).squareRoot(), 1e-6)
        correspondenceCount = fixedLandmark.count
        for (slot, landmark) in fixedLandmark.enumerated() {
            setCorrespondence(slot, Correspondence(landmark: landmark, slot: slot, nextSlot: slot, mix: 0))
        }
        for e in 0..<expressionCount { expression[e] = 0 }
    }

    /// A landmark's model point: a slot, or a point between two neighbouring contour slots.
    struct Correspondence {
        var landmark: Int
        var slot: Int
        var nextSlot: Int
        var mix: Double
        var weight = 1.0
    }

    @inline(__always)
    func correspondence(_ index: Int) -> Correspondence {
        Correspondence(
            landmark: correspondenceLandmark[index], slot: correspondenceSlot[index],
            nextSlot: correspondenceNextSlot[index], mix: correspondenceMix[index],
            weight: correspondenceWeight[index])
    }

    @inline(__always)
    func setCorrespondence(_ index: Int, _ value: Correspondence) {
        correspondenceLandmark[index] = value.landmark
        correspondenceSlot[index] = value.slot
        correspondenceNextSlot[index] = value.nextSlot
        correspondenceMix[index] = value.mix
        correspondenceWeight[index] = value.weight
    }

    /// The model point of correspondence `index` (with the current identity and expression).
    @inline(__always)
    func correspondencePoint(_ index: Int) -> (Double, Double, Double) {
        let a = slotPoint(correspondenceSlot[index])
        let mix = correspondenceMix[index]
        guard mix != 0 else { return a }
        let b = slotPoint(correspondenceNextSlot[index])
        return (a.0 + mix * (b.0 - a.0), a.1 + mix * (b.1 - a.1), a.2 + mix * (b.2 - a.2))
    }

    @inline(__always)
    func slotPoint(_ slot: Int) -> (Double, Double, Double) {
        var x = base[slot * 3], y = base[slot * 3 + 1], z = base[slot * 3 + 2]
        let e = expressionCount
        if e > 0 {
            let r0 = slot * 3 * e, r1 = r0 + e, r2 = r1 + e
            for index in 0..<e {
                let weight = expression[index]
                x += expressionRows[r0 + index] * weight
                y += expressionRows[r1 + index] * weight
                z += expressionRows[r2 + index] * weight
            }
        }
        return (x, y, z)
    }

    /// Projects q = R·X (before translation); returns (u, v) and ∂u/∂q, ∂v/∂q.
    @inline(__always)
    func projectWithJacobian(_ qx: Double, _ qy: Double, _ qz: Double)
        -> (Double, Double, (Double, Double, Double), (Double, Double, Double))
    {
        if weakPerspective {
            let s = scale
            return (cx + tx + s * qx, cy - (ty + s * qy), (s, 0, 0), (0, -s, 0))
        }
        let px = qx + tx, py = qy + ty, pz = qz + tz
        let w = max(-pz, 1e-9)
        let fw = focal / w
        return (cx + fw * px, cy - fw * py, (fw, 0, fw * px / w), (0, -fw, -fw * py / w))
    }

    /// A closed-form start: the affine camera of the fixed landmarks, made a scaled rotation.
    func initialisePose() {
        // Normal equations of u' = a·[X 1] and v' = c·[X 1] (4 unknowns each), accumulated in tuples
        // so the per-frame path does not allocate.
        var normal = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        var rightU = (0.0, 0.0, 0.0, 0.0)
        var rightV = (0.0, 0.0, 0.0, 0.0)
        withUnsafeMutablePointer(to: &normal) { matrix in
            matrix.withMemoryRebound(to: Double.self, capacity: 16) { n in
                withUnsafeMutablePointer(to: &rightU) { ru in
                    ru.withMemoryRebound(to: Double.self, capacity: 4) { u in
                        withUnsafeMutablePointer(to: &rightV) { rv in
                            rv.withMemoryRebound(to: Double.self, capacity: 4) { v in
                                for (slot, landmark) in fixedLandmark.enumerated() {
                                    let vector = (base[slot * 3], base[slot * 3 + 1], base[slot * 3 + 2], 1.0)
                                    let ou = observed[landmark * 2] - cx
                                    let ov = -(observed[landmark * 2 + 1] - cy)
                                    for i in 0..<4 {
                                        let vi = i == 0 ? vector.0 : i == 1 ? vector.1 : i == 2 ? vector.2 : vector.3
                                        u[i] += vi * ou
                                        v[i] += vi * ov
                                        n[i * 4] += vi * vector.0
                                        n[i * 4 + 1] += vi * vector.1
                                        n[i * 4 + 2] += vi * vector.2
                                        n[i * 4 + 3] += vi * vector.3
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var a = (0.0, 0.0, 0.0, 0.0)
        var c = (0.0, 0.0, 0.0, 0.0)
        // The factorisation overwrites the matrix: solve both right-hand sides with one factor.
        withUnsafeMutablePointer(to: &normal) { matrix in
            matrix.withMemoryRebound(to: Double.self, capacity: 16) { n in
                withUnsafeMutablePointer(to: &rightU) { ru in
                    ru.withMemoryRebound(to: Double.self, capacity: 4) { u in
                        withUnsafeMutablePointer(to: &rightV) { rv in
                            rv.withMemoryRebound(to: Double.self, capacity: 4) { v in
                                if choleskySolve(size: 4, matrix: n, rhs: u, solution: u) {
                                    choleskySubstitute(size: 4, factor: n, rhs: v, solution: v)
                                }
                            }
                        }
                    }
                }
            }
        }
        a = rightU
        c = rightV
        let normA = max((a.0 * a.0 + a.1 * a.1 + a.2 * a.2).squareRoot(), 1e-12)
        let normC = max((c.0 * c.0 + c.1 * c.1 + c.2 * c.2).squareRoot(), 1e-12)
        let s = (normA + normC) / 2
        // Symmetric orthonormalisation of the two rows.
        let r1 = (a.0 / normA, a.1 / normA, a.2 / normA)
        let r2 = (c.0 / normC, c.1 / normC, c.2 / normC)
        var sum = (r1.0 + r2.0, r1.1 + r2.1, r1.2 + r2.2)
        var difference = (r1.0 - r2.0, r1.1 - r2.1, r1.2 - r2.2)
        let sumNorm = max((sum.0 * sum.0 + sum.1 * sum.1 + sum.2 * sum.2).squareRoot(), 1e-12)
        let differenceNorm = max(
            (difference.0 * difference.0 + difference.1 * difference.1 + difference.2 * difference.2)
                .squareRoot(), 1e-12)
        sum = (sum.0 / sumNorm, sum.1 / sumNorm, sum.2 / sumNorm)
        difference = (difference.0 / differenceNorm, difference.1 / differenceNorm, difference.2 / differenceNorm)
        let half = 1 / 2.0.squareRoot()
        let x = ((sum.0 + difference.0) * half, (sum.1 + difference.1) * half, (sum.2 + difference.2) * half)
        let y = ((sum.0 - difference.0) * half, (sum.1 - difference.1) * half, (sum.2 - difference.2) * half)
        let z = (x.1 * y.2 - x.2 * y.1, x.2 * y.0 - x.0 * y.2, x.0 * y.1 - x.1 * y.0)
        rotation = Matrix3(m00: x.0, m01: x.1, m02: x.2, m10: y.0, m11: y.1, m12: y.2, m20: z.0, m21: z.1, m22: z.2)
        scale = s
        tx = weakPerspective ? a.3 : a.3 / s
        ty = weakPerspective ? c.3 : c.3 / s
        tz = -focal / s
    }

    /// Gauss–Newton on pose + expression with contour re-matching between passes.
    func fitPoseAndExpression() {
        // The fixed landmarks first: contour matches made with a poor pose or expression can lock in.
        // Plain least squares here: from the coarse start every residual is large, and down-weighting the
        // landmarks that are merely far from a poor first guess would steer the fit.
        correspondenceCount = fixedLandmark.count
        robust = false
        for _ in 0..<configuration.poseIterations {
            if gaussNewtonStep() < 1e-7 { break }
        }
        robust = true
        for _ in 0..<max(configuration.contourPasses, 1) {
            matchContours()
            for _ in 0..<configuration.poseIterations {
                if gaussNewtonStep() < 1e-7 { break }
            }
        }
        matchContours()
    }

    /// Sets the rotation to `pose` and fits translation and expression with it held (contours re-matched),
    /// from the current translation and expression.
    func refit(holdingPose pose: HeadPose) {
        rotation = Matrix3(pose: pose)
        holdsRotation = true
        defer { holdsRotation = false }
        // One pass: the rotation moves by a degree or so, the contour matches hardly change.
        matchContours()
        for _ in 0..<configuration.poseIterations {
            if gaussNewtonStep() < 1e-6 { break }
        }
        matchContours()
    }

    /// Matches the contour landmarks of the side(s) facing the camera to the nearest projected candidates.
    func matchContours() {
        correspondenceCount = fixedLandmark.count
        guard !rightSlots.isEmpty || !leftSlots.isEmpty else { return }
        let yaw = Double(rotation.pose.yaw)
        let fade = max(Double(configuration.contourSideYawThreshold), 1e-6)
        // Positive yaw turns the face to its own left (the viewer's right): its left contour
        // (iBUG 10–17) turns away and its right contour (iBUG 1–8) faces the camera. The side turning
        // away counts less and less (its landmarks lie on the silhouette, not on the candidate
        // vertices) and not at all from twice the threshold: a weight that fades, so a face near the
        // threshold does not switch between two fits.
        let rightWeight = min(1, max(0, 1 + yaw / (2 * fade)))
        let leftWeight = min(1, max(0, 1 - yaw / (2 * fade)))
        if rightWeight > 0 && !rightSlots.isEmpty { matchSide(landmarks: 0..<8, slots: rightSlots, weight: rightWeight) }
        if leftWeight > 0 && !leftSlots.isEmpty { matchSide(landmarks: 9..<17, slots: leftSlots, weight: leftWeight) }
    }

    /// Matches each contour landmark of one side to the nearest point of the model's projected contour:
    /// the polyline through the side's candidate vertices (ordered from the ear to the chin), so the match
    /// moves smoothly with the pose instead of jumping from vertex to vertex (about 12 mm apart).
    private func matchSide(landmarks: Range<Int>, slots: Range<Int>, weight: Double) {
        let r = rotation
        var projected: [(Double, Double)] = []
        projected.reserveCapacity(slots.count)
        for slot in slots {
            let (x, y, z) = slotPoint(slot)
            let (u, v, _, _) = projectWithJacobian(
                r.m00 * x + r.m01 * y + r.m02 * z, r.m10 * x + r.m11 * y + r.m12 * z,
                r.m20 * x + r.m21 * y + r.m22 * z)
            projected.append((u, v))
        }
        for landmark in landmarks where model.landmarks.fixed[landmark + 1] == nil {
            let ou = observed[landmark * 2], ov = observed[landmark * 2 + 1]
            var best = Correspondence(landmark: landmark, slot: slots.lowerBound, nextSlot: slots.lowerBound, mix: 0, weight: weight)
            var bestDistance = Double.infinity
            for segment in 0..<max(projected.count - 1, 1) {
                let next = min(segment + 1, projected.count - 1)
                let (au, av) = projected[segment], (bu, bv) = projected[next]
                let (su, sv) = (bu - au, bv - av)
                let length2 = su * su + sv * sv
                let t = length2 > 1e-12 ? min(max(((ou - au) * su + (ov - av) * sv) / length2, 0), 1) : 0
                let (pu, pv) = (au + t * su, av + t * sv)
                let distance = (pu - ou) * (pu - ou) + (pv - ov) * (pv - ov)
                if distance < bestDistance {
                    bestDistance = distance
                    best = Correspondence(
                        landmark: landmark, slot: slots.lowerBound + segment,
                        nextSlot: slots.lowerBound + next, mix: t, weight: weight)
                }
            }
            setCorrespondence(correspondenceCount, best)
            correspondenceCount += 1
        }
    }

    /// Prepares correspondence `index`: the rotated point, projection, residuals and ∂(u, v)/∂q; fills
    /// `rotatedExpression` with R·E of its slot.
    @inline(__always)
    func prepare(_ index: Int) -> Prepared {
        let landmark = correspondenceLandmark[index]
        let slot = correspondenceSlot[index], nextSlot = correspondenceNextSlot[index], mix = correspondenceMix[index]
        let r = rotation
        let e = expressionCount
        let (x, y, z) = correspondencePoint(index)
        let qx = r.m00 * x + r.m01 * y + r.m02 * z
        let qy = r.m10 * x + r.m11 * y + r.m12 * z
        let qz = r.m20 * x + r.m21 * y + r.m22 * z
        let (u, v, du, dv) = projectWithJacobian(qx, qy, qz)
        if e > 0 {
            let r0 = slot * 3 * e, r1 = r0 + e, r2 = r1 + e
            let n0 = nextSlot * 3 * e, n1 = n0 + e, n2 = n1 + e
            let keep = 1 - mix
            for k in 0..<e {
                let ex = keep * expressionRows[r0 + k] + mix * expressionRows[n0 + k]
                let ey = keep * expressionRows[r1 + k] + mix * expressionRows[n1 + k]
                let ez = keep * expressionRows[r2 + k] + mix * expressionRows[n2 + k]
                rotatedExpression[k] = r.m00 * ex + r.m01 * ey + r.m02 * ez
                rotatedExpression[e + k] = r.m10 * ex + r.m11 * ey + r.m12 * ez
                rotatedExpression[2 * e + k] = r.m20 * ex + r.m21 * ey + r.m22 * ez
            }
        }
        return Prepared(
            slot: slot, nextSlot: nextSlot, mix: mix, qx: qx, qy: qy, qz: qz, du: du, dv: dv,
            residualU: u - observed[landmark * 2], residualV: v - observed[landmark * 2 + 1])
    }

    struct Prepared {
        var slot: Int
        var nextSlot: Int
        var mix: Double
        var qx, qy, qz: Double
        var du, dv: (Double, Double, Double)
        var residualU, residualV: Double
    }

    /// Fills `target[0..<6+E]` with the Jacobian row of the residual along `direction` (a unit vector
    /// in (u, v)) w.r.t. the frame parameters; returns that residual.
    @inline(__always)
    func frameRow(_ c: Prepared, direction n: (Double, Double), into target: UnsafeMutablePointer<Double>) -> Double {
        let d = (n.0 * c.du.0 + n.1 * c.dv.0, n.0 * c.du.1 + n.1 * c.dv.1, n.0 * c.du.2 + n.1 * c.dv.2)
        let e = expressionCount
        // ∂q/∂ω columns: (0, −qz, qy), (qz, 0, −qx), (−qy, qx, 0).
        target[0] = -d.1 * c.qz + d.2 * c.qy
        target[1] = d.0 * c.qz - d.2 * c.qx
        target[2] = -d.0 * c.qy + d.1 * c.qx
        if weakPerspective {
            // Parameters tx, ty (pixels), s.
            target[3] = n.0
            target[4] = -n.1
            target[5] = n.0 * c.qx - n.1 * c.qy
        } else {
            target[3] = d.0
            target[4] = d.1
            target[5] = d.2
        }
        for k in 0..<e {
            target[6 + k] = d.0 * rotatedExpression[k] + d.1 * rotatedExpression[e + k] + d.2 * rotatedExpression[2 * e + k]
        }
        return n.0 * c.residualU + n.1 * c.residualV
    }

    /// Fills `target[0..<K]` with the Jacobian row of the residual along `direction` w.r.t. the identity
    /// coefficients.
    @inline(__always)
    func identityRow(_ c: Prepared, direction n: (Double, Double), into target: UnsafeMutablePointer<Double>) {
        let d = (n.0 * c.du.0 + n.1 * c.dv.0, n.0 * c.du.1 + n.1 * c.dv.1, n.0 * c.du.2 + n.1 * c.dv.2)
        let r = rotation
        let k = identityCount
        // w = d · R (1×3); row = w · B_slot (1×K).
        let w0 = d.0 * r.m00 + d.1 * r.m10 + d.2 * r.m20
        let w1 = d.0 * r.m01 + d.1 * r.m11 + d.2 * r.m21
        let w2 = d.0 * r.m02 + d.1 * r.m12 + d.2 * r.m22
        let b0 = (c.slot * 3) * k, b1 = b0 + k, b2 = b1 + k
        for i in 0..<k {
            target[i] = w0 * identityRows[b0 + i] + w1 * identityRows[b1 + i] + w2 * identityRows[b2 + i]
        }
        if c.mix != 0 {
            let n0 = (c.nextSlot * 3) * k, n1 = n0 + k, n2 = n1 + k
            let keep = 1 - c.mix
            for i in 0..<k {
                target[i] =
                    keep * target[i]
                    + c.mix * (w0 * identityRows[n0 + i] + w1 * identityRows[n1 + i] + w2 * identityRows[n2 + i])
            }
        }
    }

    /// The directions a landmark's residual is measured along, each scaled by the square root of its
    /// weight: u and v for most landmarks. A jaw-line landmark (iBUG 1–17) counts fully across the
    /// face's outline but only with `jawLineAlongOutlineWeight` along it: dlib places those points
    /// on the visible outline but not at a fixed place on it, so their error along the outline says
    /// little about the head (a smile slides the model's jaw-line vertices up the cheeks).
    @inline(__always)
    func residualDirections(_ landmark: Int) -> (count: Int, first: (Double, Double), second: (Double, Double)) {
        let along = Double(configuration.jawLineAlongOutlineWeight)
        guard landmark < 17, along < 1 else { return (2, (1, 0), (0, 1)) }
        let before = max(landmark - 1, 0), after = min(landmark + 1, 16)
        let tu = observed[after * 2] - observed[before * 2], tv = observed[after * 2 + 1] - observed[before * 2 + 1]
        let length = (tu * tu + tv * tv).squareRoot()
        guard length > 1e-9 else { return (2, (1, 0), (0, 1)) }
        let (nu, nv) = (-tv / length, tu / length)
        let scale = max(along, 0).squareRoot()
        return (2, (nu, nv), (scale * tu / length, scale * tv / length))
    }

    /// Accumulates the frame block: `hessian` (P×P, upper and lower), `gradient` (P), with the expression
    /// prior and damping; when `coupling` is given also the frame–identity block (P×K), the identity block
    /// (K×K, upper triangle, added to `identityHessian`) and the identity gradient.
    func accumulateFrame(
        coupling: UnsafeMutablePointer<Double>?, identityHessian: UnsafeMutablePointer<Double>?,
        identityGradient: UnsafeMutablePointer<Double>?, identityWeight: Double = 1
    ) {
        let p = parameterCount
        let e = expressionCount
        let k = identityCount
        for index in 0..<(p * p) { hessian[index] = 0 }
        for index in 0..<p { gradient[index] = 0 }
        if let coupling { for index in 0..<(p * k) { coupling[index] = 0 } }
        let identityTarget = row + p
        // Residuals count in units of the landmark noise, a fixed fraction of the face's size: the same
        // landmarks at twice the resolution give the same fit.
        let noise = relativeNoise * landmarkSpread
        let noiseWeight = 1 / (noise * noise)
        var threshold = Double.infinity
        if robust, let limit = configuration.outlierThreshold, correspondenceCount > 0 {
            // The threshold follows the typical error (3 × the median), so while the whole fit is still far off
            // nothing is down-weighted; only landmarks far worse than the rest are.
            let r = rotation
            for index in 0..<correspondenceCount {
                let landmark = correspondenceLandmark[index]
                let (x, y, z) = correspondencePoint(index)
                let (u, v, _, _) = projectWithJacobian(
                    r.m00 * x + r.m01 * y + r.m02 * z, r.m10 * x + r.m11 * y + r.m12 * z,
                    r.m20 * x + r.m21 * y + r.m22 * z)
                let du = u - observed[landmark * 2], dv = v - observed[landmark * 2 + 1]
                let error = (du * du + dv * dv).squareRoot()
                // Insertion into the sorted prefix.
                var position = index
                while position > 0 && errors[position - 1] > error {
                    errors[position] = errors[position - 1]
                    position -= 1
                }
                errors[position] = error
            }
            threshold = max(Double(limit) * noise, 3 * errors[correspondenceCount / 2])
        }
        for index in 0..<correspondenceCount {
            let prepared = prepare(index)
            // Huber weight of the landmark: 1 within the threshold, threshold / error beyond (IRLS).
            let error = (prepared.residualU * prepared.residualU + prepared.residualV * prepared.residualV).squareRoot()
            let weight = (error > threshold ? threshold / error : 1) * noiseWeight * correspondenceWeight[index]
            let directions = residualDirections(correspondenceLandmark[index])
            for which in 0..<directions.count {
                let direction = which == 0 ? directions.first : directions.second
                let residual = frameRow(prepared, direction: direction, into: row)
                for i in 0..<p {
                    let ri = row[i] * weight
                    if ri == 0 { continue }
                    gradient[i] += ri * residual
                    for j in i..<p { hessian[i * p + j] += ri * row[j] }
                }
                if let coupling, let identityHessian, let identityGradient {
                    identityRow(prepared, direction: direction, into: identityTarget)
                    for a in 0..<k {
                        let ia = identityTarget[a] * weight * identityWeight
                        identityGradient[a] += ia * residual
                        for b in a..<k { identityHessian[a * k + b] += ia * identityTarget[b] }
                    }
                    for i in 0..<p {
                        let ri = row[i] * weight
                        if ri == 0 { continue }
                        for a in 0..<k { coupling[i * k + a] += ri * identityTarget[a] }
                    }
                }
            }
        }
        let prior = Double(configuration.expressionRegularization)
        for index in 0..<e {
            hessian[(6 + index) * p + 6 + index] += prior
            gradient[6 + index] += prior * expression[index]
        }
        for i in 0..<p {
            hessian[i * p + i] *= 1 + 1e-6
            hessian[i * p + i] += 1e-9
            for j in 0..<i { hessian[i * p + j] = hessian[j * p + i] }
        }
    }

    /// True for a blendshape weight held at its lower bound (at 0 with the gradient pushing it below).
    @inline(__always)
    func isHeldAtBound(_ parameter: Int) -> Bool {
        parameter >= 6 && blendshapes && expression[parameter - 6] <= 1e-9 && gradient[parameter] > 0
    }

    /// Applies a step of the frame parameters (`delta[0..<P]`), keeping blendshape weights within bounds.
    func applyFrameStep(_ delta: UnsafeMutablePointer<Double>) {
        rotation = Matrix3(rotationVector: delta[0], delta[1], delta[2]) * rotation
        if weakPerspective {
            tx += delta[3]
            ty += delta[4]
            scale = max(scale + delta[5], 1e-9)
            tz = -focal / scale
        } else {
            tx += delta[3]
            ty += delta[4]
            tz = min(tz + delta[5], -1e-6)
            scale = focal / -tz
        }
        let upper = configuration.blendshapeUpperBound.map(Double.init) ?? .infinity
        for k in 0..<expressionCount {
            var value = expression[k] + delta[6 + k]
            if blendshapes { value = min(max(value, 0), upper) }
            expression[k] = value
        }
    }

    /// One Gauss–Newton step of the frame parameters; returns the step's size.
    func gaussNewtonStep() -> Double {
        let p = parameterCount
        accumulateFrame(coupling: nil, identityHessian: nil, identityGradient: nil)
        // Active set: blendshape weights at 0 whose gradient pushes them below stay fixed.
        var freeCount = 0
        for i in 0..<p where !isHeldAtBound(i) && !(holdsRotation && i < 3) {
            freeIndex[freeCount] = i
            freeCount += 1
        }
        for a in 0..<freeCount {
            for b in 0..<freeCount { factor[a * freeCount + b] = hessian[freeIndex[a] * p + freeIndex[b]] }
            row[a] = -gradient[freeIndex[a]]
        }
        for index in 0..<p { step[index] = 0 }
        guard choleskySolve(size: freeCount, matrix: factor, rhs: row, solution: row) else { return 0 }
        for a in 0..<freeCount { step[freeIndex[a]] = row[a] }
        applyFrameStep(step)
        var size = 0.0
        for index in 0..<p { size += step[index] * step[index] }
        return size.squareRoot()
    }

    /// The current frame's result.
    func result() -> FrameFit {
        let r = rotation
        var total = 0.0
        var contour: [Int: Int] = [:]
        for index in 0..<correspondenceCount {
            let landmark = correspondenceLandmark[index]
            let nearer = correspondenceMix[index] < 0.5 ? correspondenceSlot[index] : correspondenceNextSlot[index]
            if model.landmarks.fixed[landmark + 1] == nil { contour[landmark + 1] = slotVertex[nearer] }
            let (x, y, z) = correspondencePoint(index)
            let (u, v, _, _) = projectWithJacobian(
                r.m00 * x + r.m01 * y + r.m02 * z, r.m10 * x + r.m11 * y + r.m12 * z,
                r.m20 * x + r.m21 * y + r.m22 * z)
            let du = u - observed[landmark * 2], dv = v - observed[landmark * 2 + 1]
            total += (du * du + dv * dv).squareRoot()
        }
        let error = correspondenceCount > 0 ? total / Double(correspondenceCount) : 0
        let pose = r.pose
        // Views turned (yaw) or tipped (pitch) beyond what dlib's landmarks and the model follow lose confidence.
        func viewFactor(_ angle: Float) -> Float {
            let angle = abs(angle)
            if angle >= configuration.maximumYaw { return 0 }
            if angle <= configuration.confidentYaw { return 1 }
            return (configuration.maximumYaw - angle) / max(configuration.maximumYaw - configuration.confidentYaw, 1e-6)
        }
        let relative = Float(error / landmarkSpread) / max(configuration.errorForHalfConfidence, 1e-6)
        let confidence = viewFactor(pose.yaw) * viewFactor(pose.pitch) / (1 + relative * relative)
        let expressionValues = (0..<expressionCount).map { Float(expression[$0]) }
        let translation =
            weakPerspective
            ? Vector3(x: Float(tx / scale), y: Float(ty / scale), z: Float(tz))
            : Vector3(x: Float(tx), y: Float(ty), z: Float(tz))
        let coefficients = FaceCoefficients(
            pose: pose, translation: translation,
            expression: expressionValues)
        return FrameFit(
            coefficients: coefficients, fitError: Float(error), confidence: max(0, min(1, confidence)),
            contourVertices: contour)
    }
}

/// Solves `matrix · x = rhs` for a symmetric positive-definite `size × size` matrix (row-major) by Cholesky.
/// `matrix` is overwritten with the factor; `solution` may alias `rhs`. Returns false when not positive definite.
@discardableResult
func choleskySolve(
    size n: Int, matrix a: UnsafeMutablePointer<Double>, rhs: UnsafeMutablePointer<Double>,
    solution x: UnsafeMutablePointer<Double>
) -> Bool {
    if n == 0 { return true }
    for j in 0..<n {
        var diagonal = a[j * n + j]
        for k in 0..<j { diagonal -= a[j * n + k] * a[j * n + k] }
        guard diagonal > 0, diagonal.isFinite else { return false }
        let root = diagonal.squareRoot()
        a[j * n + j] = root
        for i in (j + 1)..<n {
            var value = a[i * n + j]
            for k in 0..<j { value -= a[i * n + k] * a[j * n + k] }
            a[i * n + j] = value / root
        }
    }
    choleskySubstitute(size: n, factor: a, rhs: rhs, solution: x)
    return true
}

/// Solves `L·Lᵀ·x = rhs` with a factor left by `choleskySolve`; `solution` may alias `rhs`.
func choleskySubstitute(
    size n: Int, factor a: UnsafeMutablePointer<Double>, rhs: UnsafeMutablePointer<Double>,
    solution x: UnsafeMutablePointer<Double>
) {
    // Forward: L y = b.
    for i in 0..<n {
        var value = rhs[i]
        for k in 0..<i { value -= a[i * n + k] * x[k] }
        x[i] = value / a[i * n + i]
    }
    // Backward: Lᵀ x = y.
    for i in stride(from: n - 1, through: 0, by: -1) {
        var value = x[i]
        for k in (i + 1)..<n { value -= a[k * n + i] * x[k] }
        x[i] = value / a[i * n + i]
    }
}

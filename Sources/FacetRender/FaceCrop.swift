import FacetSDK

// Where PIRender's 256×256 input comes from: a square crop around the face, framed so that
// Deep3DFaceRecon's alignment (`align_img`) would report the crop parameters PIRender saw on
// VoxCeleb (s ≈ 1, t ≈ (128, 128); SPEC 8.2), and the alignment itself (5-point POS fit).
//
// Facts used (Deep3DFaceRecon_pytorch util/preprocess.py and util/load_mats.py):
// - the 5 points of a 68-point face are: left eye centre = mean of points 37 and 40 (1-based),
//   right eye centre = mean of 43 and 46, nose tip = 31, mouth corners = 49 and 55;
// - the standard 3D landmarks (`similarity_Lm3D_all.mat` reduced the same way) are the five
//   rows of `standardLandmarks` below (the values Deep3DFaceRecon documents in `align_img`);
// - image y is flipped (y_up = H − 1 − y) before the fit; POS fits a 2×4 affine camera by least
//   squares, s_pos = mean norm of its two rotation rows, t = its translation column;
// - the reported scale is s = 102 / s_pos; the crop parameters are (s, t_x, t_y).

/// Deep3DFaceRecon's alignment of a face to its standard 3D landmarks (`align_img` / `POS`).
public enum FaceAlignment {
    /// The standard BFM 5-point 3D landmarks (left eye, right eye, nose tip, left and right mouth
    /// corner), in BFM decimetres, x right, y up: Deep3DFaceRecon's `similarity_Lm3D_all.mat`.
    public static let standardLandmarks: [SIMD3<Double>] = [
        SIMD3(-0.31148657, 0.29036078, 0.13377953),
        SIMD3(0.30979887, 0.28972036, 0.13179526),
        SIMD3(0.0032535, -0.04617932, 0.55244243),
        SIMD3(-0.25216928, -0.38133916, 0.22405732),
        SIMD3(0.2484662, -0.38128236, 0.22235769),
    ]
    /// `align_img`'s rescale factor: s = 102 / s_pos.
    public static let rescaleFactor: Double = 102

    /// The 5 alignment points (left eye centre, right eye centre, nose tip, left and right mouth
    /// corner) of 68 iBUG landmarks, in the landmarks' coordinates.
    public static func fivePoints(of landmarks: [Point2]) throws(RenderError) -> [SIMD2<Double>] {
        guard landmarks.count == 68 else {
            throw RenderError(.invalidArgument, "face alignment needs the 68 iBUG landmarks; got \(landmarks.count) points")
        }
        func point(_ index: Int) -> SIMD2<Double> { SIMD2(Double(landmarks[index].x), Double(landmarks[index].y)) }
        return [(point(36) + point(39)) / 2, (point(42) + point(45)) / 2, point(30), point(48), point(54)]
    }

    /// The result of the POS fit: Deep3DFaceRecon's crop parameters and the raw fit.
    public struct Fit: Sendable, Equatable {
        /// Deep3DFaceRecon's scale s = 102 / s_pos (≈ 1 for a VoxCeleb 256×256 crop).
        public var scale: Double
        /// The fitted translation t_x in pixels (where the 3D origin projects).
        public var translationX: Double
        /// The fitted translation t_y in pixels, y up (y_up = height − 1 − y).
        public var translationY: Double
        /// Pixels per BFM unit (s_pos).
        public var pixelsPerUnit: Double

        /// PIRender's crop channels 70..<73: (s, t_x, t_y).
        public var cropParameters: [Float] { [Float(scale), Float(translationX), Float(translationY)] }
        /// Where the 3D origin projects, in y-down pixel indices of the image that was fitted.
        public func origin(imageHeight: Int) -> SIMD2<Double> {
            SIMD2(translationX, Double(imageHeight - 1) - translationY)
        }
    }

    /// Fits the standard landmarks to 68 landmarks given in y-down pixel indices of an image
    /// `imageHeight` pixels high, as `align_img` does.
    public static func fit(landmarks: [Point2], imageHeight: Int) throws(RenderError) -> Fit {
        let points = try fivePoints(of: landmarks).map { SIMD2($0.x, Double(imageHeight - 1) - $0.y) }
        return try fit(fivePointsYUp: points)
    }

    /// POS: the least-squares affine camera (2×4) mapping `standardLandmarks` to `points` (y up).
    public static func fit(fivePointsYUp points: [SIMD2<Double>]) throws(RenderError) -> Fit {
        guard points.count == standardLandmarks.count else {
            throw RenderError(.invalidArgument, "POS needs \(standardLandmarks.count) points; got \(points.count)")
        }
        // Rows [X Y Z 1] (5×4); the x and y equations decouple and share the normal matrix MᵀM (4×4).
        var normal = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        var rightX = [Double](repeating: 0, count: 4)
        var rightY = [Double](repeating: 0, count: 4)
        for (model, image) in zip(standardLandmarks, points) {
            let row = [model.x, model.y, model.z, 1]
            for i in 0..<4 {
                for j in 0..<4 { normal[i][j] += row[i] * row[j] }
                rightX[i] += row[i] * image.x
                rightY[i] += row[i] * image.y
            }
        }
        guard let first = solve(normal, rightX), let second = solve(normal, rightY) else {
            throw RenderError(.invalidArgument, "the POS fit is singular: the 5 alignment points are degenerate")
        }
        let normFirst = (first[0] * first[0] + first[1] * first[1] + first[2] * first[2]).squareRoot()
        let normSecond = (second[0] * second[0] + second[1] * second[1] + second[2] * second[2]).squareRoot()
        let pixelsPerUnit = (normFirst + normSecond) / 2
        guard pixelsPerUnit > 0, pixelsPerUnit.isFinite else {
            throw RenderError(.invalidArgument, "the POS fit gives scale \(pixelsPerUnit): the alignment points collapse to one point")
        }
        return Fit(
            scale: rescaleFactor / pixelsPerUnit, translationX: first[3], translationY: second[3],
            pixelsPerUnit: pixelsPerUnit)
    }

    /// Solves a 4×4 system by Gaussian elimination with partial pivoting; nil when singular.
    private static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        var a = matrix
        var b = vector
        let n = b.count
        for column in 0..<n {
            var pivot = column
            for row in column + 1..<n where abs(a[row][column]) > abs(a[pivot][column]) { pivot = row }
            guard abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in column + 1..<n {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in row + 1..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}

/// A square region of a frame that is resampled to the generator's R×R input.
///
/// Coordinates are continuous with pixel edges at integers: pixel (i, j) covers [i, i+1) × [j, j+1).
public struct FaceCropBox: Sendable, Equatable {
    /// Left edge in frame pixels.
    public var left: Double
    /// Top edge in frame pixels.
    public var top: Double
    /// Side length in frame pixels.
    public var side: Double

    /// Creates a box.
    public init(left: Double, top: Double, side: Double) {
        self.left = left
        self.top = top
        self.side = side
    }

    /// The crop pixel coordinate (index space, R×R crop) of a frame pixel coordinate (index space).
    @inline(__always)
    public func cropPoint(frameX: Double, frameY: Double, resolution: Int) -> SIMD2<Double> {
        let scale = Double(resolution) / side
        return SIMD2((frameX + 0.5 - left) * scale - 0.5, (frameY + 0.5 - top) * scale - 0.5)
    }

    /// The frame pixel coordinate (index space) of a crop pixel coordinate (index space).
    @inline(__always)
    public func framePoint(cropX: Double, cropY: Double, resolution: Int) -> SIMD2<Double> {
        let scale = side / Double(resolution)
        return SIMD2(left + (cropX + 0.5) * scale - 0.5, top + (cropY + 0.5) * scale - 0.5)
    }

    /// The landmarks in crop pixel coordinates.
    public func cropLandmarks(_ landmarks: [Point2], resolution: Int) -> [Point2] {
        landmarks.map {
            let point = cropPoint(frameX: Double($0.x), frameY: Double($0.y), resolution: resolution)
            return Point2(x: Float(point.x), y: Float(point.y))
        }
    }
}

/// Frames faces as PIRender's training data was framed, and keeps the framing steady over a track.
///
/// PIRender saw VoxCeleb crops (First-Order-Motion framing, resized to 256×256), on which
/// Deep3DFaceRecon's alignment gives s ≈ 1 and t ≈ (128, 128) (SPEC 8.2). The framer inverts
/// that: the POS fit of a frame's landmarks gives the face's pixels per BFM unit p and where the
/// 3D origin projects o; a crop of side R·p / (102·s*) whose pixel (t*_x, R−1−t*_y) lands on o
/// reproduces s*, t* exactly. Per-frame boxes are then smoothed over the track (a moving
/// median, then a moving mean) so that landmark jitter does not shake the crop.
public struct FaceFramer: Sendable {
    /// The crop scale s the framing aims for (VoxCeleb: ≈ 1).
    public var targetScale: Double = 1
    /// The crop translation (t_x, t_y; y up) the framing aims for (VoxCeleb: ≈ (128, 128) at 256²).
    public var targetTranslation = SIMD2<Double>(128, 128)
    /// The resolution the targets belong to (PIRender's 256).
    public var targetResolution = 256
    /// Half-width in track frames of the moving median over per-frame boxes.
    public var medianRadius = 12
    /// Half-width in track frames of the moving mean applied after the median.
    public var meanRadius = 6

    /// Creates a framer with the VoxCeleb targets.
    public init() {}

    /// The crop box that gives the target crop parameters for one frame's landmarks.
    public func box(landmarks: [Point2], frameHeight: Int) throws(RenderError) -> FaceCropBox {
        let fit = try FaceAlignment.fit(landmarks: landmarks, imageHeight: frameHeight)
        let origin = fit.origin(imageHeight: frameHeight)
        let resolution = Double(targetResolution)
        // s = 102 / (p · R / side) = s*  ⇒  side = s* · p · R / 102.
        let side = targetScale * fit.pixelsPerUnit * resolution / FaceAlignment.rescaleFactor
        let targetX = targetTranslation.x
        let targetY = resolution - 1 - targetTranslation.y
        // Crop pixel index c maps to frame index left + (c + 0.5)·side/R − 0.5 = origin.
        let scale = side / resolution
        return FaceCropBox(
            left: origin.x + 0.5 - (targetX + 0.5) * scale,
            top: origin.y + 0.5 - (targetY + 0.5) * scale, side: side)
    }

    /// Smoothed boxes for every frame of a track (`nil` landmarks borrow the nearest framed
    /// frame's box); throws when no frame of the track has 68 landmarks.
    public func boxes(track: FaceTrack, frameHeight: Int) throws(RenderError) -> [FaceCropBox] {
        var raw: [FaceCropBox?] = []
        raw.reserveCapacity(track.frames.count)
        for frame in track.frames {
            if let landmarks = frame.landmarks, landmarks.count == 68,
                let box = try? box(landmarks: landmarks, frameHeight: frameHeight)
            {
                raw.append(box)
            } else {
                raw.append(nil)
            }
        }
        let known = raw.indices.filter { raw[$0] != nil }
        guard !known.isEmpty else {
            throw RenderError(
                .incompatible, "track \(track.id) has no frame with 68 landmarks: the neural renderer frames the face from them")
        }
        let filled: [FaceCropBox] = raw.indices.map { index in
            if let box = raw[index] { return box }
            let nearest = known.min { abs($0 - index) < abs($1 - index) }!
            return raw[nearest]!
        }
        // Smooth the centre and the side (not the corner) so that a changing size stays centred.
        let centres = filled.map { SIMD3($0.left + $0.side / 2, $0.top + $0.side / 2, $0.side) }
        let medians = centres.indices.map { index -> SIMD3<Double> in
            let window = centres[max(0, index - medianRadius)...min(centres.count - 1, index + medianRadius)]
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                let middle = sorted.count / 2
                return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            }
            return SIMD3(median(window.map(\.x)), median(window.map(\.y)), median(window.map(\.z)))
        }
        return medians.indices.map { index in
            let window = medians[max(0, index - meanRadius)...min(medians.count - 1, index + meanRadius)]
            let mean = window.reduce(SIMD3<Double>(repeating: 0), +) / Double(window.count)
            return FaceCropBox(left: mean.x - mean.z / 2, top: mean.y - mean.z / 2, side: mean.z)
        }
    }
}

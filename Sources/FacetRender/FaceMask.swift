import FacetSDK

/// The region of a frame that the neural renderer replaces: an ellipse around the face that
/// reaches up to the forehead and a little below the chin (a generated jaw may drop), fully
/// opaque inside and feathered to zero over a band at its rim. Outside the ellipse the weight is
/// exactly zero, so those pixels are never written.
///
/// Built from the 68 iBUG landmarks: the vertical axis runs from the chin (point 9, 1-based)
/// to the mean of the eyebrows (points 18–27); with h the chin–brow distance, the ellipse spans
/// from `chinMargin`·h below the chin to `foreheadHeight`·h above the brows, and is wide enough
/// to hold every landmark plus half a feather band. The feather band is `featherFraction` of
/// the face size (the larger side of the landmark box).
public struct FaceMask: Sendable, Equatable {
    /// Forehead reach above the eyebrows, as a fraction of the chin–brow distance.
    public static let foreheadHeight = 0.45
    /// Reach below the chin, as a fraction of the chin–brow distance.
    public static let chinMargin = 0.12
    /// The feathered band's width as a fraction of the face size.
    public static let featherFraction = 0.08

    /// The ellipse's centre (frame pixel indices).
    public var center: SIMD2<Double>
    /// Unit vector of the face's horizontal axis (towards the viewer's right for an upright face).
    public var horizontalAxis: SIMD2<Double>
    /// Unit vector of the face's vertical axis (towards the forehead).
    public var verticalAxis: SIMD2<Double>
    /// Semi-axis along `horizontalAxis` in pixels.
    public var halfWidth: Double
    /// Semi-axis along `verticalAxis` in pixels.
    public var halfHeight: Double
    /// Width of the feathered band inside the rim, in pixels.
    public var feather: Double

    /// Creates a mask from its geometry.
    public init(
        center: SIMD2<Double>, horizontalAxis: SIMD2<Double>, verticalAxis: SIMD2<Double>,
        halfWidth: Double, halfHeight: Double, feather: Double
    ) {
        self.center = center
        self.horizontalAxis = horizontalAxis
        self.verticalAxis = verticalAxis
        self.halfWidth = halfWidth
        self.halfHeight = halfHeight
        self.feather = feather
    }

    /// The mask of a face with the given 68 landmarks (frame pixel indices).
    public init(landmarks: [Point2]) throws(RenderError) {
        guard landmarks.count == 68 else {
            throw RenderError(.invalidArgument, "the face mask needs the 68 iBUG landmarks; got \(landmarks.count) points")
        }
        let points = landmarks.map { SIMD2(Double($0.x), Double($0.y)) }
        let chin = points[8]
        let brows = points[17..<27].reduce(SIMD2<Double>(repeating: 0), +) / 10
        let span = brows - chin
        let height = (span * span).sum().squareRoot()
        guard height > 1 else {
            throw RenderError(.invalidArgument, "the landmarks put the eyebrows \(height) px from the chin: not a face")
        }
        let up = span / height
        // Right-hand normal in a y-down image: (0, −1) (up) gives (1, 0) (right).
        let right = SIMD2(-up.y, up.x)
        let top = brows + up * (Self.foreheadHeight * height)
        let bottom = chin - up * (Self.chinMargin * height)
        let center = (top + bottom) / 2
        let halfHeight = ((top - bottom) * (top - bottom)).sum().squareRoot() / 2
        let xs = points.map(\.x), ys = points.map(\.y)
        let faceSize = max(xs.max()! - xs.min()!, ys.max()! - ys.min()!)
        let feather = Self.featherFraction * faceSize
        // The narrowest ellipse (for this height) that holds every landmark.
        var halfWidth = 1.0
        for point in points {
            let offset = point - center
            let u = abs((offset * right).sum())
            let v = (offset * up).sum() / halfHeight
            halfWidth = max(halfWidth, u / max(1 - v * v, 0.2).squareRoot())
        }
        self.init(
            center: center, horizontalAxis: right, verticalAxis: up, halfWidth: halfWidth + feather / 2,
            halfHeight: halfHeight, feather: feather)
    }

    /// The weight at a frame pixel (indices): 1 well inside, 0 outside, a smooth ramp between.
    @inline(__always)
    public func weight(x: Double, y: Double) -> Float {
        let offset = SIMD2(x, y) - center
        let u = (offset * horizontalAxis).sum() / halfWidth
        let v = (offset * verticalAxis).sum() / halfHeight
        let radius = (u * u + v * v).squareRoot()
        guard radius < 1 else { return 0 }
        guard radius > 0 else { return 1 }
        // Distance to the rim ≈ (1 − r) / |∇r|, with ∇r = (u/a, v/b) / r in pixels⁻¹.
        let gradient = ((u / halfWidth) * (u / halfWidth) + (v / halfHeight) * (v / halfHeight)).squareRoot() / radius
        let inside = (1 - radius) / gradient
        guard inside < feather else { return 1 }
        let t = inside / feather
        return Float(t * t * (3 - 2 * t))
    }

    /// The pixel rectangle (x, y, width, height) that holds every non-zero weight, clipped to a
    /// frame of the given size (empty when the face lies outside).
    public func bounds(frameWidth: Int, frameHeight: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        // The ellipse's axis-aligned extent.
        let extentX =
            ((halfWidth * horizontalAxis.x) * (halfWidth * horizontalAxis.x)
            + (halfHeight * verticalAxis.x) * (halfHeight * verticalAxis.x)).squareRoot()
        let extentY =
            ((halfWidth * horizontalAxis.y) * (halfWidth * horizontalAxis.y)
            + (halfHeight * verticalAxis.y) * (halfHeight * verticalAxis.y)).squareRoot()
        let x0 = max(0, Int((center.x - extentX).rounded(.down)))
        let y0 = max(0, Int((center.y - extentY).rounded(.down)))
        let x1 = min(frameWidth, Int((center.x + extentX).rounded(.up)) + 1)
        let y1 = min(frameHeight, Int((center.y + extentY).rounded(.up)) + 1)
        return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))
    }
}

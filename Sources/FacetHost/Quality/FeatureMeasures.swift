import FacetSDK

/// What a landmark judge reads off one face's 68 iBUG landmarks: how open each eye and the mouth
/// are, how wide the mouth is and how high its corners sit. Lengths are fractions of the eye
/// distance (centre to centre), measured in the face's own frame (the eye axis is horizontal), so
/// they do not depend on the face's size or roll.
///
/// "Left" and "right" are the subject's own: iBUG points 37–42 are the right eye, 43–48 the left.
public struct FeatureMeasures: Sendable, Equatable, Codable {
    /// The right eye's aspect ratio: the mean lid-to-lid height over the corner-to-corner width
    /// (about 0.3 for an open eye, under 0.15 for a closed one).
    public var rightEyeAspect: Double
    /// The left eye's aspect ratio.
    public var leftEyeAspect: Double
    /// The mean gap between the inner lips (iBUG 62–68, 63–67, 64–66), as a fraction of the eye
    /// distance (0 for closed lips).
    public var innerLipGap: Double
    /// The corner-to-corner width of the mouth (iBUG 49–55), as a fraction of the eye distance.
    public var mouthWidth: Double
    /// How far the mouth corners sit below the nose's base (iBUG 34), as a fraction of the eye
    /// distance; a smile makes it smaller.
    public var cornerDrop: Double
    /// The distance between the eye centres in pixels.
    public var eyeDistance: Double

    /// Creates measures from their values.
    public init(
        rightEyeAspect: Double, leftEyeAspect: Double, innerLipGap: Double, mouthWidth: Double,
        cornerDrop: Double, eyeDistance: Double
    ) {
        self.rightEyeAspect = rightEyeAspect
        self.leftEyeAspect = leftEyeAspect
        self.innerLipGap = innerLipGap
        self.mouthWidth = mouthWidth
        self.cornerDrop = cornerDrop
        self.eyeDistance = eyeDistance
    }

    /// Measures 68 iBUG landmarks (frame pixels); nil for any other count or when the eyes coincide.
    public init?(landmarks: [Point2]) {
        guard landmarks.count == 68 else { return nil }
        let points = landmarks.map { SIMD2(Double($0.x), Double($0.y)) }
        func mean(_ range: ClosedRange<Int>) -> SIMD2<Double> {
            range.reduce(SIMD2<Double>(repeating: 0)) { $0 + points[$1] } / Double(range.count)
        }
        let rightCentre = mean(36...41), leftCentre = mean(42...47)
        let axis = leftCentre - rightCentre
        let eyeDistance = (axis * axis).sum().squareRoot()
        guard eyeDistance > 1e-3 else { return nil }
        let across = axis / eyeDistance
        // Down the face (y down in the image): the axis turned a quarter clockwise.
        let down = SIMD2(-across.y, across.x)
        func height(_ top: Int, _ bottom: Int) -> Double { ((points[bottom] - points[top]) * down).sum() }
        func length(_ a: Int, _ b: Int) -> Double {
            let d = points[b] - points[a]
            return (d * d).sum().squareRoot()
        }
        func aspect(_ first: Int) -> Double {
            // Corners first and first+3; upper lid first+1, first+2; lower lid first+5, first+4.
            let width = max(length(first, first + 3), 1e-6)
            return max(height(first + 1, first + 5) + height(first + 2, first + 4), 0) / (2 * width)
        }
        rightEyeAspect = aspect(36)
        leftEyeAspect = aspect(42)
        let gap = (max(height(61, 67), 0) + max(height(62, 66), 0) + max(height(63, 65), 0)) / 3
        innerLipGap = gap / eyeDistance
        mouthWidth = length(48, 54) / eyeDistance
        cornerDrop = ((height(33, 48) + height(33, 54)) / 2) / eyeDistance
        self.eyeDistance = eyeDistance
    }

    /// The mean of several measures (nil when there are none).
    public static func mean(_ measures: [FeatureMeasures]) -> FeatureMeasures? {
        guard !measures.isEmpty else { return nil }
        let n = Double(measures.count)
        func average(_ value: (FeatureMeasures) -> Double) -> Double { measures.reduce(0) { $0 + value($1) } / n }
        return FeatureMeasures(
            rightEyeAspect: average(\.rightEyeAspect), leftEyeAspect: average(\.leftEyeAspect),
            innerLipGap: average(\.innerLipGap), mouthWidth: average(\.mouthWidth),
            cornerDrop: average(\.cornerDrop), eyeDistance: average(\.eyeDistance))
    }
}

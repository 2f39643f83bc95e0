import FacetSDK

/// Quality figures of analysed motion: how well the fit matches the landmarks and how steady the
/// tracks are. `facet analyze --stats` prints them; the analysis tests assert on them.
///
/// Definitions (the same ones the closing notes and Docs/Analysis.md quote):
/// - **landmark jitter**: the standard deviation, over all points, coordinates and consecutive
///   frame pairs, of the frame-to-frame landmark displacement, after removing each point's mean
///   displacement (so steady real motion does not count as jitter). Pixels.
/// - **pose jitter**: the same for yaw, pitch and roll, in degrees (one figure per angle, and
///   their root mean square).
/// - **normalised reprojection error**: each frame's `fitError` (mean landmark reprojection
///   error, px) divided by its inter-ocular distance (the distance between the two eye centres,
///   each the mean of its six iBUG points), averaged over frames.
public struct MotionStatistics: Codable, Sendable, Equatable {
    /// Number of tracks measured.
    public var tracks: Int
    /// Number of face-frames measured.
    public var faceFrames: Int
    /// Landmark jitter in pixels (nil without consecutive frames with landmarks).
    public var landmarkJitter: Float?
    /// Pose jitter per angle in degrees: yaw, pitch, roll.
    public var poseJitterDegrees: [Float]?
    /// The root mean square of the three pose jitters, in degrees.
    public var poseJitterRMSDegrees: Float?
    /// Mean reprojection error divided by the inter-ocular distance (nil without fit errors).
    public var normalisedReprojectionError: Float?
    /// Mean reprojection error in pixels.
    public var meanFitError: Float?
    /// Share of face-frames with confidence below 0.5.
    public var lowConfidenceShare: Float

    /// Measures every track of `motion`.
    public init(measuring motion: SceneMotion) {
        tracks = motion.tracks.count
        faceFrames = motion.tracks.reduce(0) { $0 + $1.frames.count }

        var landmarkDeltas: [[Float]] = []  // per (track, point, coordinate) series of deltas
        var poseDeltas: [[Float]] = [[], [], []]
        var normalisedErrors: [Float] = []
        var fitErrors: [Float] = []
        var lowConfidence = 0
        for track in motion.tracks {
            var pointSeries = [[Float]](repeating: [], count: 68 * 2)
            var trackPoseDeltas: [[Float]] = [[], [], []]
            for (previous, current) in zip(track.frames, track.frames.dropFirst())
            where current.frameIndex == previous.frameIndex + 1 {
                if let before = previous.landmarks, let after = current.landmarks, before.count == 68, after.count == 68 {
                    for point in 0..<68 {
                        pointSeries[2 * point].append(after[point].x - before[point].x)
                        pointSeries[2 * point + 1].append(after[point].y - before[point].y)
                    }
                }
                let a = previous.coefficients.pose
                let b = current.coefficients.pose
                trackPoseDeltas[0].append((b.yaw - a.yaw) * 180 / .pi)
                trackPoseDeltas[1].append((b.pitch - a.pitch) * 180 / .pi)
                trackPoseDeltas[2].append((b.roll - a.roll) * 180 / .pi)
            }
            landmarkDeltas += pointSeries.filter { !$0.isEmpty }
            for angle in 0..<3 where !trackPoseDeltas[angle].isEmpty { poseDeltas[angle] += Self.centred(trackPoseDeltas[angle]) }
            for frame in track.frames {
                if frame.confidence < 0.5 { lowConfidence += 1 }
                guard let error = frame.fitError else { continue }
                fitErrors.append(error)
                if let landmarks = frame.landmarks, let distance = Self.interOcularDistance(landmarks), distance > 0 {
                    normalisedErrors.append(error / distance)
                }
            }
        }
        let centredLandmarks = landmarkDeltas.flatMap(Self.centred)
        landmarkJitter = centredLandmarks.isEmpty ? nil : Self.rootMeanSquare(centredLandmarks)
        if poseDeltas[0].isEmpty {
            poseJitterDegrees = nil
            poseJitterRMSDegrees = nil
        } else {
            let jitters = poseDeltas.map(Self.rootMeanSquare)
            poseJitterDegrees = jitters
            poseJitterRMSDegrees = Self.rootMeanSquare(jitters)
        }
        normalisedReprojectionError = normalisedErrors.isEmpty ? nil : normalisedErrors.reduce(0, +) / Float(normalisedErrors.count)
        meanFitError = fitErrors.isEmpty ? nil : fitErrors.reduce(0, +) / Float(fitErrors.count)
        lowConfidenceShare = faceFrames == 0 ? 0 : Float(lowConfidence) / Float(faceFrames)
    }

    /// The distance between the centres of the two eyes (iBUG points 37–42 and 43–48, 1-based).
    public static func interOcularDistance(_ landmarks: [Point2]) -> Float? {
        guard let (right, left) = eyeCentres(landmarks) else { return nil }
        return ((left.x - right.x) * (left.x - right.x) + (left.y - right.y) * (left.y - right.y)).squareRoot()
    }

    /// The centres of the eye on the left of the picture (the face's right eye, iBUG points
    /// 37–42) and of the other (43–48); nil unless `landmarks` has 68 points.
    static func eyeCentres(_ landmarks: [Point2]) -> (onLeft: Point2, onRight: Point2)? {
        guard landmarks.count == 68 else { return nil }
        func centre(_ range: Range<Int>) -> Point2 {
            let points = landmarks[range]
            return Point2(
                x: points.map(\.x).reduce(0, +) / Float(points.count),
                y: points.map(\.y).reduce(0, +) / Float(points.count))
        }
        return (centre(36..<42), centre(42..<48))
    }

    private static func centred(_ values: [Float]) -> [Float] {
        let mean = values.reduce(0, +) / Float(values.count)
        return values.map { $0 - mean }
    }

    private static func rootMeanSquare(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        return (values.reduce(0) { $0 + $1 * $1 } / Float(values.count)).squareRoot()
    }
}

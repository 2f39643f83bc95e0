/// The range of motion a face model can plausibly describe, checked wherever motion enters the
/// host: after a motion file is read, after analysis and after every effect.
///
/// Anything outside it is refused with a `MotionRangeViolation` naming the track, the frame and
/// the field, instead of reaching the renderer, where a coefficient of 10³⁰ used to crash it and
/// one of 10⁴ drew a grey frame. The limits are deliberately wide — several times what analysis
/// or any sensible edit produces — so they only catch numbers that cannot describe a face:
///
/// | field | limit | why |
/// |---|---|---|
/// | every number | finite | NaN or infinity describes nothing |
/// | `expression[i]` | within ±`maximumExpression` (10) | blendshape weights are ~0…1, PCA coefficients within ±3 standard deviations |
/// | `identity[i]` | within ±`maximumIdentity` (10) | PCA shape coefficients, in standard deviations; fits stay within ±3 |
/// | `pose.yaw`, `pose.pitch` | within ±`maximumYawPitch` (π/2) | beyond a profile or a face turned straight up the model shows its back |
/// | `pose.roll` | within ±π | a full turn either way |
/// | `translation.z` | −`depthRange` (−100,000 … −10) | the camera looks down −z: the head must be in front of it, from 1 cm to 100 m for a model in millimetres |
/// | `translation.x`, `.y` | within ±`maximumLateralOffset` (100,000) | the same scale sideways |
/// | landmarks, box | within ±10 frame sizes of the frame | points far off-picture are not a tracked face |
/// | camera focal length | positive | a projection needs one |
/// | frame times, frame rate | finite; rate positive | — |
public struct MotionLimits: Sendable, Equatable {
    /// Largest magnitude of an expression coefficient. Default 10.
    public var maximumExpression: Float = 10
    /// Largest magnitude of an identity coefficient. Default 10.
    public var maximumIdentity: Float = 10
    /// Largest magnitude of yaw and of pitch, radians. Default π/2.
    public var maximumYawPitch: Float = .pi / 2
    /// Largest magnitude of roll, radians. Default π.
    public var maximumRoll: Float = .pi
    /// The head's distance in front of the camera (−translation.z), model units. Default 10 … 100,000.
    public var depthRange: ClosedRange<Float> = 10...100_000
    /// Largest magnitude of translation x and y, model units. Default 100,000.
    public var maximumLateralOffset: Float = 100_000

    /// The defaults.
    public init() {}

    /// The limits the host checks.
    public static let standard = MotionLimits()
}

/// A number in motion outside `MotionLimits`: where it is, what it is and what was expected.
public struct MotionRangeViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The track's id, when the number belongs to one.
    public var trackID: Int?
    /// The video frame, when the number belongs to one.
    public var frameIndex: Int?
    /// The field, e.g. `expression[3]`, `translation.z`, `identity[12]`.
    public var field: String
    /// The value found.
    public var value: Double
    /// What was expected, e.g. `a finite value within ±10`.
    public var expected: String

    /// Creates a violation.
    public init(trackID: Int?, frameIndex: Int?, field: String, value: Double, expected: String) {
        self.trackID = trackID
        self.frameIndex = frameIndex
        self.field = field
        self.value = value
        self.expected = expected
    }

    /// `track 0, frame 12: expression[3] is 1e+30; expected a finite value within ±10`.
    public var description: String {
        var place: [String] = []
        if let trackID { place.append("track \(trackID)") }
        if let frameIndex { place.append("frame \(frameIndex)") }
        let prefix = place.isEmpty ? "" : place.joined(separator: ", ") + ": "
        return "\(prefix)\(field) is \(Self.format(value)); expected \(expected)"
    }

    private static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "infinity" : "-infinity" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-3) { return String(describing: Float(value)) }
        return String(describing: (value * 1000).rounded() / 1000)
    }
}

extension SceneMotion {
    /// The first number outside `limits`, or nil when every track, frame and field is inside.
    /// Cost: one pass over the numbers (about 1 µs per face-frame).
    public func rangeViolation(limits: MotionLimits = .standard) -> MotionRangeViolation? {
        func violation(_ track: Int?, _ frame: Int?, _ field: String, _ value: Float, _ expected: String) -> MotionRangeViolation {
            MotionRangeViolation(trackID: track, frameIndex: frame, field: field, value: Double(value), expected: expected)
        }
        guard frameRate.isFinite, frameRate > 0 else {
            return MotionRangeViolation(
                trackID: nil, frameIndex: nil, field: "frameRate", value: frameRate,
                expected: "a finite, positive number of frames per second")
        }
        if let index = frameTimes.firstIndex(where: { !$0.isFinite }) {
            return MotionRangeViolation(
                trackID: nil, frameIndex: index, field: "frameTimes[\(index)]", value: frameTimes[index],
                expected: "a finite time in seconds")
        }
        let width = Float(max(frameWidth, 1)), height = Float(max(frameHeight, 1))
        let pixelX = (-10 * width)...(11 * width), pixelY = (-10 * height)...(11 * height)
        for track in tracks {
            let id = track.id
            for (index, value) in track.identity.enumerated() where !(abs(value) <= limits.maximumIdentity) {
                return violation(id, nil, "identity[\(index)]", value, "a finite value within ±\(Self.number(limits.maximumIdentity))")
            }
            if let camera = track.camera {
                if !(camera.focalLength > 0 && camera.focalLength.isFinite) {
                    return violation(id, nil, "camera.focalLength", camera.focalLength, "a finite, positive length in pixels")
                }
                if !camera.principalPoint.x.isFinite || !camera.principalPoint.y.isFinite {
                    let bad = camera.principalPoint.x.isFinite ? camera.principalPoint.y : camera.principalPoint.x
                    return violation(id, nil, "camera.principalPoint", bad, "finite pixel coordinates")
                }
            }
            for frame in track.frames {
                if let found = frameViolation(frame, track: id, limits: limits, pixelX: pixelX, pixelY: pixelY) { return found }
            }
        }
        return nil
    }

    /// The first number of `frame` (of track `id`) outside `limits`; landmarks and box must lie
    /// within `pixelX` x `pixelY`.
    private func frameViolation(
        _ frame: FaceFrame, track id: Int, limits: MotionLimits, pixelX: ClosedRange<Float>,
        pixelY: ClosedRange<Float>
    ) -> MotionRangeViolation? {
        func violation(_ track: Int?, _ frame: Int?, _ field: String, _ value: Float, _ expected: String) -> MotionRangeViolation {
            MotionRangeViolation(trackID: track, frameIndex: frame, field: field, value: Double(value), expected: expected)
        }
        let width = Float(max(frameWidth, 1)), height = Float(max(frameHeight, 1))
        let expression = "a finite value within ±\(Self.number(limits.maximumExpression))"
        let at = frame.frameIndex
        let c = frame.coefficients
        for (index, value) in c.expression.enumerated() where !(abs(value) <= limits.maximumExpression) {
            return violation(id, at, "expression[\(index)]", value, expression)
        }
        let angle = "a finite angle within ±\(Self.degrees(limits.maximumYawPitch))° (in radians)"
        if !(abs(c.pose.yaw) <= limits.maximumYawPitch) { return violation(id, at, "pose.yaw", c.pose.yaw, angle) }
        if !(abs(c.pose.pitch) <= limits.maximumYawPitch) { return violation(id, at, "pose.pitch", c.pose.pitch, angle) }
        if !(abs(c.pose.roll) <= limits.maximumRoll) {
            return violation(
                id, at, "pose.roll", c.pose.roll, "a finite angle within ±\(Self.degrees(limits.maximumRoll))° (in radians)")
        }
        let depth = -c.translation.z
        if !limits.depthRange.contains(depth) {
            return violation(
                id, at, "translation.z", c.translation.z,
                "the head in front of the camera: between \(Self.number(-limits.depthRange.upperBound)) and \(Self.number(-limits.depthRange.lowerBound)) model units (the camera looks down −z)"
            )
        }
        let lateral = "a finite offset within ±\(Self.number(limits.maximumLateralOffset)) model units"
        if !(abs(c.translation.x) <= limits.maximumLateralOffset) {
            return violation(id, at, "translation.x", c.translation.x, lateral)
        }
        if !(abs(c.translation.y) <= limits.maximumLateralOffset) {
            return violation(id, at, "translation.y", c.translation.y, lateral)
        }
        if let landmarks = frame.landmarks {
            for (index, point) in landmarks.enumerated() where !(pixelX.contains(point.x) && pixelY.contains(point.y)) {
                let bad = pixelX.contains(point.x) ? point.y : point.x
                return violation(
                    id, at, "landmarks[\(index)]", bad,
                    "pixel coordinates within 10 frame sizes of the \(frameWidth)x\(frameHeight) frame")
            }
        }
        if let box = frame.box {
            let inside =
                pixelX.contains(box.x) && pixelY.contains(box.y) && box.width >= 0 && box.height >= 0
                && box.width <= 20 * width && box.height <= 20 * height
            if !inside {
                let bad =
                    !pixelX.contains(box.x)
                    ? box.x : !pixelY.contains(box.y) ? box.y : box.width >= 0 && box.width <= 20 * width ? box.height : box.width
                return violation(
                    id, at, "box", bad, "a box of non-negative size within 10 frame sizes of the \(frameWidth)x\(frameHeight) frame"
                )
            }
        }
        if let error = frame.fitError, !error.isFinite {
            return violation(id, at, "fitError", error, "a finite error in pixels")
        }
        if !frame.time.isFinite {
            return MotionRangeViolation(
                trackID: id, frameIndex: at, field: "time", value: frame.time, expected: "a finite time in seconds")
        }
        return nil
    }

    private static func number(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(describing: value)
    }

    private static func degrees(_ radians: Float) -> String { number((radians * 180 / .pi).rounded()) }
}

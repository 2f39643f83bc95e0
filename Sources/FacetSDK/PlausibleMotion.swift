// The limits beyond which an edited face stops looking like a face, and the clamp every effect
// that writes poses or expressions applies, warning once per limit rather than once per frame.

/// The plausibility limits of an edited head pose. Beyond them the renderers show artefacts: the
/// side of the face the source never showed would have to be drawn.
public enum PoseLimits {
    /// Largest absolute yaw of the result, degrees.
    public static let yawDegrees: Float = 50
    /// Largest absolute pitch of the result, degrees.
    public static let pitchDegrees: Float = 35
    /// Largest absolute roll of the result, degrees.
    public static let rollDegrees: Float = 45
}

/// Clamps edited poses to `PoseLimits` and expressions to the model's coefficient ranges, and
/// remembers what it clamped so that an effect warns once per limit with a count.
///
/// ```swift
/// var clamps = PlausibilityClamp()
/// for … { clamps.clamp(&coefficients.pose); clamps.clamp(&coefficients.expression, to: model) }
/// clamps.warnings.forEach(context.warn)
/// ```
public struct PlausibilityClamp: Sendable {
    private var poseClamps: [String: (limit: Float, count: Int)] = [:]
    private var expressionClamps: [String: (range: ClosedRange<Float>, count: Int)] = [:]
    private var order: [String] = []
    private var expressionFaceFrames = 0

    /// Creates a clamp that has clamped nothing yet.
    public init() {}

    /// Clamps yaw, pitch and roll to `PoseLimits`.
    public mutating func clamp(_ pose: inout HeadPose) {
        let radians = Float.pi / 180
        pose.yaw = clamp(pose.yaw, limit: PoseLimits.yawDegrees * radians, what: "yaw")
        pose.pitch = clamp(pose.pitch, limit: PoseLimits.pitchDegrees * radians, what: "pitch")
        pose.roll = clamp(pose.roll, limit: PoseLimits.rollDegrees * radians, what: "roll")
    }

    /// Clamps every coefficient to the model's `coefficientRange`.
    public mutating func clamp(_ expression: inout [Float], to model: FaceModelDescription) {
        var clampedHere = false
        defer { if clampedHere { expressionFaceFrames += 1 } }
        for index in expression.indices where index < model.coefficientRange.count {
            let range = model.coefficientRange[index]
            guard expression[index] < range.lowerBound || expression[index] > range.upperBound else { continue }
            clampedHere = true
            let name = index < model.expressionNames.count ? model.expressionNames[index] : "expression \(index)"
            let key = "expression " + name
            if expressionClamps[key] == nil { order.append(key) }
            expressionClamps[key, default: (range, 0)].count += 1
            expression[index] = min(max(expression[index], range.lowerBound), range.upperBound)
        }
    }

    private mutating func clamp(_ value: Float, limit: Float, what: String) -> Float {
        guard abs(value) > limit else { return value }
        if poseClamps[what] == nil { order.append(what) }
        poseClamps[what, default: (limit * 180 / .pi, 0)].count += 1
        return value < 0 ? -limit : limit
    }

    /// Whether anything was clamped.
    public var clampedAnything: Bool { !order.isEmpty }

    /// One sentence per pose limit applied, in the order first met, with how many face-frames it
    /// hit; then one sentence for all the expression coefficients clamped, most often first.
    public var warnings: [String] {
        var sentences: [String] = order.compactMap { key in
            guard let pose = poseClamps[key] else { return nil }
            let limit = Int(pose.limit.rounded())
            return "the edited \(key) went beyond ±\(limit)° in \(pose.count) face-frame(s); clamped to "
                + "±\(limit)° (beyond that the side of the face the source never showed would be drawn)"
        }
        // Most often first; equals in the order first met.
        let expressions = order.compactMap { key in expressionClamps[key].map { (key, $0) } }.enumerated()
            .sorted { ($0.element.1.count, $1.offset) > ($1.element.1.count, $0.offset) }.map(\.element)
        if !expressions.isEmpty {
            let ranges = Set(expressions.map { "\($0.1.range.lowerBound)…\($0.1.range.upperBound)" })
            let rangeText = ranges.count == 1 ? " \(ranges.first!)" : "s"
            let counts = expressions.map { key, clamp in
                "\(key.dropFirst("expression ".count)) \(clamp.count)"
            }
            sentences.append(
                "expression coefficients went outside the model's range\(rangeText) in \(expressionFaceFrames) face-frame(s) "
                    + "(\(counts.joined(separator: ", ")) face-frames); clamped (larger values distort the face)")
        }
        return sentences
    }
}

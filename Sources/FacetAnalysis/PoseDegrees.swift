import FacetSDK

/// A head pose, or a change of pose, in degrees (`HeadPose` holds radians): what reports print.
public struct PoseDegrees: Sendable, Equatable, Codable {
    /// Turn (positive: towards the subject's left).
    public var yaw: Double
    /// Nod.
    public var pitch: Double
    /// Tilt.
    public var roll: Double

    /// Creates a pose from its angles in degrees.
    public init(yaw: Double, pitch: Double, roll: Double) {
        self.yaw = yaw
        self.pitch = pitch
        self.roll = roll
    }

    /// `pose` in degrees.
    public init(_ pose: HeadPose) {
        let degrees = 180 / Double.pi
        self.init(yaw: Double(pose.yaw) * degrees, pitch: Double(pose.pitch) * degrees, roll: Double(pose.roll) * degrees)
    }

    /// The change from `rhs` to `lhs`, angle by angle.
    public static func - (lhs: PoseDegrees, rhs: PoseDegrees) -> PoseDegrees {
        PoseDegrees(yaw: lhs.yaw - rhs.yaw, pitch: lhs.pitch - rhs.pitch, roll: lhs.roll - rhs.roll)
    }
}

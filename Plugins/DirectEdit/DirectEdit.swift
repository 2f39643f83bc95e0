import FacetSDK

/// Semantic head-pose edits in degrees, keyframable, on chosen faces.
///
/// Relative mode adds the angles to the source's own motion; absolute mode replaces the
/// source's pose by the given angles (the source's motion then no longer shows). Expression
/// controls arrive with the renderer (they need the face model's named directions).
public struct DirectEdit: PerFrameFaceEffect {
    // MARK: - Parameter table

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.direct-edit",
        version: EffectVersion(0, 1, 0),
        summary: "Turn, tilt and move the head by exact amounts, constant or keyframed.",
        parameters: [
            .number("yaw", default: 0, min: -45, max: 45, unit: "deg", "Turn left/right; positive turns the face to the viewer's right (its own left)."),
            .number("pitch", default: 0, min: -30, max: 30, unit: "deg", "Nod; positive tilts the chin down."),
            .number("roll", default: 0, min: -30, max: 30, unit: "deg", "Tilt in the image plane; positive is counter-clockwise."),
            .number("shift-x", default: 0, min: -50, max: 50, unit: "mm", "Move the head right (model units)."),
            .number("shift-y", default: 0, min: -50, max: 50, unit: "mm", "Move the head up (model units)."),
            .choice("mode", ["relative", "absolute"], default: "relative", "Add to the source's pose, or replace it."),
            .text("faces", default: "all", "Which faces: all, largest, id:N, or index:N counted from the left."),
        ],
        temporalAccess: .perFrame
    )

    // MARK: - Setup

    private let parameters: EffectParameters
    private let isAbsolute: Bool
    private let selector: FaceSelector

    /// Creates the effect from validated parameters.
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
        self.isAbsolute = parameters.text("mode") == "absolute"
        self.selector = try FaceSelector(parsing: parameters.text("faces"))
    }

    // MARK: - Processing

    /// Edits the selected tracks only.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        let selected = selector.trackIndices(in: motion)
        if selected.isEmpty, !motion.tracks.isEmpty {
            context.warn("no face matches \"\(selector)\" (the video has \(motion.tracks.count)); nothing edited")
        }
        for trackIndex in selected {
            let track = motion.tracks[trackIndex]
            for frameIndex in track.frames.indices {
                let time = track.frames[frameIndex].time
                try edit(&motion.tracks[trackIndex].frames[frameIndex].coefficients, time: time, track: track)
            }
        }
    }

    /// Applies the pose and translation change at `time`.
    public func edit(_ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack) throws {
        let radians = Float.pi / 180
        let yaw = Float(parameters.number("yaw", at: time)) * radians
        let pitch = Float(parameters.number("pitch", at: time)) * radians
        let roll = Float(parameters.number("roll", at: time)) * radians
        if isAbsolute {
            coefficients.pose = HeadPose(yaw: yaw, pitch: pitch, roll: roll)
        } else {
            coefficients.pose.yaw += yaw
            coefficients.pose.pitch += pitch
            coefficients.pose.roll += roll
        }
        coefficients.translation.x += Float(parameters.number("shift-x", at: time))
        coefficients.translation.y += Float(parameters.number("shift-y", at: time))
    }
}

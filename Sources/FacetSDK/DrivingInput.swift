// Driving inputs: another face's motion that an effect follows (reenactment), prepared by the
// host. The effect declares a `DrivingInputParameter`; the user names a file; the host resolves
// the path, analyses the file with the source's face model (or reads the motion file), caches
// the result and passes it here. The SDK never sees a decoder or a detector.

/// The analysed motion of a driving video, still image or motion file.
///
/// Times are the driver's own: `motion.frameTimes` start at the driver's first frame. A still
/// image gives one frame. The face model is the source's (the host refuses a motion file fitted
/// with another model), so coefficients of driver and source can be compared directly.
public struct DrivingInput: Sendable, Equatable {
    /// What the file was.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A video: motion at every frame.
        case video
        /// A still image: one frame.
        case still
        /// A motion file written by `facet analyze -o`, read as it is.
        case motionFile = "motion-file"
    }

    /// The file, as the host resolved it (an absolute path).
    public var path: String
    /// What the file was.
    public var kind: Kind
    /// Every face of the driver and its motion.
    public var motion: SceneMotion
    /// The driver's sound at 16 kHz mono, when the effect declared `.drivingAudio` and the driver
    /// has an audio stream; nil otherwise.
    public var audio: AudioClip?

    /// Creates a driving input.
    public init(path: String, kind: Kind, motion: SceneMotion, audio: AudioClip? = nil) {
        self.path = path
        self.kind = kind
        self.motion = motion
        self.audio = audio
    }

    /// The file name, for messages.
    public var fileName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Length in seconds (0 for a still image).
    public var duration: Double { kind == .still ? 0 : motion.duration }
}

/// The part of a driving input that crosses the plugin boundary as JSON (audio goes as samples).
extension DrivingInput: Codable {
    private enum CodingKeys: String, CodingKey { case path, kind, motion }

    /// Decodes `{"path": …, "kind": "video" | "still" | "motion-file", "motion": SceneMotion}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try container.decode(String.self, forKey: .path),
            kind: try container.decode(Kind.self, forKey: .kind),
            motion: try container.decode(SceneMotion.self, forKey: .motion))
    }

    /// Encodes the path, kind and motion; never the audio.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(kind, forKey: .kind)
        try container.encode(motion, forKey: .motion)
    }
}

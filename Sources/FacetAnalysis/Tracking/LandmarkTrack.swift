import FacetSDK

/// One face on one frame, as tracked.
public struct TrackedFace: Codable, Sendable, Equatable {
    /// The frame's 0-based index in the video.
    public var frameIndex: Int
    /// The frame's presentation time in seconds.
    public var time: Double
    /// A detector-style box (what dlib's face detector would report for this face) derived from
    /// the landmarks, in full-resolution pixels. May extend beyond the frame.
    public var box: FaceBox
    /// The 68 iBUG landmarks in full-resolution pixels (smoothed when the tracker smooths).
    /// Points may lie outside the frame for a face at its edge.
    public var landmarks: [Point2]
    /// The score of the detection that confirmed the face on this frame; nil on frames where
    /// no detection ran or none matched (most frames: the tracker follows landmarks in between).
    public var detectionScore: Float?
    /// How far to trust this frame's landmarks, 0–1: the fraction of landmarks inside the
    /// frame, times how well the landmark box agreed with the previous frame's, times 0.7
    /// while detections fail to confirm the face.
    public var confidence: Float

    /// Creates a tracked face.
    public init(frameIndex: Int, time: Double, box: FaceBox, landmarks: [Point2], detectionScore: Float?, confidence: Float) {
        self.frameIndex = frameIndex
        self.time = time
        self.box = box
        self.landmarks = landmarks
        self.detectionScore = detectionScore
        self.confidence = confidence
    }
}

/// One face followed over consecutive frames, with an id that is stable for the track's life.
public struct LandmarkTrack: Codable, Sendable, Equatable, Identifiable {
    /// The track's id: 0, 1, 2, ... in the order tracks are confirmed (ties on one frame: left
    /// to right). A face that is lost and found again later gets a new id.
    public var id: Int
    /// The face on each frame of the track, in frame order, without gaps.
    public var frames: [TrackedFace]

    /// Creates a track.
    public init(id: Int, frames: [TrackedFace]) {
        self.id = id
        self.frames = frames
    }

    /// The first frame's index (nil for an empty track).
    public var firstFrameIndex: Int? { frames.first?.frameIndex }
    /// The last frame's index (nil for an empty track).
    public var lastFrameIndex: Int? { frames.last?.frameIndex }

    /// The tracked face on `frameIndex`, if the track covers it.
    public func face(atFrame frameIndex: Int) -> TrackedFace? {
        guard let first = frames.first?.frameIndex else { return nil }
        let offset = frameIndex - first
        if offset >= 0, offset < frames.count, frames[offset].frameIndex == frameIndex { return frames[offset] }
        return frames.first { $0.frameIndex == frameIndex }
    }
}

// The motion model every effect reads and writes: per-frame 3DMM coefficients per tracked face.
//
// Conventions (one for the whole project; converted only at the edges):
// - Angles are radians. Yaw turns about the vertical (y) axis, positive = the face turns to the
//   viewer's right (its own left); pitch turns about x, positive = chin down; roll turns about
//   the optical axis z, positive = counter-clockwise in the image. The rotation is R = Rz·Ry·Rx,
//   PIRender's convention, so an in-plane image rotation changes roll only.
// - Translation is in the model's camera space: x right, y up, z towards the viewer, in the
//   model's length unit (millimetres for the Surrey model).
// - Expression is a vector in the face model's own expression space (blendshape weights or PCA
//   coefficients); `FaceTrack.expressionBasis` says which.

/// Head orientation in radians, `R = Rz(roll) · Ry(yaw) · Rx(pitch)`.
public struct HeadPose: Codable, Sendable, Equatable, Hashable {
    /// Rotation about the vertical axis (radians); positive turns the face to the viewer's right (its own left).
    public var yaw: Float
    /// Rotation about the horizontal axis (radians); positive tilts the chin down.
    public var pitch: Float
    /// Rotation about the optical axis (radians); positive is counter-clockwise in the image.
    public var roll: Float

    /// Creates a pose from angles in radians.
    public init(yaw: Float = 0, pitch: Float = 0, roll: Float = 0) {
        self.yaw = yaw
        self.pitch = pitch
        self.roll = roll
    }

    /// Creates a pose from angles in degrees, the unit users see.
    public init(yawDegrees: Float, pitchDegrees: Float, rollDegrees: Float) {
        self.init(yaw: yawDegrees * .pi / 180, pitch: pitchDegrees * .pi / 180, roll: rollDegrees * .pi / 180)
    }

    /// The identity orientation (a face looking straight at the camera).
    public static let frontal = HeadPose()
}

/// A 3D vector of `Float`, used for head translation.
public struct Vector3: Codable, Sendable, Equatable, Hashable {
    /// The x (right) component.
    public var x: Float
    /// The y (up) component.
    public var y: Float
    /// The z (towards the viewer) component.
    public var z: Float

    /// Creates a vector from its components.
    public init(x: Float = 0, y: Float = 0, z: Float = 0) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The zero vector.
    public static let zero = Vector3()
}

/// A point in image pixel coordinates (origin top-left, y down).
public struct Point2: Codable, Sendable, Equatable, Hashable {
    /// Horizontal pixel coordinate.
    public var x: Float
    /// Vertical pixel coordinate (down).
    public var y: Float

    /// Creates a point.
    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned box in image pixel coordinates.
public struct FaceBox: Codable, Sendable, Equatable, Hashable {
    /// Left edge in pixels.
    public var x: Float
    /// Top edge in pixels.
    public var y: Float
    /// Width in pixels.
    public var width: Float
    /// Height in pixels.
    public var height: Float

    /// Creates a box.
    public init(x: Float, y: Float, width: Float, height: Float) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The box's area in square pixels.
    public var area: Float { width * height }
    /// The box's centre.
    public var center: Point2 { Point2(x: x + width / 2, y: y + height / 2) }
}

/// The per-frame coefficients that effects edit: everything about a face that changes over time.
public struct FaceCoefficients: Codable, Sendable, Equatable, Hashable {
    /// Head orientation.
    public var pose: HeadPose
    /// Head translation in model camera space.
    public var translation: Vector3
    /// Expression coefficients in the track's expression basis.
    public var expression: [Float]

    /// Creates coefficients; `expression` must have the track's expression dimension.
    public init(pose: HeadPose = .frontal, translation: Vector3 = .zero, expression: [Float] = []) {
        self.pose = pose
        self.translation = translation
        self.expression = expression
    }
}

/// One face in one video frame: where analysis found it and the coefficients describing it.
public struct FaceFrame: Codable, Sendable, Equatable {
    /// Index of the video frame (0-based, decode order of presentation).
    public var frameIndex: Int
    /// Presentation time of the frame in seconds from the start of the video.
    public var time: Double
    /// The face's bounding box, when analysis provided one.
    public var box: FaceBox?
    /// The 68 iBUG landmarks in pixels, when analysis provided them.
    public var landmarks: [Point2]?
    /// The coefficients: the part effects edit.
    public var coefficients: FaceCoefficients
    /// Mean landmark reprojection error of the fit, in pixels, if known.
    public var fitError: Float?
    /// Confidence in [0, 1]; low values flag views the model cannot fit well (e.g. profiles).
    public var confidence: Float

    /// Creates a face frame.
    public init(
        frameIndex: Int, time: Double, box: FaceBox? = nil, landmarks: [Point2]? = nil,
        coefficients: FaceCoefficients, fitError: Float? = nil, confidence: Float = 1
    ) {
        self.frameIndex = frameIndex
        self.time = time
        self.box = box
        self.landmarks = landmarks
        self.coefficients = coefficients
        self.fitError = fitError
        self.confidence = confidence
    }
}

/// How a model's expression coefficients combine: blendshape weights or PCA coefficients.
public enum ExpressionBasis: String, Codable, Sendable, CaseIterable {
    /// Linear blendshapes (e.g. the Surrey Face Model's six), weights typically in [0, 1].
    case blendshapes
    /// A PCA expression space (e.g. Deep3DFaceRecon's 64 components used by PIRender).
    case pca
}

/// How a track's 3D head (model space, in the model's length unit) maps into the picture.
///
/// A model point `X` is first placed in camera space, `p = R·X + t` (R from `HeadPose`, t the
/// frame's translation; the camera sits at the origin looking down −z, y up). Then:
/// - `.weakPerspective` (scaled orthographic): `u = cx + s·p.x`, `v = cy − s·p.y` with one scale
///   per frame `s = focalLength / depth`, `depth = −t.z` (so moving the head away shrinks it);
/// - `.perspective`: `u = cx + f·p.x / (−p.z)`, `v = cy − f·p.y / (−p.z)`.
public struct FaceCamera: Codable, Sendable, Equatable, Hashable {
    /// The projection family.
    public enum Projection: String, Codable, Sendable, CaseIterable {
        /// Scaled orthographic: every point of the head shares the depth of its origin.
        case weakPerspective
        /// Pinhole perspective.
        case perspective
    }

    /// The projection family.
    public var projection: Projection
    /// Focal length in pixels.
    public var focalLength: Float
    /// The principal point (image centre, usually) in pixels.
    public var principalPoint: Point2

    /// Creates a camera.
    public init(projection: Projection, focalLength: Float, principalPoint: Point2) {
        self.projection = projection
        self.focalLength = focalLength
        self.principalPoint = principalPoint
    }

    /// Projects a camera-space point (`p = R·X + t`) to pixels; `depth` is `−t.z` of the frame.
    public func project(_ p: Vector3, depth: Float) -> Point2 {
        let scale: Float
        switch projection {
        case .weakPerspective: scale = focalLength / max(depth, .leastNormalMagnitude)
        case .perspective: scale = focalLength / max(-p.z, .leastNormalMagnitude)
        }
        return Point2(x: principalPoint.x + scale * p.x, y: principalPoint.y - scale * p.y)
    }
}

/// One tracked face over time: its identity and its per-frame coefficients.
public struct FaceTrack: Codable, Sendable, Equatable, Identifiable {
    /// Stable id of the track within one analysis (0, 1, 2… in order of first appearance).
    public var id: Int
    /// Name of the 3DMM the coefficients belong to (e.g. "sfm_3448", "bfm09-front").
    public var modelName: String
    /// How the expression coefficients combine.
    public var expressionBasis: ExpressionBasis
    /// Optional names of the expression dimensions (blendshape names), same order as coefficients.
    public var expressionNames: [String]?
    /// Identity (shape) coefficients fitted over the whole track; constant over time.
    public var identity: [Float]
    /// The camera the coefficients were fitted with; `nil` when the analysis had none.
    public var camera: FaceCamera?
    /// The frames where the face is present, ordered by `frameIndex`, without duplicates.
    public var frames: [FaceFrame]

    /// Creates a track.
    public init(
        id: Int, modelName: String, expressionBasis: ExpressionBasis = .blendshapes,
        expressionNames: [String]? = nil, identity: [Float] = [], camera: FaceCamera? = nil,
        frames: [FaceFrame] = []
    ) {
        self.id = id
        self.modelName = modelName
        self.expressionBasis = expressionBasis
        self.expressionNames = expressionNames
        self.identity = identity
        self.camera = camera
        self.frames = frames
    }

    /// The number of expression coefficients per frame (0 for an empty track).
    public var expressionDimension: Int { frames.first?.coefficients.expression.count ?? 0 }

    /// The position in `frames` of the given video frame, if the face is present there.
    public func position(ofFrame frameIndex: Int) -> Int? {
        var low = 0
        var high = frames.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = frames[mid].frameIndex
            if value == frameIndex { return mid }
            if value < frameIndex { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// Mean bounding-box area over the track (0 when no frame has a box); used to pick "largest".
    public var meanBoxArea: Float {
        let areas = frames.compactMap { $0.box?.area }
        return areas.isEmpty ? 0 : areas.reduce(0, +) / Float(areas.count)
    }
}

/// The motion of every face in a video: what the effect chain transforms.
public struct SceneMotion: Codable, Sendable, Equatable {
    /// Presentation time (seconds) of every video frame, in order; its count is the frame count.
    public var frameTimes: [Double]
    /// Nominal frame rate (frames per second) of the video.
    public var frameRate: Double
    /// Width and height of the video frames in pixels.
    public var frameWidth: Int
    /// Height of the video frames in pixels.
    public var frameHeight: Int
    /// The face tracks, ordered by id.
    public var tracks: [FaceTrack]

    /// Creates scene motion.
    public init(
        frameTimes: [Double], frameRate: Double, frameWidth: Int, frameHeight: Int,
        tracks: [FaceTrack] = []
    ) {
        self.frameTimes = frameTimes
        self.frameRate = frameRate
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.tracks = tracks
    }

    /// The number of video frames.
    public var frameCount: Int { frameTimes.count }
    /// Duration in seconds: from the first frame's time to the end of the last frame.
    public var duration: Double {
        guard let first = frameTimes.first, let last = frameTimes.last else { return 0 }
        return last - first + (frameRate > 0 ? 1 / frameRate : 0)
    }
}

import FacetMedia
import FacetRender
import FacetSDK
import Foundation

// MARK: - Stages the pipeline composes

/// Produces the face motion of a video: the analysis stage (or a saved motion file).
public protocol MotionSource {
    /// Analyses `input` and returns the motion of every face; `frameTimes` may be empty when the
    /// source does not decode the video (the pipeline then fills them during rendering).
    func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion
    /// A short description for reports, e.g. "dlib + sfm_3448" or "motion file x.json".
    var summary: String { get }
    /// The face model behind the motion's coefficients, as effects see it (nil when unknown).
    var faceModel: FaceModelDescription? { get }
}

extension MotionSource {
    /// No model known by default.
    public var faceModel: FaceModelDescription? { nil }
}

/// The motion source used until face analysis is available: reports no faces.
public struct NoFaceAnalysis: MotionSource {
    /// Creates the source.
    public init() {}
    /// An empty scene of the video's size and frame rate.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
        let video = info.video
        return SceneMotion(
            frameTimes: [], frameRate: stillImage?.frameRate ?? video?.frameRate ?? 0,
            frameWidth: video?.width ?? 0, frameHeight: video?.height ?? 0)
    }
    /// Describes the source.
    public var summary: String { "none (face analysis not available)" }
}

// MARK: - Requests and reports

// MARK: - Progress and cancellation

/// Receives progress while a run renders; the CLI draws a progress bar from it.
public protocol ProgressObserver: AnyObject {
    /// Called once before the first frame; `totalFrames` is an estimate when known.
    func started(totalFrames: Int?)
    /// Called after each frame with the count written so far.
    func advanced(framesDone: Int)
    /// Called once at the end, success or not.
    func finished()
}

/// A flag another thread (e.g. a Ctrl-C handler) sets to stop a run between frames.
public final class CancellationFlag: @unchecked Sendable {
    // Safe to share: the one mutable field is guarded by `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// Creates an unset flag.
    public init() {}
    /// Asks the run to stop.
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    /// Whether `cancel()` was called.
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
}

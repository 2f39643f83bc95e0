import FacetMedia
import FacetSDK

// The render stage: runs once per frame after the whole effect chain, turning the edited motion
// back into pixels.

/// Turns edited motion back into pixels, once per frame, after the whole effect chain ran.
public protocol FrameRenderer {
    /// Re-renders the faces of `frame` whose coefficients differ between `source` and `edited`.
    /// Leaves the frame untouched (and so encoded without any colour round trip) otherwise.
    mutating func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws
    /// A short description for reports, e.g. "geometric".
    var summary: String { get }
    /// What the renderer did and what it cost, once the run is over (nil: nothing to add).
    var statisticsSummary: String? { get }
}

extension FrameRenderer {
    /// No statistics by default.
    public var statisticsSummary: String? { nil }
}

/// The renderer used when no face changed: leaves every frame as decoded.
public struct PassThroughRenderer: FrameRenderer {
    /// Creates the renderer.
    public init() {}
    /// Does nothing.
    public mutating func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {}
    /// Describes the renderer.
    public var summary: String { "pass-through" }
}

import FacetMedia
import FacetMorphableModel
import FacetSDK

/// Draws the analysis of every face onto the frames (`facet analyze --overlay`): wireframe,
/// landmarks, pose axes, boxes.
public struct OverlayRenderer: FrameRenderer {
    private let overlay: FaceOverlay

    /// Draws with `model` (nil: landmarks and boxes only).
    public init(model: MorphableModel?) {
        overlay = FaceOverlay(model: model)
    }

    /// Draws the faces present in `frame` (from `source`, the analysed motion).
    public mutating func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {
        let present = source.tracks.compactMap { track in track.position(ofFrame: frame.index).map { (track, track.frames[$0]) } }
        guard !present.isEmpty else { return }
        var painter = OverlayPainter(image: try frame.rgb)
        for (track, face) in present { overlay.draw(face, of: track, on: &painter) }
        frame.replaceImage(painter.image)
    }

    /// Describes the renderer.
    public var summary: String { "analysis overlay" }
}

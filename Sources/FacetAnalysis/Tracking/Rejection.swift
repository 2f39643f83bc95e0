import FacetSDK

/// A candidate face the tracker found but did not use, and why.
///
/// `FaceTracker.rejections` lists them; `FaceAnalyzer` turns them into warnings, so "no faces
/// found" can say what was seen instead (a face too small, a pattern the landmark model does not
/// settle on).
public struct Rejection: Sendable, Equatable, CustomStringConvertible {
    /// Why a candidate was not used.
    public enum Reason: Sendable, Equatable {
        /// Its box (the landmark model's convention, full-resolution pixels) is below the minimum.
        case tooSmall(size: Float, minimum: Float)
        /// No detection of it scored as a real face.
        case lowScore(score: Float, minimum: Float)
        /// The landmark model is not drawn to it: its landmarks follow the box (a face-like
        /// pattern, or a face too blurred or turned to place landmarks on).
        case landmarksDoNotSettle(drift: Float, maximum: Float)
        /// It was not detected again often enough to be confirmed as a face.
        case lostBeforeConfirmation(detections: Int, needed: Int)
        /// A track that was detected in too few of the searches during its life.
        case rarelyDetected(detections: Int, searches: Int)
    }

    /// The frame it was first seen on.
    public var frameIndex: Int
    /// Where it was (full-resolution pixels).
    public var box: FaceBox
    /// The best detection score it had (dlib's SVM margin).
    public var score: Float
    /// Why it was not used.
    public var reason: Reason

    /// Creates a rejection.
    public init(frameIndex: Int, box: FaceBox, score: Float, reason: Reason) {
        self.frameIndex = frameIndex
        self.box = box
        self.score = score
        self.reason = reason
    }

    /// One line for a person: where, how big, and why, e.g. "a 36 px face at (412, 80) on frame
    /// 0 is smaller than the 40 px minimum".
    public var description: String {
        let place = "at (\(Int(box.center.x.rounded())), \(Int(box.center.y.rounded()))) on frame \(frameIndex)"
        let size = Int(box.height.rounded())
        let score = String(format: "%.2f", self.score)
        switch reason {
        case .tooSmall(let size, let minimum):
            return
                "a \(Int(size.rounded())) px face \(place) is smaller than the \(Int(minimum.rounded())) px minimum (--min-face-size): not analysed"
        case .lowScore(let best, let minimum):
            return
                "a \(size) px face-like detection \(place) scored \(String(format: "%.2f", best)), below the \(String(format: "%.2f", minimum)) a face needs: not used"
        case .landmarksDoNotSettle(let drift, let maximum):
            return
                "a \(size) px face-like detection \(place) (score \(score)) does not hold the landmarks (they follow the box: drift \(String(format: "%.2f", drift)), at most \(String(format: "%.2f", maximum)) for a face): not used"
        case .lostBeforeConfirmation(let detections, let needed):
            return
                "a \(size) px face \(place) (score \(score)) was detected \(detections) time\(detections == 1 ? "" : "s") before it was lost; \(needed) confirm a face: not used"
        case .rarelyDetected(let detections, let searches):
            return
                "a \(size) px face \(place) (score \(score)) was found in only \(detections) of the \(searches) searches while it was followed: dropped as a false detection"
        }
    }
}

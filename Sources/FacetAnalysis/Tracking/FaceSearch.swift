import Dispatch
import FacetSDK
import Foundation

/// The searches that find faces of every size the tracker is set to find, for frames of one size.
///
/// dlib's HOG detector scans an 80 px window over an image pyramid, so it finds faces of about
/// 80 px and larger in the image it is given; what it finds in a frame depends on the scale the
/// frame is searched at. The plan has up to three kinds of search:
/// - the **coarse** search: the whole frame scaled so its longest side is at most
///   `detectionMaxSide` (cheap; run every `redetectInterval` frames), which finds faces from
///   `coarseReach` px up;
/// - the **thorough** search: the frame scaled so that the window covers 80% of
///   `minimumFaceSize` (faces just below the minimum are found so they can be reported by size),
///   in overlapping tiles of at most `thoroughTilePixels` when the scaled frame is large; the tiles
///   overlap by the largest face the coarse search might miss, so every face lies whole in one
///   tile. It runs on the first frame and every `thoroughSearchSeconds`. When it costs no more
///   than the coarse search (small frames), it *is* the coarse search;
/// - the **rotated** searches: the coarse search's scale on copies of the frame turned by
///   ±`rotatedSearchAngle`, for faces tilted beyond what the detector finds upright (run with
///   the thorough search).
struct SearchPlan: Equatable {
    /// The detector's window: the smallest face it finds at upsample 0, in the searched image's pixels.
    static let detectorWindow: Float = 80

    /// One search of the whole frame or a part of it.
    struct Pass: Equatable {
        /// The part of the frame searched, in frame pixels.
        var x: Int, y: Int, width: Int, height: Int
        /// Searched-image pixels per frame pixel (the part is resampled to it: averaged when it
        /// shrinks, interpolated when it grows).
        var scale: Float
        /// In-plane rotation of the searched copy (radians, counter-clockwise on screen), 0 for upright.
        var angle: Float = 0

        /// The smallest face this pass finds, in frame pixels.
        var reach: Float { SearchPlan.detectorWindow / scale }
        /// Pixels the detector scans (its cost grows with them).
        var searchedPixels: Float { Float(width) * Float(height) * scale * scale }
    }

    /// The coarse search of the whole frame.
    let coarse: Pass
    /// The thorough search's tiles (empty when the coarse search already reaches the smallest face).
    let thorough: [Pass]
    /// The rotated coarse searches.
    let rotated: [Pass]
    /// The smallest face any search finds (frame pixels): 80% of `minimumFaceSize`.
    let smallestFound: Float

    init(width: Int, height: Int, configuration: FaceTracker.Configuration) {
        let window = Self.detectorWindow
        smallestFound = 0.8 * configuration.minimumFaceSize
        let longest = max(width, height)
        let coarseScale = min(1, Float(configuration.detectionMaxSide) / Float(longest))
        // The scale at which the detector's window covers the smallest face to find.
        let fineScale = window / smallestFound
        let whole = (x: 0, y: 0, width: width, height: height)
        // Small frames: searching them at the fine scale costs no more than a coarse search of
        // the largest frame, so the coarse search is fine and no thorough search is needed.
        let budget = Float(configuration.detectionMaxSide) * Float(configuration.detectionMaxSide) * 9 / 16
        if Float(width * height) * fineScale * fineScale <= budget || coarseScale >= fineScale {
            coarse = Pass(x: whole.x, y: whole.y, width: whole.width, height: whole.height, scale: max(fineScale, coarseScale))
            thorough = []
        } else {
            coarse = Pass(x: 0, y: 0, width: width, height: height, scale: coarseScale)
            // Tiles of the thorough search, overlapping by the largest face the coarse search may miss.
            let overlap = Int((coarse.reach * 1.25).rounded(.up))
            let tileSide = max(Int((configuration.thoroughTilePixels.squareRoot() / fineScale).rounded(.down)), 2 * overlap)
            var tiles: [Pass] = []
            for (y, tileHeight) in Self.spans(length: height, tile: tileSide, overlap: overlap) {
                for (x, tileWidth) in Self.spans(length: width, tile: tileSide, overlap: overlap) {
                    tiles.append(Pass(x: x, y: y, width: tileWidth, height: tileHeight, scale: fineScale))
                }
            }
            thorough = tiles
        }
        let angle = configuration.rotatedSearchAngle
        var turned: [Pass] = []
        for turn in angle > 0 ? [-angle, angle] : [] {
            var pass = coarse
            pass.angle = turn
            turned.append(pass)
        }
        rotated = turned
    }

    /// Adds `found` to `detections`, keeping one box per face: of two that overlap (IoU above
    /// 0.5, or one mostly inside the other), the higher-scoring.
    static func merge(_ found: [FaceDetection], into detections: inout [FaceDetection]) {
        for detection in found {
            let same = detections.firstIndex { other in
                other.box.intersectionOverUnion(detection.box) > 0.5
                    || other.box.intersectionArea(detection.box) > 0.7 * min(other.box.area, detection.box.area)
            }
            if let same {
                if detection.score > detections[same].score { detections[same] = detection }
            } else {
                detections.append(detection)
            }
        }
    }

    /// Overlapping spans covering `length`: as few tiles of at most `tile` as cover it with
    /// `overlap`, of equal size.
    private static func spans(length: Int, tile: Int, overlap: Int) -> [(start: Int, length: Int)] {
        if length <= tile { return [(0, length)] }
        let count = Int((Double(length - overlap) / Double(tile - overlap)).rounded(.up))
        let size = Int((Double(length + (count - 1) * overlap) / Double(count)).rounded(.up))
        return (0..<count).map { index in
            let start = min(index * (size - overlap), length - size)
            return (start, size)
        }
    }
}

extension SearchPlan.Pass {
    /// Runs this pass on `image` (full resolution) with `detector`; detections in frame pixels.
    func detect(in image: GrayImage, with detector: FaceDetector, adjustThreshold: Double) throws(AnalysisError) -> [FaceDetection] {
        var searched = image
        if x != 0 || y != 0 || width != image.width || height != image.height {
            guard let part = image.cropped(x: x, y: y, width: width, height: height) else { return [] }
            searched = part
        }
        let partWidth = searched.width, partHeight = searched.height
        let targetWidth = max(1, Int((Float(partWidth) * scale).rounded()))
        let targetHeight = max(1, Int((Float(partHeight) * scale).rounded()))
        if targetWidth != partWidth || targetHeight != partHeight {
            searched = searched.resampled(width: targetWidth, height: targetHeight)
        }
        let scaleX = Float(targetWidth) / Float(partWidth), scaleY = Float(targetHeight) / Float(partHeight)
        if angle != 0 { searched = searched.rotated(by: angle) }
        let found = try detector.detect(in: searched, adjustThreshold: adjustThreshold)
        return found.map { detection in
            var box = detection.box
            if angle != 0 {
                // The box's centre back on the upright picture; the box stays upright (the landmark
                // model's convention box takes over once landmarks are predicted).
                let centre = GrayImage.rotatedPoint(box.center, width: targetWidth, height: targetHeight, angle: angle, inverse: true)
                box = FaceBox(x: centre.x - box.width / 2, y: centre.y - box.height / 2, width: box.width, height: box.height)
            }
            return FaceDetection(
                box: FaceBox(
                    x: box.x / scaleX + Float(x), y: box.y / scaleY + Float(y),
                    width: box.width / scaleX, height: box.height / scaleY),
                score: detection.score, subdetector: detection.subdetector, angle: angle)
        }
    }
}

/// Runs search passes on a thread of its own, with a detector of its own (a `FaceDetector` serves
/// one thread at a time). One job at a time: `start` hands it passes and a frame, `collect` waits
/// for the merged detections. Used only by its tracker, from the tracker's thread.
final class DetectionWorker: @unchecked Sendable {
    // `@unchecked Sendable`: `detector` and `outcome` are touched only by the job on `queue` while
    // a job runs, and by the tracker's thread only after `group.wait()` (which orders the two).
    private let detector: FaceDetector
    private let queue = DispatchQueue(label: "org.facet.analysis.detection")
    private let group = DispatchGroup()
    private var outcome: Result<[FaceDetection], AnalysisError> = .success([])
    /// The frame of the job running (or done and not collected), nil when idle.
    private(set) var pendingFrame: Int?

    init() throws(AnalysisError) {
        detector = try FaceDetector()
    }

    /// Starts searching `image` with `passes` (merged in pass order). The worker must be idle.
    func start(_ passes: [SearchPlan.Pass], in image: GrayImage, frameIndex: Int, adjustThreshold: Double) {
        precondition(pendingFrame == nil, "the detection worker is busy")
        pendingFrame = frameIndex
        queue.async(group: group) { [self] in
            do throws(AnalysisError) {
                var found: [FaceDetection] = []
                for pass in passes {
                    SearchPlan.merge(try pass.detect(in: image, with: detector, adjustThreshold: adjustThreshold), into: &found)
                }
                outcome = .success(found)
            } catch {
                outcome = .failure(error)
            }
        }
    }

    /// Waits for the job and returns its detections (rethrowing its failure); the worker is then idle.
    func collect() throws(AnalysisError) -> [FaceDetection] {
        group.wait()
        pendingFrame = nil
        return try outcome.get()
    }

    /// Waits for a job still running and drops its result.
    func discard() {
        guard pendingFrame != nil else { return }
        group.wait()
        pendingFrame = nil
    }

    deinit { group.wait() }
}

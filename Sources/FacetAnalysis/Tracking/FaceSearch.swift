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

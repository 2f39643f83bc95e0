import FacetSDK

// Box and landmark geometry used by the tracker.

extension FaceBox {
    /// Intersection over union with `other` (0 when they do not overlap).
    func intersectionOverUnion(_ other: FaceBox) -> Float {
        let overlap = intersectionArea(other)
        guard overlap > 0 else { return 0 }
        return overlap / (area + other.area - overlap)
    }

    /// Whether this box's centre is within `tolerance` × `other`'s width of `other`'s centre and
    /// its width and height within that fraction of `other`'s.
    func isWithin(_ tolerance: Float, of other: FaceBox) -> Bool {
        let reach = tolerance * other.width
        return abs(center.x - other.center.x) <= reach && abs(center.y - other.center.y) <= reach
            && abs(width - other.width) <= reach && abs(height - other.height) <= tolerance * other.height
    }

    /// The area both boxes cover.
    func intersectionArea(_ other: FaceBox) -> Float {
        let width = min(x + width, other.x + other.width) - max(x, other.x)
        let height = min(y + height, other.y + other.height) - max(y, other.y)
        return width > 0 && height > 0 ? width * height : 0
    }

    /// The box scaled by `factor` about the origin (between image resolutions).
    func scaled(by factor: Float) -> FaceBox {
        FaceBox(x: x * factor, y: y * factor, width: width * factor, height: height * factor)
    }

    /// The fraction of the box's area inside a `width` x `height` image.
    func insideFraction(width imageWidth: Int, height imageHeight: Int) -> Float {
        guard area > 0 else { return 0 }
        return intersectionArea(FaceBox(x: 0, y: 0, width: Float(imageWidth), height: Float(imageHeight))) / area
    }

    /// The bounding box of some points.
    static func bounding(_ points: [Point2]) -> FaceBox {
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        for point in points {
            minX = min(minX, point.x)
            minY = min(minY, point.y)
            maxX = max(maxX, point.x)
            maxY = max(maxY, point.y)
        }
        return FaceBox(x: minX, y: minY, width: maxX - minX, height: maxY - minY)
    }
}

/// Where a face is and how big, from its landmarks: the centroid and RMS radius of the points
/// that move least with expression (brows, eyes, nose, mouth corners; 0-based iBUG indices).
/// Rotation-invariant; the jaw and lips are left out because they move with speech.
struct LandmarkPlacement: Equatable {
    /// Centroid of the stable points.
    var center: Point2
    /// RMS distance of the stable points from the centroid (pixels).
    var scale: Float

    /// iBUG indices of the stable points (brows 17–26, nose 27–35, eyes 36–47, mouth corners 48, 54).
    static let stableIndices: [Int] = Array(17...47) + [48, 54]

    init(_ landmarks: [Point2]) {
        var sumX: Float = 0, sumY: Float = 0
        for index in Self.stableIndices {
            sumX += landmarks[index].x
            sumY += landmarks[index].y
        }
        let count = Float(Self.stableIndices.count)
        center = Point2(x: sumX / count, y: sumY / count)
        var squares: Float = 0
        for index in Self.stableIndices {
            let dx = landmarks[index].x - center.x, dy = landmarks[index].y - center.y
            squares += dx * dx + dy * dy
        }
        scale = max((squares / count).squareRoot(), 1e-3)
    }
}

/// The box the landmark model expects around a face, derived from its landmarks.
///
/// dlib's 68-point model was trained on faces framed by dlib's HOG detector, and its mean shape
/// (`LandmarkPredictor.meanShape`, in the box's normalised coordinates) records how those boxes
/// sat on the faces. The convention's box for some landmarks is the square the mean shape must be
/// placed in, by the similarity (position, size, in-plane rotation) that best fits its stable
/// points (brows, eyes, nose, mouth corners) to the landmarks' stable points; the box stays
/// upright, centred where the rotated mean box's centre lands.
///
/// Following a face by predicting its landmarks in the box of its previous landmarks is then a
/// fixed-point iteration of the model's own convention: on repeated pictures it settles on one
/// box within a step or two and stays there, whatever box the detector first gave (detector boxes
/// come in sizes 20% apart, the steps of its image pyramid), and the landmarks a face gets do not
/// depend on the scale the picture was found at.
struct FaceBoxConvention: Equatable {
    /// The mean shape's stable points, centred on their centroid (box units).
    private let centred: [Point2]
    /// Sum of the squared norms of `centred`.
    private let norm: Float
    /// The unit box's centre relative to the stable points' centroid (box units).
    private let centreOffset: Point2

    /// The convention of a landmark model, from its mean shape (68 points, box-normalised).
    init(meanShape: [Point2]) {
        precondition(meanShape.count == 68, "the box convention needs a 68-point mean shape")
        let placement = LandmarkPlacement(meanShape)
        centred = LandmarkPlacement.stableIndices.map {
            Point2(x: meanShape[$0].x - placement.center.x, y: meanShape[$0].y - placement.center.y)
        }
        norm = max(centred.reduce(0) { $0 + $1.x * $1.x + $1.y * $1.y }, 1e-9)
        centreOffset = Point2(x: 0.5 - placement.center.x, y: 0.5 - placement.center.y)
    }

    /// The box the model expects for a face with these landmarks (68 points, pixels).
    func box(for landmarks: [Point2]) -> FaceBox {
        let placement = LandmarkPlacement(landmarks)
        // Least-squares similarity from the mean shape's stable points to the landmarks': a + ib.
        var a: Float = 0, b: Float = 0
        for (reference, index) in zip(centred, LandmarkPlacement.stableIndices) {
            let u = landmarks[index].x - placement.center.x, v = landmarks[index].y - placement.center.y
            a += reference.x * u + reference.y * v
            b += reference.x * v - reference.y * u
        }
        a /= norm
        b /= norm
        // `span` pixels from the box's first to its last pixel: the box is span + 1 pixels wide.
        let span = max((a * a + b * b).squareRoot(), 1)
        let centreX = placement.center.x + a * centreOffset.x - b * centreOffset.y
        let centreY = placement.center.y + b * centreOffset.x + a * centreOffset.y
        return FaceBox(x: centreX - span / 2, y: centreY - span / 2, width: span + 1, height: span + 1)
    }
}

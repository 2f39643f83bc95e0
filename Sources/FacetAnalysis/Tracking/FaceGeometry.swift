import FacetSDK

// Box and landmark geometry used by the tracker.

extension FaceBox {
    /// Intersection over union with `other` (0 when they do not overlap).
    func intersectionOverUnion(_ other: FaceBox) -> Float {
        let overlap = intersectionArea(other)
        guard overlap > 0 else { return 0 }
        return overlap / (area + other.area - overlap)
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

/// How a track's detector box sits relative to its landmarks' `LandmarkPlacement` (offset of the box
/// centre and box size, in units of the frame's scale). Learnt from the detections that match
/// the track, so following a face from its landmarks gives the predictor the kind of box it was
/// trained with.
struct BoxCalibration: Equatable {
    var offsetX: Float
    var offsetY: Float
    var width: Float
    var height: Float

    /// The calibration that turns `landmarks` into exactly `box`.
    init(box: FaceBox, landmarks: [Point2]) {
        let frame = LandmarkPlacement(landmarks)
        offsetX = (box.center.x - frame.center.x) / frame.scale
        offsetY = (box.center.y - frame.center.y) / frame.scale
        width = box.width / frame.scale
        height = box.height / frame.scale
    }

    /// Moves this calibration a fraction `weight` of the way towards `other`.
    mutating func blend(towards other: BoxCalibration, weight: Float) {
        offsetX += weight * (other.offsetX - offsetX)
        offsetY += weight * (other.offsetY - offsetY)
        width += weight * (other.width - width)
        height += weight * (other.height - height)
    }

    /// The detector-style box for `landmarks`.
    func box(for landmarks: [Point2]) -> FaceBox {
        box(for: LandmarkPlacement(landmarks))
    }

    /// The detector-style box for a face frame.
    func box(for frame: LandmarkPlacement) -> FaceBox {
        let boxWidth = width * frame.scale, boxHeight = height * frame.scale
        return FaceBox(x: frame.center.x + offsetX * frame.scale - boxWidth / 2,
                       y: frame.center.y + offsetY * frame.scale - boxHeight / 2,
                       width: boxWidth, height: boxHeight)
    }
}

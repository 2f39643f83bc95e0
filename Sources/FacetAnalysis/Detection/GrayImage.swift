import CDlib
import FacetMedia
import FacetSDK
import Foundation

/// An 8-bit grayscale image: `height` rows of `width` bytes, top row first, no row padding.
///
/// What the face detector and the landmark predictor read. Made from a decoded frame's luma
/// (`init(_:)` with a `VideoFrame`: the Y plane, no colour conversion) or from RGB. The pixel
/// loops (luma, resampling) run in the optimised C shim.
public struct GrayImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` bytes, rows top to bottom.
    public var pixels: [UInt8]

    /// Creates an image from its pixels; throws `invalidArgument` when the count is not `width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(AnalysisError) {
        guard width > 0, height > 0 else {
            throw AnalysisError(.invalidArgument, "a gray image needs a positive size; got \(width)x\(height)")
        }
        guard pixels.count == width * height else {
            throw AnalysisError(
                .invalidArgument,
                "a \(width)x\(height) gray image needs \(width * height) bytes; got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one value (black by default).
    public init(width: Int, height: Int, value: UInt8 = 0) {
        precondition(width > 0 && height > 0, "GrayImage size must be positive, got \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: value, count: width * height)
    }

    /// The BT.601 luma of an RGB image (full range).
    public init(_ image: RGBImage) {
        var pixels = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                facet_gray_from_rgb(
                    source.baseAddress!, Int32(image.width), Int32(image.height),
                    Int32(image.rowStride), target.baseAddress!)
            }
        }
        self.width = image.width
        self.height = image.height
        self.pixels = pixels
    }

    /// A decoded frame's luma (its Y plane for YUV video; see `VideoFrame.luma()`).
    public init(_ frame: VideoFrame) throws(AnalysisError) {
        let luma: [UInt8]
        do {
            luma = try frame.luma()
        } catch {
            throw AnalysisError(.incompatible, "frame \(frame.index) has no usable luma", cause: error)
        }
        try self.init(width: frame.width, height: frame.height, pixels: luma)
    }

    /// The pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// The image shrunk by an integer `factor` in both directions by averaging `factor` x
    /// `factor` blocks (the size is rounded to the nearest pixel, at least 1). Factor 1: itself.
    public func downscaled(by factor: Int) -> GrayImage {
        precondition(factor >= 1, "the downscale factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let newWidth = max(1, Int((Double(width) / Double(factor)).rounded()))
        let newHeight = max(1, Int((Double(height) / Double(factor)).rounded()))
        return resampled(width: newWidth, height: newHeight)
    }

    /// The image scaled to `targetWidth` pixels wide, keeping the aspect ratio, by area
    /// averaging (exact for any ratio). A target at or above the current width returns itself.
    public func downscaled(toWidth targetWidth: Int) -> GrayImage {
        precondition(targetWidth >= 1, "the target width must be at least 1, got \(targetWidth)")
        if targetWidth >= width { return self }
        let newHeight = max(1, Int((Double(height) * Double(targetWidth) / Double(width)).rounded()))
        return resampled(width: targetWidth, height: newHeight)
    }

    /// The whole image resampled to `width` x `height`: area averaging along an axis that shrinks,
    /// linear interpolation along one that grows.
    public func resampled(width newWidth: Int, height newHeight: Int) -> GrayImage {
        cropped(x: 0, y: 0, width: width, height: height, resampledTo: (newWidth, newHeight))
    }

    /// The rectangle (`x`, `y`, `width`, `height`) clipped to the image, or nil when nothing of
    /// it is inside.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> GrayImage? {
        let left = max(0, x), top = max(0, y)
        let right = min(width, x + cropWidth), bottom = min(height, y + cropHeight)
        guard right > left, bottom > top else { return nil }
        return cropped(
            x: left, y: top, width: right - left, height: bottom - top,
            resampledTo: (right - left, bottom - top))
    }

    /// The rectangle (inside the image) resampled to `size`.
    private func cropped(
        x: Int, y: Int, width cropWidth: Int, height cropHeight: Int,
        resampledTo size: (width: Int, height: Int)
    ) -> GrayImage {
        precondition(size.width > 0 && size.height > 0, "resampled size must be positive")
        var result = GrayImage(width: size.width, height: size.height)
        let status = pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                facet_gray_resample_area(
                    source.baseAddress!, Int32(width), Int32(height), Int32(width),
                    Int32(x), Int32(y), Int32(cropWidth), Int32(cropHeight),
                    target.baseAddress!, Int32(size.width), Int32(size.height))
            }
        }
        precondition(status == 0, "resampling \(cropWidth)x\(cropHeight) at (\(x), \(y)) of a \(width)x\(height) image failed")
        return result
    }

    /// The image rotated by `angle` radians about its centre (counter-clockwise on screen), on a
    /// canvas just large enough to hold all of it; the corners outside the picture repeat its
    /// nearest edge pixels. A point (x, y) of this image lands at `rotatedPoint(x, y, angle)`.
    public func rotated(by angle: Float) -> GrayImage {
        let (newWidth, newHeight) = Self.rotatedSize(width: width, height: height, angle: angle)
        var result = GrayImage(width: newWidth, height: newHeight)
        let status = pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                facet_gray_rotate(
                    source.baseAddress!, Int32(width), Int32(height), Int32(width), Double(angle),
                    target.baseAddress!, Int32(newWidth), Int32(newHeight))
            }
        }
        precondition(status == 0, "rotating a \(width)x\(height) image by \(angle) failed")
        return result
    }

    /// The canvas size `rotated(by:)` makes for a `width` x `height` image.
    static func rotatedSize(width: Int, height: Int, angle: Float) -> (width: Int, height: Int) {
        let c = abs(cos(Double(angle))), s = abs(sin(Double(angle)))
        return (
            max(1, Int((Double(width) * c + Double(height) * s).rounded(.up))),
            max(1, Int((Double(width) * s + Double(height) * c).rounded(.up)))
        )
    }

    /// Where the point (`x`, `y`) of a `width` x `height` image lands in `rotated(by: angle)`, or
    /// (with `inverse`) where a point of the rotated canvas came from.
    static func rotatedPoint(_ point: Point2, width: Int, height: Int, angle: Float, inverse: Bool = false) -> Point2 {
        let canvas = rotatedSize(width: width, height: height, angle: angle)
        let (from, to) = inverse ? ((canvas.width, canvas.height), (width, height)) : ((width, height), (canvas.width, canvas.height))
        let a = Double(inverse ? -angle : angle)
        let dx = Double(point.x) - 0.5 * Double(from.0 - 1), dy = Double(point.y) - 0.5 * Double(from.1 - 1)
        let x = dx * cos(a) + dy * sin(a), y = -dx * sin(a) + dy * cos(a)
        return Point2(x: Float(x + 0.5 * Double(to.0 - 1)), y: Float(y + 0.5 * Double(to.1 - 1)))
    }

    /// Mean and standard deviation of the pixels sampled on a `samples` x `samples` grid over
    /// `box` (clipped to the image; zeros when the box is outside).
    func gridStatistics(in box: FaceBox, samples: Int = 16) -> (mean: Float, deviation: Float) {
        var mean: Float = 0, deviation: Float = 0
        pixels.withUnsafeBufferPointer { source in
            facet_gray_grid_statistics(
                source.baseAddress!, Int32(width), Int32(height), Int32(width),
                Int32(box.x.rounded(.down)), Int32(box.y.rounded(.down)),
                Int32(box.width.rounded(.up)), Int32(box.height.rounded(.up)),
                Int32(samples), &mean, &deviation)
        }
        return (mean, deviation)
    }

    /// The gray levels at the centres of a `side` × `side` grid over `box` (nearest pixel,
    /// clamped to the image): a cheap fingerprint of what the box shows.
    func gridSamples(in box: FaceBox, side: Int = 24) -> [UInt8] {
        var samples = [UInt8](repeating: 0, count: side * side)
        for row in 0..<side {
            let y = min(max(Int(box.y + (Float(row) + 0.5) * box.height / Float(side)), 0), height - 1)
            for column in 0..<side {
                let x = min(max(Int(box.x + (Float(column) + 0.5) * box.width / Float(side)), 0), width - 1)
                samples[row * side + column] = pixels[y * width + x]
            }
        }
        return samples
    }
}

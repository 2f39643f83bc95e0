import CFFmpeg

/// A decoded video frame.
///
/// Holds the decoder's picture and converts it to RGB only when `rgb` is first read (then
/// cached). If `replaceImage(_:)` is never called, `VideoWriter` encodes the decoded picture
/// itself, without an RGB round trip: pass-through is fast and loses nothing beyond the codec.
/// A frame belongs to one thread at a time; it is not `Sendable`.
public final class VideoFrame {
    /// 0-based position in decode (presentation) order.
    public let index: Int
    /// Presentation time in seconds from the stream start: `(pts - start) * timeBase`.
    public let time: Double
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Whether the decoder flagged this picture as damaged (concealed errors).
    public let isDamaged: Bool

    /// The decoded picture.
    let picture: Frame
    /// The presentation timestamp in `timeBase` units, as decoded.
    let pts: Int64
    /// The stream start in `timeBase` units (subtracted so outputs start at 0).
    let startPTS: Int64
    /// The unit of `pts`.
    let timeBase: AVRational
    /// The reader's converter, shared by its frames (used on the consumer's thread only).
    private let scaler: Scaler
    var cachedRGB: RGBImage?
    /// The image set by `replaceImage(_:)`.
    private(set) var replacement: RGBImage?

    init(
        index: Int, picture: Frame, pts: Int64, startPTS: Int64, timeBase: AVRational,
        isDamaged: Bool, scaler: Scaler
    ) {
        self.index = index
        self.picture = picture
        self.pts = pts
        self.startPTS = startPTS
        self.timeBase = timeBase
        self.time = Double(pts - startPTS) * av_q2d(timeBase)
        self.width = picture.width
        self.height = picture.height
        self.isDamaged = isDamaged
        self.scaler = scaler
    }

    /// The picture as packed RGB: the replacement if one was set, else the decoded picture
    /// converted once (colour matrix and range from the frame's tags; BT.601 when untagged).
    /// Throws when the decoded pixel format cannot be converted.
    public var rgb: RGBImage {
        get throws(MediaError) {
            if let replacement { return replacement }
            if let cachedRGB { return cachedRGB }
            let image = try convertToRGB()
            cachedRGB = image
            return image
        }
    }

    /// Replaces the picture; the writer then encodes this image instead of the decoded one.
    /// The image must have the frame's size (the writer rejects other sizes).
    public func replaceImage(_ image: RGBImage) {
        replacement = image
        cachedRGB = nil
    }

    /// Whether `replaceImage(_:)` was called.
    public var isModified: Bool { replacement != nil }

    /// The frame's pixel format name as decoded (`yuv420p`).
    public var pixelFormat: String { pixelFormatName(picture.format) }

    private func convertToRGB() throws(MediaError) -> RGBImage {
        let frame = picture.pointer
        let format = picture.format
        let context = try scaler.context(
            srcW: frame.pointee.width, srcH: frame.pointee.height, srcFormat: format,
            srcSpace: frame.pointee.colorspace,
            srcFull: frame.pointee.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(format),
            dstW: frame.pointee.width, dstH: frame.pointee.height, dstFormat: AV_PIX_FMT_RGB24,
            dstSpace: AVCOL_SPC_RGB, dstFull: true)
        var image = RGBImage(width: width, height: height)
        let stride = Int32(image.rowStride)
        let rows = image.pixels.withUnsafeMutableBufferPointer { buffer in
            facet_sws_scale_to_packed(context, frame, buffer.baseAddress, stride)
        }
        if rows != Int32(height) {
            throw MediaError(
                .decodeFailed,
                "converting frame \(index) from \(pixelFormat) to RGB produced \(rows) rows; expected \(height)")
        }
        return image
    }
}

// MARK: - Frames made in memory

extension VideoFrame {
    /// A frame holding `image` (packed RGB, 8 bits), made in memory rather than decoded: for
    /// frame sources that read no file (generated input, tests). Renderers edit it like a decoded
    /// rgb24 picture, and a writer encodes it like one.
    public convenience init(index: Int, time: Double, image: RGBImage) {
        let picture = Frame()
        let pointer = picture.pointer
        pointer.pointee.format = AV_PIX_FMT_RGB24.rawValue
        pointer.pointee.width = Int32(image.width)
        pointer.pointee.height = Int32(image.height)
        pointer.pointee.color_range = AVCOL_RANGE_JPEG
        guard av_frame_get_buffer(pointer, 0) >= 0, let base = pointer.pointee.data.0 else {
            fatalError("av_frame_get_buffer: out of memory for a \(image.width)x\(image.height) frame")
        }
        let lineSize = Int(pointer.pointee.linesize.0)
        image.pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<image.height {
                (base + row * lineSize).update(from: pixels.baseAddress! + row * image.rowStride, count: image.width * 3)
            }
        }
        let microseconds = AVRational(num: 1, den: 1_000_000)
        self.init(
            index: index, picture: picture, pts: Int64((time * 1_000_000).rounded()), startPTS: 0,
            timeBase: microseconds, isDamaged: false, scaler: Scaler())
    }
}

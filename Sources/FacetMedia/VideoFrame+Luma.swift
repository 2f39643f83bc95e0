import CFFmpeg

// Grayscale access to a decoded frame, for face analysis: the decoder's picture is YUV most of
// the time, and then its Y plane already is the grayscale image.

extension VideoFrame {
    /// The picture's luma as 8-bit full-range grayscale: `width * height` bytes, rows top to
    /// bottom, no padding.
    ///
    /// For 8-bit YUV and gray pictures (yuv420p, yuvj420p, nv12, yuv444p, gray, ...) this is
    /// the Y plane copied row by row; limited-range ("TV", 16–235) luma is stretched to 0–255
    /// through a table, so results do not depend on the range the video was tagged with. Other
    /// formats (RGB, packed YUV such as yuyv422, more than 8 bits) go through `rgb` and BT.601
    /// luma weights. A replaced image (`replaceImage(_:)`) is what this returns when set.
    /// Throws when the picture cannot be converted.
    public func luma() throws(MediaError) -> [UInt8] {
        if isModified { return Self.luma(of: try rgb) }
        let frame = picture.pointer
        let format = picture.format
        guard let plane = frame.pointee.data.0, Self.hasEightBitLumaPlane(format) else {
            return Self.luma(of: try rgb)
        }
        let rowStride = Int(frame.pointee.linesize.0)
        guard rowStride >= width else { return Self.luma(of: try rgb) }  // negative (flipped) strides
        var pixels = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeMutableBufferPointer { target in
            for row in 0..<height {
                (target.baseAddress! + row * width).update(from: plane + row * rowStride, count: width)
            }
        }
        if !isFullRangeLuma(format) {
            pixels.withUnsafeMutableBufferPointer { target in
                Self.limitedToFullRange.withUnsafeBufferPointer { table in
                    for offset in 0..<target.count { target[offset] = table[Int(target[offset])] }
                }
            }
        }
        return pixels
    }

    /// Whether plane 0 holds 8-bit luma, one byte per pixel (planar or semi-planar YUV, gray).
    private static func hasEightBitLumaPlane(_ format: AVPixelFormat) -> Bool {
        guard let descriptor = av_pix_fmt_desc_get(format) else { return false }
        let flags = descriptor.pointee.flags
        let excluded =
            UInt64(AV_PIX_FMT_FLAG_RGB) | UInt64(AV_PIX_FMT_FLAG_PAL) | UInt64(AV_PIX_FMT_FLAG_BITSTREAM)
            | UInt64(AV_PIX_FMT_FLAG_HWACCEL) | UInt64(AV_PIX_FMT_FLAG_BE) | UInt64(AV_PIX_FMT_FLAG_FLOAT)
        guard flags & excluded == 0, descriptor.pointee.nb_components >= 1 else { return false }
        let luma = descriptor.pointee.comp.0
        return luma.plane == 0 && luma.step == 1 && luma.depth == 8 && luma.shift == 0 && luma.offset == 0
    }

    /// Whether the luma of this picture spans 0–255: J formats, frames tagged full range, and
    /// gray formats (which have no chroma and are full range by convention).
    private func isFullRangeLuma(_ format: AVPixelFormat) -> Bool {
        if picture.pointer.pointee.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(format) { return true }
        guard let descriptor = av_pix_fmt_desc_get(format) else { return false }
        return descriptor.pointee.nb_components <= 2 && picture.pointer.pointee.color_range != AVCOL_RANGE_MPEG
    }

    /// Limited-range luma (16–235) to full range (0–255), clamped.
    private static let limitedToFullRange: [UInt8] = (0..<256).map { value in
        let scaled = (Double(value) - 16) * 255 / 219
        return UInt8(max(0, min(255, scaled.rounded())))
    }

    /// BT.601 luma of a packed RGB image.
    private static func luma(of image: RGBImage) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for offset in 0..<target.count {
                    // 0.299 R + 0.587 G + 0.114 B in 8.8 fixed point, rounded.
                    let red = UInt32(source[3 * offset]), green = UInt32(source[3 * offset + 1])
                    let blue = UInt32(source[3 * offset + 2])
                    target[offset] = UInt8((77 * red + 150 * green + 29 * blue + 128) >> 8)
                }
            }
        }
        return pixels
    }
}

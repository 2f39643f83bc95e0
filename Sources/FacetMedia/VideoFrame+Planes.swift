import CFFmpeg

// In-place pixel access for renderers that change only part of a frame.
//
// Converting a whole frame to RGB and back rounds every pixel (YUV → RGB → YUV is not exact),
// so a renderer that edits a face would also touch the background. Editing the decoded picture's
// own planes keeps every pixel it does not write bit-identical, and costs no conversion.

/// One channel of a picture in memory: 8-bit samples, possibly interleaved with other channels.
///
/// Sample `(x, y)` (in this channel's own resolution) is at `base + y * rowStride + x * pixelStep`.
/// The pointer is valid only inside the `withWritablePlanes` call that produced it.
public struct PixelPlane {
    /// What the samples mean.
    public enum Channel: Sendable, Equatable {
        /// Luma (Y').
        case luma
        /// Blue-difference chroma (Cb).
        case chromaBlue
        /// Red-difference chroma (Cr).
        case chromaRed
        /// Red.
        case red
        /// Green.
        case green
        /// Blue.
        case blue
    }

    /// The first sample.
    public let base: UnsafeMutablePointer<UInt8>
    /// Bytes from one row to the next.
    public let rowStride: Int
    /// Bytes from one sample to the next in a row (1 planar, 3 or 4 packed).
    public let pixelStep: Int
    /// Samples per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// log2 of the horizontal subsampling against the frame (1 for 4:2:0 and 4:2:2 chroma).
    public let shiftX: Int
    /// log2 of the vertical subsampling against the frame (1 for 4:2:0 chroma).
    public let shiftY: Int
    /// What the samples mean.
    public let channel: Channel

    /// Creates a plane description.
    public init(
        base: UnsafeMutablePointer<UInt8>, rowStride: Int, pixelStep: Int, width: Int, height: Int,
        shiftX: Int, shiftY: Int, channel: Channel
    ) {
        self.base = base
        self.rowStride = rowStride
        self.pixelStep = pixelStep
        self.width = width
        self.height = height
        self.shiftX = shiftX
        self.shiftY = shiftY
        self.channel = channel
    }

    /// The sample at `(x, y)` in this plane's resolution (no bounds check).
    @inline(__always)
    public subscript(x: Int, y: Int) -> UInt8 {
        get { base[y * rowStride + x * pixelStep] }
        nonmutating set { base[y * rowStride + x * pixelStep] = newValue }
    }
}

/// The YCbCr matrix that relates a picture's samples to RGB.
public enum ColorMatrix: Sendable, Equatable {
    /// ITU-R BT.601 (standard definition, JPEG, untagged video).
    case bt601
    /// ITU-R BT.709 (HD video).
    case bt709
}

/// All channels of a picture, writable in place, with what is needed to write a colour into them.
public struct WritablePicture {
    /// The channels: Y, Cb, Cr for YUV pictures; R, G, B for RGB ones.
    public let planes: [PixelPlane]
    /// The YCbCr matrix (meaningful for YUV pictures).
    public let matrix: ColorMatrix
    /// Whether YUV samples span 0–255 (JPEG range) rather than 16–235/240.
    public let isFullRange: Bool
    /// The frame's width in pixels.
    public let width: Int
    /// The frame's height in pixels.
    public let height: Int

    /// Creates a picture description.
    public init(planes: [PixelPlane], matrix: ColorMatrix, isFullRange: Bool, width: Int, height: Int) {
        self.planes = planes
        self.matrix = matrix
        self.isFullRange = isFullRange
        self.width = width
        self.height = height
    }

    /// The sample values that represent an sRGB colour (components 0…255) in each plane, in
    /// `planes` order.
    public func samples(red: Float, green: Float, blue: Float) -> [UInt8] {
        planes.map { plane in
            let value: Float
            switch plane.channel {
            case .red: value = red
            case .green: value = green
            case .blue: value = blue
            case .luma, .chromaBlue, .chromaRed:
                value = Self.ycbcr(
                    red: red, green: green, blue: blue, channel: plane.channel,
                    matrix: matrix, fullRange: isFullRange)
            }
            return UInt8(max(0, min(255, value.rounded())))
        }
    }

    /// Converts sample values (in `planes` order) back to sRGB components 0…255.
    public func rgb(samples: [Float]) -> (red: Float, green: Float, blue: Float) {
        var y: Float = 0, cb: Float = 128, cr: Float = 128
        var red: Float = 0, green: Float = 0, blue: Float = 0
        var isRGB = false
        for (plane, value) in zip(planes, samples) {
            switch plane.channel {
            case .luma: y = value
            case .chromaBlue: cb = value
            case .chromaRed: cr = value
            case .red: red = value; isRGB = true
            case .green: green = value; isRGB = true
            case .blue: blue = value; isRGB = true
            }
        }
        if isRGB { return (red, green, blue) }
        let (kr, kb) = Self.weights(matrix)
        let kg = 1 - kr - kb
        let luma = isFullRange ? y : (y - 16) * 255 / 219
        let pb = (cb - 128) * (isFullRange ? 1 : 255 / 224)
        let pr = (cr - 128) * (isFullRange ? 1 : 255 / 224)
        red = luma + 2 * (1 - kr) * pr
        blue = luma + 2 * (1 - kb) * pb
        green = (luma - kr * red - kb * blue) / kg
        return (red, green, blue)
    }

    private static func weights(_ matrix: ColorMatrix) -> (kr: Float, kb: Float) {
        switch matrix {
        case .bt601: return (0.299, 0.114)
        case .bt709: return (0.2126, 0.0722)
        }
    }

    private static func ycbcr(
        red: Float, green: Float, blue: Float, channel: PixelPlane.Channel,
        matrix: ColorMatrix, fullRange: Bool
    ) -> Float {
        let (kr, kb) = weights(matrix)
        let luma = kr * red + (1 - kr - kb) * green + kb * blue
        switch channel {
        case .luma: return fullRange ? luma : 16 + luma * 219 / 255
        case .chromaBlue:
            let pb = (blue - luma) / (2 * (1 - kb))
            return 128 + pb * (fullRange ? 1 : 224 / 255)
        default:
            let pr = (red - luma) / (2 * (1 - kr))
            return 128 + pr * (fullRange ? 1 : 224 / 255)
        }
    }
}

extension VideoFrame {
    /// Gives `body` the frame's own pixels to change in place; what it does not write stays
    /// bit-identical in the encoded output.
    ///
    /// The decoder's buffer is first made private to this frame (`av_frame_make_writable`), so
    /// writing never disturbs frames the decoder still references. Planar 8-bit YUV (4:2:0, 4:2:2,
    /// 4:4:4, limited or full range) and packed 8-bit RGB (rgb24, bgr24, rgba, bgra, argb, abgr)
    /// are exposed directly; any other format — or a frame whose image was replaced — is edited
    /// through its RGB image, which then replaces the picture.
    public func withWritablePlanes<Result>(_ body: (WritablePicture) throws -> Result) throws -> Result {
        if !isModified, let direct = try directPlanes() {
            cachedRGB = nil
            return try body(direct)
        }
        var image = try rgb
        let rowStride = image.rowStride
        let result = try image.pixels.withUnsafeMutableBufferPointer { buffer in
            try body(
                Self.packedPicture(
                    base: buffer.baseAddress!, rowStride: rowStride, step: 3,
                    offsets: (0, 1, 2), width: width, height: height))
        }
        replaceImage(image)
        return result
    }

    /// The decoded picture's planes, made writable; nil when the format needs the RGB route.
    private func directPlanes() throws(MediaError) -> WritablePicture? {
        let format = picture.format
        let packedOffsets: [AVPixelFormat: (Int, Int, Int, Int)] = [
            AV_PIX_FMT_RGB24: (0, 1, 2, 3), AV_PIX_FMT_BGR24: (2, 1, 0, 3),
            AV_PIX_FMT_RGBA: (0, 1, 2, 4), AV_PIX_FMT_BGRA: (2, 1, 0, 4),
            AV_PIX_FMT_ARGB: (1, 2, 3, 4), AV_PIX_FMT_ABGR: (3, 2, 1, 4),
        ]
        let planarShifts: [AVPixelFormat: (Int, Int)] = [
            AV_PIX_FMT_YUV420P: (1, 1), AV_PIX_FMT_YUVJ420P: (1, 1),
            AV_PIX_FMT_YUV422P: (1, 0), AV_PIX_FMT_YUVJ422P: (1, 0),
            AV_PIX_FMT_YUV444P: (0, 0), AV_PIX_FMT_YUVJ444P: (0, 0),
        ]
        guard packedOffsets[format] != nil || planarShifts[format] != nil else { return nil }
        let frame = picture.pointer
        guard av_frame_make_writable(frame) >= 0 else {
            throw MediaError(.decodeFailed, "frame \(index): could not make the decoded picture writable (out of memory?)")
        }
        let lineSizes = [Int(frame.pointee.linesize.0), Int(frame.pointee.linesize.1), Int(frame.pointee.linesize.2)]
        if let offsets = packedOffsets[format], let base = frame.pointee.data.0, lineSizes[0] > 0 {
            return Self.packedPicture(
                base: base, rowStride: lineSizes[0], step: offsets.3,
                offsets: (offsets.0, offsets.1, offsets.2), width: width, height: height)
        }
        guard let (shiftX, shiftY) = planarShifts[format], let luma = frame.pointee.data.0,
            let cb = frame.pointee.data.1, let cr = frame.pointee.data.2, lineSizes.allSatisfy({ $0 > 0 })
        else {
            return nil
        }
        let chromaWidth = (width + (1 << shiftX) - 1) >> shiftX
        let chromaHeight = (height + (1 << shiftY) - 1) >> shiftY
        let planes = [
            PixelPlane(
                base: luma, rowStride: lineSizes[0], pixelStep: 1, width: width, height: height,
                shiftX: 0, shiftY: 0, channel: .luma),
            PixelPlane(
                base: cb, rowStride: lineSizes[1], pixelStep: 1, width: chromaWidth, height: chromaHeight,
                shiftX: shiftX, shiftY: shiftY, channel: .chromaBlue),
            PixelPlane(
                base: cr, rowStride: lineSizes[2], pixelStep: 1, width: chromaWidth, height: chromaHeight,
                shiftX: shiftX, shiftY: shiftY, channel: .chromaRed),
        ]
        let isFull = frame.pointee.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(format)
        let space = frame.pointee.colorspace
        let matrix: ColorMatrix = space == AVCOL_SPC_BT709 ? .bt709 : .bt601
        return WritablePicture(planes: planes, matrix: matrix, isFullRange: isFull, width: width, height: height)
    }

    private static func packedPicture(
        base: UnsafeMutablePointer<UInt8>, rowStride: Int, step: Int,
        offsets: (Int, Int, Int), width: Int, height: Int
    ) -> WritablePicture {
        let channels: [(Int, PixelPlane.Channel)] = [(offsets.0, .red), (offsets.1, .green), (offsets.2, .blue)]
        let planes = channels.map { offset, channel in
            PixelPlane(
                base: base + offset, rowStride: rowStride, pixelStep: step, width: width, height: height,
                shiftX: 0, shiftY: 0, channel: channel)
        }
        return WritablePicture(planes: planes, matrix: .bt601, isFullRange: true, width: width, height: height)
    }
}

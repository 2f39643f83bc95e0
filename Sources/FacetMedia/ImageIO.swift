import CFFmpeg
import Foundation

/// Reads and writes single pictures (PNG, JPEG, ... in; PNG out) through FFmpeg's codecs.
public enum ImageIO {
    /// Decodes the picture in `url` (any image FFmpeg reads; for a video, its first frame).
    public static func readImage(_ url: URL) throws(MediaError) -> RGBImage {
        let reader = try VideoReader(url: url)
        guard let frame = try reader.nextFrame() else {
            throw MediaError(.decodeFailed, "\(url.path) decoded to no picture; expected an image", path: url.path)
        }
        return try frame.rgb
    }

    /// Encodes `image` as an RGB PNG at `url` (written to a temporary file, then renamed).
    public static func writePNG(_ image: RGBImage, to url: URL) throws(MediaError) {
        _ = MediaLog.configured
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw MediaError(.unsupported, "this FFmpeg build has no PNG encoder", path: url.path)
        }
        let encoder = CodecContext(codec)
        let context = encoder.pointer
        context.pointee.width = Int32(image.width)
        context.pointee.height = Int32(image.height)
        context.pointee.pix_fmt = AV_PIX_FMT_RGB24
        context.pointee.time_base = AVRational(num: 1, den: 25)
        try check(
            avcodec_open2(context, codec, nil),
            "open the PNG encoder for \(image.width)x\(image.height)", code: .encodeFailed, path: url.path)

        let frame = Frame()
        frame.pointer.pointee.width = Int32(image.width)
        frame.pointer.pointee.height = Int32(image.height)
        frame.pointer.pointee.format = AV_PIX_FMT_RGB24.rawValue
        try check(av_frame_get_buffer(frame.pointer, 0), "allocate a picture", code: .encodeFailed)
        let stride = Int(frame.pointer.pointee.linesize.0)
        if let destination = frame.pointer.pointee.data.0 {
            image.pixels.withUnsafeBufferPointer { source in
                for row in 0..<image.height {
                    (destination + row * stride).update(
                        from: source.baseAddress! + row * image.rowStride,
                        count: image.rowStride)
                }
            }
        }
        frame.pointer.pointee.pts = 0
        try check(avcodec_send_frame(context, frame.pointer), "encode a PNG", code: .encodeFailed, path: url.path)
        avcodec_send_frame(context, nil)
        let packet = Packet()
        var bytes = Data()
        while avcodec_receive_packet(context, packet.pointer) >= 0 {
            bytes.append(packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
            packet.unref()
        }
        guard !bytes.isEmpty else {
            throw MediaError(
                .encodeFailed, "the PNG encoder produced no data for \(image.width)x\(image.height)",
                path: url.path)
        }
        do {
            try bytes.write(to: url, options: .atomic)
        } catch {
            let directory = url.deletingLastPathComponent().path
            throw MediaError(
                .outputNotWritable,
                "could not write \(url.path); expected a writable directory \(directory)",
                path: url.path, cause: error)
        }
    }
}

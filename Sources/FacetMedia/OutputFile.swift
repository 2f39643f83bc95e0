import CFFmpeg
import Foundation

/// An output container being written to a hidden temporary file next to the final path, and
/// renamed onto it only by `commit()`. `abort()` (or deinit without commit) deletes it.
final class OutputFile {
    let context: UnsafeMutablePointer<AVFormatContext>
    let finalURL: URL
    let temporaryURL: URL
    private var closed = false

    /// The accepted extensions and the muxer each selects.
    static let muxers: KeyValuePairs<String, String> = [
        "mp4": "mp4", "m4v": "mp4", "mov": "mov", "mkv": "matroska",
    ]

    /// The muxer for an output path; throws `unsupported` listing the accepted extensions.
    static func muxerName(for url: URL) throws(MediaError) -> String {
        let ext = url.pathExtension.lowercased()
        if let name = muxers.first(where: { $0.key == ext })?.value { return name }
        let accepted = muxers.map { "." + $0.key }.joined(separator: " ")
        throw MediaError(
            .unsupported,
            "cannot write '\(ext.isEmpty ? "(no extension)" : "." + ext)' files; the output extension must be one of \(accepted)",
            path: url.path)
    }

    /// Checks the directory, creates the temporary file and the muxer context.
    init(url: URL) throws(MediaError) {
        _ = MediaLog.configured
        let muxer = try Self.muxerName(for: url)
        finalURL = url.standardizedFileURL
        temporaryURL = try Self.createTemporaryFile(beside: finalURL)
        TemporaryFiles.register(temporaryURL)

        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_alloc_output_context2(&context, nil, muxer, temporaryURL.path)
        guard status >= 0, let context else {
            unlink(temporaryURL.path)
            TemporaryFiles.unregister(temporaryURL)
            throw mediaError(status, "create the \(muxer) muxer", code: .unsupported, path: url.path)
        }
        self.context = context
    }

    deinit {
        abort()
        avformat_free_context(context)
    }

    /// Checks that `url` can be written — a known extension, an existing directory in which a
    /// file can be created — without leaving anything behind. Run before any long work.
    static func preflight(_ url: URL) throws(MediaError) {
        _ = try muxerName(for: url)
        let probe = try createTemporaryFile(beside: url.standardizedFileURL)
        unlink(probe.path)
    }

    /// Creates an empty hidden file next to `finalURL` (`.name.facet-partial-XXXX.ext`); the
    /// errors name the directory and say what was expected.
    private static func createTemporaryFile(beside finalURL: URL) throws(MediaError) -> URL {
        let directory = finalURL.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw MediaError(
                .outputNotWritable,
                "the output directory \(directory.path) does not exist (or is not a directory); expected an existing, writable directory",
                path: finalURL.path)
        }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let name = ".\(finalURL.deletingPathExtension().lastPathComponent).facet-partial-\(suffix).\(finalURL.pathExtension)"
        let temporaryURL = directory.appendingPathComponent(name)
        let descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw MediaError(
                .outputNotWritable,
                "cannot create files in the output directory \(directory.path) (\(reason)); expected a writable directory",
                path: finalURL.path)
        }
        close(descriptor)
        return temporaryURL
    }

    /// Whether the muxer wants codec headers out of band.
    var wantsGlobalHeader: Bool {
        context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0
    }

    /// Whether the container can hold a stream with `parameters` as is: `avformat_query_codec`
    /// says yes, and a trial muxer of the same format (writing to memory) initialises with it
    /// (catches e.g. Opus in MOV and FLAC in MP4, which the query accepts but the muxer refuses).
    func accepts(_ parameters: UnsafePointer<AVCodecParameters>) -> Bool {
        let format = context.pointee.oformat
        guard avformat_query_codec(format, parameters.pointee.codec_id, FACET_FF_COMPLIANCE_NORMAL) == 1 else {
            return false
        }
        var trial: UnsafeMutablePointer<AVFormatContext>? = nil
        guard avformat_alloc_output_context2(&trial, format, nil, nil) >= 0, let trial else { return false }
        defer {
            var buffer: UnsafeMutablePointer<UInt8>? = nil
            if trial.pointee.pb != nil { avio_close_dyn_buf(trial.pointee.pb, &buffer) }
            av_free(buffer)
            trial.pointee.pb = nil
            avformat_free_context(trial)
        }
        guard let stream = avformat_new_stream(trial, nil),
            avcodec_parameters_copy(stream.pointee.codecpar, parameters) >= 0
        else { return false }
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = AVRational(num: 1, den: max(1, parameters.pointee.sample_rate))
        guard avio_open_dyn_buf(&trial.pointee.pb) >= 0 else { return false }
        return avformat_init_output(trial, nil) >= 0
    }

    /// A new stream.
    func newStream() -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else {
            fatalError("avformat_new_stream: out of memory")
        }
        return stream
    }

    /// Opens the temporary file and writes the container header.
    func writeHeader() throws(MediaError) {
        try check(
            avio_open(&context.pointee.pb, temporaryURL.path, AVIO_FLAG_WRITE),
            "open \(temporaryURL.path) for writing", code: .outputNotWritable, path: finalURL.path)
        try check(
            avformat_write_header(context, nil),
            "write the \(String(cString: context.pointee.oformat.pointee.name)) header (are the streams' codecs accepted by this container?)",
            code: .encodeFailed, path: finalURL.path)
    }

    /// Writes one packet (interleaved by time); the packet is consumed.
    func write(_ packet: Packet) throws(MediaError) {
        try check(
            av_interleaved_write_frame(context, packet.pointer),
            "write a packet to \(temporaryURL.lastPathComponent)", code: .io, path: finalURL.path)
    }

    /// Writes the trailer, closes the file and renames it onto the final path.
    func commit() throws(MediaError) {
        try check(av_write_trailer(context), "write the container trailer", code: .io, path: finalURL.path)
        try closeFile()
        defer { TemporaryFiles.unregister(temporaryURL) }
        if rename(temporaryURL.path, finalURL.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryURL.path)
            throw MediaError(
                .outputNotWritable,
                "could not move the finished file onto \(finalURL.path) (\(reason))",
                path: finalURL.path)
        }
        closed = true
    }

    /// Closes and deletes the temporary file (nothing is left behind). Idempotent.
    func abort() {
        guard !closed else { return }
        closed = true
        try? closeFile()
        unlink(temporaryURL.path)
        TemporaryFiles.unregister(temporaryURL)
    }

    private func closeFile() throws(MediaError) {
        guard context.pointee.pb != nil else { return }
        let flushed = avio_closep(&context.pointee.pb)
        if flushed < 0 {
            throw mediaError(
                flushed, "could not finish writing \(temporaryURL.path)", code: .io,
                path: finalURL.path)
        }
    }
}

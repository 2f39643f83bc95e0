import FacetMedia
import Foundation
import XCTest

/// Inputs that are missing, not media, damaged, or not what a video needs.
final class BadInputTests: XCTestCase {
    func testMissingFile() throws {
        let path = try fixtures().directory.appendingPathComponent("no-such-video.mp4")
        let error = assertMediaError(.fileNotFound) { try VideoReader(url: path) }
        XCTAssertTrue(error?.message.contains(path.path) ?? false, "\(String(describing: error))")
        XCTAssertEqual(error?.path, path.path)
        assertMediaError(.fileNotFound) { try MediaProbe.probe(path) }
    }

    func testTextFileNamedMP4() throws {
        let fixtures = try fixtures()
        let url = fixtures.url("notes.mp4")
        try String(repeating: "this is not a video, just some text\n", count: 50)
            .write(to: url, atomically: true, encoding: .utf8)
        let error = assertMediaError(.notMedia) { try VideoReader(url: url) }
        XCTAssertTrue(error?.message.contains("not a media file") ?? false, "\(String(describing: error))")
        XCTAssertNotNil(error?.cause)
    }

    func testTruncatedFileDecodesAPrefix() throws {
        let fixtures = try fixtures()
        let full = fixtures.url("base.mkv")
        let data = try Data(contentsOf: full)
        let cut = fixtures.url("truncated.mkv")
        try data.prefix(data.count * 6 / 10).write(to: cut)
        let decoded = try DecodedVideo(cut, keepImages: false)
        XCTAssertGreaterThan(decoded.times.count, 10, "a prefix decodes")
        XCTAssertLessThan(decoded.times.count, 60, "but not the whole video")
        XCTAssertTrue(decoded.damage.endedEarly, "the early end is reported: \(decoded.damage)")
    }

    func testTruncatedMP4WithoutItsIndexIsExplained() throws {
        let fixtures = try fixtures()
        let data = try Data(contentsOf: fixtures.url("base.mp4"))
        // Without +faststart the index ('moov') is at the end: cutting the file loses it.
        let cut = fixtures.url("cut-index.mp4")
        try data.prefix(data.count / 2).write(to: cut)
        let error = assertMediaError(.notMedia) { try VideoReader(url: cut) }
        XCTAssertTrue(error?.message.contains("without its index") ?? false, "\(String(describing: error))")
        // A complete file, and a file that is not ISO media at all, are not described that way.
        XCTAssertNoThrow(try MediaProbe.probe(fixtures.url("base.mp4")))
        let text = fixtures.url("text.mp4")
        try Data("plain text, no boxes".utf8).write(to: text)
        let other = assertMediaError(.notMedia) { try VideoReader(url: text) }
        XCTAssertFalse(other?.message.contains("without its index") ?? true, "\(String(describing: other))")
    }

    func testCorruptBytesInTheMiddleAreSkippedAndReported() throws {
        let fixtures = try fixtures()
        var data = try Data(contentsOf: fixtures.url("intra.mkv"))
        // Overwrite 4 KiB in the middle with pseudo-random bytes (fixed seed).
        var state: UInt32 = 12345
        let start = data.count / 2
        for offset in start..<(start + 4096) {
            state = state &* 1_103_515_245 &+ 12345
            data[offset] = UInt8(truncatingIfNeeded: state >> 16)
        }
        let url = fixtures.url("corrupt.mkv")
        try data.write(to: url)
        let decoded = try DecodedVideo(url, keepImages: false)
        XCTAssertGreaterThan(decoded.times.count, 40, "decoding went on past the damage")
        XCTAssertFalse(decoded.damage.isEmpty, "damage is reported: \(decoded.damage)")
        XCTAssertFalse(decoded.damage.endedEarly)
        XCTAssertFalse(decoded.damage.messages.isEmpty)
        let firstError = try XCTUnwrap(decoded.damage.firstErrorTime)
        XCTAssertGreaterThan(firstError, 0.3)
        XCTAssertLessThan(firstError, 1.8)
    }

    func testAudioOnlyFile() throws {
        let url = try fixtures().url("audio.m4a")
        let error = assertMediaError(.noVideoStream) { try VideoReader(url: url) }
        XCTAssertTrue(error?.message.contains("audio aac") ?? false, "lists the streams: \(String(describing: error))")
        XCTAssertNil(try MediaProbe.probe(url).video)
    }

    func testNoFrameDecodableThrows() throws {
        let fixtures = try fixtures()
        // Keep the header and the first cluster's start, then garbage: no picture decodes.
        var data = try Data(contentsOf: fixtures.url("intra.mkv"))
        let headerEnd = try XCTUnwrap(data.range(of: Data([0x1F, 0x43, 0xB6, 0x75]))).lowerBound + 64
        for offset in headerEnd..<data.count { data[offset] = UInt8(truncatingIfNeeded: offset &* 131) }
        let url = fixtures.url("garbage.mkv")
        try data.write(to: url)
        let error = assertMediaError(.decodeFailed) {
            let reader = try VideoReader(url: url)
            while try reader.nextFrame() != nil {}
        }
        XCTAssertTrue(error?.message.contains("no frame") ?? false, "\(String(describing: error))")
    }
}

/// Outputs that cannot be written as asked.
final class WriterErrorTests: XCTestCase {
    func testAudioThatMP4CannotHoldIsTranscoded() throws {
        let fixtures = try fixtures()
        let input = fixtures.url("pcm.mkv")
        XCTAssertEqual(try MediaProbe.probe(input).audio?.codecName, "pcm_s16le")
        let output = try fixtures.scratch().appendingPathComponent("pcm.mp4")
        let report = try RoundTripTests.transcode(input, to: output)
        XCTAssertEqual(report.audio, .transcoded(from: "pcm_s16le", to: "aac"))
        XCTAssertTrue(report.warnings.contains { $0.contains("pcm_s16le") && $0.contains("AAC") }, "\(report.warnings)")
        let info = try MediaProbe.probe(output)
        XCTAssertEqual(info.audio?.codecName, "aac")
        XCTAssertEqual(info.audio?.sampleRate, 44100)
        let pcmIn = try AudioDecoder.decodePCM(url: input)
        let pcmOut = try AudioDecoder.decodePCM(url: output)
        XCTAssertEqual(
            Double(pcmOut.samples.count), Double(pcmIn.samples.count), accuracy: 0.025 * 16000,
            "audio length kept")
        XCTAssertEqual(pcmOut.startTime, 0, accuracy: 0.025)
        // Still a 440 Hz tone: correlate with the input over the middle second.
        let a = Array(pcmIn.samples[8000..<24000]), b = Array(pcmOut.samples[8000..<24000])
        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        let norms = sqrt(a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 })
        XCTAssertGreaterThan(dot / norms, 0.95, "transcoded audio matches the source")
    }

    func testOpusThatMOVRefusesIsTranscoded() throws {
        // avformat_query_codec accepts Opus for MOV but the muxer refuses it: the trial catches that.
        let fixtures = try fixtures()
        let input = fixtures.url("opus.mkv")
        let output = try fixtures.scratch().appendingPathComponent("opus.mov")
        let report = try RoundTripTests.transcode(input, to: output)
        XCTAssertEqual(report.audio, .transcoded(from: "opus", to: "aac"))
        XCTAssertEqual(try MediaProbe.probe(output).audio?.sampleRate, 48000)
        let pcmIn = try AudioDecoder.decodePCM(url: input)
        let pcmOut = try AudioDecoder.decodePCM(url: output)
        XCTAssertEqual(Double(pcmOut.samples.count), Double(pcmIn.samples.count), accuracy: 0.025 * 16000)
        // The same file into MKV copies the Opus packets.
        let mkv = try fixtures.scratch().appendingPathComponent("opus.mkv")
        XCTAssertEqual(try RoundTripTests.transcode(input, to: mkv).audio, .copied("opus"))
    }

    func testOddSizeUses444WithWarning() throws {
        let fixtures = try fixtures()
        let input = fixtures.url("odd.mp4")
        let output = try fixtures.scratch().appendingPathComponent("odd.mp4")
        let report = try RoundTripTests.transcode(input, to: output)
        XCTAssertEqual(report.pixelFormat, .yuv444p)
        XCTAssertTrue(report.warnings.contains { $0.contains("175x143") && $0.contains("yuv444p") }, "\(report.warnings)")
        let video = try XCTUnwrap(MediaProbe.probe(output).video)
        XCTAssertEqual(video.width, 175)
        XCTAssertEqual(video.height, 143)
        XCTAssertEqual(video.pixelFormat, "yuv444p")
        XCTAssertEqual(try DecodedVideo(output, keepImages: false).times.count, 30)

        let reader = try VideoReader(url: input)
        let error = assertMediaError(.invalidArgument) {
            try VideoWriter(
                outputURL: output.deletingLastPathComponent().appendingPathComponent("odd420.mp4"),
                video: reader.video, audio: nil,
                settings: EncoderSettings(pixelFormat: .yuv420p))
        }
        XCTAssertTrue(error?.message.contains("175x143") ?? false)
        XCTAssertTrue(error?.message.contains("yuv444p") ?? false)
    }

    func testUnwritableOutputDirectory() throws {
        let fixtures = try fixtures()
        let video = try XCTUnwrap(MediaProbe.probe(fixtures.url("base.mp4")).video)
        let missing = fixtures.directory.appendingPathComponent("missing-dir/out.mp4")
        let error = assertMediaError(.outputNotWritable) {
            try VideoWriter(outputURL: missing, video: video, audio: nil, settings: EncoderSettings())
        }
        XCTAssertTrue(
            error?.message.contains(missing.deletingLastPathComponent().path) ?? false,
            "names the directory: \(String(describing: error))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.deletingLastPathComponent().path))

        // A directory that exists but refuses new files (read-only even for root: /proc).
        let readOnly = URL(fileURLWithPath: "/proc/out.mp4")
        let refused = assertMediaError(.outputNotWritable) {
            try VideoWriter(outputURL: readOnly, video: video, audio: nil, settings: EncoderSettings())
        }
        XCTAssertTrue(refused?.message.contains("/proc") ?? false, "\(String(describing: refused))")

        if geteuid() != 0 {
            let locked = try fixtures.scratch()
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
            assertMediaError(.outputNotWritable) {
                try VideoWriter(
                    outputURL: locked.appendingPathComponent("out.mp4"), video: video, audio: nil,
                    settings: EncoderSettings())
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: locked.path), [])
        }
    }

    func testUnknownExtension() throws {
        let fixtures = try fixtures()
        let video = try XCTUnwrap(MediaProbe.probe(fixtures.url("base.mp4")).video)
        let directory = try fixtures.scratch()
        let error = assertMediaError(.unsupported) {
            try VideoWriter(
                outputURL: directory.appendingPathComponent("out.avi"), video: video, audio: nil,
                settings: EncoderSettings())
        }
        XCTAssertTrue(error?.message.contains(".avi") ?? false)
        for accepted in [".mp4", ".m4v", ".mov", ".mkv"] {
            XCTAssertTrue(error?.message.contains(accepted) ?? false, "lists \(accepted)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testInvalidSettings() throws {
        assertMediaError(.invalidArgument) { try EncoderSettings(crf: 52).validate() }
        let error = assertMediaError(.invalidArgument) { try EncoderSettings(preset: "quick").validate() }
        XCTAssertTrue(error?.message.contains("veryfast") ?? false)
    }

    func testCancelLeavesNothing() throws {
        let fixtures = try fixtures()
        let directory = try fixtures.scratch()
        let output = directory.appendingPathComponent("cancelled.mp4")
        let reader = try VideoReader(url: fixtures.url("base.mp4"))
        let writer = try VideoWriter(
            outputURL: output, video: reader.video,
            audio: AudioInput(matching: reader), settings: EncoderSettings())
        for _ in 0..<20 {
            guard let frame = try reader.nextFrame() else { break }
            try writer.write(frame)
        }
        let partial = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(partial.count, 1)
        XCTAssertTrue(partial.first?.hasPrefix(".cancelled.facet-partial-") ?? false, "\(partial)")
        writer.cancel()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
        assertMediaError(.cancelled) { try writer.finish() }

        // Dropping a writer without finish() cleans up too.
        do {
            let dropped = try VideoWriter(
                outputURL: output, video: reader.video, audio: nil,
                settings: EncoderSettings())
            if let frame = try reader.nextFrame() { try dropped.write(frame) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testErrorMidWriteLeavesNoFile() throws {
        let fixtures = try fixtures()
        let directory = try fixtures.scratch()
        let output = directory.appendingPathComponent("broken.mp4")
        let reader = try VideoReader(url: fixtures.url("base.mp4"))
        let writer = try VideoWriter(
            outputURL: output, video: reader.video,
            audio: AudioInput(matching: reader), settings: EncoderSettings())
        for _ in 0..<10 {
            try writer.write(try XCTUnwrap(reader.nextFrame()))
        }
        let frame = try XCTUnwrap(reader.nextFrame())
        frame.replaceImage(RGBImage(width: 100, height: 100))
        let error = assertMediaError(.invalidArgument) { try writer.write(frame) }
        XCTAssertTrue(error?.message.contains("100x100") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
        assertMediaError(.invalidArgument) { try writer.finish() }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}

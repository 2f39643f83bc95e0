import ArgumentParser
import FacetHost
import FacetMedia
import Foundation

/// `facet apply`: run an effect chain over a video (or a still image) and write the result.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a preset or an effect chain to a video or a still image.",
        discussion: """
            The chain comes from --preset (a name found in the preset directories, or a file \
            path), from --chain (one-line syntax), or both (the --chain effects run after the \
            preset's). With neither, the video passes through unchanged (re-encoded).

            The output container follows the extension: .mp4, .m4v, .mov or .mkv. Video is \
            encoded with H.264 (libx264); audio is copied when the container accepts it, \
            otherwise encoded as AAC. The output is written to a temporary file beside the \
            target and renamed at the end: on an error or Ctrl-C no partial file remains.
            """
    )

    @Argument(help: "The input video or still image (PNG/JPEG).", completion: .file())
    var input: String

    @Option(name: .shortAndLong, help: "The output video (.mp4, .m4v, .mov or .mkv).", completion: .file())
    var output: String

    @Option(name: .long, help: "H.264 constant rate factor, 0 (lossless) … 51 (worst).")
    var crf: Int = 18

    @Option(name: .customLong("x264-preset"), help: "x264 speed preset, fastest first; a slower one compresses better at the same --crf.")
    var x264Preset: X264Preset = .veryfast

    @Option(name: .customLong("pix-fmt"), help: "Output chroma: auto (4:2:0, or 4:4:4 for odd sizes), yuv420p or yuv444p.")
    var pixelFormat: PixelFormatChoice = .auto

    @OptionGroup var edit: EditInputOptions

    @OptionGroup var stages: StageOptions

    @Option(
        name: .customLong("contact-sheet"), help: "Also write a before | after PNG of a few frames (see `facet preview`).",
        completion: .file())
    var contactSheet: String?

    @Option(name: .customLong("sheet-frames"), help: "How many frames the contact sheet shows (1 … 64).")
    var sheetFrames: Int = 4

    @Flag(name: [.customShort("y"), .long], help: "Replace the output file if it exists.")
    var overwrite = false

    @Flag(name: .long, help: "Print the run's report as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(sheetFrames) else {
            throw ValidationError("--sheet-frames \(sheetFrames) is out of range; expected 1 … 64")
        }
        guard (0...51).contains(crf) else { throw ValidationError("--crf \(crf) is out of range; expected 0 … 51") }
    }

    func run() throws {
        var settings = EncoderSettings()
        settings.crf = crf
        settings.preset = x264Preset.rawValue
        settings.pixelFormat = pixelFormat

        let progressBar = ProgressBar(enabled: Terminal.stderrIsTerminal && !quiet && !json)
        let cancellation = CancellationFlag()
        SignalGuard.watch(cancellation)
        do {
            let effects = try EffectCatalog.resolving(quiet: quiet) { registry throws(HostError) in
                try edit.resolveChain(registry: registry)
            }
            let request = ApplyRequest(
                input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), chain: effects,
                encoder: settings, stillDuration: edit.duration, stillFrameRate: edit.fps,
                audio: edit.audio.map { URL(fileURLWithPath: $0) }, overwrite: overwrite,
                contactSheet: contactSheet.map {
                    ContactSheetRequest(output: URL(fileURLWithPath: $0), frameCount: sheetFrames, overwrite: overwrite)
                })
            try request.contactSheet?.validate(videoOutput: request.output)  // before models load
            var composed = try stages.pipeline(for: effects, progressBar: progressBar, cancellation: cancellation)
            if let note = composed.rendererNote, !quiet, !json { Terminal.error("facet: \(note)") }
            let report = try composed.pipeline.apply(request, progress: progressBar, cancellation: cancellation)
            if json {
                try Terminal.printJSON(report)
            } else if !quiet {
                for warning in report.warnings { Terminal.warning(warning) }
                for damage in report.inputDamage { Terminal.warning("input damaged: \(damage)") }
                for driver in report.drivers { Terminal.error("facet: " + DriverLine.text(driver)) }
                for speech in report.speech { Terminal.error("facet: " + SpeechLine.text(speech)) }
                Terminal.error(
                    String(
                        format: "facet: wrote %@: %d frames, %.2f s, audio %@ (%.1f fps)",
                        report.output, report.frames, report.duration, report.audio, report.framesPerSecond))
                if let sheet = report.contactSheet { Terminal.error("facet: wrote the contact sheet \(sheet)") }
                if let statistics = report.rendererStatistics { Terminal.error("facet: renderer: \(statistics)") }
            }
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }
}

import ArgumentParser
import FacetAnalysis
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

    @Option(name: .long, help: "A preset name (see `facet presets`) or a preset file path.")
    var preset: String?

    @Option(name: .long, help: "An effect chain in one-line syntax, e.g. 'direct-edit:yaw=15 | direct-edit:roll=-3'.")
    var chain: String?

    @Option(name: .long, help: "H.264 constant rate factor, 0 (lossless) … 51 (worst).")
    var crf: Int = 18

    @Option(name: .customLong("x264-preset"), help: "x264 speed preset: ultrafast … veryslow.")
    var x264Preset: String = "veryfast"

    @Option(name: .customLong("pix-fmt"), help: "Output chroma: auto (4:2:0, or 4:4:4 for odd sizes), yuv420p or yuv444p.")
    var pixelFormat: String = "auto"

    @Option(name: .long, help: "For a still image: the video's length in seconds (default: the audio's, else the preset's animation, else 5).")
    var duration: Double?

    @Option(name: .long, help: "For a still image: frames per second of the video made.")
    var fps: Double = 25

    @Option(name: .long, help: "Use this audio file as the soundtrack instead of the input's own audio.", completion: .file())
    var audio: String?

    @Option(name: .long, help: "Use the motion saved by `facet analyze -o FILE` instead of analysing the input again.", completion: .file())
    var motion: String?

    @Option(name: .long, help: "The models directory for face analysis (see `facet analyze --help`).", completion: .directory)
    var models: String?

    @Flag(name: [.customShort("y"), .long], help: "Replace the output file if it exists.")
    var overwrite = false

    @Flag(name: .long, help: "Print the run's report as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard (0...51).contains(crf) else { throw ValidationError("--crf \(crf) is out of range; expected 0 … 51") }
        if let duration, !(duration > 0 && duration <= 24 * 3600) {
            throw ValidationError("--duration \(duration) is out of range; expected seconds in (0, 86400]")
        }
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps \(fps) is out of range; expected (0, 240]") }
    }

    func run() throws {
        let registry = EffectCatalog.load(quiet: quiet)
        var settings = EncoderSettings()
        settings.crf = crf
        settings.preset = x264Preset
        guard let choice = PixelFormatChoice(rawValue: pixelFormat) else {
            throw ValidationError("--pix-fmt \(pixelFormat) is not known; expected auto, yuv420p or yuv444p")
        }
        settings.pixelFormat = choice

        let progressBar = ProgressBar(enabled: Terminal.stderrIsTerminal && !quiet && !json)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        do {
            let effects = try resolveChain(registry: registry)
            let request = ApplyRequest(
                input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), chain: effects,
                encoder: settings, stillDuration: duration, stillFrameRate: fps,
                audio: audio.map { URL(fileURLWithPath: $0) }, overwrite: overwrite)
            var pipeline = Pipeline()
            if let motion {
                pipeline.motionSource = try MotionFileSource(url: URL(fileURLWithPath: motion))
            } else if !effects.invocations.isEmpty {
                // Faces are analysed only when an effect will edit them.
                var analysis = AnalysisConfiguration()
                analysis.modelsDirectory = models.map { URL(fileURLWithPath: $0, isDirectory: true) }
                let source = FaceAnalysisSource(configuration: analysis)
                try source.load()
                source.isCancelled = { cancellation.isCancelled }
                var analysisStarted = false
                source.progress = { frames in
                    if !analysisStarted {
                        analysisStarted = true
                        progressBar.nextLabel = "analysing"
                        progressBar.started(totalFrames: nil)
                        progressBar.nextLabel = "rendering"
                    }
                    progressBar.advanced(framesDone: frames)
                }
                pipeline.motionSource = source
            }
            let report = try pipeline.apply(request, progress: progressBar, cancellation: cancellation)
            if json {
                try Terminal.printJSON(report)
            } else if !quiet {
                for warning in report.warnings { Terminal.warning(warning) }
                for damage in report.inputDamage { Terminal.warning("input damaged: \(damage)") }
                Terminal.error(String(format: "facet: wrote %@: %d frames, %.2f s, audio %@ (%.1f fps)",
                                      report.output, report.frames, report.duration, report.audio, report.framesPerSecond))
            }
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    /// The preset's chain followed by the --chain effects; empty when neither is given.
    private func resolveChain(registry: EffectRegistry) throws(HostError) -> EffectChain {
        var invocations: [EffectInvocation] = []
        if let preset {
            invocations += try PresetLibrary.standard().resolve(preset, registry: registry).chain.invocations
        }
        if let chain {
            invocations += try ChainParser.parse(chain, registry: registry).invocations
        }
        return EffectChain(invocations: invocations)
    }
}

import ArgumentParser
import FacetHost
import Foundation

/// `facet preview`: render a few frames of an edit and write a before | after contact sheet.
struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a before | after contact sheet (PNG) of a few frames of an edit, without encoding a video.",
        discussion: """
            The chain comes from --preset and/or --chain, as for `facet apply`, and the faces \
            from analysis (or --motion). Only the frames shown are rendered: by default 4, one \
            from each quarter of the video, taken where the edit is strongest there; --times \
            picks exact moments instead. Each row shows one frame before and after rendering, \
            cropped around the edited faces, with the frame number and time above it.

            Examples:
              facet preview talk.mp4 --preset look-left -o sheet.png
              facet preview talk.mp4 --chain 'direct-edit:yaw=15' --times 0.5,1.2 -o sheet.png -y
            """
    )

    @Argument(help: "The input video or still image (PNG/JPEG).", completion: .file())
    var input: String

    @Option(name: .shortAndLong, help: "The contact sheet to write (.png).", completion: .file())
    var output: String

    @Option(name: .long, help: "How many frames to show (1 … 64), spread over the video.")
    var frames: Int = 4

    @Option(name: .long, help: "Exact times in seconds to show, comma-separated (e.g. 0.5,1.2); overrides --frames.")
    var times: String?

    @Option(name: .customLong("cell-height"), help: "Height in pixels of each picture on the sheet (16 … 4096).")
    var cellHeight: Int = 384

    @Flag(name: .customLong("whole-frame"), help: "Show whole frames instead of crops around the faces.")
    var wholeFrame = false

    @OptionGroup var edit: EditInputOptions

    @OptionGroup var stages: StageOptions

    @Flag(name: [.customShort("y"), .long], help: "Replace the contact sheet if it exists.")
    var overwrite = false

    @Flag(name: .long, help: "Print the run's report as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(frames) else { throw ValidationError("--frames \(frames) is out of range; expected 1 … 64") }
        guard (16...4096).contains(cellHeight) else {
            throw ValidationError("--cell-height \(cellHeight) is out of range; expected 16 … 4096 pixels")
        }
        _ = try parsedTimes()
    }

    /// `--times` as seconds; nil when not given.
    private func parsedTimes() throws -> [Double]? {
        guard let times else { return nil }
        let parts = times.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var values: [Double] = []
        for part in parts {
            guard let value = Double(part), value.isFinite, value >= 0 else {
                throw ValidationError(
                    "--times \(DisplayText.quoted(times)): \(DisplayText.quoted(String(part))) is not a time; expected seconds ≥ 0 separated by commas, e.g. 0.5,1.2"
                )
            }
            values.append(value)
        }
        guard values.count <= 64 else { throw ValidationError("--times lists \(values.count) times; expected at most 64") }
        return values
    }

    func run() throws {
        let progressBar = ProgressBar(enabled: Terminal.stderrIsTerminal && !quiet && !json)
        let cancellation = CancellationFlag()
        SignalGuard.watch(cancellation)
        do {
            let effects = try EffectCatalog.resolving(quiet: quiet) { registry throws(HostError) in
                try edit.resolveChain(registry: registry)
            }
            let sheet = ContactSheetRequest(
                output: URL(fileURLWithPath: output), frameCount: frames,
                times: try parsedTimes(), cellHeight: cellHeight,
                cropToFaces: !wholeFrame, overwrite: overwrite)
            try sheet.validate()  // before models load: a refused output fails at once
            let request = PreviewRequest(
                input: URL(fileURLWithPath: input), chain: effects, sheet: sheet,
                stillDuration: edit.duration, stillFrameRate: edit.fps,
                audio: edit.audio.map { URL(fileURLWithPath: $0) })
            var composed = try stages.pipeline(for: effects, progressBar: progressBar, cancellation: cancellation)
            if let note = composed.rendererNote, !quiet, !json { Terminal.error("facet: \(note)") }
            let report = try composed.pipeline.preview(request, progress: progressBar, cancellation: cancellation)
            if json {
                try Terminal.printJSON(report)
            } else if !quiet {
                for warning in report.warnings { Terminal.warning(warning) }
                for speech in report.speech { Terminal.error("facet: " + SpeechLine.text(speech)) }
                let shown = zip(report.frameIndices, report.times)
                    .map { String(format: "#%d (%.2f s)", $0, $1) }.joined(separator: ", ")
                Terminal.error("facet: wrote \(report.output): frames \(shown), renderer \(report.renderer)")
            }
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }
}

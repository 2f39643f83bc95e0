import ArgumentParser
import FacetHost
import FacetMedia
import Foundation

/// `facet probe`: what a media file holds.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a media file's streams, duration, frame rate and geometry.")

    @Argument(help: "A video, audio or image file.", completion: .file())
    var input: String

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: input)
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(url)
        } catch {
            throw ExitCode(FacetCLI.report(HostError(.media, wrapping: error)))
        }
        if json {
            try Terminal.printJSON(info)
            return
        }
        print(ProbeText.describe(info))
    }
}

/// The human-readable form of a probe.
enum ProbeText {
    static func describe(_ info: MediaInfo) -> String {
        var lines = [
            "\(info.path)", "  container: \(info.formatName)",
            String(format: "  duration:  %.3f s", info.duration ?? 0),
        ]
        if let video = info.video {
            var line = "  video:     \(video.codecName) \(video.width)x\(video.height) \(video.pixelFormat)"
            line += String(format: ", %.3f fps", video.frameRate)
            if let frames = video.estimatedFrameCount { line += ", \(frames) frames" }
            if video.isVariableFrameRate { line += ", variable frame rate" }
            if video.rotation != 0 { line += ", rotation \(Int(video.rotation))°" }
            if video.sampleAspectRatio.isValid, video.sampleAspectRatio.num != video.sampleAspectRatio.den {
                line += ", SAR \(video.sampleAspectRatio)"
            }
            if video.isStillImage { line += ", still image" }
            lines.append(line)
        } else {
            lines.append("  video:     none")
        }
        if let audio = info.audio {
            lines.append("  audio:     \(audio.codecName) \(audio.sampleRate) Hz, \(audio.channels) ch (\(audio.channelLayout))")
        } else {
            lines.append("  audio:     none")
        }
        lines.append("  faces:     not analysed (face analysis is not part of this build yet)")
        return lines.joined(separator: "\n")
    }
}

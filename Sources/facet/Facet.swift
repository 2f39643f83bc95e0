import ArgumentParser
import FacetHost
import Foundation

/// The `facet` command: edits faces in video through chains of effects on 3DMM motion.
@main
struct Facet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facet",
        abstract: "Edit faces in video by changing their 3D face-model motion.",
        discussion: """
            Facet analyses every face of a video, runs a chain of effects on the faces' motion \
            (head pose, translation, expression), renders the edited faces back into the frames \
            and encodes the result with the original audio.

            Examples:
              facet apply talk.mp4 -o out.mp4 --preset look-left
              facet apply portrait.png --duration 4 -o out.mp4 --chain 'direct-edit:yaw=0@0,15@2~ease-in-out'
              facet preview talk.mp4 --preset look-left -o sheet.png
              facet analyze talk.mp4 -o talk.json --overlay check.mp4
              facet apply talk.mp4 --motion talk.json --preset nod -o nod.mp4
              facet models
              facet pirender --weights face.safetensors --inputs io.safetensors -o frame.png
              facet probe talk.mp4 --json
              facet effects direct-edit
              facet presets show nod
              facet plugins new soft-tilt
              facet plugins check libMyEffect.so

            Effects from plugin libraries are loaded from $FACET_PLUGIN_PATH, \
            ~/.local/share/facet/plugins and <facet>/../lib/facet/plugins. Presets are found in \
            the repository's Presets/, ~/.config/facet/presets and $FACET_PRESET_PATH. Face \
            models are found in --models, $FACET_MODELS_DIR, ~/.local/share/facet/models, \
            <facet>/../share/facet/models and ../shared/models (see `facet models`).
            """,
        version: FacetVersion.current,
        subcommands: [
            Apply.self, Preview.self, Analyze.self, Probe.self, Effects.self, Presets.self, Models.self, PIRender.self, Bench.self,
            PluginsCommand.self, Batch.self,
        ]
    )

    /// Takes over SIGINT, SIGTERM, SIGHUP and SIGQUIT before anything else runs, then parses
    /// the arguments and runs the command. Usage errors and help are printed through `Terminal`
    /// like everything else, so an argument's control characters never reach the terminal raw.
    static func main() {
        SignalGuard.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { Terminal.line(message) } else { Terminal.error(message) }
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// The version printed by `facet --version`.
enum FacetVersion {
    static let current = "0.11.1"
}

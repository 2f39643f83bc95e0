import ArgumentParser
import FacetHost
import Foundation

/// `facet models`: where the 3D face models are, and converting a Basel model for PIRender.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the face models Facet finds, or convert Deep3DFaceRecon's Basel model.",
        discussion: """
            No face model ships with Facet (their licences forbid it): see Docs/Models.md. \
            scripts/fetch-sfm.sh downloads the Surrey Face Model where the internet is reachable; \
            otherwise copy its files into <models>/sfm/.
            """,
        subcommands: [List.self, ConvertBFM.self],
        defaultSubcommand: List.self)

    /// `facet models list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the models directory and the models in it.")

        @Option(name: .long, help: "The models directory to look in instead of the standard places.", completion: .directory)
        var models: String?

        func run() throws {
            let explicit = models.map { URL(fileURLWithPath: $0, isDirectory: true) }
            let directory: URL
            do {
                directory = try FaceAnalysisTool.modelsDirectory(explicit: explicit)
            } catch {
                throw ExitCode(FacetCLI.report(error))
            }
            Terminal.line("models directory: \(directory.path)")
            let entries = FaceAnalysisTool.models(in: directory)
            for entry in entries {
                Terminal.line("  \(entry.folder): \(entry.summary)")
                if !entry.expressionNames.isEmpty {
                    Terminal.line("    expressions: " + entry.expressionNames.joined(separator: ", "))
                }
            }
            if !entries.contains(where: \.isLoadable) { Terminal.line("  no model found; see Docs/Models.md") }
        }
    }

    /// `facet models convert-bfm`.
    struct ConvertBFM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert-bfm",
            abstract: "Convert Deep3DFaceRecon's BFM_model_front.mat into a model Facet loads (PCA expressions, PIRender's layout).")

        @Argument(help: "Deep3DFaceRecon's BFM_model_front.mat (MATLAB v5).", completion: .file())
        var matFile: String

        @Option(
            name: .shortAndLong, help: "The folder to write bfm_front.bin and bfm_front.json into (default: <models>/bfm).",
            completion: .directory)
        var output: String?

        func run() throws {
            let destination: URL
            if let output {
                destination = URL(fileURLWithPath: output, isDirectory: true)
            } else if let root = try? FaceAnalysisTool.modelsDirectory(explicit: nil) {
                destination = root.appendingPathComponent("bfm", isDirectory: true)
            } else {
                Terminal.error("facet: error: no models directory found; pass -o DIR or set FACET_MODELS_DIR")
                throw ExitCode(ExitStatus.failure)
            }
            do {
                let written = try FaceAnalysisTool.convertBFM(URL(fileURLWithPath: matFile), into: destination)
                Terminal.error("facet: wrote \(written.path) (and its .json manifest)")
            } catch {
                throw ExitCode(FacetCLI.report(error))
            }
        }
    }
}

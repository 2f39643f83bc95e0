import ArgumentParser
import FacetHost
import FacetMorphableModel
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
                directory = try ModelDirectory.resolve(explicit: explicit)
            } catch {
                Terminal.error("facet: error: \(error)")
                throw ExitCode(ExitStatus.failure)
            }
            Terminal.line("models directory: \(directory.path)")
            let folders = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            var found = 0
            for folder in folders {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(folder).path, isDirectory: &isDirectory),
                      isDirectory.boolValue else { continue }
                do {
                    let model = try MorphableModel.load(named: folder, modelsDirectory: directory, loadEdgeTopology: false)
                    found += 1
                    Terminal.line("  \(folder): \(model.name), \(model.vertexCount) vertices, \(model.identityCount) identity and "
                          + "\(model.expressionCount) \(model.expressionKind.rawValue) expression components, "
                          + "\(model.convention.projection.rawValue) camera, unit \(model.convention.lengthUnit)")
                    if model.expressionKind == .blendshapes {
                        Terminal.line("    expressions: " + model.expressionNames.joined(separator: ", "))
                    }
                } catch {
                    Terminal.line("  \(folder): not loadable: \(error)")
                }
            }
            if found == 0 { Terminal.line("  no model found; see Docs/Models.md") }
        }
    }

    /// `facet models convert-bfm`.
    struct ConvertBFM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert-bfm",
            abstract: "Convert Deep3DFaceRecon's BFM_model_front.mat into a model Facet loads (PCA expressions, PIRender's layout).")

        @Argument(help: "Deep3DFaceRecon's BFM_model_front.mat (MATLAB v5).", completion: .file())
        var matFile: String

        @Option(name: .shortAndLong, help: "The folder to write bfm_front.bin and bfm_front.json into (default: <models>/bfm).",
                completion: .directory)
        var output: String?

        func run() throws {
            let destination: URL
            if let output {
                destination = URL(fileURLWithPath: output, isDirectory: true)
            } else if let root = try? ModelDirectory.resolve() {
                destination = root.appendingPathComponent("bfm", isDirectory: true)
            } else {
                Terminal.error("facet: error: no models directory found; pass -o DIR or set FACET_MODELS_DIR")
                throw ExitCode(ExitStatus.failure)
            }
            do {
                let written = try BFMConverter.convert(matFile: URL(fileURLWithPath: matFile), outputDirectory: destination)
                Terminal.error("facet: wrote \(written.path) (and its .json manifest)")
            } catch {
                Terminal.error("facet: error: \(error)")
                throw ExitCode(ExitStatus.failure)
            }
        }
    }
}

import FacetNeural
import FacetPIRender
import Foundation
import Yams

/// Reading a PIRender generator config from a JSON file or PIRender's own YAML (e.g. config/face.yaml),
/// within the same YAML limits as presets.
public enum PIRenderConfigFile {
    /// The config in `url` (JSON when the extension is .json, else YAML).
    public static func load(_ url: URL) throws(NeuralError) -> PIRenderConfig {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read the config", path: url.path, cause: error)
        }
        do {
            if url.pathExtension.lowercased() == "json" { return try PIRenderConfig(json: text) }
            if let violation = YAMLLimits.standard.violation(in: text) {
                throw NeuralError(.malformed, "line \(violation.line), column \(violation.column): \(violation.message)", path: url.path)
            }
            guard let object = try Yams.load(yaml: text) else {
                throw NeuralError(.malformed, "the config file is empty", path: url.path)
            }
            return try PIRenderConfig(parsing: object)
        } catch let error as NeuralError {
            throw error.at(url.path)
        } catch {
            throw NeuralError(.malformed, "not valid YAML/JSON", path: url.path, cause: error)
        }
    }
}

import FacetNeural
import Foundation

/// Driving coefficients from files.
public enum CoefficientFiles {
    /// The (1,73,2r+1) window: from a safetensors `driving_coeffs`, or built from a text file
    /// of 73 numbers per frame, centred on `frame`.
    public static func window(_ url: URL, frame: Int, radius: Int) throws -> Tensor {
        if url.pathExtension.lowercased() == "safetensors" {
            let file = try Safetensors.read(url)
            guard let stored = file.tensors["driving_coeffs"] else {
                throw NeuralError(
                    .malformed,
                    "expected a tensor driving_coeffs (1,73,\(2 * radius + 1)); found \(file.tensors.keys.sorted().joined(separator: ", "))",
                    path: url.path)
            }
            return Tensor(stored)
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read", path: url.path, cause: error)
        }
        var frames: [[Float]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let values = fields.compactMap { Float($0) }
            guard values.count == fields.count, values.count == DrivingWindow.coefficientCount else {
                throw NeuralError(
                    .malformed,
                    "line \(number + 1): expected \(DrivingWindow.coefficientCount) numbers (expression 64, angles 3, translation 3, crop 3); got \(fields.count) fields",
                    path: url.path)
            }
            frames.append(values)
        }
        guard frame < frames.count else {
            throw NeuralError(.invalidArgument, "frame \(frame) is past the \(frames.count) frames of the file", path: url.path)
        }
        return try DrivingWindow.window(frames: frames, center: frame, radius: radius)
    }
}

import FacetNeural
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetPIRender

/// The generator against the reference implementation's golden tensors (SPEC 12): every stage
/// within 1e-4 max abs error, and the small set's debug intermediates for localising errors.
final class GoldenTests: XCTestCase {
    static let tolerance: Float = 1e-4
    static let stages = ["descriptor", "flow_field", "deformation", "warp_image", "fake_image"]

    /// Runs one golden set and returns the max abs error per stage (failing beyond tolerance).
    @discardableResult
    func checkGoldenSet(_ name: String, checkIntermediates: Bool) throws -> [String: Float] {
        let weightsURL = try SharedData.require("pirender/golden/\(name).weights.safetensors")
        let ioURL = try SharedData.require("pirender/golden/\(name).io.safetensors")
        let weights = try Safetensors.read(weightsURL)
        let io = try Safetensors.read(ioURL)
        let generator = try PIRenderGenerator(weights: weights, source: weightsURL.path)
        let image = try Tensor(XCTUnwrap(io.tensors["input_image"]))
        let coefficients = try Tensor(XCTUnwrap(io.tensors["driving_coeffs"]))
        let stages = try generator.forward(inputImage: image, drivingCoefficients: coefficients)
        var errors: [String: Float] = [:]
        for (stage, tensor) in stages.named {
            let expected = try XCTUnwrap(io.tensors[stage], "golden \(stage)")
            XCTAssertEqual(tensor.shape, expected.shape, "\(name) \(stage) shape")
            let error = Self.maxAbsDifference(tensor.values, expected.values)
            errors[stage] = error
            XCTAssertLessThanOrEqual(error, Self.tolerance, "\(name) \(stage): max abs error \(error)")
        }
        if checkIntermediates {
            for (key, tensor) in generator.intermediates {
                guard let expected = io.tensors[key] else { continue }
                XCTAssertEqual(tensor.shape, expected.shape, "\(key) shape")
                let error = Self.maxAbsDifference(tensor.values, expected.values)
                XCTAssertLessThanOrEqual(error, Self.tolerance, "\(name) \(key): max abs error \(error)")
            }
            let debugKeys = io.tensors.keys.filter { $0.hasPrefix("debug.") }
            XCTAssertEqual(Set(debugKeys).subtracting(generator.intermediates.keys), [], "every debug tensor is compared")
        }
        print("golden \(name):", Self.stages.map { "\($0) \(errors[$0] ?? .nan)" }.joined(separator: ", "))
        return errors
    }

    func testSmallSeed1MatchesEveryStageAndIntermediate() throws {
        try checkGoldenSet("small_seed1", checkIntermediates: true)
    }

    /// The default config at 256×256 (10–20 s in a debug build), with 2 threads so the threaded
    /// loops are checked against the reference too.
    func testFullSeed1MatchesEveryStageWithTwoThreads() throws {
        ComputeThreads.set(2)
        defer { ComputeThreads.set(1) }
        try checkGoldenSet("full_seed1", checkIntermediates: false)
    }

    /// The official checkpoint layout (`torch.save` zip, `net_G_ema`, read with no Python): the same
    /// generator stages as the safetensors weights. The `.pt` carries no config, so the small set's
    /// config comes from its io file's metadata, as `--config` would give it.
    func testSmallSeed1CheckpointReproducesEveryStage() throws {
        let checkpointURL = try SharedData.require("pirender/golden/small_seed1.checkpoint.pt")
        let ioURL = try SharedData.require("pirender/golden/small_seed1.io.safetensors")
        let io = try Safetensors.read(ioURL)
        let weights = try WeightFiles.load(checkpointURL)
        XCTAssertTrue(weights.metadata.isEmpty, "a PyTorch checkpoint has no safetensors metadata")
        let config = try PIRenderConfig(json: XCTUnwrap(io.metadata["config"], "the io file names its config"))
        let generator = try PIRenderGenerator(weights: weights, config: config, source: checkpointURL.path)
        let stages = try generator.forward(
            inputImage: Tensor(XCTUnwrap(io.tensors["input_image"])),
            drivingCoefficients: Tensor(XCTUnwrap(io.tensors["driving_coeffs"])))
        var checked = 0
        for (stage, tensor) in stages.named {
            let expected = try XCTUnwrap(io.tensors[stage], "golden \(stage)")
            XCTAssertEqual(tensor.shape, expected.shape, "checkpoint \(stage) shape")
            let error = Self.maxAbsDifference(tensor.values, expected.values)
            XCTAssertLessThanOrEqual(error, Self.tolerance, "checkpoint \(stage): max abs error \(error)")
            checked += 1
        }
        XCTAssertEqual(checked, Self.stages.count)
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        var worst: Float = 0
        for index in a.indices {
            let difference = Swift.abs(a[index] - b[index])
            if !(difference <= worst) { worst = difference.isNaN ? .infinity : difference }
        }
        return worst
    }
}

import FacetNeural
import FacetTestSupport
import Foundation
import XCTest

/// `facet pirender`: one frame through the generator from the golden inputs, its stage dump,
/// and its errors.
final class PIRenderCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    /// The golden small set's config, written as the `--config` a `.pt` file needs.
    private func smallConfig(_ io: TensorFile) throws -> URL {
        let url = directory.appendingPathComponent("small.json")
        try Data(try XCTUnwrap(io.metadata["config"]).utf8).write(to: url)
        return url
    }

    func testCheckpointRunFromTheGoldenInputsDumpsEveryStage() throws {
        let checkpoint = try SharedData.require("pirender/golden/small_seed1.checkpoint.pt")
        let ioURL = try SharedData.require("pirender/golden/small_seed1.io.safetensors")
        let io = try Safetensors.read(ioURL)
        let output = directory.appendingPathComponent("out.png")
        let dump = directory.appendingPathComponent("stages.safetensors")
        let result = try CommandRunner.facet(
            "pirender", "--weights", checkpoint.path, "--config", try smallConfig(io).path,
            "--inputs", ioURL.path, "-o", output.path, "--dump", dump.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.path))
        let stages = try Safetensors.read(dump)
        for name in ["descriptor", "flow_field", "deformation", "warp_image", "fake_image"] {
            let produced = try XCTUnwrap(stages.tensors[name], "the dump has \(name)")
            let expected = try XCTUnwrap(io.tensors[name])
            XCTAssertEqual(produced.shape, expected.shape, name)
            let error = zip(produced.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(error, 1e-4, "\(name): max abs error \(error)")
        }
    }

    func testMissingWeightsAndMisShapedInputsAreNamed() throws {
        let ioURL = try SharedData.require("pirender/golden/small_seed1.io.safetensors")
        let weights = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        let missing = try CommandRunner.facet(
            "pirender", "--weights", directory.appendingPathComponent("none.pt").path,
            "--inputs", ioURL.path, "-o", directory.appendingPathComponent("a.png").path)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none.pt"), missing.stderr)

        // Inputs of the wrong shape: a 1x3x10x10 image.
        let bad = directory.appendingPathComponent("bad.safetensors")
        try Safetensors.write(
            TensorFile(tensors: [
                "input_image": StoredTensor(shape: [1, 3, 10, 10], values: [Float](repeating: 0, count: 300)),
                "driving_coeffs": StoredTensor(shape: [1, 73, 27], values: [Float](repeating: 0, count: 73 * 27)),
            ]), to: bad)
        let misShaped = try CommandRunner.facet(
            "pirender", "--weights", weights.path, "--inputs", bad.path,
            "-o", directory.appendingPathComponent("b.png").path)
        XCTAssertEqual(misShaped.status, 1)
        XCTAssertTrue(misShaped.stderr.contains("10"), misShaped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("b.png").path))
    }
}

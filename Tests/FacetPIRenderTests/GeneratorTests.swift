import FacetNeural
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetPIRender

/// Generator properties that do not depend on the golden outputs: the key set against SPEC 6,
/// other resolutions, the zero-flow warp of SPEC 4.5, the dead branch, input validation and
/// re-planning.
final class GeneratorTests: XCTestCase {
    func testDefaultConfigKeySetMatchesSpec() throws {
        let generator = try PIRenderGenerator(config: .default, resolution: 64)
        let shapes = generator.registry.expectedShapes
        // SPEC 6: 304 tensors, 22,519,109 parameters; SPEC 5.3: 3,183,104 of them in the dead branch.
        XCTAssertEqual(shapes.count, 304)
        XCTAssertEqual(shapes.values.reduce(0) { $0 + $1.reduce(1, *) }, 22_519_109)
        XCTAssertEqual(generator.registry.liveParameterCount, 22_519_109 - 3_183_104)
        // Spot checks from Appendix A, including the transposed-conv (in, out) layout and LN (C,1,1).
        XCTAssertEqual(shapes["warpping_net.hourglass.decoder.decoder3.conv_s.weight"], [512, 256, 3, 3])
        XCTAssertEqual(shapes["warpping_net.hourglass.decoder.decoder2.conv_1.weight"], [128, 128, 3, 3])
        XCTAssertEqual(shapes["warpping_net.flow_out.0.weight"], [256, 1, 1])
        XCTAssertEqual(shapes["editing_net.decoder.res0.res1.norm1.mlp_gamma.weight"], [128, 128])
        XCTAssertEqual(shapes["editing_net.encoder.first.model.0.weight"], [64, 6, 7, 7])
        XCTAssertEqual(shapes["mapping_net.encoder2.1.weight"], [256, 256, 3])
        XCTAssertEqual(generator.registry.unusedKeys.count, 48)
    }

    func testZeroFlowIsNotAnIdentityWarp() throws {
        // SPEC 4.5: with zero flow a constant-1 image becomes 0.5 on the two outermost rows and
        // columns, 0.25 in the corners, and 1 inside.
        let flow = Tensor(shape: [1, 2, 64, 64])
        let planar = Tensor(shape: [1, 2, 64, 64])
        FlowWarp.deformation(planar, flow: flow)
        let resized = Tensor(shape: [1, 2, 256, 256])
        try Ops.resizeBilinear(resized, planar)
        let grid = Tensor(shape: [1, 256, 256, 2])
        try Ops.channelsLast(grid, resized)
        let ones = Tensor(shape: [1, 1, 256, 256])
        ones.fill(1)
        let warped = Tensor(shape: [1, 1, 256, 256])
        try Ops.gridSample(warped, ones, grid: grid)
        func at(_ y: Int, _ x: Int) -> Float { warped.data[y * 256 + x] }
        for (y, x) in [(0, 0), (1, 1), (0, 255), (255, 254)] { XCTAssertEqual(at(y, x), 0.25, accuracy: 1e-5, "corner \(y),\(x)") }
        for (y, x) in [(0, 100), (1, 128), (254, 7), (128, 255)] { XCTAssertEqual(at(y, x), 0.5, accuracy: 1e-5, "edge \(y),\(x)") }
        for (y, x) in [(2, 2), (128, 128), (253, 253)] { XCTAssertEqual(at(y, x), 1, accuracy: 1e-5, "inside \(y),\(x)") }
        // Column j (2…253) samples source x = (j − 1.5)·64/63 − 0.5: a zoom-out about the centre.
        let ramp = Tensor(shape: [1, 1, 256, 256])
        for y in 0..<256 { for x in 0..<256 { ramp.data[y * 256 + x] = Float(x) } }
        try Ops.gridSample(warped, ramp, grid: grid)
        for column in [2, 50, 128, 253] {
            XCTAssertEqual(Double(at(100, column)), (Double(column) - 1.5) * 64 / 63 - 0.5, accuracy: 1e-3, "column \(column)")
        }
    }

    /// The golden small weights at a resolution they were not recorded at: shapes, ranges and
    /// resolution-independent stages.
    func testSmallConfigRunsAtOtherResolutions() throws {
        let weightsURL = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        let io = try Safetensors.read(try SharedData.require("pirender/golden/small_seed1.io.safetensors"))
        let generator = try PIRenderGenerator(weights: try Safetensors.read(weightsURL))
        let coefficients = try Tensor(XCTUnwrap(io.tensors["driving_coeffs"]))
        let goldenDescriptor = try XCTUnwrap(io.tensors["descriptor"]).values
        for size in [32, 128] {
            let image = Tensor(shape: [1, 3, size, size])
            for y in 0..<size {
                for x in 0..<size {
                    for c in 0..<3 {
                        image.data[(c * size + y) * size + x] = Float(sin(Double(x + 2 * y + 7 * c) * 0.2))
                    }
                }
            }
            let stages = try generator.forward(inputImage: image, drivingCoefficients: coefficients)
            XCTAssertEqual(generator.resolution, size)
            XCTAssertEqual(stages.flowField.shape, [1, 2, size / 4, size / 4])
            XCTAssertEqual(stages.deformation.shape, [1, size / 4, size / 4, 2])
            XCTAssertEqual(stages.fakeImage.shape, [1, 3, size, size])
            XCTAssertTrue(stages.fakeImage.values.allSatisfy { $0 > -1 && $0 < 1 }, "tanh output in (-1, 1)")
            XCTAssertTrue(stages.warpImage.values.allSatisfy { $0.isFinite && abs($0) <= 1 + 1e-6 }, "a convex mix of [-1,1] pixels")
            XCTAssertLessThanOrEqual(
                GoldenTests.maxAbsDifference(stages.descriptor.values, goldenDescriptor), 1e-4,
                "the descriptor does not depend on the image")
        }
    }

    func testReplanningAndRepeatingGiveIdenticalResults() throws {
        var config = PIRenderConfig()
        config.mapping.descriptorChannels = 16
        config.common = .init(imageChannels: 3, descriptorChannels: 16, maxChannels: 32)
        config.warping.baseChannels = 4
        config.editing.baseChannels = 8
        let generator = try PIRenderGenerator(config: config, resolution: 32)
        var seed: UInt64 = 3
        for (_, tensor) in generator.registry.parameters {
            for index in 0..<tensor.count {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                tensor.data[index] = Float(Int64(bitPattern: seed >> 11) % 2000) / 40000
            }
        }
        generator.registry.parametersDidChange()
        let image = Tensor(shape: [1, 3, 32, 32])
        for index in 0..<image.count { image.data[index] = Float(index % 17) / 8 - 1 }
        let window = Tensor(shape: [1, 73, 27])
        for index in 0..<window.count { window.data[index] = Float(index % 5) / 10 }
        let first = try generator.forward(inputImage: image, drivingCoefficients: window).fakeImage.values
        let again = try generator.forward(inputImage: image, drivingCoefficients: window).fakeImage.values
        XCTAssertEqual(GoldenTests.maxAbsDifference(first, again), 0, "a repeated pass is bit-identical")
        _ = try generator.forward(inputImage: Tensor(shape: [1, 3, 64, 64]), drivingCoefficients: window)
        XCTAssertEqual(generator.resolution, 64)
        let replanned = try generator.forward(inputImage: image, drivingCoefficients: window).fakeImage.values
        XCTAssertEqual(GoldenTests.maxAbsDifference(replanned, first), 0, "a new plan for the same size gives the same result")
        // Two threads (OpenBLAS and the engine's own loops) agree to float rounding.
        ComputeThreads.set(2)
        let threaded = try generator.forward(inputImage: image, drivingCoefficients: window).fakeImage.values
        ComputeThreads.set(1)
        XCTAssertLessThanOrEqual(GoldenTests.maxAbsDifference(threaded, first), 1e-5)
    }

    func testOtherArchitectureDepthsBuildConsistentNets() throws {
        // Nothing is hard-coded to face.yaml's depths: 4 warping encoder levels with 2 decoder
        // levels (flow at R/4), 2 editing levels with 1 residual block, radius 10 (window 21).
        var config = PIRenderConfig()
        config.mapping = .init(coeffChannels: 73, descriptorChannels: 24, layers: 2)
        config.common = .init(imageChannels: 3, descriptorChannels: 24, maxChannels: 40)
        config.warping = .init(encoderLayers: 4, decoderLayers: 2, baseChannels: 6)
        config.editing = .init(layers: 2, residualBlocks: 1, baseChannels: 10)
        config.semanticRadius = 10
        XCTAssertEqual(config.resolutionMultiple, 16)
        let generator = try PIRenderGenerator(config: config, resolution: 48)
        let shapes = generator.registry.expectedShapes
        XCTAssertEqual(shapes["warpping_net.hourglass.decoder.decoder3.conv_s.weight"], [40, 40, 3, 3])
        XCTAssertEqual(shapes["warpping_net.hourglass.decoder.decoder2.conv_0.weight"], [24, 80, 3, 3])
        XCTAssertNil(shapes["warpping_net.hourglass.decoder.decoder1.conv_0.weight"])
        XCTAssertEqual(shapes["warpping_net.flow_out.0.weight"], [48, 1, 1])  // decoder2 out 24 + e1 24
        XCTAssertEqual(shapes["editing_net.decoder.res1.res0.conv2.weight"], [40, 40, 3, 3])
        XCTAssertNil(shapes["editing_net.decoder.res1.res1.conv2.weight"])
        XCTAssertEqual(shapes["editing_net.decoder.up0.model.0.weight"], [10, 20, 3, 3])
        XCTAssertNil(shapes["mapping_net.encoder2.1.weight"])
        var seed: UInt64 = 11
        for (_, tensor) in generator.registry.parameters {
            for index in 0..<tensor.count {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                tensor.data[index] = Float(Int64(bitPattern: seed >> 11) % 2000) / 40000
            }
        }
        generator.registry.parametersDidChange()
        let image = Tensor(shape: [1, 3, 48, 48])
        for index in 0..<image.count { image.data[index] = Float(index % 13) / 6.5 - 1 }
        let stages = try generator.forward(inputImage: image, drivingCoefficients: Tensor(shape: [1, 73, 21]))
        XCTAssertEqual(stages.descriptor.shape, [1, 24, 1])
        XCTAssertEqual(stages.flowField.shape, [1, 2, 12, 12])
        XCTAssertEqual(stages.fakeImage.shape, [1, 3, 48, 48])
        XCTAssertTrue(stages.fakeImage.values.allSatisfy { $0 > -1 && $0 < 1 })
    }

    func testDeadBranchKeysAreAcceptedButNotComputed() throws {
        let weightsURL = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        let io = try Safetensors.read(try SharedData.require("pirender/golden/small_seed1.io.safetensors"))
        var weights = try Safetensors.read(weightsURL)
        for key in weights.tensors.keys where key.contains(".conv1.") || key.contains(".norm1.") {
            guard key.hasPrefix("editing_net.decoder.res") else { continue }
            let stored = weights.tensors[key]!
            weights.tensors[key] = StoredTensor(shape: stored.shape, values: stored.values.map { $0 * -37 + 5 })
        }
        let generator = try PIRenderGenerator(weights: weights)
        let stages = try generator.forward(
            inputImage: try Tensor(XCTUnwrap(io.tensors["input_image"])),
            drivingCoefficients: try Tensor(XCTUnwrap(io.tensors["driving_coeffs"])))
        let expected = try XCTUnwrap(io.tensors["fake_image"]).values
        XCTAssertEqual(GoldenTests.maxAbsDifference(stages.fakeImage.values, expected), 0, accuracy: 1e-4)
    }

    func testBadWeightsAndInputsAreNamed() throws {
        let weightsURL = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        var weights = try Safetensors.read(weightsURL)
        weights.tensors["warpping_net.flow_out.2.bias"] = nil
        weights.tensors["warping_net.flow_out.2.bias"] = StoredTensor(shape: [2], values: [0, 0])
        XCTAssertThrowsError(try PIRenderGenerator(weights: weights)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("missing 1 keys: warpping_net.flow_out.2.bias"), text)
            XCTAssertTrue(text.contains("unexpected 1 keys: warping_net.flow_out.2.bias"), text)
        }
        let generator = try PIRenderGenerator(weights: try Safetensors.read(weightsURL))
        let window = Tensor(shape: [1, 73, 27])
        XCTAssertThrowsError(try generator.forward(inputImage: Tensor(shape: [1, 3, 100, 100]), drivingCoefficients: window)) { error in
            XCTAssertEqual(String(describing: error), "input_image must be (1,3,R,R) with R a multiple of 32; got (1,3,100,100)")
        }
        XCTAssertThrowsError(
            try generator.forward(inputImage: Tensor(shape: [1, 3, 64, 64]), drivingCoefficients: Tensor(shape: [1, 73, 9]))
        ) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("driving_coeffs must be (1,73,27)"), "\(error)")
        }
    }
}

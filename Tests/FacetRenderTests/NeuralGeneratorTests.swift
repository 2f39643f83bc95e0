import FacetMedia
import FacetNeural
import FacetPIRender
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetRender

/// The renderer with the real PIRender generator (random weights in the real layout).
final class NeuralGeneratorTests: XCTestCase {
    /// Fills every parameter of `generator` with small seeded random values.
    static func randomise(_ generator: PIRenderGenerator, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for (_, tensor) in generator.registry.parameters {
            for index in 0..<tensor.count { tensor.data[index] = Float(random.uniform(-0.05, 0.05)) }
        }
        generator.registry.parametersDidChange()
    }

    /// A small config (64×64) so that a pass takes milliseconds.
    static var smallConfig: PIRenderConfig {
        var config = PIRenderConfig()
        config.mapping.descriptorChannels = 16
        config.common.descriptorChannels = 16
        config.common.maxChannels = 32
        config.warping.baseChannels = 4
        config.editing.baseChannels = 8
        config.resolution = 64
        return config
    }

    func testWeightsFileRendersOnlyInsideTheMask() throws {
        // Random weights in the real key layout, written as safetensors with their config.
        let config = Self.smallConfig
        let generator = try PIRenderGenerator(config: config)
        Self.randomise(generator, seed: 5)
        var tensors: [String: StoredTensor] = [:]
        let live = Dictionary(uniqueKeysWithValues: generator.registry.parameters.map { ($0.name, $0.tensor) })
        for (name, shape) in generator.registry.expectedShapes {
            let values =
                live[name].map { Array(UnsafeBufferPointer(start: $0.data, count: $0.count)) }
                ?? [Float](repeating: 0, count: shape.reduce(1, *))
            tensors[name] = StoredTensor(shape: shape, values: values)
        }
        let folder = try NeuralFixtures.scratch()
        let weights = folder.appendingPathComponent("small.safetensors")
        try Safetensors.write(TensorFile(tensors: tensors, metadata: ["config": config.json]), to: weights)

        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), weights: weights, threads: 2)
        XCTAssertEqual(renderer.summary, "neural (PIRender, 64×64)")
        let frame = try NeuralFixtures.smoothFrame(width: 320, height: 320, in: folder)
        let before = try frame.rgb
        let landmarks = NeuralFixtures.face(width: 146, noseTip: Point2(x: 160, y: 172))
        let motion = NeuralFixtures.motion(landmarks: [landmarks], width: 320, height: 320)
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let after = try frame.rgb
        let mask = try FaceMask(landmarks: landmarks)
        var changedInside = 0
        for y in 0..<320 {
            for x in 0..<320 where before[x, y] != after[x, y] {
                XCTAssertGreaterThan(mask.weight(x: Double(x), y: Double(y)), 0, "pixel (\(x), \(y)) outside the mask changed")
                changedInside += 1
            }
        }
        XCTAssertGreaterThan(changedInside, 1000, "the generated face replaces the source inside the mask")
        XCTAssertEqual(renderer.statistics.facesRendered, 1)
        XCTAssertGreaterThan(renderer.statistics.generator, .zero)
        XCTAssertTrue(renderer.statistics.summary.hasPrefix("1 faces in 1 frames; per face: crop"), renderer.statistics.summary)
    }

    /// Per-frame cost with the default config (256², 22.5 M parameters) and random weights on a
    /// 1280×720 frame. Runs only with FACET_NEURAL_BENCHMARK=1 (use a release build:
    /// `swift test -c release -Xswiftc -enable-testing --filter NeuralGeneratorTests`).
    func testDefaultConfigCostPerFrame() throws {
        guard ProcessInfo.processInfo.environment["FACET_NEURAL_BENCHMARK"] == "1" else {
            throw XCTSkip("set FACET_NEURAL_BENCHMARK=1 to time the default generator")
        }
        ComputeThreads.set(2)
        let generator = try PIRenderGenerator(config: .default)
        Self.randomise(generator, seed: 9)
        var renderer = try NeuralRenderer(model: NeuralFixtures.model(), generator: generator)
        let folder = try NeuralFixtures.scratch()
        let landmarks = NeuralFixtures.face(width: 260, noseTip: Point2(x: 640, y: 380))
        let frames = 4
        let motion = NeuralFixtures.motion(landmarks: Array(repeating: landmarks, count: frames), width: 1280, height: 720)
        let frame = try NeuralFixtures.smoothFrame(width: 1280, height: 720, in: folder)
        // One warm-up frame, then the measured ones.
        try renderer.render(frame, source: motion.source, edited: motion.edited)
        let warm = renderer.statistics
        for _ in 1..<frames { try renderer.render(frame, source: motion.source, edited: motion.edited) }
        var measured = renderer.statistics
        measured.facesRendered -= warm.facesRendered
        measured.framesRendered -= warm.framesRendered
        measured.crop -= warm.crop
        measured.generator -= warm.generator
        measured.paste -= warm.paste
        print("neural renderer, default config, 1280×720, 2 threads: \(measured.summary)")
        XCTAssertEqual(measured.facesRendered, frames - 1)
    }
}

import FacetHost
import FacetMedia
import FacetTestSupport
import Foundation
import XCTest

/// The example of FacetHost's DocC page (Sources/FacetHost/FacetHost.docc/FacetHost.md), run as
/// written on a real face: a library user gets a working pipeline from `PipelineFactory` alone.
final class DocCExampleTests: XCTestCase {
    func testTheOverviewExampleRunsARealEdit() throws {
        let models = try SharedData.require("models/sfm").deletingLastPathComponent()
        let portrait = try SharedData.require("media/astronaut.png")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-docc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }

        // — the example, with the paths of this test —
        let registry = EffectRegistry.builtIn
        var invocations = try PresetLibrary.standard().resolve("look-left", registry: registry).chain.invocations
        invocations += try ChainParser.parse("direct-edit:smile=0.4", registry: registry).invocations
        let chain = EffectChain(invocations: invocations)

        var options = PipelineOptions()
        options.analysis.modelsDirectory = models
        options.renderer = .geometric
        var composed = try PipelineFactory.make(options, for: chain)
        let output = directory.appendingPathComponent("left.mp4")
        let report = try composed.pipeline.apply(
            ApplyRequest(
                input: portrait, output: output, chain: chain,
                stillDuration: 1, stillFrameRate: 10))
        // — end of the example —

        XCTAssertTrue(composed.rendererNote?.contains("geometric") == true, composed.rendererNote ?? "no note")
        // A still becomes a video at least as long as the preset's animation (look-left lasts longer than 1 s).
        XCTAssertEqual(report.frames, Int((max(1, chain.animationEndTime) * 10).rounded()))
        XCTAssertEqual(report.faces, 1, "the portrait's face was analysed")
        XCTAssertGreaterThan(report.timings.editedFaceFrames, 0, "the chain edited the face")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.path))
        // The edit changed pixels: the last frame differs from the input picture.
        let reader = try VideoReader(url: output)
        var last: RGBImage?
        while let frame = try reader.nextFrame() { last = try frame.rgb }
        let original = try ImageIO.readImage(portrait)
        let edited = try XCTUnwrap(last)
        XCTAssertEqual(edited.width, original.width)
        let changed = zip(edited.pixels, original.pixels).filter { abs(Int($0) - Int($1)) > 12 }.count
        XCTAssertGreaterThan(changed, edited.pixels.count / 200, "the face looks left: pixels moved")
    }
}

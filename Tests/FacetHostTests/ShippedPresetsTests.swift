import DirectEdit
import FacetHost
import FacetSDK
import Foundation
import XCTest

/// Every preset in the repository's `Presets/` loads, instantiates and does what its name says.
final class ShippedPresetsTests: XCTestCase {
    private let directory = repositoryRoot.appendingPathComponent("Presets").resolvingSymlinksInPath()

    private func shipped(_ name: String) throws -> Preset {
        try PresetLoader.load(contentsOf: directory.appendingPathComponent("\(name).yaml"), registry: .builtIn, origin: .system)
    }

    func testEveryShippedPresetLoadsAndRoundTrips() throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { PresetLoader.fileExtensions.contains($0.pathExtension) }
        XCTAssertGreaterThanOrEqual(files.count, 5)
        for file in files {
            do {
                let preset = try PresetLoader.load(contentsOf: file, registry: .builtIn, origin: .system)
                XCTAssertEqual(preset.format, PresetLoader.currentFormat, file.lastPathComponent)
                XCTAssertFalse(preset.summary.isEmpty, "\(file.lastPathComponent) needs a summary")
                // A preset that leaves its driver to the user (`--set driver=FILE`) is created with one.
                var chain = preset.chain
                let drivers = Set(
                    chain.invocations.flatMap { $0.descriptor.parameters.filter { $0.role == .drivingInput }.map(\.name) })
                for name in drivers.sorted() { chain = try chain.setting("\(name)=/videos/driver.mp4") }
                XCTAssertEqual(try chain.instantiate().count, preset.chain.invocations.count)
                XCTAssertEqual(
                    try ChainParser.parse(preset.chain.description, registry: .builtIn), preset.chain,
                    file.lastPathComponent)
                let text = try String(contentsOf: file, encoding: .utf8)
                XCTAssertTrue(text.hasPrefix("#"), "\(file.lastPathComponent) starts with a comment saying what it does")
            } catch {
                XCTFail("\(file.lastPathComponent): \(error)")
            }
        }
    }

    func testTheMimicPresetsDriveEverythingOrOnlyTheExpression() throws {
        for (name, components) in [("mimic", "all"), ("mimic-expression", "expression")] {
            let invocation = try XCTUnwrap(shipped(name).chain.invocations.first)
            XCTAssertEqual(invocation.descriptor.id, "org.facet.reenactment", name)
            XCTAssertEqual(invocation.parameters.values["components"], .text(components), name)
            XCTAssertEqual(invocation.parameters.values["mode"], .text("relative"), name)
            XCTAssertEqual(invocation.parameters.values["driver"], .text(""), "\(name) leaves the driver to --set")
        }
    }

    func testTheSpeechPresetsAddAMouthToAPortraitOrReplaceTheFootagesMouth() throws {
        for (name, mode, head, blinks) in [("talk", "add", 1.0, 15.0), ("lip-sync", "replace", 0.0, 0.0)] {
            let invocation = try XCTUnwrap(shipped(name).chain.invocations.first)
            XCTAssertEqual(invocation.descriptor.id, "org.facet.audio-sync", name)
            XCTAssertTrue(invocation.descriptor.inputs.contains(.speech), name)
            XCTAssertEqual(invocation.parameters.values["mode"], .text(mode), name)
            XCTAssertEqual(invocation.parameters.values["head-motion"], .number(head), name)
            XCTAssertEqual(invocation.parameters.values["blinks"], .number(blinks), name)
            XCTAssertEqual(invocation.parameters.values["transcript"], .text(""), "\(name) leaves the transcript to --set")
        }
    }

    func testIdentityIsPassThrough() throws {
        XCTAssertEqual(try shipped("identity").chain, .empty)
    }

    func testLookLeftAndRightTurnOppositeWaysAndReturn() throws {
        let left = try XCTUnwrap(shipped("look-left").chain.invocations.first).parameters
        let right = try XCTUnwrap(shipped("look-right").chain.invocations.first).parameters
        XCTAssertEqual(left[DirectEdit.yaw, at: 1.5], -15, "negative yaw turns to the viewer's left")
        XCTAssertEqual(right[DirectEdit.yaw, at: 1.5], 15)
        XCTAssertEqual(left[DirectEdit.yaw, at: 0], 0)
        XCTAssertEqual(left[DirectEdit.yaw, at: 10], 0)
        XCTAssertEqual(try shipped("look-left").chain.animationEndTime, 3)
    }

    func testNodAndShakeMoveTheRightAxis() throws {
        let nod = try XCTUnwrap(shipped("nod").chain.invocations.first).parameters
        XCTAssertTrue(nod.isAnimated(DirectEdit.pitch))
        XCTAssertFalse(nod.isAnimated(DirectEdit.yaw))
        XCTAssertEqual(nod[DirectEdit.pitch, at: 0.4], 10)
        XCTAssertEqual(nod[DirectEdit.pitch, at: 1.6], 0)

        let shake = try XCTUnwrap(shipped("shake").chain.invocations.first).parameters
        XCTAssertTrue(shake.isAnimated(DirectEdit.yaw))
        XCTAssertFalse(shake.isAnimated(DirectEdit.pitch))
        XCTAssertEqual(shake[DirectEdit.yaw, at: 0.3], 12)
        XCTAssertEqual(shake[DirectEdit.yaw, at: 0.7], -12)
        XCTAssertEqual(shake[DirectEdit.yaw, at: 1.8], 0)
    }
}

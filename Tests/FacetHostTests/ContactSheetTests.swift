import FacetHost
import FacetMedia
import FacetRender
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// Contact sheets (`apply` with a sheet, `preview`) and the still-image length rule.
final class ContactSheetTests: XCTestCase {
    /// One face whose box is the frame's centre, present in every frame of the 64x48 test video.
    struct OneFace: MotionSource {
        func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
            let fps = stillImage?.frameRate ?? info.video?.frameRate ?? 25
            let count = stillImage.map { Int(($0.duration * $0.frameRate).rounded()) } ?? info.video?.estimatedFrameCount ?? 0
            let frames = (0..<count).map { index in
                FaceFrame(
                    frameIndex: index, time: Double(index) / fps, box: FaceBox(x: 24, y: 16, width: 16, height: 16),
                    coefficients: FaceCoefficients(translation: Vector3(x: 0, y: 0, z: -600), expression: [0, 0]))
            }
            return SceneMotion(
                frameTimes: (0..<count).map { Double($0) / fps }, frameRate: fps, frameWidth: 64,
                frameHeight: 48, tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
        }
        var summary: String { "one face" }
    }

    /// Inverts the luma of a 16x16 square in every frame whose motion the chain changed (edits the
    /// decoded planes in place, as real renderers do); counts its calls; can fail at one frame.
    final class InvertingRenderer: FrameRenderer {
        var calls: [Int] = []
        var failAtFrame: Int?
        func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {
            calls.append(frame.index)
            if frame.index == failAtFrame { throw HostError(.media, "renderer failed on purpose") }
            guard edited.tracks != source.tracks else { return }
            try frame.withWritablePlanes { picture in
                for plane in picture.planes where plane.shiftX == 0 && plane.shiftY == 0 {
                    for y in 16..<32 { for x in 24..<40 { plane[x, y] = 255 - plane[x, y] } }
                }
            }
        }
        var summary: String { "inverting" }
    }

    private func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-sheet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// 2 s of 64x48 at 25 fps (50 frames).
    private func makeVideo(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("in.mp4")
        try FFmpegCLI.run(
            [
                "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", url.path,
            ], in: directory)
        return url
    }

    /// The pixels of `rect` of `image`.
    private func crop(_ image: RGBImage, _ rect: PixelRect) -> [UInt8] {
        var result: [UInt8] = []
        for y in rect.y..<(rect.y + rect.height) {
            let start: Int = (y * image.width + rect.x) * 3
            result += image.pixels[start..<(start + rect.width * 3)]
        }
        return result
    }

    // MARK: - Layout

    func testSheetHasOneRowPerFrameWithBeforeLeftAndAfterRight() {
        let red = RGBImage(width: 40, height: 30, red: 255, green: 0, blue: 0)
        let blue = RGBImage(width: 40, height: 30, red: 0, green: 0, blue: 255)
        let entries = (0..<3).map { ContactSheetEntry(frameIndex: $0 * 10, time: Double($0), before: red, after: blue) }
        let sheet = ContactSheetPicture.compose(entries)
        let layout = ContactSheetPicture.layout(cellSizes: Array(repeating: (40, 30), count: 3))

        XCTAssertEqual(sheet.width, layout.width)
        XCTAssertEqual(sheet.height, layout.height)
        XCTAssertEqual(sheet.width, 2 * 40 + 3 * ContactSheetPicture.padding)
        XCTAssertEqual(layout.before.count, 3)
        for row in 0..<3 {
            let before = layout.before[row], after = layout.after[row]
            XCTAssertEqual(before.y, after.y, "before and after of a row side by side")
            XCTAssertLessThan(before.x + before.width, after.x, "before is left of after")
            if row > 0 { XCTAssertGreaterThanOrEqual(before.y, layout.before[row - 1].y + 30, "rows stack downwards") }
            XCTAssertEqual(crop(sheet, before), red.pixels, "row \(row) before cell")
            XCTAssertEqual(crop(sheet, after), blue.pixels, "row \(row) after cell")
        }
        XCTAssertLessThanOrEqual(layout.before[2].y + 30, sheet.height)
    }

    func testFramesAreSpreadOverTheVideoAndFavourTheStrongestEdit() throws {
        var source = SceneMotion(frameTimes: (0..<100).map { Double($0) / 25 }, frameRate: 25, frameWidth: 64, frameHeight: 48)
        source.tracks = [
            FaceTrack(
                id: 0, modelName: "test",
                frames: (0..<100).map {
                    FaceFrame(frameIndex: $0, time: Double($0) / 25, coefficients: FaceCoefficients())
                })
        ]
        var edited = source
        edited.tracks[0].frames[40].coefficients.pose.yaw = 0.2  // the only edit, in the second quarter
        let request = ContactSheetRequest(output: URL(fileURLWithPath: "/tmp/x.png"), frameCount: 4)
        let frames = try request.frameIndices(frameCount: 100, frameRate: 25, duration: 4, source: source, edited: edited)
        XCTAssertEqual(frames, [12, 40, 62, 87], "middles of unedited quarters, the edited frame in its quarter")

        let timed = ContactSheetRequest(output: URL(fileURLWithPath: "/tmp/x.png"), times: [0.5, 1.2])
        XCTAssertEqual(try timed.frameIndices(frameCount: 100, frameRate: 25, duration: 4, source: source, edited: edited), [13, 30])
        let late = ContactSheetRequest(output: URL(fileURLWithPath: "/tmp/x.png"), times: [9])
        XCTAssertThrowsError(try late.frameIndices(frameCount: 100, frameRate: 25, duration: 4, source: source, edited: edited)) {
            XCTAssertTrue(String(describing: $0).contains("past the end"), "\($0)")
        }
    }

    func testCropIsASquareAroundTheFaceInsideTheFrame() {
        var source = SceneMotion(frameTimes: [0], frameRate: 25, frameWidth: 640, frameHeight: 480)
        source.tracks = [
            FaceTrack(
                id: 0, modelName: "test",
                frames: [
                    FaceFrame(
                        frameIndex: 0, time: 0, box: FaceBox(x: 600, y: 100, width: 100, height: 80), coefficients: FaceCoefficients())
                ])
        ]
        let rect = ContactSheetPicture.cropRect(frameIndex: 0, source: source, edited: source, frameWidth: 640, frameHeight: 480)
        XCTAssertEqual(rect, PixelRect(x: 640 - 220, y: 30, width: 220, height: 220), "×2.2 of the box, shifted into the frame")
        XCTAssertNil(ContactSheetPicture.cropRect(frameIndex: 1, source: source, edited: source, frameWidth: 640, frameHeight: 480))
    }

    // MARK: - Through the pipeline

    /// Runs apply with a whole-frame sheet of 2 frames; returns the before and after cells of each row.
    private func applyWithSheet(chain: String) throws -> (cells: [(before: [UInt8], after: [UInt8])], sheet: RGBImage) {
        let directory = try makeDirectory()
        let input = try makeVideo(in: directory)
        let sheetURL = directory.appendingPathComponent("sheet.png")
        var pipeline = Pipeline(motionSource: OneFace(), renderer: InvertingRenderer())
        let request = ApplyRequest(
            input: input, output: directory.appendingPathComponent("out.mp4"),
            chain: try ChainParser.parse(chain, registry: .builtIn),
            contactSheet: ContactSheetRequest(
                output: sheetURL, frameCount: 2, cellHeight: 48,
                cropToFaces: false))
        let report = try pipeline.apply(request)
        XCTAssertEqual(report.contactSheet, sheetURL.path)
        XCTAssertEqual(report.frames, 50)
        let sheet = try ImageIO.readImage(sheetURL)
        let layout = ContactSheetPicture.layout(cellSizes: [(64, 48), (64, 48)])
        XCTAssertEqual(sheet.width, layout.width, "2 cells of 64x48 side by side")
        XCTAssertEqual(sheet.height, layout.height, "2 rows")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(leftovers, ["in.mp4", "out.mp4", "sheet.png"])
        return ((0..<2).map { (crop(sheet, layout.before[$0]), crop(sheet, layout.after[$0])) }, sheet)
    }

    func testBeforeAndAfterDifferWhereTheRendererChangedPixels() throws {
        let (cells, _) = try applyWithSheet(chain: "direct-edit:yaw=10")
        for (row, cell) in cells.enumerated() {
            XCTAssertNotEqual(cell.before, cell.after, "row \(row): the renderer inverted a square")
            // Outside the inverted square (top-left corner) nothing changed.
            XCTAssertEqual(Array(cell.before[0..<(3 * 8)]), Array(cell.after[0..<(3 * 8)]), "row \(row) top-left")
        }
    }

    func testBeforeAndAfterAreIdenticalForAnEmptyChain() throws {
        let (cells, _) = try applyWithSheet(chain: "")
        for (row, cell) in cells.enumerated() {
            XCTAssertEqual(cell.before, cell.after, "row \(row): nothing was edited")
        }
    }

    func testNoSheetIsLeftOnErrorAndAnExistingSheetIsKept() throws {
        let directory = try makeDirectory()
        let input = try makeVideo(in: directory)
        let sheetURL = directory.appendingPathComponent("sheet.png")
        let chain = try ChainParser.parse("direct-edit:yaw=10", registry: .builtIn)

        // The renderer fails after the first sheet frame was captured: neither video nor sheet remains.
        let failing = InvertingRenderer()
        failing.failAtFrame = 40
        var pipeline = Pipeline(motionSource: OneFace(), renderer: failing)
        XCTAssertThrowsError(
            try pipeline.apply(
                ApplyRequest(
                    input: input, output: directory.appendingPathComponent("out.mp4"), chain: chain,
                    contactSheet: ContactSheetRequest(output: sheetURL, frameCount: 2))))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["in.mp4"])

        // The same failure in preview.
        var previewPipeline = Pipeline(motionSource: OneFace(), renderer: failing)
        XCTAssertThrowsError(
            try previewPipeline.preview(
                PreviewRequest(
                    input: input, chain: chain, sheet: ContactSheetRequest(output: sheetURL, times: [1.6]))))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["in.mp4"])

        // An existing sheet is refused without overwrite, before anything runs, and left as it was.
        try Data("keep".utf8).write(to: sheetURL)
        let counting = InvertingRenderer()
        var refusing = Pipeline(motionSource: OneFace(), renderer: counting)
        XCTAssertThrowsError(
            try refusing.preview(
                PreviewRequest(
                    input: input, chain: chain,
                    sheet: ContactSheetRequest(output: sheetURL)))
        ) { error in
            XCTAssertTrue(String(describing: error).contains("already exists; pass --overwrite"), "\(error)")
        }
        XCTAssertThrowsError(
            try refusing.apply(
                ApplyRequest(
                    input: input, output: directory.appendingPathComponent("o.mp4"),
                    contactSheet: ContactSheetRequest(output: sheetURL))))
        XCTAssertEqual(counting.calls, [])
        XCTAssertEqual(try Data(contentsOf: sheetURL), Data("keep".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["in.mp4", "sheet.png"])
    }

    func testPreviewRendersOnlyTheChosenFramesAndWritesNoVideo() throws {
        let directory = try makeDirectory()
        let input = try makeVideo(in: directory)
        let sheetURL = directory.appendingPathComponent("sheet.png")
        let renderer = InvertingRenderer()
        var pipeline = Pipeline(motionSource: OneFace(), renderer: renderer)
        let report = try pipeline.preview(
            PreviewRequest(
                input: input, chain: try ChainParser.parse("direct-edit:yaw=10", registry: .builtIn),
                sheet: ContactSheetRequest(output: sheetURL, times: [1.2, 0.5], cellHeight: 96)))
        XCTAssertEqual(renderer.calls, [13, 30], "only the frames shown are rendered")
        XCTAssertEqual(report.frameIndices, [30, 13], "rows in the order of --times")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["in.mp4", "sheet.png"])
        let sheet = try ImageIO.readImage(sheetURL)
        // Cropped to the face: a 35 px square (16 px box ×2.2) scaled to 96 px cells.
        let layout = ContactSheetPicture.layout(cellSizes: [(96, 96), (96, 96)])
        XCTAssertEqual(sheet.width, layout.width)
        XCTAssertEqual(sheet.height, layout.height)
        XCTAssertNotEqual(crop(sheet, layout.before[0]), crop(sheet, layout.after[0]))
    }

    // MARK: - Still images

    func testStillShorterThanTheAnimationIsLengthenedWithAWarning() throws {
        let directory = try makeDirectory()
        let still = directory.appendingPathComponent("still.png")
        try ImageIO.writePNG(RGBImage(width: 64, height: 48, red: 90, green: 120, blue: 200), to: still)
        var pipeline = Pipeline()
        let chain = try ChainParser.parse("direct-edit:yaw=0@0,10@3.5", registry: .builtIn)
        let report = try pipeline.apply(
            ApplyRequest(
                input: still, output: directory.appendingPathComponent("out.mp4"),
                chain: chain, stillDuration: 1))
        XCTAssertEqual(report.duration, 3.5, accuracy: 0.05)
        XCTAssertEqual(report.frames, 88)
        XCTAssertTrue(
            report.warnings.contains("--duration 1 s is shorter than the preset's 3.5 s animation; the video lasts 3.5 s"),
            "\(report.warnings)")

        // A duration at least as long as the animation is kept, without a warning.
        let longer = try pipeline.apply(
            ApplyRequest(
                input: still, output: directory.appendingPathComponent("long.mp4"),
                chain: chain, stillDuration: 4))
        XCTAssertEqual(longer.duration, 4, accuracy: 0.05)
        XCTAssertFalse(longer.warnings.contains { $0.contains("shorter than") }, "\(longer.warnings)")
    }
}

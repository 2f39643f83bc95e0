import CDlib
import FacetMedia
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetAnalysis

/// The dlib shim and its Swift wrappers: optimisation, detection and landmarks on the astronaut
/// portrait, model-loading errors, grayscale helpers.
final class DetectionTests: XCTestCase {
    func testShimIsOptimisedInEveryConfiguration() {
        XCTAssertEqual(facet_dlib_is_optimized(), 1, "CDlib must build with -O2 even in debug (dlib is ~100x slower at -O0)")
    }

    func testAstronautHasOneFaceWithPlausibleLandmarks() throws {
        let image = try astronaut()
        let detector = try FaceDetector()
        let faces = try detector.detect(in: image)
        XCTAssertEqual(faces.count, 1, "faces: \(faces)")
        let face = try XCTUnwrap(faces.first)
        XCTAssertGreaterThan(face.score, 0)
        XCTAssertGreaterThan(face.box.width, 80)
        XCTAssertLessThan(face.box.width, 300)

        let points = try TestModels.predictor().landmarks(in: image, box: face.box)
        XCTAssertEqual(points.count, 68)
        let margin = face.box.width * 0.25
        for (index, point) in points.enumerated() {
            XCTAssertTrue(
                point.x >= face.box.x - margin && point.x <= face.box.x + face.box.width + margin
                    && point.y >= face.box.y - margin && point.y <= face.box.y + face.box.height + margin,
                "point \(index) \(point) far outside the box \(face.box)")
        }
        let eyeY = (mean(points[36...41]).y + mean(points[42...47]).y) / 2
        let mouthY = mean(points[48...67]).y
        XCTAssertLessThan(eyeY, points[30].y, "eyes above the nose tip")
        XCTAssertLessThan(points[30].y, mouthY, "nose tip above the mouth")
        XCTAssertLessThan(mouthY, points[8].y, "mouth above the chin")
        XCTAssertLessThan(points[36].x, points[45].x, "image-left eye corner left of the other")
        let left = mean(points[36...41]), right = mean(points[42...47])
        let interocular = ((left.x - right.x) * (left.x - right.x) + (left.y - right.y) * (left.y - right.y)).squareRoot()
        XCTAssertGreaterThan(interocular, face.box.width * 0.25, "inter-ocular \(interocular) for box \(face.box)")
        XCTAssertLessThan(interocular, face.box.width * 0.6, "inter-ocular \(interocular) for box \(face.box)")
    }

    func testUpsampledDetectionMapsBoxesBackToTheInput() throws {
        let image = try astronaut()
        let detector = try FaceDetector()
        let plain = try XCTUnwrap(try detector.detect(in: image).first)
        let small = image.downscaled(by: 4)  // 128x128: the face is below the detector's minimum
        XCTAssertTrue(try detector.detect(in: small).isEmpty)
        let upsampled = try detector.detect(in: small, upsample: 2)
        let best = try XCTUnwrap(upsampled.max { $0.score < $1.score })
        XCTAssertGreaterThan(
            iou(
                best.box,
                FaceBox(
                    x: plain.box.x / 4, y: plain.box.y / 4,
                    width: plain.box.width / 4, height: plain.box.height / 4)), 0.5,
            "\(best.box) vs \(plain.box) / 4")
    }

    func testMissingPredictorFileIsNamed() throws {
        let url = URL(fileURLWithPath: "/nonexistent/facet/shape_predictor_68.dat")
        XCTAssertThrowsError(try LandmarkPredictor(modelURL: url)) { error in
            let error = error as? AnalysisError
            XCTAssertEqual(error?.code, .fileNotFound)
            XCTAssertEqual(error?.path, url.path)
            XCTAssertTrue(error?.message.contains(url.path) ?? false, "\(String(describing: error))")
        }
    }

    func testCorruptPredictorFileIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-dlib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let noise = (0..<4096).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        for (name, bytes) in [("zeros.dat", [UInt8](repeating: 0, count: 1024)), ("noise.dat", noise)] {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            XCTAssertThrowsError(try LandmarkPredictor(modelURL: url)) { error in
                let error = error as? AnalysisError
                XCTAssertEqual(error?.code, .malformed, "\(String(describing: error))")
                XCTAssertEqual(error?.path, url.path)
                XCTAssertTrue(error?.message.contains(url.path) ?? false, "\(String(describing: error))")
                XCTAssertTrue(error?.message.contains("not a") ?? false, "\(String(describing: error))")
            }
        }
    }

    func testDefaultModelPath() {
        if ProcessInfo.processInfo.environment["FACET_LANDMARK_MODEL"] == nil {
            XCTAssertEqual(LandmarkPredictor.defaultModelURL.path, "/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
        }
    }

    func testDetectorRejectsBadUpsample() throws {
        XCTAssertThrowsError(try FaceDetector().detect(in: GrayImage(width: 8, height: 8), upsample: 3)) { error in
            XCTAssertEqual((error as? AnalysisError)?.code, .invalidArgument)
        }
    }

    func testGrayImageResamplingAveragesAreas() throws {
        // A 4x2 image: left half 0, right half 200 -> by 2: [0, 200]; to width 3: [0, 100, 200].
        let image = try GrayImage(width: 4, height: 2, pixels: [0, 0, 200, 200, 0, 0, 200, 200])
        XCTAssertEqual(image.downscaled(by: 2).pixels, [0, 200])
        XCTAssertEqual(image.resampled(width: 3, height: 1).pixels, [0, 100, 200])
        let crop = try XCTUnwrap(image.cropped(x: 1, y: -5, width: 2, height: 10))
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop.height, 2)
        XCTAssertEqual(crop.pixels, [0, 200, 0, 200])
        XCTAssertNil(image.cropped(x: 10, y: 0, width: 2, height: 2))
        XCTAssertEqual(GrayImage(RGBImage(width: 1, height: 1, red: 255, green: 255, blue: 255)).pixels, [255])
        XCTAssertThrowsError(try GrayImage(width: 2, height: 2, pixels: [0]))
    }

    func testFrameLumaMatchesRGBLuma() throws {
        // A decoded frame's Y plane (range-expanded) and the luma of its RGB agree within rounding.
        let url = try SharedData.require("media/astronaut.png")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-luma-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FFmpegCLI.run(
            [
                "-i", url.path, "-frames:v", "1", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p",
                "still.mp4",
            ], in: directory)
        let reader = try VideoReader(url: directory.appendingPathComponent("still.mp4"))
        let frame = try XCTUnwrap(try reader.nextFrame())
        XCTAssertEqual(frame.pixelFormat, "yuv420p")
        let fromLuma = try GrayImage(frame)
        let fromRGB = GrayImage(try frame.rgb)
        XCTAssertEqual(fromLuma.width, 512)
        XCTAssertEqual(fromLuma.height, 512)
        var total = 0, count = 0
        for index in stride(from: 0, to: fromLuma.pixels.count, by: 7) {
            total += abs(Int(fromLuma.pixels[index]) - Int(fromRGB.pixels[index]))
            count += 1
        }
        let meanDifference = Double(total) / Double(count)
        XCTAssertLessThan(meanDifference, 3, "mean |Y plane - luma of RGB| = \(meanDifference)")
    }

    func testFrameLumaOfRGBAndFullRangePictures() throws {
        // An RGB picture (PNG) goes through the RGB fallback; a JPEG decodes to full-range YUV
        // (yuvj420p), whose Y plane is used as it is.
        let url = try SharedData.require("media/astronaut.png")
        let png = try XCTUnwrap(try VideoReader(url: url).nextFrame())
        XCTAssertFalse(png.pixelFormat.hasPrefix("yuv"), png.pixelFormat)
        XCTAssertEqual(try GrayImage(png), GrayImage(try png.rgb))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-jpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FFmpegCLI.run(["-i", url.path, "-q:v", "1", "-pix_fmt", "yuvj420p", "still.jpg"], in: directory)
        let jpeg = try XCTUnwrap(try VideoReader(url: directory.appendingPathComponent("still.jpg")).nextFrame())
        XCTAssertEqual(jpeg.pixelFormat, "yuvj420p")
        let fromLuma = try GrayImage(jpeg), fromRGB = GrayImage(try jpeg.rgb)
        let difference = zip(fromLuma.pixels, fromRGB.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        XCTAssertLessThan(Double(difference) / Double(fromLuma.pixels.count), 3)
    }

    private func astronaut() throws -> GrayImage {
        GrayImage(try ImageIO.readImage(try SharedData.require("media/astronaut.png")))
    }
}

/// The mean of some points.
func mean(_ points: ArraySlice<Point2>) -> Point2 {
    let count = Float(points.count)
    return Point2(x: points.reduce(0) { $0 + $1.x } / count, y: points.reduce(0) { $0 + $1.y } / count)
}

/// Intersection over union of two boxes.
func iou(_ a: FaceBox, _ b: FaceBox) -> Float {
    let width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    let height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    guard width > 0, height > 0 else { return 0 }
    let intersection = width * height
    return intersection / (a.area + b.area - intersection)
}

/// Models shared by the tests (loading the 100 MB predictor takes about a second).
enum TestModels {
    private static let loaded: Result<LandmarkPredictor, AnalysisError> = Result { () throws(AnalysisError) in
        try LandmarkPredictor()
    }

    private static let analyzerLoaded: Result<FaceAnalyzer, any Error> = Result {
        var configuration = AnalysisConfiguration()
        configuration.modelsDirectory = try SharedData.require("models/sfm/sfm_shape_3448.bin")
            .deletingLastPathComponent().deletingLastPathComponent()
        return try FaceAnalyzer(configuration: configuration)
    }

    /// One analyzer with the default settings and the shared Surrey model, loaded once for every test
    /// (loading the models takes a second); skips without the shared models (fails under CI).
    static func analyzer() throws -> FaceAnalyzer { try analyzerLoaded.get() }

    /// The default 68-point predictor; skips the test when the model is not installed (fails under CI).
    static func predictor() throws -> LandmarkPredictor {
        switch loaded {
        case .success(let predictor): return predictor
        case .failure(let error):
            if SharedData.isCI { throw error }
            throw XCTSkip("the dlib landmark model is not available: \(error)")
        }
    }
}

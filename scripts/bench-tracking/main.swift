// Tracking benchmark (run by scripts/bench-tracking.sh, which adds this as a temporary
// executable target and builds it in release mode). Usage: BenchTracking <video>
import FacetAnalysis
import FacetMedia
import FacetSDK
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: BenchTracking <video>")
    exit(2)
}
let url = URL(fileURLWithPath: arguments[1])
do {
    var predictor: LandmarkPredictor!
    var detector: FaceDetector!
    let loadPredictor = try seconds { predictor = try LandmarkPredictor() }
    let loadDetector = try seconds { detector = try FaceDetector() }
    print(String(format: "load: predictor %.2f s, detector %.2f s", loadPredictor, loadDetector))

    // Decode + luma only.
    var frameCount = 0
    var firstImage: GrayImage?
    let decode = try seconds {
        let reader = try VideoReader(url: url)
        while let frame = try reader.nextFrame() {
            let image = try GrayImage(frame)
            if firstImage == nil { firstImage = image }
            frameCount += 1
        }
    }
    let image = firstImage!
    print(String(format: "decode + luma: %d frames %dx%d in %.2f s = %.0f fps", frameCount, image.width, image.height,
                 decode, Double(frameCount) / decode))

    // Detection on the frame scaled so its longest side is 640.
    let longest = max(image.width, image.height)
    let small = longest > 640 ? image.downscaled(toWidth: image.width * 640 / longest) : image
    var faces: [FaceDetection] = []
    let downscale = seconds { for _ in 0..<20 { _ = longest > 640 ? image.downscaled(toWidth: image.width * 640 / longest) : image } } / 20
    let detect = try seconds { for _ in 0..<20 { faces = try detector.detect(in: small) } } / 20
    let detectFull = try seconds { for _ in 0..<5 { _ = try detector.detect(in: image) } } / 5
    print(String(format: "downscale to %dx%d: %.2f ms; detection there: %.1f ms (%d faces); at full %dx%d: %.1f ms",
                 small.width, small.height, downscale * 1000, detect * 1000, faces.count, image.width, image.height, detectFull * 1000))
    if let face = faces.first {
        let scale = Float(image.width) / Float(small.width)
        let box = FaceBox(x: face.box.x * scale, y: face.box.y * scale, width: face.box.width * scale, height: face.box.height * scale)
        let landmarks = try seconds { for _ in 0..<200 { _ = try predictor.landmarks(in: image, box: box) } } / 200
        print(String(format: "landmarks: %.2f ms per face (box %.0f px)", landmarks * 1000, box.width))
    }

    // The whole tracker, decode included (decode runs on its own thread).
    let tracker = try FaceTracker(predictor: predictor, detector: detector)
    var tracks: [LandmarkTrack] = []
    let whole = try seconds {
        let reader = try VideoReader(url: url)
        while let frame = try reader.nextFrame() { try tracker.process(frame) }
        tracks = try tracker.finish()
    }
    print(String(format: "tracker incl. decode + smoothing: %d frames in %.2f s = %.0f fps; %@", frameCount, whole,
                 Double(frameCount) / whole, "\(tracker.statistics)"))
    for track in tracks {
        let scores = track.frames.compactMap(\.detectionScore)
        let box = track.frames[0].box
        print(String(format: "track %d: frames %d–%d, first box %.0fx%.0f at (%.0f, %.0f), %d detections, mean score %.2f",
                     track.id, track.firstFrameIndex!, track.lastFrameIndex!, box.width, box.height, box.x, box.y,
                     scores.count, scores.isEmpty ? 0 : scores.reduce(0, +) / Float(scores.count)))
    }
} catch {
    print("error: \(error)")
    exit(1)
}

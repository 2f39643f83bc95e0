// The render-quality report: each photograph becomes a short video, the standard edits are
// rendered into it, and the output is analysed again from its pixels. What the judge reads off
// the output's landmarks (pose, eye aspect ratios, inner-lip gap, mouth width and corners) is
// compared with the same face unedited in the same video, so one identity is fitted to both.

import FacetAnalysis
import FacetMedia
import FacetMorphableModel
import FacetRender
import FacetSDK
import Foundation

/// One edit of the quality report: a DirectEdit parameter and its value.
public struct QualityEdit: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The DirectEdit parameter (`yaw`, `smile`, `left-eye-closed`, …).
    public var parameter: String
    /// Its value (degrees for angles, strengths for expressions).
    public var value: Double

    /// Creates an edit.
    public init(_ parameter: String, _ value: Double) {
        self.parameter = parameter
        self.value = value
    }

    /// `parameter=value`, e.g. `yaw=-15`.
    public var description: String {
        let number = value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
        return "\(parameter)=\(number)"
    }

    /// The edits every face is checked with: turns, nods and tilts, a smile, an open mouth, one
    /// eye closed, both closed and both half closed.
    public static let standard: [QualityEdit] = [
        QualityEdit("yaw", 15), QualityEdit("yaw", -15), QualityEdit("pitch", 10), QualityEdit("pitch", -10),
        QualityEdit("roll", 10), QualityEdit("smile", 0.6), QualityEdit("mouth-open", 1),
        QualityEdit("left-eye-closed", 1), QualityEdit("eyes-closed", 1), QualityEdit("eyes-closed", 0.5),
    ]

    /// The requested pose change in degrees (zero for expression edits).
    public var requestedPose: PoseDegrees {
        switch parameter {
        case "yaw": return PoseDegrees(yaw: value, pitch: 0, roll: 0)
        case "pitch": return PoseDegrees(yaw: 0, pitch: value, roll: 0)
        case "roll": return PoseDegrees(yaw: 0, pitch: 0, roll: value)
        default: return PoseDegrees(yaw: 0, pitch: 0, roll: 0)
        }
    }

    /// How much the edit closes the subject's right and left eyes (0 = untouched).
    public var eyeClosure: (right: Double, left: Double) {
        switch parameter {
        case "eyes-closed": return (value, value)
        case "left-eye-closed": return (0, value)
        case "right-eye-closed": return (value, 0)
        default: return (0, 0)
        }
    }

    /// The chain that keeps the face as it is for the first second and applies the edit after it.
    var steppedChain: String { "direct-edit:\(parameter)=0@0~hold,\(value)@1" }
    /// The chain that applies the edit on every frame.
    var constantChain: String { "direct-edit:\(parameter)=\(value)" }
}

/// One edit on one face, as the judge measured it.
public struct EditQuality: Sendable, Codable {
    /// The edit.
    public var edit: QualityEdit
    /// The measured pose change, edited minus unedited, in degrees.
    public var poseChange: PoseDegrees
    /// The face unedited (first second of the output).
    public var before: FeatureMeasures
    /// The face edited (last second of the output).
    public var after: FeatureMeasures
    /// The same measures on Facet's own fit projected through the model, unedited and with the
    /// edit's coefficients: what the renderer was asked to draw. Where `after` falls short of
    /// `modelAfter`, the pixels (or the judge) lost part of the edit; where `modelAfter` itself
    /// is short, the edit asked for less than the bound. nil when the fit has no camera.
    public var modelBefore: FeatureMeasures?
    public var modelAfter: FeatureMeasures?
    /// Output frames on which the judge found the face, and the output's frame count.
    public var framesWithFace: Int
    public var frames: Int
    /// The renderer's head region (pixels it may write) over the area of the face box.
    public var headRegionToFaceBox: Double
    /// Pixels that changed outside the head region (grown by one pixel for subsampled chroma);
    /// zero when the renderer keeps its promise.
    public var changedOutsideHeadRegion: Int
    /// Jitter on a still: mean absolute frame-to-frame change of the output's luma inside the face
    /// box while the edit holds (the input's frames are identical, so any change is the render's).
    public var stillJitter: Double
}

/// Every edit on one photograph.
public struct FaceQuality: Sendable, Codable {
    /// The photograph's file name without its extension.
    public var name: String
    /// The video's frame size (the photograph scaled to fit `QualityBench.maximumSide`).
    public var width: Int
    public var height: Int
    /// The face box's side in the video, pixels (0 when no face was found).
    public var faceSize: Double
    /// The face's pose in the unedited video, degrees.
    public var pose: PoseDegrees?
    /// The edits; empty when the analysis found no face.
    public var edits: [EditQuality]
    /// The contact sheet written, if one was asked for.
    public var contactSheet: String?
}

/// How much a constant edit adds to the frame-to-frame change of a video's face.
public struct FlickerQuality: Sendable, Codable {
    /// The edit applied on every frame.
    public var edit: QualityEdit
    /// Mean absolute frame-to-frame change of (output − input) luma inside the face box, for the
    /// empty chain (encoding alone) and for the edit.
    public var emptyFlicker: Double
    public var editFlicker: Double
    /// The same measure for the input moved one pixel to the right on every frame: the flicker any
    /// geometric edit adds on a moving video, however stable its flow, because (output − input)
    /// then holds the picture's moving edges. A reference for `editFlicker`, not a target.
    public var onePixelShiftFlicker: Double
    /// Frames on which the judge found the face in the input, and those of them on which it found it in the output.
    public var inputFramesWithFace: Int
    public var outputFramesWithFace: Int

    /// `editFlicker / emptyFlicker`.
    public var ratio: Double { emptyFlicker > 0 ? editFlicker / emptyFlicker : .infinity }
    /// `onePixelShiftFlicker / emptyFlicker`.
    public var onePixelShiftRatio: Double { emptyFlicker > 0 ? onePixelShiftFlicker / emptyFlicker : .infinity }
}

/// Renders the standard edits into photographs and measures the output from its pixels.
public final class QualityBench {
    /// The analysis used for the input (its motion is edited) and, with raw landmarks, as the judge.
    public let analyzer: FaceAnalyzer
    /// Photographs larger than this (either side) are scaled down to it first.
    public var maximumSide = 1280
    /// The edits measured.
    public var edits = QualityEdit.standard
    /// The renderer's settings.
    public var rendererConfiguration = GeometricRenderer.Configuration()

    private let judge: FaceAnalyzer
    /// The clip: 2 s at 10 frames per second, the edit switching on at 1 s.
    private let duration = 2.0, frameRate = 10.0

    /// Creates a bench that analyses with `analyzer`; the judge shares its models but reads the
    /// output's landmarks unsmoothed and afresh on every frame, as any landmark detector would.
    public init(analyzer: FaceAnalyzer) {
        self.analyzer = analyzer
        var configuration = analyzer.configuration
        configuration.tracking.smoothing = nil
        // A fresh reading on every frame: the judge averages the frames of the edited second,
        // and a box held on the unchanged picture would give seven copies of one reading.
        configuration.tracking.unchangedPictureThreshold = 0
        judge = analyzer.sharingModels(configuration: configuration)
    }

    // MARK: - Photographs

    /// Measures every edit on the largest face of `photo`. Work files go to `directory` (removed
    /// afterwards); a contact sheet (the unedited face, then every edit, with the renderer's head
    /// region outlined in a second row) is written to `contactSheet` when given.
    public func measure(
        photo: URL, in directory: URL, contactSheet: URL? = nil,
        progress: ((String) -> Void)? = nil
    ) throws -> FaceQuality {
        let name = photo.deletingPathExtension().lastPathComponent
        let work = directory.appendingPathComponent("facet-quality-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let picture = try clipPicture(photo)
        let still = work.appendingPathComponent("\(name).png")
        try media("write \(still.path)") { try ImageIO.writePNG(picture, to: still) }
        let stillOptions = StillImageOptions(duration: duration, frameRate: frameRate)
        let source = try analyzer.analyze(still, stillImage: stillOptions).motion
        guard let face = source.tracks.max(by: { $0.meanBoxArea < $1.meanBoxArea }), let first = face.frames.first,
            let box = first.box
        else {
            return FaceQuality(name: name, width: picture.width, height: picture.height, faceSize: 0, pose: nil, edits: [])
        }
        var renderer = GeometricRenderer(model: analyzer.model, configuration: rendererConfiguration)
        let faceModel = analyzer.model.effectDescription()
        let crop = Self.cropRect(around: box, width: picture.width, height: picture.height)
        let cell = QualityBench.cellSide
        let sourceCell = ContactSheetPicture.resample(picture, from: crop, width: cell, height: cell)
        var cells = [(label: "SOURCE", image: sourceCell, outline: sourceCell)]
        var results: [EditQuality] = []
        for edit in edits {
            progress?("\(name) \(edit)")
            // The stepped clip, judged from its pixels.
            let output = work.appendingPathComponent("\(results.count).mp4")
            var encoder = EncoderSettings()
            encoder.crf = 12
            let chain = try ChainParser.parse(edit.steppedChain, registry: .builtIn)
            var pipeline = Pipeline(motionSource: PrecomputedMotion(source, summary: "analysed once"), renderer: renderer)
            pipeline.faceModel = faceModel
            _ = try pipeline.apply(
                ApplyRequest(
                    input: still, output: output, chain: chain, encoder: encoder,
                    stillDuration: duration, stillFrameRate: frameRate, overwrite: true))
            let judged = try judge.analyze(output).motion
            let track = Self.track(near: box, in: judged)
            let frames = track?.frames ?? []
            let beforeFrames = frames.filter { $0.time < 0.75 }, afterFrames = frames.filter { $0.time > 1.25 }
            let before = FeatureMeasures.mean(beforeFrames.compactMap { $0.landmarks.flatMap(FeatureMeasures.init) })
            let after = FeatureMeasures.mean(afterFrames.compactMap { $0.landmarks.flatMap(FeatureMeasures.init) })
            let poseChange = PoseDegrees(Self.meanPose(afterFrames)) - PoseDegrees(Self.meanPose(beforeFrames))
            let frameCount = Int((duration * frameRate).rounded())

            // The head region and the pixels outside it, on the constant edit rendered in memory.
            let edited = try editedMotion(source, chain: edit.constantChain, faceModel: faceModel)
            let region = try headRegion(still: still, source: source, edited: edited, track: face, renderer: &renderer)
            let editedTrack = edited.tracks.first { $0.id == face.id }
            let boxArea = Double(box.width * box.height)
            let editedFrame = try frame(15, of: output)
            let jitter = try stillJitter(output, in: box, fromFrame: Int((1.05 * frameRate).rounded(.up)))
            results.append(
                EditQuality(
                    edit: edit, poseChange: poseChange,
                    before: before ?? Self.missing, after: after ?? Self.missing,
                    modelBefore: modelMeasures(face, frame: first),
                    modelAfter: editedTrack.flatMap { track in track.frames.first.flatMap { modelMeasures(track, frame: $0) } },
                    framesWithFace: frames.count, frames: frameCount,
                    headRegionToFaceBox: Double(region.pixels) / max(boxArea, 1),
                    changedOutsideHeadRegion: region.changedOutside, stillJitter: jitter))
            var outlined = editedFrame
            Self.drawOutline(region.mask, maskWidth: picture.width, on: &outlined)
            cells.append(
                (
                    edit.description.uppercased(), ContactSheetPicture.resample(editedFrame, from: crop, width: cell, height: cell),
                    ContactSheetPicture.resample(outlined, from: crop, width: cell, height: cell)
                ))
        }
        var sheetPath: String?
        if let contactSheet {
            let sheet = Self.sheet(cells)
            try media("write \(contactSheet.path)") { try ImageIO.writePNG(sheet, to: contactSheet) }
            sheetPath = contactSheet.path
        }
        return FaceQuality(
            name: name, width: picture.width, height: picture.height, faceSize: Double(max(box.width, box.height)),
            pose: PoseDegrees(first.coefficients.pose), edits: results, contactSheet: sheetPath)
    }

    /// The judge's measures on the model's own landmarks for one frame's coefficients (iBUG
    /// points the model lacks, the contour's, are not among those measured).
    private func modelMeasures(_ track: FaceTrack, frame: FaceFrame) -> FeatureMeasures? {
        guard let camera = track.camera else { return nil }
        let points = analyzer.model.projectedLandmarks(identity: track.identity, coefficients: frame.coefficients, camera: camera)
        return FeatureMeasures(landmarks: points.map { $0 ?? Point2(x: 0, y: 0) })
    }

    /// The photograph, scaled to fit `maximumSide` and trimmed to even sides (4:2:0 video).
    private func clipPicture(_ photo: URL) throws -> RGBImage {
        var picture = try media("read \(photo.path)") { try ImageIO.readImage(photo) }
        let scale = min(1, Double(maximumSide) / Double(max(picture.width, picture.height)))
        var width = Int((Double(picture.width) * scale).rounded()), height = Int((Double(picture.height) * scale).rounded())
        width -= width % 2
        height -= height % 2
        if width != picture.width || height != picture.height { picture = picture.resized(width: width, height: height) }
        return picture
    }

    /// `source` after the chain `text`.
    private func editedMotion(_ source: SceneMotion, chain text: String, faceModel: FaceModelDescription) throws -> SceneMotion {
        let chain = try ChainParser.parse(text, registry: .builtIn)
        var motion = source
        for invocation in chain.invocations {
            let effect = try invocation.instantiate()
            try effect.process(&motion, context: EffectContext(faceModel: faceModel))
        }
        return motion
    }

    /// Renders the edit into the first frame of the still in memory; returns the head region
    /// (a frame-sized mask), its pixel count and how many pixels changed outside it.
    private func headRegion(
        still: URL, source: SceneMotion, edited: SceneMotion, track: FaceTrack,
        renderer: inout GeometricRenderer
    ) throws -> (mask: [Bool], pixels: Int, changedOutside: Int) {
        guard let editedTrack = edited.tracks.first(where: { $0.id == track.id }), let camera = track.camera,
            let sourceFrame = track.frames.first, let editedFrame = editedTrack.frames.first
        else { return ([], 0, 0) }
        let reader = try media("read \(still.path)") {
            try VideoReader(url: still, stillImage: StillImageOptions(duration: 0.1, frameRate: 10))
        }
        guard let frame = try media("decode \(still.path)", { try reader.nextFrame() }) else { return ([], 0, 0) }
        let width = frame.width, height = frame.height
        let flow = try renderer.flow(
            identity: track.identity, camera: camera, source: sourceFrame.coefficients,
            edited: editedFrame.coefficients, frameWidth: width, frameHeight: height)
        var mask = [Bool](repeating: false, count: width * height)
        var pixels = 0
        for y in max(flow.originY, 0)..<min(flow.originY + flow.height, height) {
            for x in max(flow.originX, 0)..<min(flow.originX + flow.width, width) where flow.isInHeadRegion(x: x, y: y) {
                mask[y * width + x] = true
                pixels += 1
            }
        }
        let original = try frame.rgb
        try renderer.render(frame, source: source, edited: edited)
        let rendered = try frame.rgb
        var changedOutside = 0
        for y in 0..<height {
            for x in 0..<width where !Self.near(mask, x, y, width: width, height: height) {
                let offset = (y * width + x) * 3
                if original.pixels[offset] != rendered.pixels[offset] || original.pixels[offset + 1] != rendered.pixels[offset + 1]
                    || original.pixels[offset + 2] != rendered.pixels[offset + 2]
                {
                    changedOutside += 1
                }
            }
        }
        return (mask, pixels, changedOutside)
    }

    /// Whether the mask is set at or next to (x, y).
    private static func near(_ mask: [Bool], _ x: Int, _ y: Int, width: Int, height: Int) -> Bool {
        for dy in -1...1 {
            for dx in -1...1 {
                let u = x + dx, v = y + dy
                if u >= 0, v >= 0, u < width, v < height, mask[v * width + u] { return true }
            }
        }
        return false
    }

    // MARK: - Flicker

    /// Applies `edit` on every frame of `video` and measures the frame-to-frame change of
    /// (output − input) luma inside the face boxes, against the empty chain's; and on how many of
    /// the frames where the judge finds a face in the input it still finds one in the output.
    public func flicker(video: URL, edit: QualityEdit, in directory: URL) throws -> FlickerQuality {
        let work = directory.appendingPathComponent("facet-flicker-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let source = try analyzer.analyze(video).motion
        let renderer = GeometricRenderer(model: analyzer.model, configuration: rendererConfiguration)
        var outputs: [URL] = []
        for (index, text) in ["", edit.constantChain].enumerated() {
            let output = work.appendingPathComponent("\(index).mp4")
            let chain = text.isEmpty ? EffectChain.empty : try ChainParser.parse(text, registry: .builtIn)
            var pipeline = Pipeline(motionSource: PrecomputedMotion(source, summary: "analysed once"), renderer: renderer)
            pipeline.faceModel = analyzer.model.effectDescription()
            _ = try pipeline.apply(ApplyRequest(input: video, output: output, chain: chain, overwrite: true))
            outputs.append(output)
        }
        let boxes = Self.boxesByFrame(source)
        let empty = try flicker(input: video, output: outputs[0], boxes: boxes)
        let edited = try flicker(input: video, output: outputs[1], boxes: boxes)
        let shifted = try flicker(input: video, output: nil, boxes: boxes)
        let inputFrames = Set(try judge.analyze(video).motion.tracks.flatMap { $0.frames.map(\.frameIndex) })
        let outputFrames = Set(try judge.analyze(outputs[1]).motion.tracks.flatMap { $0.frames.map(\.frameIndex) })
        return FlickerQuality(
            edit: edit, emptyFlicker: empty, editFlicker: edited, onePixelShiftFlicker: shifted,
            inputFramesWithFace: inputFrames.count,
            outputFramesWithFace: inputFrames.intersection(outputFrames).count)
    }

    /// Every frame's face boxes.
    private static func boxesByFrame(_ motion: SceneMotion) -> [Int: [FaceBox]] {
        var boxes: [Int: [FaceBox]] = [:]
        for track in motion.tracks {
            for frame in track.frames { if let box = frame.box { boxes[frame.frameIndex, default: []].append(box) } }
        }
        return boxes
    }

    /// Mean |Δₙ₊₁ − Δₙ| of Δ = output − input luma over the face boxes of frame n; with no
    /// output, of the input moved one pixel to the right.
    private func flicker(input: URL, output: URL?, boxes: [Int: [FaceBox]]) throws -> Double {
        let inputReader = try media("read \(input.path)") { try VideoReader(url: input) }
        let outputReader = try output.map { output in try media("read \(output.path)") { try VideoReader(url: output) } }
        var previous: [Int16]?
        var total = 0.0, samples = 0
        var index = 0
        while let a = try media("decode \(input.path)", { try inputReader.nextFrame() }) {
            let la = try media("luma") { try a.luma() }
            let lb: [UInt8]
            if let outputReader, let output {
                guard let b = try media("decode \(output.path)", { try outputReader.nextFrame() }) else { break }
                lb = try media("luma") { try b.luma() }
            } else {
                lb = (0..<la.count).map { la[$0 % a.width == 0 ? $0 : $0 - 1] }
            }
            let difference = zip(la, lb).map { Int16($1) - Int16($0) }
            if let previous, let faceBoxes = boxes[index - 1] {
                for box in faceBoxes {
                    Self.accumulateChange(
                        difference, previous, in: box, width: a.width, height: a.height,
                        total: &total, samples: &samples)
                }
            }
            previous = difference
            index += 1
        }
        return samples > 0 ? total / Double(samples) : 0
    }

    /// Mean |Lₙ₊₁ − Lₙ| of the video's luma over `box`, from frame `first` on.
    private func stillJitter(_ video: URL, in box: FaceBox, fromFrame first: Int) throws -> Double {
        let reader = try media("read \(video.path)") { try VideoReader(url: video) }
        var previous: [UInt8]?
        var total = 0.0, samples = 0
        while let frame = try media("decode \(video.path)", { try reader.nextFrame() }) {
            guard frame.index >= first else { continue }
            let luma = try media("luma") { try frame.luma() }
            defer { previous = luma }
            guard let previous else { continue }
            Self.accumulateChange(
                luma, previous, in: box, width: frame.width, height: frame.height,
                total: &total, samples: &samples)
        }
        return samples > 0 ? total / Double(samples) : 0
    }

    /// Adds Σ|a − b| over the pixels of `box` (clipped to the frame) to `total`, their count to `samples`.
    private static func accumulateChange<T: BinaryInteger>(
        _ a: [T], _ b: [T], in box: FaceBox, width: Int, height: Int,
        total: inout Double, samples: inout Int
    ) {
        let x0 = max(Int(box.x), 0), y0 = max(Int(box.y), 0)
        let x1 = min(Int(box.x + box.width), width), y1 = min(Int(box.y + box.height), height)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                total += Double(abs(Int(a[y * width + x]) - Int(b[y * width + x])))
                samples += 1
            }
        }
    }

    // MARK: - Helpers

    private static let missing = FeatureMeasures(
        rightEyeAspect: .nan, leftEyeAspect: .nan, innerLipGap: .nan,
        mouthWidth: .nan, cornerDrop: .nan, eyeDistance: .nan)

    private func media<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw HostError(.media, "quality report: could not \(what)", cause: error) }
    }

    /// Frame `index` of a video as RGB.
    private func frame(_ index: Int, of video: URL) throws -> RGBImage {
        let reader = try media("read \(video.path)") { try VideoReader(url: video) }
        var last: RGBImage?
        while let frame = try media("decode \(video.path)", { try reader.nextFrame() }) {
            last = try frame.rgb
            if frame.index >= index { break }
        }
        guard let last else { throw HostError(.media, "quality report: \(video.path) has no frames") }
        return last
    }

    /// The judged track nearest the face box (nil when none is near it).
    private static func track(near box: FaceBox, in motion: SceneMotion) -> FaceTrack? {
        let centre = box.center
        let candidates = motion.tracks.compactMap { track -> (FaceTrack, Float)? in
            guard let other = track.frames.first?.box else { return nil }
            let dx = other.center.x - centre.x, dy = other.center.y - centre.y
            let distance = (dx * dx + dy * dy).squareRoot()
            return distance < 0.5 * max(box.width, box.height) ? (track, distance) : nil
        }
        return candidates.min { $0.1 < $1.1 }?.0
    }

    private static func meanPose(_ frames: [FaceFrame]) -> HeadPose {
        var pose = HeadPose(yaw: 0, pitch: 0, roll: 0)
        guard !frames.isEmpty else { return pose }
        let weight = 1 / Float(frames.count)
        for frame in frames {
            pose.yaw += weight * frame.coefficients.pose.yaw
            pose.pitch += weight * frame.coefficients.pose.pitch
            pose.roll += weight * frame.coefficients.pose.roll
        }
        return pose
    }

    // MARK: - Contact sheet

    /// A square 2.4 face boxes wide around the face, inside the picture.
    static func cropRect(around box: FaceBox, width: Int, height: Int) -> PixelRect {
        let side = min(Int((2.4 * Double(max(box.width, box.height))).rounded()), width, height)
        let x = min(max(Int(Double(box.center.x) - Double(side) / 2), 0), width - side)
        let y = min(max(Int(Double(box.center.y) - Double(side) / 2), 0), height - side)
        return PixelRect(x: x, y: y, width: side, height: side)
    }

    /// Marks the mask's boundary pixels in yellow.
    static func drawOutline(_ mask: [Bool], maskWidth: Int, on image: inout RGBImage) {
        guard mask.count == image.width * image.height, maskWidth == image.width else { return }
        let width = image.width, height = image.height
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] {
                let boundary =
                    x == 0 || y == 0 || x == width - 1 || y == height - 1 || !mask[y * width + x - 1]
                    || !mask[y * width + x + 1] || !mask[(y - 1) * width + x] || !mask[(y + 1) * width + x]
                if boundary { image[x, y] = (255, 220, 0) }
            }
        }
    }

    /// A contact sheet cell's side in pixels.
    static let cellSide = 240

    /// Cells (`cellSide` square) side by side with their labels above; the outlined copies in a second row.
    static func sheet(_ cells: [(label: String, image: RGBImage, outline: RGBImage)]) -> RGBImage {
        let side = cellSide, padding = ContactSheetPicture.padding, label = ContactSheetPicture.labelHeight
        let width = padding + cells.count * (side + padding)
        let height = padding + 2 * (label + side + padding)
        var sheet = RGBImage(width: width, height: height, red: 32, green: 32, blue: 32)
        for (index, cell) in cells.enumerated() {
            let x = padding + index * (side + padding)
            sheet.paste(cell.image, x: x, y: padding + label)
            sheet.paste(cell.outline, x: x, y: 2 * padding + 2 * label + side)
        }
        var painter = OverlayPainter(image: sheet, opacity: 1)
        for (index, cell) in cells.enumerated() {
            let x = Float(padding + index * (side + padding))
            painter.label(cell.label, at: Point2(x: x, y: Float(padding + 2)), scale: 2, ContactSheetPicture.ink)
            painter.label("REGION", at: Point2(x: x, y: Float(2 * padding + label + side + 2)), scale: 2, ContactSheetPicture.ink)
        }
        return painter.image
    }
}

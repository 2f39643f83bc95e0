import ArgumentParser
import FacetHost
import Foundation

/// `facet bench`: measurements anyone can run on their own material.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure how edits look on your own faces.",
        subcommands: [Quality.self]
    )

    /// `facet bench quality`: the standard edits on a folder of photographs, judged from the pixels.
    struct Quality: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the standard edits into photographs and measure the output from its pixels.",
            discussion: """
                Every photograph (or every .jpg/.jpeg/.png in a folder) becomes a 2 s video at \
                10 frames per second (scaled to fit 1280 px), and each standard edit (yaw ±15, \
                pitch ±10, roll 10, smile 0.6, mouth-open 1, left-eye-closed 1, eyes-closed 1 and \
                0.5) is rendered into it, switched on at 1 s. The output is analysed again from \
                its pixels with raw (unsmoothed) landmarks, and the table gives, per face and \
                edit, the measured pose change (requested in brackets), the eye aspect ratios, \
                the inner-lip gap, the mouth's width and the height of its corners (fractions of \
                the eye distance, unedited → edited; "model" is the inner-lip gap of Facet's own \
                fit with the edit's coefficients, what the renderer was asked to draw), the frames the face was found on, the \
                renderer's head region relative to the face box, how many pixels changed \
                outside it, and the jitter on the still: the mean frame-to-frame change of the \
                output's gray levels in the face box while the edit holds (0 for a stable \
                render). With -o, a contact sheet per face is written there: the unedited \
                face and every edit, with the head region outlined in a second row.

                --flicker VIDEO also applies a constant yaw=10 to a video and compares the \
                frame-to-frame flicker of (output − input) in the face box with that of an empty \
                edit, and with the picture moved by a constant 1 px, which adds flicker on any \
                moving video however stable the render (see Docs/Rendering.md).
                """
        )

        @Argument(help: "Photographs, or folders of them.", completion: .file())
        var inputs: [String]

        @Option(name: .shortAndLong, help: "Write a contact sheet per face into this folder.", completion: .directory)
        var output: String?

        @Option(name: .long, help: "Only these edits, comma-separated (e.g. 'yaw=15,smile=0.6'); default: the standard ones.")
        var edits: String?

        @Option(name: .long, help: "Also measure the flicker of a constant yaw=10 on this video.", completion: .file())
        var flicker: String?

        @Option(name: .long, help: "The models directory (holding sfm/ and converted models).", completion: .directory)
        var models: String?

        @Flag(name: .long, help: "Print the measurements as JSON on standard output.")
        var json = false

        @Flag(name: .shortAndLong, help: "Print nothing but errors and the results.")
        var quiet = false

        struct Report: Encodable {
            var faces: [FaceQuality]
            var flicker: FlickerQuality?
        }

        func run() throws {
            do {
                let chosenEdits = try edits.map(Self.parseEdits)
                let photos = try Self.photographs(inputs)
                var analysis = AnalysisOptions()
                analysis.modelsDirectory = models.map { URL(fileURLWithPath: $0, isDirectory: true) }
                let bench = try QualityBench(options: analysis)
                if let chosenEdits { bench.edits = chosenEdits }
                let outputDirectory = output.map { URL(fileURLWithPath: $0, isDirectory: true) }
                if let outputDirectory {
                    do { try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true) } catch {
                        throw HostError(.io, "could not create the contact sheet folder \(outputDirectory.path)", cause: error)
                    }
                }
                let work = FileManager.default.temporaryDirectory
                var faces: [FaceQuality] = []
                for photo in photos {
                    let sheet = outputDirectory?.appendingPathComponent(photo.deletingPathExtension().lastPathComponent + "-quality.png")
                    let face = try bench.measure(photo: photo, in: work, contactSheet: sheet) { step in
                        if !quiet && !json { Terminal.error("facet: \(step)…") }
                    }
                    if !json { print(QualityTable.render(face)) }
                    faces.append(face)
                }
                var flickerResult: FlickerQuality?
                if let flicker {
                    if !quiet && !json { Terminal.error("facet: flicker of yaw=10 on \(flicker)…") }
                    let result = try bench.flicker(video: URL(fileURLWithPath: flicker), edit: QualityEdit("yaw", 10), in: work)
                    if !json { print(QualityTable.render(result)) }
                    flickerResult = result
                }
                if json { try Terminal.printJSON(Report(faces: faces, flicker: flickerResult)) }
            } catch let error as HostError {
                throw ExitCode(FacetCLI.report(error))
            } catch let error as ExitCode {
                throw error
            } catch {
                throw ExitCode(FacetCLI.report(HostError(.media, "the quality report failed", cause: error)))
            }
        }

        /// `name=value` pairs separated by commas.
        static func parseEdits(_ text: String) throws(HostError) -> [QualityEdit] {
            var result: [QualityEdit] = []
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "=")
                guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    throw HostError(.invalidArguments, "--edits: \"\(item)\" is not parameter=number (e.g. yaw=15)")
                }
                result.append(QualityEdit(parts[0].trimmingCharacters(in: .whitespaces), value))
            }
            guard !result.isEmpty else { throw HostError(.invalidArguments, "--edits is empty; expected e.g. yaw=15,smile=0.6") }
            return result
        }

        /// The photographs named, folders expanded (sorted by name).
        static func photographs(_ inputs: [String]) throws(HostError) -> [URL] {
            var photos: [URL] = []
            for input in inputs {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                    throw HostError(.invalidArguments, "\(input) does not exist; expected a photograph or a folder of them")
                }
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                    let pictures = names.filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                    guard !pictures.isEmpty else {
                        throw HostError(.invalidArguments, "\(input) holds no .jpg, .jpeg or .png photographs")
                    }
                    photos += pictures.map { URL(fileURLWithPath: input).appendingPathComponent($0) }
                } else {
                    photos.append(URL(fileURLWithPath: input))
                }
            }
            return photos
        }
    }
}

/// The quality report as text tables.
enum QualityTable {
    static func render(_ face: FaceQuality) -> String {
        guard !face.edits.isEmpty else { return "\(face.name): no face found (\(face.width)x\(face.height))\n" }
        var lines = [
            String(
                format: "%@ (%dx%d, face %.0f px, yaw %.1f° pitch %.1f° roll %.1f°)", face.name, face.width, face.height,
                face.faceSize, face.pose?.yaw ?? 0, face.pose?.pitch ?? 0, face.pose?.roll ?? 0)
        ]
        lines.append(
            "  edit               yaw (req)      pitch (req)    roll (req)     right eye    left eye     lip gap      (model)      width        corners      found  region outside  jitter"
        )
        for edit in face.edits {
            let requested = edit.edit.requestedPose
            func change(_ value: Double, _ wanted: Double) -> String { String(format: "%+6.1f (%+3.0f)", value, wanted) }
            func pair(_ a: Double, _ b: Double) -> String { String(format: "%.3f→%.3f", a, b) }
            let columns = [
                edit.edit.description.padding(toLength: 18, withPad: " ", startingAt: 0),
                change(edit.poseChange.yaw, requested.yaw), change(edit.poseChange.pitch, requested.pitch),
                change(edit.poseChange.roll, requested.roll),
                pair(edit.before.rightEyeAspect, edit.after.rightEyeAspect), pair(edit.before.leftEyeAspect, edit.after.leftEyeAspect),
                pair(edit.before.innerLipGap, edit.after.innerLipGap),
                edit.modelBefore.flatMap { before in edit.modelAfter.map { pair(before.innerLipGap, $0.innerLipGap) } } ?? "—          ",
                pair(edit.before.mouthWidth, edit.after.mouthWidth),
                pair(edit.before.cornerDrop, edit.after.cornerDrop),
                String(format: "%2d/%-2d", edit.framesWithFace, edit.frames),
                String(format: "%5.2f", edit.headRegionToFaceBox),
                String(edit.changedOutsideHeadRegion).padding(toLength: 7, withPad: " ", startingAt: 0),
                String(format: "%.3f", edit.stillJitter),
            ]
            lines.append("  " + columns.joined(separator: "  "))
        }
        if let sheet = face.contactSheet { lines.append("  contact sheet: \(sheet)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ flicker: FlickerQuality) -> String {
        String(
            format:
                "flicker of %@ in the face box: %.3f vs %.3f for an empty edit (%.2fx; the picture moved by a constant 1 px: %.3f, %.2fx); face found on %d of the %d input frames with one",
            flicker.edit.description, flicker.editFlicker, flicker.emptyFlicker, flicker.ratio,
            flicker.onePixelShiftFlicker, flicker.onePixelShiftRatio,
            flicker.outputFramesWithFace, flicker.inputFramesWithFace) + "\n"
    }
}

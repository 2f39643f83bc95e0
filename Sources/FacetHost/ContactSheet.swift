import FacetMedia
import FacetRender
import FacetSDK
import Foundation

// The contact sheet: a before | after PNG of a few frames, so a person sees an edit at once.
//
// The pipeline picks the frames (`ContactSheetRequest.frameIndices`), captures each one's picture
// before and after the renderer ran (`ContactSheetEntry.capture`), and composes the rows here
// (`ContactSheetPicture.compose`, FacetRender). The PNG is written to a temporary file beside the target and renamed,
// so an error never leaves a partial sheet.

/// What contact sheet to write, and which frames to show on it.
public struct ContactSheetRequest: Sendable, Equatable {
    /// The PNG to write.
    public var output: URL
    /// How many frames to show when `times` is nil (default 4): spread evenly over the video,
    /// each taken where the chain's edit is strongest in its part of the video.
    public var frameCount: Int
    /// Exact times in seconds to show (one row each, in this order); nil: chosen automatically.
    public var times: [Double]?
    /// The height in pixels of every cell (default 384).
    public var cellHeight: Int
    /// Whether to crop each row around the faces (default true); rows without a face show the whole frame.
    public var cropToFaces: Bool
    /// Replace an existing sheet.
    public var overwrite: Bool

    /// Creates a request; see the properties for the defaults.
    public init(
        output: URL, frameCount: Int = 4, times: [Double]? = nil, cellHeight: Int = 384,
        cropToFaces: Bool = true, overwrite: Bool = false
    ) {
        self.output = output
        self.frameCount = frameCount
        self.times = times
        self.cellHeight = cellHeight
        self.cropToFaces = cropToFaces
        self.overwrite = overwrite
    }

    /// Checks the request before anything is decoded: a .png path that is not a directory, not
    /// `videoOutput`, and absent unless `overwrite` is set; a sensible frame count, cell height and times.
    public func validate(videoOutput: URL? = nil) throws(HostError) {
        guard output.pathExtension.lowercased() == "png" else {
            throw HostError(
                .invalidArguments, "contact sheet \(output.path) must be a .png file; got the extension '.\(output.pathExtension)'")
        }
        guard (1...64).contains(frameCount) else {
            throw HostError(.invalidArguments, "contact sheet frame count \(frameCount) is out of range; expected 1 … 64")
        }
        guard (16...4096).contains(cellHeight) else {
            throw HostError(.invalidArguments, "contact sheet cell height \(cellHeight) px is out of range; expected 16 … 4096")
        }
        if let times {
            guard !times.isEmpty, times.count <= 64 else {
                throw HostError(.invalidArguments, "contact sheet needs 1 … 64 times; got \(times.count)")
            }
            if let bad = times.first(where: { !($0.isFinite && $0 >= 0) }) {
                throw HostError(.invalidArguments, "contact sheet time \(bad) is invalid; expected seconds ≥ 0")
            }
        }
        if let videoOutput,
            videoOutput.standardizedFileURL.path == output.standardizedFileURL.path
        {
            throw HostError(.invalidArguments, "contact sheet \(output.path) is the video output itself; expected a separate .png path")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw HostError(
                    .invalidArguments,
                    "contact sheet \(output.path) is a directory; expected a file path such as \(output.appendingPathComponent("sheet.png").path)"
                )
            }
            if !overwrite {
                throw HostError(.invalidArguments, "contact sheet \(output.path) already exists; pass --overwrite (-y) to replace it")
            }
        }
        try OutputPreflight.checkWritable(output, what: "contact sheet")
    }

    /// The frames to show, in row order.
    ///
    /// With `times`: the frame nearest each time (an error names a time past the end). Otherwise
    /// the video is cut into `frameCount` equal parts and each part gives the frame of its middle
    /// half where the edit (`editStrength`) is largest — its middle frame when nothing is edited there.
    public func frameIndices(
        frameCount total: Int, frameRate: Double, duration: Double,
        source: SceneMotion, edited: SceneMotion
    ) throws(HostError) -> [Int] {
        guard total > 0 else {
            throw HostError(.media, "the input has no frames to put on a contact sheet")
        }
        if let times {
            let rate = frameRate > 0 ? frameRate : 25
            var indices: [Int] = []
            for time in times {
                if duration > 0, time > duration + 0.5 / rate {
                    throw HostError(
                        .invalidArguments,
                        String(format: "time %g s is past the end of the %g s input; expected times in [0, %g]", time, duration, duration))
                }
                indices.append(min(total - 1, max(0, Int((time * rate).rounded()))))
            }
            return indices
        }
        let strength = ContactSheetPicture.editStrength(source: source, edited: edited)
        let parts = min(frameCount, total)
        return (0..<parts).map { part in
            let start = part * total / parts
            let end = max(start + 1, (part + 1) * total / parts)
            var best = (start + end - 1) / 2
            var bestScore: Float = 0
            // Only the middle half of each part is searched, so neighbouring rows stay apart.
            let quarter = (end - start) / 4
            for index in (start + quarter)..<max(start + quarter + 1, end - quarter) {
                if let score = strength[index], score > bestScore {
                    best = index
                    bestScore = score
                }
            }
            return best
        }
    }
}

/// Writes contact sheets (composed by `ContactSheetPicture`) atomically: through a temporary file
/// beside the target, renamed at the end.
public enum ContactSheet {
    /// Writes `image` as a PNG at `url` through a temporary file beside it; nothing is left at
    /// `url` (or beside it) on failure. Returns the temporary file, which the caller renames with
    /// `commit(_:to:)` or deletes; this split lets the pipeline finish the video in between.
    static func writeTemporary(_ image: RGBImage, beside url: URL) throws(HostError) -> URL {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.deletingPathExtension().lastPathComponent).facet-\(UUID().uuidString.prefix(8)).png")
        TemporaryFiles.register(temporary)
        do {
            try ImageIO.writePNG(image, to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            TemporaryFiles.unregister(temporary)
            throw HostError(.io, "could not write the contact sheet \(url.path)", cause: error)
        }
        return temporary
    }

    /// Renames the temporary sheet to `url` (replacing what is there); removes it on failure.
    static func commit(_ temporary: URL, to url: URL) throws(HostError) {
        defer { TemporaryFiles.unregister(temporary) }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw HostError(.io, "could not move the contact sheet into place at \(url.path): \(reason)")
        }
    }

    /// Writes the sheet for `entries` to `url` atomically.
    public static func write(_ entries: [ContactSheetEntry], to url: URL) throws(HostError) {
        guard !entries.isEmpty else {
            throw HostError(.media, "no frames were captured for the contact sheet \(url.path)")
        }
        try commit(try writeTemporary(ContactSheetPicture.compose(entries), beside: url), to: url)
    }
}

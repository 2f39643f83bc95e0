import FacetMedia
import FacetSDK
import Foundation

// The pixels of a contact sheet: rows of [before | after] cells under a header, each row labelled
// with its frame number and time; which part of a frame a cell shows; and the resampling. The
// host picks the frames and writes the file (FacetHost's ContactSheet).

/// One row of a contact sheet: a frame's picture before and after rendering, already cropped
/// and scaled to the cell size.
public struct ContactSheetEntry: Sendable, Equatable {
    /// The frame's index (0-based).
    public var frameIndex: Int
    /// The frame's time in seconds.
    public var time: Double
    /// The frame before rendering.
    public var before: RGBImage
    /// The frame after rendering.
    public var after: RGBImage

    /// Creates an entry from images already of the cell size (both the same size).
    public init(frameIndex: Int, time: Double, before: RGBImage, after: RGBImage) {
        self.frameIndex = frameIndex
        self.time = time
        self.before = before
        self.after = after
    }

    /// Crops `before` and `after` (full frames of one size) to `crop` and scales both so they are
    /// `cellHeight` pixels tall.
    public init(
        frameIndex: Int, time: Double, fullBefore: RGBImage, fullAfter: RGBImage, crop: PixelRect?,
        cellHeight: Int
    ) {
        let rect = crop ?? PixelRect(x: 0, y: 0, width: fullBefore.width, height: fullBefore.height)
        let cellWidth = max(1, Int((Double(rect.width) * Double(cellHeight) / Double(rect.height)).rounded()))
        self.init(
            frameIndex: frameIndex, time: time,
            before: ContactSheetPicture.resample(fullBefore, from: rect, width: cellWidth, height: cellHeight),
            after: ContactSheetPicture.resample(fullAfter, from: rect, width: cellWidth, height: cellHeight))
    }
}

/// A rectangle of whole pixels.
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Whether the pixel (px, py) is inside.
    public func contains(_ px: Int, _ py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }

    /// `WxH+X+Y`.
    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// Composes contact sheets: one row per frame, [before | after], under a BEFORE / AFTER header,
/// each row headed by its frame number and time.
public enum ContactSheetPicture {
    /// Space between cells and around the sheet, in pixels.
    public static let padding = 8
    /// Height of the BEFORE / AFTER header and of each row's label strip, in pixels.
    public static let labelHeight = 18
    /// The sheet's background.
    public static let background: (UInt8, UInt8, UInt8) = (32, 32, 32)
    /// The label colour.
    public static let ink = OverlayColor(red: 235, green: 235, blue: 235)

    /// Where every cell of a sheet for cells of `cellSizes` (one (width, height) per row) lies,
    /// and the sheet's size. Columns are as wide as the widest row's cells; narrower cells are centred.
    public static func layout(cellSizes: [(width: Int, height: Int)]) -> (width: Int, height: Int, before: [PixelRect], after: [PixelRect])
    {
        let columnWidth = cellSizes.map(\.width).max() ?? 0
        let width = 3 * padding + 2 * columnWidth
        var y = padding + labelHeight
        var before: [PixelRect] = []
        var after: [PixelRect] = []
        for size in cellSizes {
            y += labelHeight
            let inset = (columnWidth - size.width) / 2
            before.append(PixelRect(x: padding + inset, y: y, width: size.width, height: size.height))
            after.append(PixelRect(x: 2 * padding + columnWidth + inset, y: y, width: size.width, height: size.height))
            y += size.height + padding
        }
        return (width, y, before, after)
    }

    /// The sheet image for `entries` (at least one; `before` and `after` of one entry share a size).
    public static func compose(_ entries: [ContactSheetEntry]) -> RGBImage {
        let placement = layout(cellSizes: entries.map { ($0.before.width, $0.before.height) })
        var sheet = RGBImage(
            width: max(1, placement.width), height: max(1, placement.height),
            red: background.0, green: background.1, blue: background.2)
        for (row, entry) in entries.enumerated() {
            blit(entry.before, into: &sheet, at: placement.before[row])
            blit(entry.after, into: &sheet, at: placement.after[row])
        }
        var painter = OverlayPainter(image: sheet, opacity: 1)
        let columnWidth = (placement.width - 3 * padding) / 2
        let textTop = Float(padding + 2)
        drawWord("BEFORE", at: Point2(x: Float(padding), y: textTop), on: &painter)
        drawWord("AFTER", at: Point2(x: Float(2 * padding + columnWidth), y: textTop), on: &painter)
        for (row, entry) in entries.enumerated() {
            let top = Float(placement.before[row].y - labelHeight + 3)
            let label = String(format: "#%d  %.2f", entry.frameIndex, entry.time)
            painter.label(label, at: Point2(x: Float(padding), y: top), scale: 2, ink)
            // A trailing "S" for seconds, after the digits (4 px per glyph column at scale 2 → 8 px).
            drawWord("S", at: Point2(x: Float(padding + label.count * 8 + 2), y: top), on: &painter)
        }
        return painter.image
    }

    /// How strongly the chain changed each frame: for every frame index, the largest change over
    /// the faces of pose (degrees), translation and expression (×10) between `source` and `edited`.
    /// Frames without a change are absent.
    public static func editStrength(source: SceneMotion, edited: SceneMotion) -> [Int: Float] {
        var strength: [Int: Float] = [:]
        for track in edited.tracks {
            guard let original = source.tracks.first(where: { $0.id == track.id }) else { continue }
            for face in track.frames {
                guard let position = original.position(ofFrame: face.frameIndex) else { continue }
                let score = change(original.frames[position].coefficients, face.coefficients)
                if score > 0 { strength[face.frameIndex] = max(strength[face.frameIndex] ?? 0, score) }
            }
        }
        return strength
    }

    /// The square to crop `frameIndex` to: around the union of every face's box (and landmarks)
    /// in `source` and `edited` — only the faces the chain changed when there are any — enlarged
    /// ×2.2 and kept inside the frame. Nil when no face is present there.
    public static func cropRect(
        frameIndex: Int, source: SceneMotion, edited: SceneMotion,
        frameWidth: Int, frameHeight: Int
    ) -> PixelRect? {
        var changed: [FaceBox] = []
        var unchanged: [FaceBox] = []
        for track in source.tracks {
            guard let position = track.position(ofFrame: frameIndex) else { continue }
            let face = track.frames[position]
            var boxes = [bounds(of: face)].compactMap { $0 }
            var isChanged = false
            if let other = edited.tracks.first(where: { $0.id == track.id }),
                let otherPosition = other.position(ofFrame: frameIndex)
            {
                let editedFace = other.frames[otherPosition]
                if let box = bounds(of: editedFace) { boxes.append(box) }
                isChanged = change(face.coefficients, editedFace.coefficients) > 0
            }
            if isChanged { changed += boxes } else { unchanged += boxes }
        }
        let boxes = changed.isEmpty ? unchanged : changed
        guard let first = boxes.first else { return nil }
        var minX = first.x, minY = first.y, maxX = first.x + first.width, maxY = first.y + first.height
        for box in boxes.dropFirst() {
            minX = min(minX, box.x)
            minY = min(minY, box.y)
            maxX = max(maxX, box.x + box.width)
            maxY = max(maxY, box.y + box.height)
        }
        let limit = min(frameWidth, frameHeight)
        guard limit > 0 else { return nil }
        let side = min(limit, max(8, Int((max(maxX - minX, maxY - minY) * 2.2).rounded())))
        let centerX = (minX + maxX) / 2
        let centerY = (minY + maxY) / 2
        let x = min(frameWidth - side, max(0, Int((centerX - Float(side) / 2).rounded())))
        let y = min(frameHeight - side, max(0, Int((centerY - Float(side) / 2).rounded())))
        return PixelRect(x: x, y: y, width: side, height: side)
    }

    /// Bilinear resampling of `rect` of `image` to `width` x `height`.
    public static func resample(_ image: RGBImage, from rect: PixelRect, width: Int, height: Int) -> RGBImage {
        var result = RGBImage(width: width, height: height)
        let scaleX = Float(rect.width) / Float(width)
        let scaleY = Float(rect.height) / Float(height)
        let maxX = image.width - 1
        let maxY = image.height - 1
        image.pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let sy = min(Float(maxY), max(0, Float(rect.y) + (Float(y) + 0.5) * scaleY - 0.5))
                    let y0 = Int(sy)
                    let y1 = min(maxY, y0 + 1)
                    let fy = sy - Float(y0)
                    for x in 0..<width {
                        let sx = min(Float(maxX), max(0, Float(rect.x) + (Float(x) + 0.5) * scaleX - 0.5))
                        let x0 = Int(sx)
                        let x1 = min(maxX, x0 + 1)
                        let fx = sx - Float(x0)
                        for channel in 0..<3 {
                            let a = Float(source[(y0 * image.width + x0) * 3 + channel])
                            let b = Float(source[(y0 * image.width + x1) * 3 + channel])
                            let c = Float(source[(y1 * image.width + x0) * 3 + channel])
                            let d = Float(source[(y1 * image.width + x1) * 3 + channel])
                            let top = a + (b - a) * fx
                            let bottom = c + (d - c) * fx
                            target[(y * width + x) * 3 + channel] = UInt8(max(0, min(255, (top + (bottom - top) * fy).rounded())))
                        }
                    }
                }
            }
        }
        return result
    }

    // MARK: - Helpers

    /// The change between two sets of coefficients (0 when equal).
    public static func change(_ a: FaceCoefficients, _ b: FaceCoefficients) -> Float {
        guard a != b else { return 0 }
        let degrees: Float = 180 / .pi
        var score = (abs(a.pose.yaw - b.pose.yaw) + abs(a.pose.pitch - b.pose.pitch) + abs(a.pose.roll - b.pose.roll)) * degrees
        score += abs(a.translation.x - b.translation.x) + abs(a.translation.y - b.translation.y) + abs(a.translation.z - b.translation.z)
        for (x, y) in zip(a.expression, b.expression) { score += abs(x - y) * 10 }
        return max(score, 1e-6)
    }

    /// A face's box joined with the bounds of its landmarks.
    public static func bounds(of face: FaceFrame) -> FaceBox? {
        var points: [Point2] = face.landmarks ?? []
        if let box = face.box {
            points += [Point2(x: box.x, y: box.y), Point2(x: box.x + box.width, y: box.y + box.height)]
        }
        guard let first = points.first else { return nil }
        var minX = first.x, minY = first.y, maxX = first.x, maxY = first.y
        for point in points {
            minX = min(minX, point.x); maxX = max(maxX, point.x)
            minY = min(minY, point.y); maxY = max(maxY, point.y)
        }
        return FaceBox(x: minX, y: minY, width: maxX - minX, height: maxY - minY)
    }

    /// Copies `image` into `sheet` with its top-left at `rect`'s.
    public static func blit(_ image: RGBImage, into sheet: inout RGBImage, at rect: PixelRect) {
        let rows = min(image.height, sheet.height - rect.y)
        let columns = min(image.width, sheet.width - rect.x)
        guard rows > 0, columns > 0 else { return }
        for row in 0..<rows {
            let from = row * image.rowStride
            let to = (rect.y + row) * sheet.rowStride + rect.x * 3
            sheet.pixels.replaceSubrange(to..<(to + columns * 3), with: image.pixels[from..<(from + columns * 3)])
        }
    }

    /// Draws capital letters in a 3x5 font at scale 2 (the overlay font has digits only).
    public static func drawWord(_ word: String, at origin: Point2, on painter: inout OverlayPainter) {
        var penX = Int(origin.x)
        let top = Int(origin.y)
        for character in word {
            for (rowIndex, row) in (letters[character] ?? []).enumerated() {
                for column in 0..<3 where row & (0b100 >> column) != 0 {
                    for dy in 0..<2 {
                        for dx in 0..<2 {
                            painter.blend(x: penX + column * 2 + dx, y: top + rowIndex * 2 + dy, ink, amount: 1)
                        }
                    }
                }
            }
            penX += 8
        }
    }

    /// 3x5 bitmaps of the letters the sheet uses, one 3-bit row per entry.
    private static let letters: [Character: [UInt8]] = [
        "A": [0b010, 0b101, 0b111, 0b101, 0b101], "B": [0b110, 0b101, 0b110, 0b101, 0b110],
        "E": [0b111, 0b100, 0b110, 0b100, 0b111], "F": [0b111, 0b100, 0b110, 0b100, 0b100],
        "O": [0b010, 0b101, 0b101, 0b101, 0b010], "R": [0b110, 0b101, 0b110, 0b101, 0b101],
        "S": [0b011, 0b100, 0b010, 0b001, 0b110], "T": [0b111, 0b010, 0b010, 0b010, 0b010],
    ]
}

import FacetMedia
import FacetSDK

/// An opaque 8-bit colour for overlay drawings.
public struct OverlayColor: Sendable, Equatable {
    /// Red.
    public var red: UInt8
    /// Green.
    public var green: UInt8
    /// Blue.
    public var blue: UInt8

    /// Creates a colour.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Detected landmarks.
    public static let landmark = OverlayColor(red: 40, green: 255, blue: 80)
    /// Landmarks of the fitted model, projected.
    public static let modelLandmark = OverlayColor(red: 255, green: 60, blue: 200)
    /// The projected mesh's wireframe.
    public static let wireframe = OverlayColor(red: 80, green: 200, blue: 255)
    /// Pose axes: x (the face's left-to-right), y (up), z (out of the face).
    public static let axisX = OverlayColor(red: 255, green: 50, blue: 50)
    /// The pose's y axis.
    public static let axisY = OverlayColor(red: 60, green: 255, blue: 60)
    /// The pose's z axis.
    public static let axisZ = OverlayColor(red: 70, green: 110, blue: 255)
    /// Boxes and labels of confidently fitted faces.
    public static let box = OverlayColor(red: 255, green: 220, blue: 0)
    /// Boxes and labels of low-confidence fits (profiles, faces half out of frame).
    public static let lowConfidence = OverlayColor(red: 255, green: 80, blue: 0)
}

/// Draws anti-aliased lines, dots, boxes and short numeric labels onto an `RGBImage`.
///
/// Lines are Xiaolin Wu lines blended with `opacity`; everything is clipped to the image, so
/// shapes partly (or wholly) outside the frame are safe to draw.
public struct OverlayPainter {
    /// The image being drawn on.
    public var image: RGBImage
    /// How strongly strokes cover the picture, 0 … 1.
    public var opacity: Float

    /// Starts drawing on `image`.
    public init(image: RGBImage, opacity: Float = 0.85) {
        self.image = image
        self.opacity = opacity
    }

    /// Blends `color` into pixel (x, y) with coverage `amount` (0 … 1); ignores pixels outside.
    @inline(__always)
    public mutating func blend(x: Int, y: Int, _ color: OverlayColor, amount: Float) {
        guard x >= 0, y >= 0, x < image.width, y < image.height, amount > 0 else { return }
        let alpha = min(1, amount * opacity)
        let offset = (y * image.width + x) * 3
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            pixels[offset] = Self.mix(pixels[offset], color.red, alpha)
            pixels[offset + 1] = Self.mix(pixels[offset + 1], color.green, alpha)
            pixels[offset + 2] = Self.mix(pixels[offset + 2], color.blue, alpha)
        }
    }

    @inline(__always)
    private static func mix(_ base: UInt8, _ top: UInt8, _ alpha: Float) -> UInt8 {
        UInt8(clamping: Int((Float(base) * (1 - alpha) + Float(top) * alpha).rounded()))
    }

    /// Draws an anti-aliased one-pixel line from `start` to `end` (pixel centres at integer + 0.5).
    public mutating func line(from start: Point2, to end: Point2, _ color: OverlayColor) {
        guard start.x.isFinite, start.y.isFinite, end.x.isFinite, end.y.isFinite else { return }
        var (x0, y0, x1, y1) = (start.x - 0.5, start.y - 0.5, end.x - 0.5, end.y - 0.5)
        // Clip to a margin around the image so very long lines cost nothing off-screen.
        guard let clipped = Self.clip(x0, y0, x1, y1, width: Float(image.width), height: Float(image.height)) else { return }
        (x0, y0, x1, y1) = clipped
        let steep = abs(y1 - y0) > abs(x1 - x0)
        if steep { swap(&x0, &y0); swap(&x1, &y1) }
        if x0 > x1 { swap(&x0, &x1); swap(&y0, &y1) }
        let dx = x1 - x0
        let gradient = dx < 1e-6 ? 0 : (y1 - y0) / dx
        let firstColumn = Int(x0.rounded())
        let lastColumn = Int(x1.rounded())
        guard lastColumn >= firstColumn else { return }
        for column in firstColumn...lastColumn {
            let y = y0 + gradient * (Float(column) - x0)
            let row = Int(y.rounded(.down))
            let fraction = y - Float(row)
            // End pixels get partial coverage along the line's length.
            var coverage: Float = 1
            if column == firstColumn { coverage = min(1, 0.5 + (Float(firstColumn) - x0) + 0.5) }
            if column == lastColumn { coverage = min(coverage, 0.5 + (x1 - Float(lastColumn)) + 0.5) }
            if steep {
                blend(x: row, y: column, color, amount: (1 - fraction) * coverage)
                blend(x: row + 1, y: column, color, amount: fraction * coverage)
            } else {
                blend(x: column, y: row, color, amount: (1 - fraction) * coverage)
                blend(x: column, y: row + 1, color, amount: fraction * coverage)
            }
        }
    }

    /// Draws a filled, anti-aliased dot of `radius` pixels centred at `center`.
    public mutating func dot(at center: Point2, radius: Float, _ color: OverlayColor) {
        guard center.x.isFinite, center.y.isFinite, radius > 0 else { return }
        let reach = Int((radius + 1).rounded(.up))
        let cx = Int(center.x.rounded(.down))
        let cy = Int(center.y.rounded(.down))
        for y in (cy - reach)...(cy + reach) {
            for x in (cx - reach)...(cx + reach) {
                let distanceX = Float(x) + 0.5 - center.x
                let distanceY = Float(y) + 0.5 - center.y
                let distance = (distanceX * distanceX + distanceY * distanceY).squareRoot()
                blend(x: x, y: y, color, amount: min(1, max(0, radius + 0.5 - distance)))
            }
        }
    }

    /// Draws the outline of a box.
    public mutating func box(_ box: FaceBox, _ color: OverlayColor) {
        let topLeft = Point2(x: box.x, y: box.y)
        let topRight = Point2(x: box.x + box.width, y: box.y)
        let bottomLeft = Point2(x: box.x, y: box.y + box.height)
        let bottomRight = Point2(x: box.x + box.width, y: box.y + box.height)
        line(from: topLeft, to: topRight, color)
        line(from: topRight, to: bottomRight, color)
        line(from: bottomRight, to: bottomLeft, color)
        line(from: bottomLeft, to: topLeft, color)
    }

    /// Writes a short label of digits, capital letters, `.`, `-`, `+`, `=`, `#`, `%` and spaces with its top-left at
    /// `origin`, in a 3x5 pixel font scaled by `scale`. Other characters are drawn as blanks.
    public mutating func label(_ text: String, at origin: Point2, scale: Int = 2, _ color: OverlayColor) {
        var penX = Int(origin.x.rounded())
        let top = Int(origin.y.rounded())
        for character in text {
            if let rows = Self.glyphs[character] {
                for (rowIndex, row) in rows.enumerated() {
                    for column in 0..<3 where row & (0b100 >> column) != 0 {
                        for dy in 0..<scale {
                            for dx in 0..<scale {
                                blend(x: penX + column * scale + dx, y: top + rowIndex * scale + dy, color, amount: 1)
                            }
                        }
                    }
                }
            }
            penX += 4 * scale
        }
    }

    /// 3x5 bitmaps, one 3-bit row per entry, most significant bit on the left.
    private static let glyphs: [Character: [UInt8]] = [
        "0": [0b111, 0b101, 0b101, 0b101, 0b111], "1": [0b010, 0b110, 0b010, 0b010, 0b111],
        "2": [0b111, 0b001, 0b111, 0b100, 0b111], "3": [0b111, 0b001, 0b111, 0b001, 0b111],
        "4": [0b101, 0b101, 0b111, 0b001, 0b001], "5": [0b111, 0b100, 0b111, 0b001, 0b111],
        "6": [0b111, 0b100, 0b111, 0b101, 0b111], "7": [0b111, 0b001, 0b010, 0b010, 0b010],
        "8": [0b111, 0b101, 0b111, 0b101, 0b111], "9": [0b111, 0b101, 0b111, 0b001, 0b111],
        ".": [0b000, 0b000, 0b000, 0b000, 0b010], "-": [0b000, 0b000, 0b111, 0b000, 0b000],
        "#": [0b101, 0b111, 0b101, 0b111, 0b101], "%": [0b101, 0b001, 0b010, 0b100, 0b101],
        " ": [0, 0, 0, 0, 0],
        "A": [0b010, 0b101, 0b111, 0b101, 0b101], "B": [0b110, 0b101, 0b110, 0b101, 0b110],
        "C": [0b011, 0b100, 0b100, 0b100, 0b011], "D": [0b110, 0b101, 0b101, 0b101, 0b110],
        "E": [0b111, 0b100, 0b110, 0b100, 0b111], "F": [0b111, 0b100, 0b110, 0b100, 0b100],
        "G": [0b011, 0b100, 0b101, 0b101, 0b011], "H": [0b101, 0b101, 0b111, 0b101, 0b101],
        "I": [0b111, 0b010, 0b010, 0b010, 0b111], "J": [0b001, 0b001, 0b001, 0b101, 0b010],
        "K": [0b101, 0b101, 0b110, 0b101, 0b101], "L": [0b100, 0b100, 0b100, 0b100, 0b111],
        "M": [0b101, 0b111, 0b111, 0b101, 0b101], "N": [0b110, 0b101, 0b101, 0b101, 0b101],
        "O": [0b010, 0b101, 0b101, 0b101, 0b010], "P": [0b110, 0b101, 0b110, 0b100, 0b100],
        "Q": [0b010, 0b101, 0b101, 0b110, 0b011], "R": [0b110, 0b101, 0b110, 0b101, 0b101],
        "S": [0b011, 0b100, 0b010, 0b001, 0b110], "T": [0b111, 0b010, 0b010, 0b010, 0b010],
        "U": [0b101, 0b101, 0b101, 0b101, 0b111], "V": [0b101, 0b101, 0b101, 0b101, 0b010],
        "W": [0b101, 0b101, 0b111, 0b111, 0b101], "X": [0b101, 0b101, 0b010, 0b101, 0b101],
        "Y": [0b101, 0b101, 0b010, 0b010, 0b010], "Z": [0b111, 0b001, 0b010, 0b100, 0b111],
        "=": [0b000, 0b111, 0b000, 0b111, 0b000], "+": [0b000, 0b010, 0b111, 0b010, 0b000],
    ]

    /// Liang–Barsky clipping of a segment to the image grown by two pixels; nil when outside.
    private static func clip(
        _ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float,
        width: Float, height: Float
    ) -> (Float, Float, Float, Float)? {
        let (minX, minY, maxX, maxY): (Float, Float, Float, Float) = (-2, -2, width + 1, height + 1)
        let dx = x1 - x0
        let dy = y1 - y0
        var enter: Float = 0
        var leave: Float = 1
        for (p, q) in [(-dx, x0 - minX), (dx, maxX - x0), (-dy, y0 - minY), (dy, maxY - y0)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let t = q / p
                if p < 0 { enter = max(enter, t) } else { leave = min(leave, t) }
                if enter > leave { return nil }
            }
        }
        return (x0 + enter * dx, y0 + enter * dy, x0 + leave * dx, y0 + leave * dy)
    }
}

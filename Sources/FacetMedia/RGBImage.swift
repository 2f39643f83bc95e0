/// A packed 8-bit RGB image (RGB24): `pixels` holds `height` rows of `width * 3` bytes, top row
/// first, with no padding between rows. The pixel buffer type the rest of Facet uses.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes, R G B per pixel, rows top to bottom.
    public var pixels: [UInt8]

    /// Creates an image; `pixels` must hold `width * height * 3` bytes (nil: black).
    public init(width: Int, height: Int, pixels: [UInt8]? = nil) {
        precondition(width > 0 && height > 0, "RGBImage size must be positive, got \(width)x\(height)")
        let count = width * height * 3
        if let pixels {
            precondition(
                pixels.count == count,
                "RGBImage \(width)x\(height) needs \(count) bytes, got \(pixels.count)")
            self.pixels = pixels
        } else {
            self.pixels = [UInt8](repeating: 0, count: count)
        }
        self.width = width
        self.height = height
    }

    /// An image of one colour.
    public init(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8) {
        self.init(width: width, height: height)
        for offset in stride(from: 0, to: pixels.count, by: 3) {
            pixels[offset] = red
            pixels[offset + 1] = green
            pixels[offset + 2] = blue
        }
    }

    /// Bytes per row (`width * 3`).
    public var rowStride: Int { width * 3 }

    /// The pixel at column `x`, row `y` as (red, green, blue).
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        get {
            let offset = (y * width + x) * 3
            return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
        }
        set {
            let offset = (y * width + x) * 3
            pixels[offset] = newValue.red
            pixels[offset + 1] = newValue.green
            pixels[offset + 2] = newValue.blue
        }
    }
}

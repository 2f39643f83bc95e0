import FacetMedia
import FacetNeural

/// Conversions between 8-bit RGB pictures and the generator's (1,3,R,R) tensors in [-1, 1].
public enum TensorImages {
    /// uint8 → [0,1] → (x − 0.5)/0.5, as torchvision's ToTensor + Normalize(0.5, 0.5).
    public static func tensor(from picture: RGBImage, multiple: Int, path: String) throws -> Tensor {
        guard picture.width == picture.height, picture.width % multiple == 0 else {
            throw NeuralError(
                .invalidArgument,
                "the image must be square with a side that is a multiple of \(multiple) (PIRender is trained at 256x256); got \(picture.width)x\(picture.height)",
                path: path)
        }
        let size = picture.width
        let tensor = Tensor(shape: [1, 3, size, size])
        for y in 0..<size {
            for x in 0..<size {
                for channel in 0..<3 {
                    let value = Float(picture.pixels[y * picture.rowStride + x * 3 + channel]) / 255
                    tensor.data[(channel * size + y) * size + x] = (value - 0.5) / 0.5
                }
            }
        }
        return tensor
    }

    /// Clamps to [-1, 1] and maps to uint8 by (x + 1)/2·255, truncated as the reference does.
    public static func image(from tensor: Tensor) -> RGBImage {
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        var picture = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<3 {
                    let value = Swift.min(1, Swift.max(-1, tensor.data[(channel * height + y) * width + x]))
                    picture.pixels[y * picture.rowStride + x * 3 + channel] = UInt8((value + 1) / 2 * 255)
                }
            }
        }
        return picture
    }
}

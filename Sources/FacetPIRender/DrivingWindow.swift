// The driving input of PIRender: 73 coefficients per frame over a 27-frame window centred on
// the target frame, indices clamped at the video's ends (SPEC 8.1–8.3).

import FacetNeural

/// Builds the (1, 73, 27) driving tensor that `PIRenderGenerator.forward` takes.
///
/// The 73 channels per frame (all unnormalised, exactly as the 3DMM fit produced them):
///
/// | channels | meaning |
/// |---|---|
/// | 0–63 | expression coefficients (Deep3DFaceRecon coeff[80:144]) |
/// | 64–66 | Euler angles pitch, yaw, roll in radians (coeff[224:227]) |
/// | 67–69 | translation tx, ty, tz (coeff[254:257]) |
/// | 70–72 | crop parameters s, t_x, t_y (alignment scale ≈ 1 and translation ≈ 128 px) |
///
/// Frame k's window is frames k−radius … k+radius, each index clamped to [0, N−1]; the tensor
/// is channels × time.
public enum DrivingWindow {
    /// Coefficients per frame.
    public static let coefficientCount = 73
    /// Channels of the expression coefficients.
    public static let expression = 0..<64
    /// Channels of the Euler angles (pitch, yaw, roll; radians).
    public static let angles = 64..<67
    /// Channels of the translation.
    public static let translation = 67..<70
    /// Channels of the crop parameters (s, t_x, t_y).
    public static let crop = 70..<73
    /// PIRender's semantic radius: the window holds 2·13 + 1 = 27 frames.
    public static let defaultRadius = 13

    /// One frame's 73-vector from its parts (64 expression, 3 angles, 3 translation, 3 crop).
    public static func coefficients(
        expression: [Float], angles: [Float], translation: [Float],
        crop: [Float]
    ) throws(NeuralError) -> [Float] {
        let parts: [(String, [Float], Int)] = [
            ("expression", expression, 64), ("angles", angles, 3),
            ("translation", translation, 3), ("crop", crop, 3),
        ]
        for (name, values, expected) in parts where values.count != expected {
            throw NeuralError(.invalidArgument, "\(name) must hold \(expected) values; got \(values.count)")
        }
        return expression + angles + translation + crop
    }

    /// The (1, 73, 2·radius+1) window centred on frame `center` of `frames` (each a 73-vector).
    public static func window(frames: [[Float]], center: Int, radius: Int = defaultRadius) throws(NeuralError) -> Tensor {
        let output = Tensor(shape: [1, coefficientCount, 2 * radius + 1])
        try fill(output, frames: frames, center: center, radius: radius)
        return output
    }

    /// Writes the window centred on frame `center` into `output` (1, 73, 2·radius+1) without
    /// allocating.
    public static func fill(_ output: Tensor, frames: [[Float]], center: Int, radius: Int = defaultRadius) throws(NeuralError) {
        // frames N × 73, center in [0, N) -> output (1,73,2·radius+1)
        guard radius >= 0 else { throw NeuralError(.invalidArgument, "the window radius must be >= 0; got \(radius)") }
        let length = 2 * radius + 1
        try output.requireShape([1, coefficientCount, length], of: "driving window")
        guard !frames.isEmpty, frames.indices.contains(center) else {
            throw NeuralError(.invalidArgument, "the centre frame \(center) must be inside the \(frames.count) frames")
        }
        if let bad = frames.firstIndex(where: { $0.count != coefficientCount }) {
            throw NeuralError(.invalidArgument, "frame \(bad) holds \(frames[bad].count) coefficients; expected \(coefficientCount)")
        }
        for t in 0..<length {
            let frame = frames[Swift.min(Swift.max(center - radius + t, 0), frames.count - 1)]
            for channel in 0..<coefficientCount { output.data[channel * length + t] = frame[channel] }
        }
    }
}

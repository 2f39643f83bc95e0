import FacetSDK

/// Turns the head towards the camera: yaw and pitch move towards 0 by `strength`.
///
/// The correction follows the head's *smoothed* pose (a centred moving average over
/// `smoothing` seconds), not each frame's: at strength 1 the head faces the camera on average
/// while keeping its small natural movements, and the correction itself never jitters with
/// the analysis. Roll is kept: a tilted head can face the camera, and levelling it too would
/// look stiff (chain `direct-edit:roll=…` to change it).
public struct GazeToCamera: FaceEffect {
    // MARK: - Parameter table

    /// How far towards the camera, 0 (unchanged) … 1 (facing it).
    public static let strength = NumberParameter(
        "strength", default: 1, range: 0...1, "How far the head turns towards the camera: 0 leaves it, 1 faces the camera.")
    /// The span of the moving average the correction follows, seconds.
    public static let smoothing = NumberParameter(
        "smoothing", default: 0.4, range: 0...1, unit: "s",
        "The span of the head's smoothed pose that is corrected; 0 corrects every frame fully (small movements are lost too).")

    /// The most frames on either side that smoothing reads (1 s at 30 fps, halved).
    public static let maximumHalfWindow = 15

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.examples.gaze-to-camera",
        version: EffectVersion(1, 0, 0),
        summary: "Turn the head towards the camera (yaw and pitch towards 0, roll kept), keeping its small movements.",
        parameters: [strength, smoothing],
        temporalAccess: .window(behind: maximumHalfWindow, ahead: maximumHalfWindow))

    // MARK: - Set-up

    private let parameters: EffectParameters

    /// Creates the effect from validated parameters.
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
    }

    // MARK: - Per-video processing

    /// Corrects every face's yaw and pitch by `strength` times their smoothed values.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        let span = parameters[Self.smoothing, at: 0]
        let halfWindow = min(Self.maximumHalfWindow, Int((span * motion.frameRate / 2).rounded()))
        for trackIndex in motion.tracks.indices {
            let frames = motion.tracks[trackIndex].frames
            let yaw = movingAverage(frames.map(\.coefficients.pose.yaw), halfWindow: halfWindow)
            let pitch = movingAverage(frames.map(\.coefficients.pose.pitch), halfWindow: halfWindow)
            for frameIndex in frames.indices {
                let amount = Float(parameters[Self.strength, at: frames[frameIndex].time])
                motion.tracks[trackIndex].frames[frameIndex].coefficients.pose.yaw -= amount * yaw[frameIndex]
                motion.tracks[trackIndex].frames[frameIndex].coefficients.pose.pitch -= amount * pitch[frameIndex]
            }
        }
    }
}

// MARK: - Helpers

/// The centred moving average of `values` over `2 × halfWindow + 1` entries, the window
/// shrinking at the ends (so a constant stays that constant).
func movingAverage(_ values: [Float], halfWindow: Int) -> [Float] {
    guard halfWindow > 0 else { return values }
    var prefix = [Double](repeating: 0, count: values.count + 1)
    for (index, value) in values.enumerated() { prefix[index + 1] = prefix[index] + Double(value) }
    return values.indices.map { index in
        let low = max(0, index - halfWindow)
        let high = min(values.count - 1, index + halfWindow)
        return Float((prefix[high + 1] - prefix[low]) / Double(high - low + 1))
    }
}

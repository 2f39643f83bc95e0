// The geometric renderer's settings: how far the warp reaches beyond the face, how the mesh flow
// blends into that extension, and which facial features are synthesised.

extension GeometricRenderer {
    /// How the warp resamples the source frame between pixel centres.
    public enum Interpolation: Sendable, Equatable {
        /// 2×2 taps: cheap, but softens the warped face.
        case bilinear
        /// Catmull-Rom bicubic, 4×4 taps, clamped to 0…255, on full-resolution planes (luma or
        /// RGB; subsampled chroma stays bilinear): keeps the face's detail sharp and reproduces
        /// linear gradients exactly.
        case bicubic
    }

    /// Settings of the geometric renderer. Lengths are multiples of the face size: the larger side
    /// of the projected mesh's bounding box (about the forehead-to-chin height, ~175 px for a face
    /// in a 720p talking-head shot).
    public struct Configuration: Sendable, Equatable {
        /// How far beyond the rasterised face the flow reaches before it is exactly zero, as a
        /// multiple of the face size (hair, ears and neck move with the head within this distance).
        public var falloffDistance: Float
        /// The shortest falloff the renderer may shrink to when the face is near a frame edge, as a
        /// multiple of the face size; the falloff is shrunk so the flow reaches zero before the edge.
        public var minimumFalloffDistance: Float
        /// Width of the band just inside the mesh boundary over which the per-triangle (barycentric)
        /// flow blends into the smooth extension, as a multiple of the face size (no seam).
        public var boundaryBlendWidth: Float
        /// Whether the mouth interior is drawn explicitly where the edit changes the opening between
        /// the lips: the source's own interior stays attached to the lips (upper teeth with the upper
        /// lip, the lower interior with the lower lip) and only the new gap becomes a dark cavity,
        /// instead of stretched lip or teeth pixels.
        public var synthesizesMouthInterior: Bool
        /// Whether eyelid skin (source skin colour and texture, shaded, with a thin lash line) is
        /// drawn over the part of the source's eye opening and lash band that an edit closing the
        /// eye covers.
        public var synthesizesClosedEyelids: Bool
        /// Whether the warp spreads its rows over all processor cores.
        public var usesMultipleThreads: Bool
        /// How the warp resamples the source frame.
        public var interpolation: Interpolation

        /// Creates settings; the defaults suit talking-head video.
        public init(
            falloffDistance: Float = 0.35, minimumFalloffDistance: Float = 0.08,
            boundaryBlendWidth: Float = 0.05, synthesizesMouthInterior: Bool = true,
            synthesizesClosedEyelids: Bool = true, usesMultipleThreads: Bool = true,
            interpolation: Interpolation = .bicubic
        ) {
            self.falloffDistance = falloffDistance
            self.minimumFalloffDistance = minimumFalloffDistance
            self.boundaryBlendWidth = boundaryBlendWidth
            self.synthesizesMouthInterior = synthesizesMouthInterior
            self.synthesizesClosedEyelids = synthesizesClosedEyelids
            self.usesMultipleThreads = usesMultipleThreads
            self.interpolation = interpolation
        }

        /// Throws `RenderError.invalidArgument` naming the first setting out of range.
        public func validate() throws(RenderError) {
            func check(_ value: Float, _ name: String, _ range: ClosedRange<Float>) throws(RenderError) {
                guard value.isFinite, range.contains(value) else {
                    throw RenderError(
                        .invalidArgument,
                        "geometric renderer: \(name) is \(value); expected a multiple "
                            + "of the face size in \(range.lowerBound)...\(range.upperBound)")
                }
            }
            try check(falloffDistance, "falloffDistance", 0.01...3)
            try check(minimumFalloffDistance, "minimumFalloffDistance", 0.01...3)
            try check(boundaryBlendWidth, "boundaryBlendWidth", 0...0.5)
            guard minimumFalloffDistance <= falloffDistance else {
                throw RenderError(
                    .invalidArgument,
                    "geometric renderer: minimumFalloffDistance \(minimumFalloffDistance) "
                        + "exceeds falloffDistance \(falloffDistance); expected minimum <= falloff")
            }
        }
    }
}

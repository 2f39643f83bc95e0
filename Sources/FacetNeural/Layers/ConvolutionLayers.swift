// Convolution layers with PyTorch field names and layouts: Conv1d (out, in, k), Conv2d
// (out, in, kh, kw), ConvTranspose2d (in, out, kh, kw); bias (out).

/// A 1-D convolution layer (PyTorch `nn.Conv1d`, groups 1): `weight` (out, in, k), `bias` (out).
public final class Conv1d {
    /// Kernel weights, (out, in, k).
    public let weight: Tensor
    /// Per-output-channel bias, (out).
    public let bias: Tensor
    /// Step between output positions.
    public let stride: Int
    /// Zero padding on each side.
    public let padding: Int
    /// Spacing between kernel taps.
    public let dilation: Int

    /// Creates the layer and registers `prefix.weight` and `prefix.bias`.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        registry: ParameterRegistry, prefix: String
    ) {
        weight = registry.register(prefix + ".weight", Tensor(shape: [outChannels, inChannels, kernelSize]))
        bias = registry.register(prefix + ".bias", Tensor(shape: [outChannels]))
        (self.stride, self.padding, self.dilation) = (stride, padding, dilation)
    }

    /// The output length for an input of `length`.
    public func outputLength(_ length: Int) -> Int {
        Ops.convOutputSize(input: length, kernel: weight.shape[2], stride: stride, padding: padding, dilation: dilation)
    }

    /// The scratch floats a forward pass on inputs of `length` needs.
    public func scratchNeeded(length: Int) -> Int {
        Ops.conv1dScratch(inChannels: weight.shape[1], kernel: weight.shape[2], outputLength: outputLength(length))
    }

    /// out = conv1d(x).
    public func forward(_ out: Tensor, _ x: Tensor, scratch: ScratchBuffer) throws(NeuralError) {
        // x (N,in,L) -> out (N,out,Lo)
        try Ops.conv1d(out, x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, scratch: scratch)
    }
}

/// A 2-D convolution layer (PyTorch `nn.Conv2d`, groups 1, dilation 1): `weight`
/// (out, in, kh, kw), `bias` (out).
///
/// 3×3 stride-1 padding-1 layers run by Winograd F(2×2, 3×3) on even-sized inputs, with weights
/// transformed whenever the registry loads or is told `parametersDidChange`; others by
/// im2col + sgemm.
public final class Conv2d {
    /// Kernel weights, (out, in, kh, kw).
    public let weight: Tensor
    /// Per-output-channel bias, (out).
    public let bias: Tensor
    /// Step between output pixels.
    public let stride: Int
    /// Zero padding on each side.
    public let padding: Int
    /// Winograd-transformed weights (16, out, in) for 3×3 stride-1 padding-1 layers, else nil.
    public let winogradWeight: Tensor?

    /// Creates the layer and registers `prefix.weight` and `prefix.bias`.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        registry: ParameterRegistry, prefix: String
    ) {
        weight = registry.register(prefix + ".weight", Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize]))
        bias = registry.register(prefix + ".bias", Tensor(shape: [outChannels]))
        (self.stride, self.padding) = (stride, padding)
        if kernelSize == 3, stride == 1, padding == 1 {
            winogradWeight = Tensor(shape: [Ops.winogradPositions, outChannels, inChannels])
            registry.registerDerivedWeights { [weak self] in self?.transformWeights() }
        } else {
            winogradWeight = nil
        }
    }

    /// Recomputes `winogradWeight` from `weight`.
    private func transformWeights() {
        guard let winogradWeight else { return }
        do {
            try Ops.winogradTransformWeights(winogradWeight, weight: weight)
        } catch {
            preconditionFailure("Conv2d: the Winograd buffer was made for this weight: \(error)")
        }
    }

    /// Whether an input of this size runs by Winograd.
    private func usesWinograd(height: Int, width: Int) -> Bool {
        winogradWeight != nil && height % 2 == 0 && width % 2 == 0
    }

    /// The number of output channels.
    public var outChannels: Int { weight.shape[0] }

    /// The output size for an input of `size` pixels along one axis.
    public func outputSize(_ size: Int) -> Int {
        Ops.convOutputSize(input: size, kernel: weight.shape[2], stride: stride, padding: padding)
    }

    /// The scratch floats to process the whole output of an `height`×`width` input in one
    /// matrix product (more than the minimum; plans cap it).
    public func scratchForWholeImage(height: Int, width: Int) -> Int {
        if usesWinograd(height: height, width: width) {
            return Ops.winogradScratch(inChannels: weight.shape[1], outChannels: weight.shape[0], tiles: height / 2 * width / 2)
        }
        return Ops.conv2dFullScratch(
            inChannels: weight.shape[1], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            outputHeight: outputSize(height), outputWidth: outputSize(width))
    }

    /// The minimum scratch floats for an input `width` pixels wide (one output row, or one row
    /// of Winograd tiles).
    public func minimumScratch(width: Int) -> Int {
        let rowOfColumns = Ops.conv2dMinimumScratch(
            inChannels: weight.shape[1], kernelHeight: weight.shape[2],
            kernelWidth: weight.shape[3], outputWidth: outputSize(width))
        guard winogradWeight != nil else { return rowOfColumns }
        return Swift.max(rowOfColumns, Ops.winogradScratch(inChannels: weight.shape[1], outChannels: weight.shape[0], tiles: width / 2))
    }

    /// Whether `forward(_:upsampling:scratch:)` can run on inputs of this size (a Winograd layer,
    /// even upsampled size).
    public func canFuseUpsampling(height: Int, width: Int) -> Bool {
        usesWinograd(height: 2 * height, width: 2 * width)
    }

    /// out = conv2d(nearest ×2 upsampling of x), without materialising the upsampled input.
    /// Only for layers and sizes where `canFuseUpsampling` holds. With `statistics`, also fills
    /// them for `out` (see `forward(_:_:scratch:statistics:)`).
    public func forward(
        _ out: Tensor, upsampling x: Tensor, scratch: ScratchBuffer,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,in,H,W) -> out (N,out,2H,2W)
        guard let winogradWeight, x.rank == 4, canFuseUpsampling(height: x.shape[2], width: x.shape[3]) else {
            throw NeuralError(
                .invalidArgument,
                "a fused ×2 upsampling needs a 3x3 stride-1 padding-1 conv; this one is \(Tensor.describe(weight.shape)) stride \(stride) padding \(padding)"
            )
        }
        try Ops.conv2dWinograd3x3(
            out, x, transformedWeight: winogradWeight, bias: bias, upsamplingInput: true,
            scratch: scratch, statistics: statistics)
    }

    /// out = conv2d(x). With `statistics`, also fills them for `out` (a following norm's input):
    /// gathered by the Winograd output transform, else measured in one pass over `out`.
    public func forward(_ out: Tensor, _ x: Tensor, scratch: ScratchBuffer, statistics: ChannelStatistics? = nil) throws(NeuralError) {
        // x (N,in,H,W) -> out (N,out,Ho,Wo)
        if let winogradWeight, x.rank == 4, usesWinograd(height: x.shape[2], width: x.shape[3]) {
            try Ops.conv2dWinograd3x3(out, x, transformedWeight: winogradWeight, bias: bias, scratch: scratch, statistics: statistics)
        } else {
            try Ops.conv2d(out, x, weight: weight, bias: bias, stride: stride, padding: padding, scratch: scratch)
            try statistics?.measure(out)
        }
    }
}

/// A 2-D transposed convolution layer (PyTorch `nn.ConvTranspose2d`, groups 1, dilation 1):
/// `weight` **(in, out, kh, kw)**, `bias` (out).
public final class ConvTranspose2d {
    /// Kernel weights, (in, out, kh, kw).
    public let weight: Tensor
    /// Per-output-channel bias, (out).
    public let bias: Tensor
    /// Upsampling step.
    public let stride: Int
    /// Implicit padding removed from each side of the full output.
    public let padding: Int
    /// Extra rows/columns added on the bottom/right of the output.
    public let outputPadding: Int

    /// Creates the layer and registers `prefix.weight` and `prefix.bias`.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        registry: ParameterRegistry, prefix: String
    ) {
        weight = registry.register(prefix + ".weight", Tensor(shape: [inChannels, outChannels, kernelSize, kernelSize]))
        bias = registry.register(prefix + ".bias", Tensor(shape: [outChannels]))
        (self.stride, self.padding, self.outputPadding) = (stride, padding, outputPadding)
    }

    /// The output size for an input of `size` pixels along one axis.
    public func outputSize(_ size: Int) -> Int {
        Ops.convTransposeOutputSize(input: size, kernel: weight.shape[2], stride: stride, padding: padding, outputPadding: outputPadding)
    }

    /// The scratch floats to process an `height`×`width` input in one matrix product.
    public func scratchForWholeImage(height: Int, width: Int) -> Int {
        weight.shape[1] * weight.shape[2] * weight.shape[3] * height * width
    }

    /// The minimum scratch floats for an input `width` pixels wide (one input row).
    public func minimumScratch(width: Int) -> Int {
        Ops.convTranspose2dMinimumScratch(
            outChannels: weight.shape[1], kernelHeight: weight.shape[2],
            kernelWidth: weight.shape[3], inputWidth: width)
    }

    /// out = conv_transpose2d(x).
    public func forward(_ out: Tensor, _ x: Tensor, scratch: ScratchBuffer) throws(NeuralError) {
        // x (N,in,H,W) -> out (N,out,Ho,Wo)
        try Ops.convTranspose2d(
            out, x, weight: weight, bias: bias, stride: stride, padding: padding,
            outputPadding: outputPadding, scratch: scratch)
    }
}

/// A fully connected layer (PyTorch `nn.Linear`): `weight` (out, in), `bias` (out).
public final class Linear {
    /// Weights, (out, in).
    public let weight: Tensor
    /// Bias, (out).
    public let bias: Tensor

    /// Creates the layer and registers `prefix.weight` and `prefix.bias`.
    public init(inFeatures: Int, outFeatures: Int, registry: ParameterRegistry, prefix: String) {
        weight = registry.register(prefix + ".weight", Tensor(shape: [outFeatures, inFeatures]))
        bias = registry.register(prefix + ".bias", Tensor(shape: [outFeatures]))
    }

    /// out = W·x + b.
    public func forward(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,in) -> out (N,out)
        try Ops.linear(out, x, weight: weight, bias: bias)
    }
}

// PIRender's WarpingNet (Ren et al., ICCV 2021, section 3.2): an ADAIN hourglass predicts a
// flow field at R/4 from the source image and the descriptor; the source is warped by it.
// Keys: warpping_net.hourglass.{encoder,decoder}.*, warpping_net.flow_out.{0,2} (sic "warpping").

import FacetNeural

/// ADAINEncoderBlock: y = conv_1(LReLU(norm_1(conv_0(LReLU(norm_0(x, z))), z))), conv_0 k4 s2.
final class ADAINEncoderBlock {
    let norm0: AdaptiveInstanceNorm, conv0: Conv2d, norm1: AdaptiveInstanceNorm, conv1: Conv2d

    init(inChannels: Int, outChannels: Int, descriptor: Int, registry: ParameterRegistry, prefix: String) {
        norm0 = AdaptiveInstanceNorm(channels: inChannels, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm_0")
        conv0 = Conv2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: 4, stride: 2, padding: 1, registry: registry,
            prefix: prefix + ".conv_0")
        norm1 = AdaptiveInstanceNorm(channels: outChannels, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm_1")
        conv1 = Conv2d(
            inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, registry: registry, prefix: prefix + ".conv_1")
    }

    var norms: [AdaptiveInstanceNorm] { [norm0, norm1] }
}

/// ADAINDecoderBlock with transposed convs: s = conv_s(LReLU(norm_s(x))),
/// d = conv_1(LReLU(norm_1(conv_0(LReLU(norm_0(x)))))), output s + d (each ×2 in size).
final class ADAINDecoderBlock {
    let norm0: AdaptiveInstanceNorm, conv0: Conv2d, norm1: AdaptiveInstanceNorm, conv1: ConvTranspose2d
    let normS: AdaptiveInstanceNorm, convS: ConvTranspose2d

    init(inChannels: Int, outChannels: Int, descriptor: Int, registry: ParameterRegistry, prefix: String) {
        let hidden = outChannels
        norm0 = AdaptiveInstanceNorm(channels: inChannels, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm_0")
        conv0 = Conv2d(
            inChannels: inChannels, outChannels: hidden, kernelSize: 3, padding: 1, registry: registry, prefix: prefix + ".conv_0")
        norm1 = AdaptiveInstanceNorm(channels: hidden, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm_1")
        conv1 = ConvTranspose2d(
            inChannels: hidden, outChannels: outChannels, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
            registry: registry, prefix: prefix + ".conv_1")
        normS = AdaptiveInstanceNorm(channels: inChannels, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm_s")
        convS = ConvTranspose2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
            registry: registry, prefix: prefix + ".conv_s")
    }

    var norms: [AdaptiveInstanceNorm] { [norm0, norm1, normS] }
}

/// WarpingNet: ADAIN hourglass → LayerNorm2d → LReLU → c7 conv to a 2-channel flow (pixels of
/// the flow grid, x then y) → deformation grid → bilinear resize to R → `grid_sample` of the
/// source image.
public final class WarpingNet {
    /// `hourglass.encoder.input_layer`: c7 Conv2d image → base.
    let inputLayer: Conv2d
    /// `hourglass.encoder.encoder{i}`.
    let encoders: [ADAINEncoderBlock]
    /// `hourglass.decoder.decoder{i}` in execution order (i from encoder_layer−1 down).
    let decoders: [ADAINDecoderBlock]
    /// `flow_out.0`: LayerNorm2d over the hourglass output.
    let flowNorm: LayerNorm2d
    /// `flow_out.2`: c7 Conv2d → 2.
    let flowConv: Conv2d
    /// The decoder blocks' levels, in execution order.
    let decoderLevels: [Int]
    private let config: PIRenderConfig

    /// Builds the layers and registers their keys under `prefix` (`warpping_net`).
    public init(config: PIRenderConfig, registry: ParameterRegistry, prefix: String = "warpping_net") {
        self.config = config
        decoderLevels = WarpingNet.decoderLevels(config)
        let (base, cap, descriptor) = (config.warping.baseChannels, config.common.maxChannels, config.common.descriptorChannels)
        let encoderCount = config.warping.encoderLayers
        let width = { (level: Int) in Swift.min(base << level, cap) }
        inputLayer = Conv2d(
            inChannels: config.common.imageChannels, outChannels: base, kernelSize: 7, padding: 3,
            registry: registry, prefix: prefix + ".hourglass.encoder.input_layer")
        encoders = (0..<encoderCount).map {
            ADAINEncoderBlock(
                inChannels: width($0), outChannels: width($0 + 1), descriptor: descriptor,
                registry: registry, prefix: prefix + ".hourglass.encoder.encoder\($0)")
        }
        decoders = WarpingNet.decoderLevels(config).map { level in
            let input = width(level + 1) * (level == encoderCount - 1 ? 1 : 2)
            return ADAINDecoderBlock(
                inChannels: input, outChannels: width(level), descriptor: descriptor,
                registry: registry, prefix: prefix + ".hourglass.decoder.decoder\(level)")
        }
        let hourglassChannels = 2 * width(WarpingNet.decoderLevels(config).last ?? encoderCount)
        flowNorm = LayerNorm2d(channels: hourglassChannels, registry: registry, prefix: prefix + ".flow_out.0")
        flowConv = Conv2d(
            inChannels: hourglassChannels, outChannels: 2, kernelSize: 7, padding: 3,
            registry: registry, prefix: prefix + ".flow_out.2")
        adaptiveNorms = encoders.flatMap(\.norms) + decoders.flatMap(\.norms)
    }

    /// Decoder levels in execution order: encoder_layer−1 down to encoder_layer−decoder_layer.
    static func decoderLevels(_ config: PIRenderConfig) -> [Int] {
        let count = config.warping.encoderLayers
        return Array(((count - config.warping.decoderLayers)..<count).reversed())
    }

    /// Every ADAIN of the net (their γ/β are computed once per frame).
    let adaptiveNorms: [AdaptiveInstanceNorm]

    /// The buffers of one forward pass at resolution R (shapes in the comments).
    public final class RunState {
        /// [x0, e0, …, e_{n−1}]: x0 (1, base, R, R), e_i (1, min(base·2^(i+1), max), R/2^(i+1), same).
        public let encoderOutputs: [Tensor]
        /// Per encoder block: ADAIN+LReLU of the input (in_i, s, s) and conv_0 output (out_i, s/2, s/2).
        let encoderNormed: [Tensor], encoderHidden: [Tensor]
        /// Per decoder block: ADAIN+LReLU of the input for the shortcut and main paths (in, s, s),
        /// conv_0 output (hidden, s, s), shortcut+main sum (out, 2s, 2s), conv_1 output (out, 2s, 2s).
        let decoderNormedShortcut: [Tensor], decoderNormedMain: [Tensor], decoderHidden: [Tensor]
        let decoderSum: [Tensor], decoderMain: [Tensor]
        /// Per decoder block: the sum concatenated with the encoder skip, (2·out, 2s, 2s);
        /// the last is the hourglass output.
        public let decoderOutputs: [Tensor]
        /// LayerNorm+LReLU of the hourglass output, (C, h, w).
        let flowFeatures: Tensor
        /// The flow field, (1, 2, h, w), h = R / 2^(encoder_layer − decoder_layer).
        public let flowField: Tensor
        /// The deformation grid in planar layout, (1, 2, h, w) (x then y).
        let deformationPlanar: Tensor
        /// The deformation grid, (1, h, w, 2) in (x, y) order.
        public let deformation: Tensor
        /// The deformation resized to the image, planar, (1, 2, R, R).
        let samplingGridPlanar: Tensor
        /// The grid passed to grid_sample, (1, R, R, 2).
        public let samplingGrid: Tensor
        /// The warped source image, (1, 3, R, R).
        public let warpImage: Tensor
        /// The scratch floats the convs need.
        let scratchNeeded: Int

        init(net: WarpingNet, resolution: Int, scratchCap: Int) {
            var scratch = 0
            func reserve(_ whole: Int, _ minimum: Int) { scratch = Swift.max(scratch, Swift.max(minimum, Swift.min(whole, scratchCap))) }
            var size = resolution
            var outputs = [Tensor(shape: [1, net.inputLayer.outChannels, size, size])]
            reserve(net.inputLayer.scratchForWholeImage(height: size, width: size), net.inputLayer.minimumScratch(width: size))
            var normed: [Tensor] = [], hidden: [Tensor] = []
            for block in net.encoders {
                normed.append(Tensor(shape: [1, block.conv0.weight.shape[1], size, size]))
                reserve(block.conv0.scratchForWholeImage(height: size, width: size), block.conv0.minimumScratch(width: size))
                size = block.conv0.outputSize(size)
                hidden.append(Tensor(shape: [1, block.conv0.outChannels, size, size]))
                reserve(block.conv1.scratchForWholeImage(height: size, width: size), block.conv1.minimumScratch(width: size))
                outputs.append(Tensor(shape: [1, block.conv1.outChannels, size, size]))
            }
            (encoderOutputs, encoderNormed, encoderHidden) = (outputs, normed, hidden)
            var normedShortcut: [Tensor] = [], normedMain: [Tensor] = [], decoderHidden: [Tensor] = []
            var sums: [Tensor] = [], mains: [Tensor] = [], concatenated: [Tensor] = []
            for (block, level) in zip(net.decoders, WarpingNet.decoderLevels(net.config)) {
                let input = block.conv0.weight.shape[1], out = block.convS.weight.shape[1], hiddenWidth = block.conv0.outChannels
                normedShortcut.append(Tensor(shape: [1, input, size, size]))
                normedMain.append(Tensor(shape: [1, input, size, size]))
                decoderHidden.append(Tensor(shape: [1, hiddenWidth, size, size]))
                reserve(block.conv0.scratchForWholeImage(height: size, width: size), block.conv0.minimumScratch(width: size))
                reserve(block.convS.scratchForWholeImage(height: size, width: size), block.convS.minimumScratch(width: size))
                reserve(block.conv1.scratchForWholeImage(height: size, width: size), block.conv1.minimumScratch(width: size))
                size = block.convS.outputSize(size)
                sums.append(Tensor(shape: [1, out, size, size]))
                mains.append(Tensor(shape: [1, out, size, size]))
                concatenated.append(Tensor(shape: [1, out + outputs[level].shape[1], size, size]))
            }
            (decoderNormedShortcut, decoderNormedMain, self.decoderHidden) = (normedShortcut, normedMain, decoderHidden)
            (decoderSum, decoderMain, decoderOutputs) = (sums, mains, concatenated)
            let hourglass = concatenated.last ?? outputs.last!
            flowFeatures = Tensor(shape: hourglass.shape)
            reserve(net.flowConv.scratchForWholeImage(height: size, width: size), net.flowConv.minimumScratch(width: size))
            flowField = Tensor(shape: [1, 2, size, size])
            deformationPlanar = Tensor(shape: [1, 2, size, size])
            deformation = Tensor(shape: [1, size, size, 2])
            samplingGridPlanar = Tensor(shape: [1, 2, resolution, resolution])
            samplingGrid = Tensor(shape: [1, resolution, resolution, 2])
            warpImage = Tensor(shape: [1, net.inputLayer.weight.shape[1], resolution, resolution])
            scratchNeeded = scratch
        }
    }

    /// Allocates the buffers for an R×R image; `scratchCap` bounds the im2col tiles.
    public func makeRunState(resolution: Int, scratchCap: Int) -> RunState {
        RunState(net: self, resolution: resolution, scratchCap: scratchCap)
    }

    /// Computes flow field, deformation and warped image of `image` (1, 3, R, R) for the
    /// descriptor `descriptor` (1, D) into `state`.
    public func forward(_ image: Tensor, descriptor: Tensor, state: RunState, scratch: ScratchBuffer) throws(NeuralError) {
        // image (1,3,R,R), descriptor (1,D) -> state.flowField (1,2,h,w), state.warpImage (1,3,R,R)
        for norm in adaptiveNorms { try norm.modulate(descriptor: descriptor) }
        let slope = PIRenderGenerator.leakyReLUSlope
        try inputLayer.forward(state.encoderOutputs[0], image, scratch: scratch)
        for (index, block) in encoders.enumerated() {
            try block.norm0.forward(state.encoderNormed[index], state.encoderOutputs[index], leakyReLUSlope: slope)
            try block.conv0.forward(state.encoderHidden[index], state.encoderNormed[index], scratch: scratch)
            try block.norm1.forward(state.encoderHidden[index], state.encoderHidden[index], leakyReLUSlope: slope)
            try block.conv1.forward(state.encoderOutputs[index + 1], state.encoderHidden[index], scratch: scratch)
        }
        var current = state.encoderOutputs[encoders.count]
        for (index, block) in decoders.enumerated() {
            let level = decoderLevels[index]
            try block.normS.forward(state.decoderNormedShortcut[index], current, leakyReLUSlope: slope)
            try block.convS.forward(state.decoderSum[index], state.decoderNormedShortcut[index], scratch: scratch)
            try block.norm0.forward(state.decoderNormedMain[index], current, leakyReLUSlope: slope)
            try block.conv0.forward(state.decoderHidden[index], state.decoderNormedMain[index], scratch: scratch)
            try block.norm1.forward(state.decoderHidden[index], state.decoderHidden[index], leakyReLUSlope: slope)
            try block.conv1.forward(state.decoderMain[index], state.decoderHidden[index], scratch: scratch)
            try Ops.add(state.decoderSum[index], state.decoderSum[index], state.decoderMain[index])
            try Ops.concatChannels(state.decoderOutputs[index], state.decoderSum[index], state.encoderOutputs[level])
            current = state.decoderOutputs[index]
        }
        try flowNorm.forward(state.flowFeatures, current, leakyReLUSlope: slope)
        try flowConv.forward(state.flowField, state.flowFeatures, scratch: scratch)
        FlowWarp.deformation(state.deformationPlanar, flow: state.flowField)
        try Ops.channelsLast(state.deformation, state.deformationPlanar)
        try Ops.resizeBilinear(state.samplingGridPlanar, state.deformationPlanar)
        try Ops.channelsLast(state.samplingGrid, state.samplingGridPlanar)
        try Ops.gridSample(state.warpImage, image, grid: state.samplingGrid)
    }
}

/// PIRender's util/flow_util.py conversion of a flow field to a sampling grid.
public enum FlowWarp {
    /// deformation = align-corners identity grid + flow in grid units:
    /// d[0,i,j] = 2j/(w−1) − 1 + 2·flow[0,i,j]/(w−1), d[1,i,j] = 2i/(h−1) − 1 + 2·flow[1,i,j]/(h−1).
    ///
    /// The identity uses the align-corners convention while `grid_sample` does not, so a zero
    /// flow is *not* an identity warp (SPEC 4.5); this is reproduced on purpose.
    public static func deformation(_ out: Tensor, flow: Tensor) {
        // flow (1,2,h,w) pixels of the flow grid -> out (1,2,h,w) normalised (x, y) planes
        let (h, w) = (flow.shape[2], flow.shape[3])
        let (xDenominator, yDenominator) = (Float(Swift.max(w - 1, 1)), Float(Swift.max(h - 1, 1)))
        for i in 0..<h {
            let gy = 2 * (Float(i) / yDenominator) - 1
            for j in 0..<w {
                let index = i * w + j
                let gx = 2 * (Float(j) / xDenominator) - 1
                out.data[index] = gx + 2 * (flow.data[index] / xDenominator)
                out.data[h * w + index] = gy + 2 * (flow.data[h * w + index] / yDenominator)
            }
        }
    }
}

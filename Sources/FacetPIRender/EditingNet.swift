// PIRender's EditingNet (Ren et al., ICCV 2021, section 3.3): refines the warped image with a
// LayerNorm2d encoder over concat(source, warped) and an ADAIN-modulated decoder.
// Keys: editing_net.encoder.{first,down{i}}.model.{0,1}, editing_net.decoder.{res{i}.res{k},
// up{i}.model, jump{i}.model, final.model.0}.

import FacetNeural

/// FineADAINResBlock2d as the reference actually computes it: y = norm2(conv2(x), z) + x.
///
/// The first branch LReLU(norm1(conv1(x))) is computed and discarded by the reference (a bug
/// in the repository), so `conv1.*` and `norm1.*` are accepted when loading but not computed.
final class FineADAINResidualBlock {
    let conv2: Conv2d
    let norm2: AdaptiveInstanceNorm

    init(channels: Int, descriptor: Int, registry: ParameterRegistry, prefix: String) {
        registry.acceptUnused(prefix + ".conv1.weight", shape: [channels, channels, 3, 3])
        registry.acceptUnused(prefix + ".conv1.bias", shape: [channels])
        conv2 = Conv2d(
            inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, registry: registry, prefix: prefix + ".conv2")
        let hidden = AdaptiveInstanceNorm.hiddenWidth
        registry.acceptUnused(prefix + ".norm1.mlp_shared.0.weight", shape: [hidden, descriptor])
        registry.acceptUnused(prefix + ".norm1.mlp_shared.0.bias", shape: [hidden])
        registry.acceptUnused(prefix + ".norm1.mlp_gamma.weight", shape: [channels, hidden])
        registry.acceptUnused(prefix + ".norm1.mlp_gamma.bias", shape: [channels])
        registry.acceptUnused(prefix + ".norm1.mlp_beta.weight", shape: [channels, hidden])
        registry.acceptUnused(prefix + ".norm1.mlp_beta.bias", shape: [channels])
        norm2 = AdaptiveInstanceNorm(channels: channels, featureChannels: descriptor, registry: registry, prefix: prefix + ".norm2")
    }
}

/// Conv2d followed by LayerNorm2d and LeakyReLU (PIRender's FirstBlock2d/DownBlock2d/UpBlock2d
/// body, keys `model.0` and `model.1`).
final class ConvNormBlock {
    let conv: Conv2d
    let norm: LayerNorm2d

    init(inChannels: Int, outChannels: Int, kernelSize: Int, registry: ParameterRegistry, prefix: String) {
        conv = Conv2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, padding: kernelSize / 2,
            registry: registry, prefix: prefix + ".model.0")
        norm = LayerNorm2d(channels: outChannels, registry: registry, prefix: prefix + ".model.1")
    }

    // x (1,in,H,W) -> out (1,out,H,W): LReLU(LN(conv(x))); with `statistics`, the conv gathers
    // the norm's statistics (no separate passes)
    func forward(_ out: Tensor, _ x: Tensor, scratch: ScratchBuffer, statistics: ChannelStatistics? = nil) throws(NeuralError) {
        try conv.forward(out, x, scratch: scratch, statistics: statistics)
        try norm.forward(out, out, leakyReLUSlope: PIRenderGenerator.leakyReLUSlope, statistics: statistics)
    }
}

/// EditingNet: FineEncoder (c7 + LN2d, then conv-LN-LReLU-avgpool levels) and FineDecoder
/// (per level: ADAIN residual blocks, nearest ×2 + conv-LN-LReLU, plus the jump of the skip),
/// then c7 → tanh.
public final class EditingNet {
    let first: ConvNormBlock
    let downs: [ConvNormBlock]
    /// Per level i (index i): residual blocks, up block, jump block.
    let residuals: [[FineADAINResidualBlock]]
    let ups: [ConvNormBlock]
    let jumps: [ConvNormBlock]
    let final: Conv2d

    /// Builds the layers and registers their keys under `prefix` (`editing_net`).
    public init(config: PIRenderConfig, registry: ParameterRegistry, prefix: String = "editing_net") {
        let (base, cap, descriptor) = (config.editing.baseChannels, config.common.maxChannels, config.common.descriptorChannels)
        let width = { (level: Int) in Swift.min(base << level, cap) }
        let levels = config.editing.layers
        first = ConvNormBlock(
            inChannels: 2 * config.common.imageChannels, outChannels: base, kernelSize: 7,
            registry: registry, prefix: prefix + ".encoder.first")
        downs = (0..<levels).map {
            ConvNormBlock(
                inChannels: width($0), outChannels: width($0 + 1), kernelSize: 3, registry: registry,
                prefix: prefix + ".encoder.down\($0)")
        }
        // Registration order follows the reference's module order: levels from the deepest.
        var residuals = [[FineADAINResidualBlock]](repeating: [], count: levels)
        var ups = [ConvNormBlock?](repeating: nil, count: levels), jumps = [ConvNormBlock?](repeating: nil, count: levels)
        for level in (0..<levels).reversed() {
            residuals[level] = (0..<config.editing.residualBlocks).map {
                FineADAINResidualBlock(
                    channels: width(level + 1), descriptor: descriptor, registry: registry,
                    prefix: prefix + ".decoder.res\(level).res\($0)")
            }
            ups[level] = ConvNormBlock(
                inChannels: width(level + 1), outChannels: width(level), kernelSize: 3,
                registry: registry, prefix: prefix + ".decoder.up\(level)")
            jumps[level] = ConvNormBlock(
                inChannels: width(level), outChannels: width(level), kernelSize: 3,
                registry: registry, prefix: prefix + ".decoder.jump\(level)")
        }
        self.residuals = residuals
        adaptiveNorms = residuals.flatMap { $0.map(\.norm2) }
        self.ups = ups.map { $0! }
        self.jumps = jumps.map { $0! }
        final = Conv2d(
            inChannels: base, outChannels: config.common.imageChannels, kernelSize: 7, padding: 3,
            registry: registry, prefix: prefix + ".decoder.final.model.0")
    }

    /// The ADAINs that are computed (norm2 of every residual block).
    let adaptiveNorms: [AdaptiveInstanceNorm]

    /// The buffers of one forward pass at resolution R (shapes in the comments).
    public final class RunState {
        /// concat(source, warped), (1, 6, R, R).
        let input: Tensor
        /// [f, d0, …, d_{L−1}]: f (1, base, R, R), d_i (1, width(i+1), R/2^(i+1), same).
        public let encoderOutputs: [Tensor]
        /// One buffer reused for short-lived full-size values: each down conv's output before
        /// pooling (width(i+1), R/2^i, same) and each upsampled decoder input (width(i+1), R/2^i, same).
        let shared: Tensor
        let downConvolved: [Tensor], upsampled: [Tensor]
        /// Per level i: two ping-pong residual buffers, (1, width(i+1), R/2^(i+1), same).
        let residualBuffers: [[Tensor]]
        /// Per level i: the residual blocks' output (`res{i}_out`; the level input when there are none).
        public private(set) var residualOutputs: [Tensor] = []
        /// Per level i: up block output (`up{i}_out`), jump output (`jump{i}_out`) and their sum,
        /// each (1, width(i), R/2^i, same).
        public let upOutputs: [Tensor], jumpOutputs: [Tensor], levelOutputs: [Tensor]
        /// The generated image, (1, 3, R, R), in (−1, 1).
        public let fakeImage: Tensor
        /// Per-channel sums a conv gathers for the norm after it (up to the widest layer).
        let statistics: ChannelStatistics
        let scratchNeeded: Int

        init(net: EditingNet, resolution: Int, scratchCap: Int) throws(NeuralError) {
            var scratch = 0
            func reserve(_ conv: Conv2d, _ size: Int) {
                scratch = Swift.max(
                    scratch,
                    Swift.max(
                        conv.minimumScratch(width: size),
                        Swift.min(conv.scratchForWholeImage(height: size, width: size), scratchCap)))
            }
            let levels = net.downs.count
            input = Tensor(shape: [1, net.first.conv.weight.shape[1], resolution, resolution])
            var outputs = [Tensor(shape: [1, net.first.conv.outChannels, resolution, resolution])]
            reserve(net.first.conv, resolution)
            var sharedFloats = 0
            for (level, block) in net.downs.enumerated() {
                let size = resolution >> level
                sharedFloats = Swift.max(sharedFloats, block.conv.outChannels * size * size, block.conv.weight.shape[1] * size * size)
                reserve(block.conv, size)
                outputs.append(Tensor(shape: [1, block.conv.outChannels, size / 2, size / 2]))
                reserve(net.ups[level].conv, size)
                reserve(net.jumps[level].conv, size)
                reserve(net.residuals[level].first?.conv2 ?? net.ups[level].conv, size / 2)
            }
            reserve(net.final, resolution)
            encoderOutputs = outputs
            shared = Tensor(shape: [sharedFloats])
            var downConvolved: [Tensor] = [], upsampled: [Tensor] = [], residualBuffers: [[Tensor]] = []
            var ups: [Tensor] = [], jumps: [Tensor] = [], sums: [Tensor] = []
            for level in 0..<levels {
                let size = resolution >> level
                let (inner, outer) = (net.downs[level].conv.outChannels, net.downs[level].conv.weight.shape[1])
                downConvolved.append(try Tensor(viewing: shared, shape: [1, inner, size, size]))
                upsampled.append(try Tensor(viewing: shared, shape: [1, inner, size, size]))
                residualBuffers.append(
                    net.residuals[level].isEmpty
                        ? [] : [Tensor(shape: [1, inner, size / 2, size / 2]), Tensor(shape: [1, inner, size / 2, size / 2])])
                ups.append(Tensor(shape: [1, outer, size, size]))
                jumps.append(Tensor(shape: [1, outer, size, size]))
                sums.append(Tensor(shape: [1, outer, size, size]))
            }
            (self.downConvolved, self.upsampled, self.residualBuffers) = (downConvolved, upsampled, residualBuffers)
            (upOutputs, jumpOutputs, levelOutputs) = (ups, jumps, sums)
            residualOutputs = (0..<levels).map { level in
                residualBuffers[level].isEmpty
                    ? (level == levels - 1 ? outputs[levels] : sums[level + 1])
                    : residualBuffers[level][(net.residuals[level].count - 1) % 2]
            }
            fakeImage = Tensor(shape: [1, net.final.outChannels, resolution, resolution])
            let widest =
                ([net.first.conv] + net.downs.map(\.conv) + net.ups.map(\.conv) + net.jumps.map(\.conv)
                + net.residuals.flatMap { $0.map(\.conv2) }).map(\.outChannels).max() ?? 1
            statistics = ChannelStatistics(capacity: widest)
            scratchNeeded = scratch
        }
    }

    /// Allocates the buffers for an R×R image; `scratchCap` bounds the im2col tiles.
    public func makeRunState(resolution: Int, scratchCap: Int) throws(NeuralError) -> RunState {
        try RunState(net: self, resolution: resolution, scratchCap: scratchCap)
    }

    /// Computes `state.fakeImage` from the source image, the warped image (both (1, 3, R, R))
    /// and the descriptor (1, D).
    public func forward(
        source: Tensor, warped: Tensor, descriptor: Tensor, state: RunState,
        scratch: ScratchBuffer
    ) throws(NeuralError) {
        // source (1,3,R,R), warped (1,3,R,R), descriptor (1,D) -> state.fakeImage (1,3,R,R)
        for norm in adaptiveNorms { try norm.modulate(descriptor: descriptor) }
        try Ops.concatChannels(state.input, source, warped)
        try first.forward(state.encoderOutputs[0], state.input, scratch: scratch)
        for (level, block) in downs.enumerated() {
            // conv → LayerNorm2d → LReLU → AvgPool2d(2), the last three in one pass
            try block.conv.forward(
                state.downConvolved[level], state.encoderOutputs[level], scratch: scratch,
                statistics: state.statistics)
            try Ops.layerNorm2dLeakyReLUAvgPool(
                state.encoderOutputs[level + 1], state.downConvolved[level],
                weight: block.norm.weight, bias: block.norm.bias, eps: block.norm.eps,
                leakyReLUSlope: PIRenderGenerator.leakyReLUSlope, statistics: state.statistics)
        }
        var current = state.encoderOutputs[downs.count]
        for level in (0..<downs.count).reversed() {
            for (index, block) in residuals[level].enumerated() {
                let output = state.residualBuffers[level][index % 2]
                try block.conv2.forward(output, current, scratch: scratch, statistics: state.statistics)
                try block.norm2.forward(output, output, statistics: state.statistics)
                try Ops.add(output, output, current)
                current = output
            }
            let up = ups[level]
            if up.conv.canFuseUpsampling(height: current.shape[2], width: current.shape[3]) {
                try up.conv.forward(state.upOutputs[level], upsampling: current, scratch: scratch, statistics: state.statistics)
                try up.norm.forward(
                    state.upOutputs[level], state.upOutputs[level], leakyReLUSlope: PIRenderGenerator.leakyReLUSlope,
                    statistics: state.statistics)
            } else {
                try Ops.upsampleNearest2x(state.upsampled[level], current)
                try up.forward(state.upOutputs[level], state.upsampled[level], scratch: scratch, statistics: state.statistics)
            }
            try jumps[level].forward(
                state.jumpOutputs[level], state.encoderOutputs[level], scratch: scratch,
                statistics: state.statistics)
            try Ops.add(state.levelOutputs[level], state.upOutputs[level], state.jumpOutputs[level])
            current = state.levelOutputs[level]
        }
        try final.forward(state.fakeImage, current, scratch: scratch)
        try Ops.tanh(state.fakeImage, state.fakeImage)
    }
}

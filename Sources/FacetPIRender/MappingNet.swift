// PIRender's MappingNet (Ren et al., ICCV 2021, section 3.1): a dilated 1-D conv net from the
// 73×27 driving window to the motion descriptor. Keys: mapping_net.first.0,
// mapping_net.encoder{k}.1 (index 0 of each Sequential is the parameter-free LeakyReLU).

import FacetNeural

/// MappingNet: Conv1d k7, then `layers` blocks out = Conv1d_k3_d3(LReLU(x)) + x[:, :, 3:−3],
/// then the mean over time: (1, 73, 27) → (1, D, 1).
public final class MappingNet {
    /// `first.0`: Conv1d coeff → D, kernel 7, no padding.
    public let first: Conv1d
    /// `encoder{k}.1`: Conv1d D → D, kernel 3, dilation 3, no padding.
    public let encoders: [Conv1d]

    /// Builds the layers and registers their keys under `prefix` (`mapping_net`).
    public init(config: PIRenderConfig, registry: ParameterRegistry, prefix: String = "mapping_net") {
        let width = config.mapping.descriptorChannels
        first = Conv1d(
            inChannels: config.mapping.coeffChannels, outChannels: width, kernelSize: 7,
            registry: registry, prefix: prefix + ".first.0")
        encoders = (0..<config.mapping.layers).map {
            Conv1d(
                inChannels: width, outChannels: width, kernelSize: 3, dilation: 3,
                registry: registry, prefix: prefix + ".encoder\($0).1")
        }
    }

    /// The buffers of one forward pass for a window of fixed length.
    public final class RunState {
        /// `first` output, (1, D, L−6).
        public let firstOutput: Tensor
        /// LeakyReLU of the previous block output, one per block, (1, D, L_k).
        let activated: [Tensor]
        /// Conv output of each block before the residual add (`encoder{k}_branch`), (1, D, L_k − 6).
        public let branches: [Tensor]
        /// Block outputs after the residual add, (1, D, L_k − 6); the last is `pre_pool`.
        public let blockOutputs: [Tensor]
        /// The descriptor, (1, D, 1).
        public let descriptor: Tensor
        /// The scratch floats the convs need.
        let scratchNeeded: Int

        init(net: MappingNet, windowLength: Int) {
            let width = net.first.weight.shape[0]
            var length = net.first.outputLength(windowLength)
            firstOutput = Tensor(shape: [1, width, length])
            var scratch = net.first.scratchNeeded(length: windowLength)
            var activated: [Tensor] = [], branches: [Tensor] = [], outputs: [Tensor] = []
            for encoder in net.encoders {
                activated.append(Tensor(shape: [1, width, length]))
                scratch = Swift.max(scratch, encoder.scratchNeeded(length: length))
                length = encoder.outputLength(length)
                branches.append(Tensor(shape: [1, width, length]))
                outputs.append(Tensor(shape: [1, width, length]))
            }
            (self.activated, self.branches, self.blockOutputs) = (activated, branches, outputs)
            descriptor = Tensor(shape: [1, width, 1])
            scratchNeeded = scratch
        }
    }

    /// Allocates the buffers for a `windowLength`-frame window.
    public func makeRunState(windowLength: Int) -> RunState { RunState(net: self, windowLength: windowLength) }

    /// Computes `state.descriptor` from `coefficients` (1, 73, L).
    public func forward(_ coefficients: Tensor, state: RunState, scratch: ScratchBuffer) throws(NeuralError) {
        // coefficients (1,73,L) -> state.descriptor (1,D,1)
        try first.forward(state.firstOutput, coefficients, scratch: scratch)
        var current = state.firstOutput
        for (index, encoder) in encoders.enumerated() {
            let activated = state.activated[index], branch = state.branches[index], output = state.blockOutputs[index]
            try Ops.leakyReLU(activated, current, negativeSlope: PIRenderGenerator.leakyReLUSlope)
            try encoder.forward(branch, activated, scratch: scratch)
            // output = branch + current[:, :, 3 : L−3] (the pre-activation input, centre-cropped)
            let (channels, length, inputLength) = (branch.shape[1], branch.shape[2], current.shape[2])
            for channel in 0..<channels {
                for t in 0..<length {
                    output.data[channel * length + t] = branch.data[channel * length + t] + current.data[channel * inputLength + t + 3]
                }
            }
            current = output
        }
        try Ops.meanLastAxis(state.descriptor, current)
    }
}

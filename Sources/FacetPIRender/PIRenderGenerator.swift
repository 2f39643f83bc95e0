// PIRender's FaceGenerator (Ren et al., "PIRenderer: Controllable Portrait Image Generation
// via Semantic Neural Rendering", ICCV 2021): mapping → warping → editing, batch 1, float32.

import FacetNeural

/// The PIRender face generator on the Facet neural engine.
///
/// Create it from a weights file (`Safetensors.read`), then call `forward` once per frame.
/// All buffers of a forward pass belong to a memory plan made for one resolution; `forward`
/// reuses them (it allocates nothing) and re-plans only when the image size changes. The
/// returned stage tensors are the plan's buffers: they are overwritten by the next call.
///
/// ```swift
/// let weights = try Safetensors.read(url)
/// let generator = try PIRenderGenerator(weights: weights)
/// let stages = try generator.forward(inputImage: image, drivingCoefficients: window)
/// ```
public final class PIRenderGenerator {
    /// The negative slope of every LeakyReLU in the generator.
    public static let leakyReLUSlope: Float = 0.1
    /// The largest im2col/Winograd tile, in floats (8 MiB), that a plan reserves.
    public static let scratchCap = 1 << 21

    /// The hyper-parameters.
    public let config: PIRenderConfig
    /// Parameters by checkpoint key (live ones, plus the accepted dead-branch keys).
    public let registry = ParameterRegistry()
    /// `mapping_net`.
    public let mappingNet: MappingNet
    /// `warpping_net`.
    public let warpingNet: WarpingNet
    /// `editing_net`.
    public let editingNet: EditingNet
    /// The resolution of the current memory plan.
    public private(set) var resolution: Int
    private var plan: Plan!

    /// The buffers of one forward pass at one resolution.
    private final class Plan {
        let mapping: MappingNet.RunState
        let warping: WarpingNet.RunState
        let editing: EditingNet.RunState
        /// The descriptor flattened to (1, D) for the ADAIN MLPs (a view of `mapping.descriptor`).
        let flatDescriptor: Tensor
        let scratch: ScratchBuffer

        init(generator: PIRenderGenerator, resolution: Int) throws(NeuralError) {
            mapping = generator.mappingNet.makeRunState(windowLength: generator.config.windowLength)
            warping = generator.warpingNet.makeRunState(resolution: resolution, scratchCap: PIRenderGenerator.scratchCap)
            editing = try generator.editingNet.makeRunState(resolution: resolution, scratchCap: PIRenderGenerator.scratchCap)
            flatDescriptor = try Tensor(viewing: mapping.descriptor, shape: [1, mapping.descriptor.shape[1]])
            scratch = ScratchBuffer(capacity: Swift.max(mapping.scratchNeeded, warping.scratchNeeded, editing.scratchNeeded))
        }
    }

    /// A generator with all parameters zero, planned for `resolution` (default: the config's).
    /// Load weights with `load(_:source:)`.
    public init(config: PIRenderConfig = .default, resolution: Int? = nil) throws(NeuralError) {
        try config.validate()
        self.config = config
        mappingNet = MappingNet(config: config, registry: registry)
        warpingNet = WarpingNet(config: config, registry: registry)
        editingNet = EditingNet(config: config, registry: registry)
        let size = resolution ?? config.resolution
        try Self.checkResolution(size, config: config, role: "resolution")
        self.resolution = size
        plan = try Plan(generator: self, resolution: size)
    }

    /// A generator for the weights in `weights`, with the config from its `config` metadata,
    /// else `config`, else config/face.yaml's.
    public convenience init(
        weights: TensorFile, config: PIRenderConfig? = nil, resolution: Int? = nil,
        source: String? = nil
    ) throws(NeuralError) {
        let chosen: PIRenderConfig
        if let config {
            chosen = config
        } else if let json = weights.metadata["config"] {
            chosen = try PIRenderConfig(json: json)
        } else {
            chosen = .default
        }
        try self.init(config: chosen, resolution: resolution)
        try load(weights, source: source)
    }

    /// Copies a state_dict into the parameters (checked as a whole: see `ParameterRegistry.load`).
    public func load(_ weights: TensorFile, source: String? = nil) throws(NeuralError) {
        try registry.load(weights, source: source)
    }

    /// Re-plans the buffers for R×R images (allocates; done automatically by `forward`).
    public func prepare(resolution: Int) throws(NeuralError) {
        guard resolution != self.resolution else { return }
        try Self.checkResolution(resolution, config: config, role: "resolution")
        plan = try Plan(generator: self, resolution: resolution)
        self.resolution = resolution
    }

    private static func checkResolution(_ size: Int, config: PIRenderConfig, role: String) throws(NeuralError) {
        let multiple = config.resolutionMultiple
        guard size >= multiple, size % multiple == 0 else {
            throw NeuralError(
                .invalidArgument,
                "\(role) must be a positive multiple of \(multiple) for this config (\(config.warping.encoderLayers) warping encoder levels); got \(size)"
            )
        }
    }

    /// Runs the generator on one frame.
    ///
    /// - Parameters:
    ///   - inputImage: the source portrait, (1, 3, R, R), RGB in [−1, 1], R a multiple of
    ///     `config.resolutionMultiple`.
    ///   - drivingCoefficients: the driving window, (1, 73, 27) (see `DrivingWindow`).
    /// - Returns: every stage; the tensors are the plan's buffers, valid until the next call.
    public func forward(inputImage: Tensor, drivingCoefficients: Tensor) throws(NeuralError) -> PIRenderStages {
        let channels = config.common.imageChannels
        guard inputImage.rank == 4, inputImage.shape[0] == 1, inputImage.shape[1] == channels,
            inputImage.shape[2] == inputImage.shape[3], inputImage.shape[2] % config.resolutionMultiple == 0,
            inputImage.shape[2] > 0
        else {
            throw NeuralError(
                .invalidArgument,
                "input_image must be (1,\(channels),R,R) with R a multiple of \(config.resolutionMultiple); got \(Tensor.describe(inputImage.shape))"
            )
        }
        let window = [1, config.mapping.coeffChannels, config.windowLength]
        guard drivingCoefficients.shape == window else {
            throw NeuralError(
                .invalidArgument,
                "driving_coeffs must be \(Tensor.describe(window)) (coefficients × \(config.windowLength)-frame window); got \(Tensor.describe(drivingCoefficients.shape))"
            )
        }
        try prepare(resolution: inputImage.shape[2])
        let clock = ContinuousClock()
        let start = clock.now
        try mappingNet.forward(drivingCoefficients, state: plan.mapping, scratch: plan.scratch)
        let mapped = clock.now
        try warpingNet.forward(inputImage, descriptor: plan.flatDescriptor, state: plan.warping, scratch: plan.scratch)
        let warped = clock.now
        try editingNet.forward(
            source: inputImage, warped: plan.warping.warpImage, descriptor: plan.flatDescriptor,
            state: plan.editing, scratch: plan.scratch)
        let edited = clock.now
        return PIRenderStages(
            descriptor: plan.mapping.descriptor, flowField: plan.warping.flowField,
            deformation: plan.warping.deformation, warpImage: plan.warping.warpImage,
            fakeImage: plan.editing.fakeImage,
            timings: PIRenderStageTimings(
                mappingNet: mapped - start, warpingNet: warped - mapped,
                editingNet: edited - warped))
    }

    /// The floats held by the current memory plan (run-state tensors and scratch), excluding
    /// parameters.
    public var planFloatCount: Int {
        var total = plan.scratch.capacity
        let mirrorTargets: [Any] = [plan.mapping, plan.warping, plan.editing]
        for state in mirrorTargets { total += Self.ownedFloats(in: state) }
        return total
    }

    /// Named intermediates of the last forward pass, for localising differences against a
    /// reference (names as in the golden files' `debug.*` tensors).
    public var intermediates: [String: Tensor] {
        var named: [String: Tensor] = [:]
        named["debug.mapping.first"] = plan.mapping.firstOutput
        for (index, branch) in plan.mapping.branches.enumerated() { named["debug.mapping.encoder\(index)_branch"] = branch }
        named["debug.mapping.pre_pool"] = plan.mapping.blockOutputs.last ?? plan.mapping.firstOutput
        for (index, output) in plan.warping.encoderOutputs.enumerated() { named["debug.warp.encoder_out.\(index)"] = output }
        named["debug.warp.hourglass_out"] = plan.warping.decoderOutputs.last ?? plan.warping.encoderOutputs.last
        named["debug.sampling_grid"] = plan.warping.samplingGrid
        for (index, output) in plan.editing.encoderOutputs.enumerated() { named["debug.edit.encoder_out.\(index)"] = output }
        for level in plan.editing.upOutputs.indices {
            named["debug.edit.res\(level)_out"] = plan.editing.residualOutputs[level]
            named["debug.edit.up\(level)_out"] = plan.editing.upOutputs[level]
            named["debug.edit.jump\(level)_out"] = plan.editing.jumpOutputs[level]
        }
        return named
    }

    /// The floats of the tensors a run state owns (views counted once through their buffer).
    private static func ownedFloats(in state: Any) -> Int {
        var seen = Set<ObjectIdentifier>()
        var total = 0
        func visit(_ value: Any) {
            if let tensor = value as? Tensor {
                if seen.insert(ObjectIdentifier(tensor)).inserted, !tensor.isView { total += tensor.count }
            } else if let list = value as? [Tensor] {
                list.forEach(visit)
            } else if let nested = value as? [[Tensor]] {
                nested.forEach { $0.forEach(visit) }
            }
        }
        for child in Mirror(reflecting: state).children { visit(child.value) }
        return total
    }
}

/// Every stage of one generator pass (the golden files' tensor names in the comments).
public struct PIRenderStages {
    /// `descriptor`, (1, D, 1).
    public let descriptor: Tensor
    /// `flow_field`, (1, 2, R/4, R/4): x then y displacement in flow-grid pixels.
    public let flowField: Tensor
    /// `deformation`, (1, R/4, R/4, 2): the (x, y) sampling grid in [−1, 1] at flow resolution.
    public let deformation: Tensor
    /// `warp_image`, (1, 3, R, R).
    public let warpImage: Tensor
    /// `fake_image`, (1, 3, R, R), in (−1, 1).
    public let fakeImage: Tensor
    /// Wall time of each sub-net.
    public let timings: PIRenderStageTimings

    /// The stages by their golden-file names (for `--dump`).
    public var named: [(name: String, tensor: Tensor)] {
        [
            ("descriptor", descriptor), ("flow_field", flowField), ("deformation", deformation),
            ("warp_image", warpImage), ("fake_image", fakeImage),
        ]
    }
}

/// Wall time of each sub-net in one forward pass.
public struct PIRenderStageTimings: Sendable {
    /// `mapping_net`.
    public let mappingNet: Duration
    /// `warpping_net` (hourglass, flow, resize and sampling).
    public let warpingNet: Duration
    /// `editing_net`.
    public let editingNet: Duration
    /// The whole generator.
    public var total: Duration { mappingNet + warpingNet + editingNet }
}

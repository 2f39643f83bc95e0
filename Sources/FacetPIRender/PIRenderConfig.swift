// The generator's hyper-parameters, as in PIRender's config/face.yaml (`gen.param` plus
// `data.resolution` and `data.semantic_radius`).

import FacetNeural
import Foundation

/// The hyper-parameters of a PIRender `FaceGenerator`.
///
/// Read from the `config` JSON of a weights file's metadata (the golden-file layout:
/// `{"mapping_net": {...}, "warpping_net": {...}, "editing_net": {...}, "common": {...},
/// "resolution": 256, "semantic_radius": 13}`) or from PIRender's own YAML/JSON layout
/// (`gen.param.*` and `data.*`). `PIRenderConfig.default` is config/face.yaml.
public struct PIRenderConfig: Sendable, Equatable {
    /// `mapping_net`: coefficient channels (73), descriptor width and number of encoder blocks.
    public struct Mapping: Sendable, Equatable {
        /// Input channels: the 73 driving coefficients.
        public var coeffChannels = 73
        /// Output descriptor width.
        public var descriptorChannels = 256
        /// Number of dilated residual blocks.
        public var layers = 3
    }
    /// `warpping_net` (sic): hourglass depth and base width.
    public struct Warping: Sendable, Equatable {
        /// Number of ADAIN encoder blocks (each halves the resolution).
        public var encoderLayers = 5
        /// Number of ADAIN decoder blocks (each doubles it).
        public var decoderLayers = 3
        /// Channels of the first layer.
        public var baseChannels = 32
    }
    /// `editing_net`: encoder/decoder depth, residual blocks per level, base width.
    public struct Editing: Sendable, Equatable {
        /// Number of down (and up) levels.
        public var layers = 3
        /// FineADAINResBlock2d blocks per decoder level.
        public var residualBlocks = 2
        /// Channels of the first layer.
        public var baseChannels = 64
    }
    /// `common`: passed to the warping and editing nets.
    public struct Common: Sendable, Equatable {
        /// Image channels (RGB).
        public var imageChannels = 3
        /// Descriptor width seen by the ADAIN layers.
        public var descriptorChannels = 256
        /// Channel cap of every layer.
        public var maxChannels = 256
    }

    /// The mapping net's parameters.
    public var mapping = Mapping()
    /// The warping net's parameters.
    public var warping = Warping()
    /// The editing net's parameters.
    public var editing = Editing()
    /// Shared parameters.
    public var common = Common()
    /// The image size the model was trained for (input and output are R×R).
    public var resolution = 256
    /// Half the driving window: the window holds 2·radius+1 frames.
    public var semanticRadius = 13

    /// config/face.yaml: descriptor 256, warp base 32, edit base 64, max 256, R = 256, radius 13.
    public static let `default` = PIRenderConfig()

    /// Creates a configuration with the defaults of config/face.yaml.
    public init() {}

    /// The driving window length, 2·semanticRadius + 1 (27 by default).
    public var windowLength: Int { 2 * semanticRadius + 1 }

    /// Resolutions must be multiples of this (every encoder level halves the image exactly).
    public var resolutionMultiple: Int { 1 << Swift.max(warping.encoderLayers, editing.layers) }

    /// Parses JSON text in either layout (see the type's documentation).
    public init(json: String) throws(NeuralError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw NeuralError(.malformed, "the generator config is not valid JSON", cause: error)
        }
        try self.init(parsing: object)
    }

    /// Reads a parsed JSON or YAML object in either layout; absent keys keep their defaults,
    /// unknown keys are ignored, values of the wrong type are errors.
    public init(parsing object: Any) throws(NeuralError) {
        guard var root = object as? [String: Any] else {
            throw NeuralError(.malformed, "the generator config must be a mapping with mapping_net, warpping_net, editing_net and common")
        }
        if let gen = root["gen"] as? [String: Any], let param = gen["param"] as? [String: Any] {
            let data = root["data"] as? [String: Any] ?? [:]
            root = param
            root["resolution"] = data["resolution"]
            root["semantic_radius"] = data["semantic_radius"]
        }
        let mapping = try Self.section(root, "mapping_net")
        let warping = try Self.section(root, "warpping_net")
        let editing = try Self.section(root, "editing_net")
        let common = try Self.section(root, "common")
        try Self.read(mapping, "coeff_nc", into: &self.mapping.coeffChannels)
        try Self.read(mapping, "descriptor_nc", into: &self.mapping.descriptorChannels)
        try Self.read(mapping, "layer", into: &self.mapping.layers)
        try Self.read(warping, "encoder_layer", into: &self.warping.encoderLayers)
        try Self.read(warping, "decoder_layer", into: &self.warping.decoderLayers)
        try Self.read(warping, "base_nc", into: &self.warping.baseChannels)
        try Self.read(editing, "layer", into: &self.editing.layers)
        try Self.read(editing, "num_res_blocks", into: &self.editing.residualBlocks)
        try Self.read(editing, "base_nc", into: &self.editing.baseChannels)
        try Self.read(common, "image_nc", into: &self.common.imageChannels)
        try Self.read(common, "descriptor_nc", into: &self.common.descriptorChannels)
        try Self.read(common, "max_nc", into: &self.common.maxChannels)
        if let spectral = common["use_spect"] as? Bool, spectral {
            throw NeuralError(.incompatible, "common.use_spect = true (spectral norm) is not supported; PIRender's face config uses false")
        }
        try Self.read(root, "resolution", into: &resolution)
        try Self.read(root, "semantic_radius", into: &semanticRadius)
        try validate()
    }

    /// Throws when the values cannot describe a generator.
    public func validate() throws(NeuralError) {
        let positives: [(String, Int)] = [
            ("mapping_net.coeff_nc", mapping.coeffChannels), ("mapping_net.descriptor_nc", mapping.descriptorChannels),
            ("mapping_net.layer", mapping.layers), ("warpping_net.encoder_layer", warping.encoderLayers),
            ("warpping_net.decoder_layer", warping.decoderLayers), ("warpping_net.base_nc", warping.baseChannels),
            ("editing_net.layer", editing.layers), ("editing_net.base_nc", editing.baseChannels),
            ("common.image_nc", common.imageChannels), ("common.descriptor_nc", common.descriptorChannels),
            ("common.max_nc", common.maxChannels), ("resolution", resolution), ("semantic_radius", semanticRadius),
        ]
        for (name, value) in positives where value <= 0 {
            throw NeuralError(.invalidArgument, "config \(name) must be positive; got \(value)")
        }
        guard editing.residualBlocks >= 0 else {
            throw NeuralError(.invalidArgument, "config editing_net.num_res_blocks must be >= 0; got \(editing.residualBlocks)")
        }
        guard warping.decoderLayers <= warping.encoderLayers else {
            throw NeuralError(
                .invalidArgument,
                "config warpping_net.decoder_layer (\(warping.decoderLayers)) must not exceed encoder_layer (\(warping.encoderLayers))")
        }
        guard mapping.descriptorChannels == common.descriptorChannels else {
            throw NeuralError(
                .invalidArgument,
                "config mapping_net.descriptor_nc (\(mapping.descriptorChannels)) must equal common.descriptor_nc (\(common.descriptorChannels))"
            )
        }
        guard windowLength - 6 - 6 * mapping.layers > 0 else {
            throw NeuralError(
                .invalidArgument,
                "a \(windowLength)-frame window (semantic_radius \(semanticRadius)) is too short for \(mapping.layers) mapping layers: each removes 6 frames after the first 6"
            )
        }
    }

    /// The JSON text of this config in the golden-file layout.
    public var json: String {
        """
        {"common": {"descriptor_nc": \(common.descriptorChannels), "image_nc": \(common.imageChannels), "max_nc": \(common.maxChannels), "use_spect": false}, \
        "editing_net": {"base_nc": \(editing.baseChannels), "layer": \(editing.layers), "num_res_blocks": \(editing.residualBlocks)}, \
        "mapping_net": {"coeff_nc": \(mapping.coeffChannels), "descriptor_nc": \(mapping.descriptorChannels), "layer": \(mapping.layers)}, \
        "resolution": \(resolution), "semantic_radius": \(semanticRadius), \
        "warpping_net": {"base_nc": \(warping.baseChannels), "decoder_layer": \(warping.decoderLayers), "encoder_layer": \(warping.encoderLayers)}}
        """
    }

    private static func section(_ root: [String: Any], _ name: String) throws(NeuralError) -> [String: Any] {
        guard let value = root[name] else { return [:] }
        guard let mapping = value as? [String: Any] else {
            throw NeuralError(.malformed, "config \(name) must be a mapping")
        }
        return mapping
    }

    private static func read(_ section: [String: Any], _ key: String, into value: inout Int) throws(NeuralError) {
        guard let raw = section[key] else { return }
        if let number = raw as? Int { value = number; return }
        if let number = raw as? Double, number == number.rounded() { value = Int(number); return }
        if let number = raw as? NSNumber { value = number.intValue; return }
        throw NeuralError(.malformed, "config \(key) must be an integer; got \(raw)")
    }
}

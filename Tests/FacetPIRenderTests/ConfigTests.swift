import FacetNeural
import XCTest

@testable import FacetPIRender

/// Generator hyper-parameters: defaults of config/face.yaml, both file layouts, validation.
final class ConfigTests: XCTestCase {
    func testDefaultsAreFaceYaml() {
        let config = PIRenderConfig.default
        XCTAssertEqual([config.mapping.coeffChannels, config.mapping.descriptorChannels, config.mapping.layers], [73, 256, 3])
        XCTAssertEqual([config.warping.encoderLayers, config.warping.decoderLayers, config.warping.baseChannels], [5, 3, 32])
        XCTAssertEqual([config.editing.layers, config.editing.residualBlocks, config.editing.baseChannels], [3, 2, 64])
        XCTAssertEqual([config.common.imageChannels, config.common.descriptorChannels, config.common.maxChannels], [3, 256, 256])
        XCTAssertEqual([config.resolution, config.semanticRadius, config.windowLength], [256, 13, 27])
    }

    func testGoldenLayoutRoundTrips() throws {
        let json = """
            {"common": {"descriptor_nc": 32, "image_nc": 3, "max_nc": 64, "use_spect": false}, "editing_net": {"base_nc": 16, \
            "layer": 3, "num_res_blocks": 2}, "mapping_net": {"coeff_nc": 73, "descriptor_nc": 32, "layer": 3}, "resolution": 64, \
            "semantic_radius": 13, "warpping_net": {"base_nc": 8, "decoder_layer": 3, "encoder_layer": 5}}
            """
        let config = try PIRenderConfig(json: json)
        XCTAssertEqual(config.common.maxChannels, 64)
        XCTAssertEqual(config.warping.baseChannels, 8)
        XCTAssertEqual(config.resolution, 64)
        XCTAssertEqual(try PIRenderConfig(json: config.json), config)
    }

    func testPIRenderYamlLayoutAsParsedObject() throws {
        // What a YAML parser yields for config/face.yaml's gen.param and data sections.
        let object: [String: Any] = [
            "gen": [
                "type": "generators.face_model::FaceGenerator",
                "param": [
                    "mapping_net": ["coeff_nc": 73, "descriptor_nc": 128, "layer": 3],
                    "warpping_net": ["encoder_layer": 5, "decoder_layer": 3, "base_nc": 16],
                    "editing_net": ["layer": 3, "num_res_blocks": 1, "base_nc": 32],
                    "common": ["image_nc": 3, "descriptor_nc": 128, "max_nc": 128, "use_spect": false],
                ],
            ],
            "data": ["resolution": 128, "semantic_radius": 13],
        ]
        let config = try PIRenderConfig(parsing: object)
        XCTAssertEqual(config.mapping.descriptorChannels, 128)
        XCTAssertEqual(config.editing.residualBlocks, 1)
        XCTAssertEqual(config.resolution, 128)
    }

    func testInvalidConfigsAreRejectedWithTheField() {
        let cases: [(String, String)] = [
            (#"{"mapping_net": {"descriptor_nc": 32}}"#, "mapping_net.descriptor_nc (32) must equal common.descriptor_nc (256)"),
            (#"{"warpping_net": {"encoder_layer": 2, "decoder_layer": 3}}"#, "decoder_layer (3) must not exceed encoder_layer (2)"),
            (#"{"semantic_radius": 5}"#, "too short"),
            (#"{"editing_net": {"base_nc": "wide"}}"#, "base_nc must be an integer"),
            (#"{"common": {"use_spect": true}}"#, "spectral norm"),
            ("[1, 2]", "must be a mapping"),
        ]
        for (json, fragment) in cases {
            XCTAssertThrowsError(try PIRenderConfig(json: json), json) { error in
                XCTAssertTrue(String(describing: error).contains(fragment), "\(fragment) in \(error)")
            }
        }
    }
}

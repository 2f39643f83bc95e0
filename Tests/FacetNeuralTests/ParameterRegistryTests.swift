import XCTest

@testable import FacetNeural

/// Weight binding fails loudly: every missing, unexpected and mis-shaped key in one error.
final class ParameterRegistryTests: XCTestCase {
    func makeRegistry() -> (ParameterRegistry, Conv2d) {
        let registry = ParameterRegistry()
        let conv = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, registry: registry, prefix: "net.conv")
        _ = LayerNorm2d(channels: 3, registry: registry, prefix: "net.norm")
        registry.acceptUnused("net.dead.weight", shape: [4])
        return (registry, conv)
    }

    func complete() -> TensorFile {
        TensorFile(tensors: [
            "net.conv.weight": StoredTensor(shape: [3, 2, 3, 3], values: (0..<54).map(Float.init)),
            "net.conv.bias": StoredTensor(shape: [3], values: [1, 2, 3]),
            "net.norm.weight": StoredTensor(shape: [3, 1, 1], values: [1, 1, 1]),
            "net.norm.bias": StoredTensor(shape: [3, 1, 1], values: [0, 0, 0]),
            "net.dead.weight": StoredTensor(shape: [4], values: [9, 9, 9, 9]),
        ])
    }

    func testLoadsACompleteSetAndAcceptsUnusedKeys() throws {
        let (registry, conv) = makeRegistry()
        try registry.load(complete())
        XCTAssertEqual(conv.bias.values, [1, 2, 3])
        XCTAssertEqual(conv.weight.values[53], 53)
        XCTAssertEqual(registry.unusedKeys, ["net.dead.weight": [4]])
        XCTAssertEqual(registry.liveParameterCount, 54 + 3 + 3 + 3)
    }

    func testStripsADataParallelPrefix() throws {
        let (registry, conv) = makeRegistry()
        let file = complete()
        try registry.load(TensorFile(tensors: Dictionary(uniqueKeysWithValues: file.tensors.map { ("module." + $0.key, $0.value) })))
        XCTAssertEqual(conv.bias.values, [1, 2, 3])
    }

    func testNamesEveryMissingUnexpectedAndMisShapedKeyAndCopiesNothing() {
        let (registry, conv) = makeRegistry()
        var file = complete()
        file.tensors["net.conv.bias"] = nil
        file.tensors["net.dead.weight"] = nil
        file.tensors["net.extra"] = StoredTensor(shape: [1], values: [0])
        file.tensors["net.norm.weight"] = StoredTensor(shape: [3], values: [5, 5, 5])
        XCTAssertThrowsError(try registry.load(file, source: "w.safetensors")) { error in
            guard let error = error as? NeuralError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, .incompatible)
            XCTAssertEqual(error.path, "w.safetensors")
            for fragment in [
                "missing 2 keys: net.conv.bias, net.dead.weight", "unexpected 1 keys: net.extra",
                "net.norm.weight: expected (3,1,1), found (3)",
            ] {
                XCTAssertTrue(error.message.contains(fragment), "\(fragment) in \(error.message)")
            }
        }
        XCTAssertEqual(conv.weight.values.max(), 0, "nothing is copied from a set that does not match")
    }
}

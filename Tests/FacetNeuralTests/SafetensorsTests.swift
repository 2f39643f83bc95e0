import FacetTestSupport
import Foundation
import XCTest

@testable import FacetNeural

/// Safetensors reading (F32 and the converted dtypes), writing, atomic replacement and errors.
final class SafetensorsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A file image built by hand: header JSON + raw little-endian bytes.
    func image(header: String, payload: [UInt8]) -> Data {
        var data = Data()
        let headerBytes = Array(header.utf8)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        data.append(contentsOf: payload)
        return data
    }

    func testWriteThenReadRoundTripsTensorsAndMetadata() throws {
        var file = TensorFile(metadata: ["config": "{\"a\": \"x\\\"y\"}", "note": "line\nbreak"])
        file.tensors["conv.weight"] = StoredTensor(shape: [2, 1, 3], values: [1, -2, 3.5, .pi, -0.0, 1e-30])
        file.tensors["scalar"] = StoredTensor(shape: [], values: [42])
        file.tensors["empty"] = StoredTensor(shape: [0, 4], values: [])
        let url = folder.appendingPathComponent("round.safetensors")
        try Safetensors.write(file, to: url)
        let read = try Safetensors.read(url)
        XCTAssertEqual(read.tensors, file.tensors)
        XCTAssertEqual(read.metadata, file.metadata)
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual((8 + Int(headerLength)) % 8, 0, "the data buffer starts 8-byte aligned")
        // Replacing an existing file leaves no temporary behind.
        try Safetensors.write(TensorFile(tensors: ["x": StoredTensor(shape: [1], values: [1])]), to: url)
        XCTAssertEqual(try Safetensors.read(url).tensors.keys.sorted(), ["x"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["round.safetensors"])
    }

    func testConvertsF16BF16AndF64() throws {
        // F16: 1.0 = 0x3C00, −2.0 = 0xC000, 2^-24 (smallest subnormal) = 0x0001, 65504 = 0x7BFF.
        // BF16: 1.5 = 0x3FC0. F64: 0.1.
        var payload: [UInt8] = []
        for half: UInt16 in [0x3C00, 0xC000, 0x0001, 0x7BFF] { payload += [UInt8(half & 0xFF), UInt8(half >> 8)] }
        payload += [0xC0, 0x3F]
        withUnsafeBytes(of: (0.1).bitPattern.littleEndian) { payload += $0 }
        let header = """
            {"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},\
            "d":{"dtype":"F64","shape":[1,1],"data_offsets":[10,18]}}
            """
        let file = try Safetensors.decode(image(header: header, payload: payload))
        XCTAssertEqual(file.tensors["h"]?.values, [1, -2, Float(sign: .plus, exponent: -24, significand: 1), 65504])
        XCTAssertEqual(file.tensors["b"]?.values, [1.5])
        XCTAssertEqual(file.tensors["d"]?.values, [Float(0.1)])
        XCTAssertEqual(file.tensors["d"]?.shape, [1, 1])
    }

    func testMalformedFilesAreRejectedWithTheReason() {
        let cases: [(String, Data, String)] = [
            ("too short", Data([1, 2, 3]), "8-byte header length"),
            ("header past the end", image(header: "{}", payload: []).prefix(9), "exceeds"),
            ("not JSON", image(header: "{nope", payload: []), "not valid JSON"),
            ("unknown dtype", image(header: #"{"t":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}"#, payload: [0]), "dtype I8"),
            (
                "size mismatch", image(header: #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, payload: [0, 0, 0, 0]),
                "needs 8 bytes"
            ),
            (
                "offsets outside", image(header: #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, payload: [0, 0, 0, 0]),
                "data_offsets"
            ),
        ]
        for (name, data, fragment) in cases {
            XCTAssertThrowsError(try Safetensors.decode(data), name) { error in
                let neural = error as? NeuralError
                XCTAssertEqual(neural?.code, .malformed, name)
                XCTAssertTrue(neural?.message.contains(fragment) ?? false, "\(name): \(error)")
            }
        }
        XCTAssertThrowsError(try Safetensors.read(folder.appendingPathComponent("absent.safetensors"))) { error in
            XCTAssertEqual((error as? NeuralError)?.code, .fileNotFound)
        }
    }

    func testReadsTheGoldenWeightsWithTheirConfig() throws {
        let url = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        let file = try Safetensors.read(url)
        XCTAssertEqual(file.tensors.count, 304)  // SPEC 6: 304 state_dict tensors
        XCTAssertEqual(file.tensors["mapping_net.first.0.weight"]?.shape, [32, 73, 7])
        XCTAssertEqual(file.tensors["warpping_net.flow_out.0.weight"]?.shape, [64, 1, 1])
        XCTAssertNotNil(file.metadata["config"])
    }
}

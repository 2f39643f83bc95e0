import FacetTestSupport
import Foundation
import XCTest

@testable import FacetNeural

/// `TorchCheckpoint.load`: the golden `torch.save` file against its safetensors twin, and
/// synthetic archives for every feature and failure the reader promises.
final class TorchCheckpointTests: XCTestCase {
    // MARK: - Golden file

    /// The golden checkpoint's `net_G_ema` equals the golden safetensors bit for bit: same keys, shapes, values.
    func testGoldenCheckpointMatchesSafetensorsBitwise() throws {
        let checkpointURL = try SharedData.require("pirender/golden/small_seed1.checkpoint.pt")
        let safetensorsURL = try SharedData.require("pirender/golden/small_seed1.weights.safetensors")
        let start = Date()
        let checkpoint = try TorchCheckpoint.load(checkpointURL)
        print("TorchCheckpoint.load(small_seed1.checkpoint.pt): \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        let reference = try TestOnlySafetensorsReader.read(safetensorsURL)

        XCTAssertEqual(reference.count, 304, "the golden safetensors should hold the 304 FaceGenerator tensors")
        XCTAssertEqual(Set(checkpoint.tensors.keys), Set(reference.keys))
        XCTAssertTrue(checkpoint.metadata.isEmpty)
        for (name, expected) in reference {
            guard let actual = checkpoint.tensors[name] else { continue }
            XCTAssertEqual(actual.shape, expected.shape, name)
            XCTAssertEqual(actual.values.map(\.bitPattern), expected.values.map(\.bitPattern), "values of \(name) differ")
        }
    }

    /// The golden file's `net_G` entry (keys saved with `module.`) loads to the same plain keys and values.
    func testGoldenNetGEntryLosesModulePrefix() throws {
        let checkpointURL = try SharedData.require("pirender/golden/small_seed1.checkpoint.pt")
        let ema = try TorchCheckpoint.load(checkpointURL)
        let plain = try TorchCheckpoint.load(checkpointURL, key: "net_G")
        XCTAssertEqual(Set(plain.tensors.keys), Set(ema.tensors.keys))
        XCTAssertFalse(plain.tensors.keys.contains { $0.hasPrefix("module.") })
        XCTAssertEqual(plain.tensors["editing_net.decoder.final.model.0.weight"], ema.tensors["editing_net.decoder.final.model.0.weight"])
    }

    /// Asking for an entry the golden file lacks names the entry and lists the top-level keys.
    func testGoldenMissingEntryListsTopLevelKeys() throws {
        let checkpointURL = try SharedData.require("pirender/golden/small_seed1.checkpoint.pt")
        try assertLoadFails(
            url: checkpointURL, key: "state_dict", code: .incompatible,
            mentioning: ["'state_dict'", "'net_G'", "'net_G_ema'", "'current_epoch' (an int)"])
    }

    // MARK: - Synthetic archives: features

    /// `module.` is stripped from every key of the selected entry; values arrive in order.
    func testModulePrefixIsStripped() throws {
        let tensors = [
            TorchSyntheticTensor.contiguous("module.net.conv.weight", key: "0", shape: [2, 3]),
            TorchSyntheticTensor.contiguous("module.net.conv.bias", key: "1", shape: [2]),
        ]
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: tensors),
            blobs: [("0", TorchTestFiles.float32Bytes([1, 2, 3, 4, 5, 6])), ("1", TorchTestFiles.float32Bytes([-0.5, 0.25]))])
        let file = try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes))
        XCTAssertEqual(Set(file.tensors.keys), ["net.conv.weight", "net.conv.bias"])
        XCTAssertEqual(file.tensors["net.conv.weight"], StoredTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(file.tensors["net.conv.bias"], StoredTensor(shape: [2], values: [-0.5, 0.25]))
    }

    /// A file that is itself a state_dict (no `net_G_ema`) is accepted as is.
    func testBareStateDictIsAccepted() throws {
        var writer = TorchTestPickleWriter()
        writer.stateDict([.contiguous("layer.weight", key: "5", shape: [1, 2, 1, 1])])
        writer.stop()
        let bytes = TorchTestFiles.torchArchive(pickle: writer.bytes, blobs: [("5", TorchTestFiles.float32Bytes([7, -8]))])
        let file = try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes))
        XCTAssertEqual(file.tensors, ["layer.weight": StoredTensor(shape: [1, 2, 1, 1], values: [7, -8])])
    }

    /// Non-contiguous views (a transpose, an offset slice, a broadcast stride 0) are gathered into row-major order.
    func testNonContiguousStridesAreGatheredRowMajor() throws {
        let storage = (0..<12).map(Float.init)  // a (3, 4) matrix 0...11
        let transposed = TorchSyntheticTensor(
            name: "transposed", storageKey: "0", storageElementCount: 12, shape: [4, 3], strides: [1, 4])
        let column = TorchSyntheticTensor(name: "column", storageKey: "0", storageElementCount: 12, offset: 2, shape: [3], strides: [4])
        let block = TorchSyntheticTensor(
            name: "block", storageKey: "0", storageElementCount: 12, offset: 5, shape: [2, 2], strides: [4, 1])
        let expanded = TorchSyntheticTensor(
            name: "expanded", storageKey: "0", storageElementCount: 12, offset: 3, shape: [2, 3], strides: [0, 4])
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [transposed, column, block, expanded]),
            blobs: [("0", TorchTestFiles.float32Bytes(storage))])
        let file = try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes))
        XCTAssertEqual(file.tensors["transposed"], StoredTensor(shape: [4, 3], values: [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]))
        XCTAssertEqual(file.tensors["column"], StoredTensor(shape: [3], values: [2, 6, 10]))
        XCTAssertEqual(file.tensors["block"], StoredTensor(shape: [2, 2], values: [5, 6, 9, 10]))
        XCTAssertEqual(file.tensors["expanded"], StoredTensor(shape: [2, 3], values: [3, 7, 11, 3, 7, 11]))
    }

    /// Half, bfloat16 and double storages convert exactly to Float (normals, subnormals, infinities, signs).
    func testHalfBFloat16AndDoubleStoragesConvertToFloat() throws {
        let halfBits: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00, 0x8000, 0x3555]
        let halfExpected: [Float] = [1, -2, 0.5, 65504, 0x1p-24, .infinity, -0.0, 0.33325195]
        let bfloatBits: [UInt16] = [0x3F80, 0xC0A0, 0x4049]
        let bfloatExpected: [Float] = [1, -5, 3.140625]
        let doubles: [Double] = [0.1, -1e-3, 12345.678]
        let tensors = [
            TorchSyntheticTensor(
                name: "half", storageKey: "0", storageType: "HalfStorage", storageElementCount: 8, shape: [8], strides: [1]),
            TorchSyntheticTensor(
                name: "bfloat", storageKey: "1", storageType: "BFloat16Storage", storageElementCount: 3, shape: [3], strides: [1]),
            TorchSyntheticTensor(
                name: "double", storageKey: "2", storageType: "DoubleStorage", storageElementCount: 3, shape: [3, 1], strides: [1, 1]),
        ]
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: tensors),
            blobs: [
                ("0", halfBits.flatMap { TorchTestZipWriter.le(Int($0), 2) }),
                ("1", bfloatBits.flatMap { TorchTestZipWriter.le(Int($0), 2) }),
                ("2", doubles.flatMap { TorchTestZipWriter.le(Int(Int64(bitPattern: $0.bitPattern)), 8) }),
            ])
        let file = try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes))
        XCTAssertEqual(file.tensors["half"]?.values.map(\.bitPattern), halfExpected.map(\.bitPattern))
        XCTAssertEqual(file.tensors["bfloat"]?.values, bfloatExpected)
        XCTAssertEqual(file.tensors["double"], StoredTensor(shape: [3, 1], values: doubles.map { Float($0) }))
    }

    /// `byteorder` = "big" makes every storage element byte-swapped.
    func testBigEndianByteOrderIsHonoured() throws {
        let values: [Float] = [1.5, -3.25, 1e-20]
        let bigEndian = values.flatMap { TorchTestZipWriter.le(Int($0.bitPattern.byteSwapped), 4) }
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [3])]),
            blobs: [("0", bigEndian)], byteOrder: "big")
        XCTAssertEqual(try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes)).tensors["w"]?.values, values)
    }

    /// Archives with ZIP64 extra fields and ZIP64 end records (saturated 32-bit fields) read the same.
    func testZip64RecordsAreRead() throws {
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [2])]),
            blobs: [("0", TorchTestFiles.float32Bytes([4, 5]))], forceZip64: true)
        XCTAssertEqual(try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes)).tensors["w"]?.values, [4, 5])
    }

    /// `_rebuild_parameter` wrapping a tensor, and a BUILD setting a state_dict's `_metadata`, are accepted.
    func testParametersAndStateDictMetadataAreAccepted() throws {
        var writer = TorchTestPickleWriter()
        writer.emptyOrderedDict()
        writer.mark()
        writer.string("p")
        writer.global("torch._utils", "_rebuild_parameter")
        writer.mark()
        writer.tensor(.contiguous("p", key: "0", shape: [2]))
        writer.raw(0x88)  // NEWTRUE requires_grad
        writer.emptyOrderedDict()
        writer.tuple()
        writer.reduce()
        writer.setItems()
        writer.emptyDict()  // BUILD state {'_metadata': OrderedDict()}
        writer.string("_metadata")
        writer.emptyOrderedDict()
        writer.raw(0x73, 0x62, 0x2E)  // SETITEM, BUILD, STOP
        let bytes = TorchTestFiles.torchArchive(pickle: writer.bytes, blobs: [("0", TorchTestFiles.float32Bytes([9, 10]))])
        XCTAssertEqual(
            try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes)).tensors, ["p": StoredTensor(shape: [2], values: [9, 10])])
    }

    /// An unknown global outside the requested entry is inert: nothing runs and the entry still loads.
    func testUnknownGlobalOutsideTheEntryIsInert() throws {
        let pickle = TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [1])]) { writer in
            writer.global("torch.optim.adam", "Adam")
            writer.mark()
            writer.string("lr")
            writer.tuple()
            writer.reduce()
        }
        let bytes = TorchTestFiles.torchArchive(pickle: pickle, blobs: [("0", TorchTestFiles.float32Bytes([3]))])
        XCTAssertEqual(try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(bytes)).tensors["w"]?.values, [3])
    }

    // MARK: - Synthetic archives: failures

    /// An unknown global inside the state_dict fails, naming the global and the key.
    func testUnknownGlobalInStateDictIsNamed() throws {
        var writer = TorchTestPickleWriter()
        writer.emptyDict()
        writer.mark()
        writer.string("net_G_ema")
        writer.emptyOrderedDict()
        writer.mark()
        writer.string("evil")
        writer.global("os", "system")
        writer.mark()
        writer.string("echo hacked")
        writer.tuple()
        writer.reduce()
        writer.setItems()
        writer.setItems()
        writer.stop()
        let url = try TorchTestFiles.temporaryFile(TorchTestFiles.torchArchive(pickle: writer.bytes, blobs: []))
        try assertLoadFails(url: url, code: .incompatible, mentioning: ["os.system", "'evil'", "expected a tensor"])
    }

    /// A tensor whose storage blob is absent fails, naming the blob and the tensor.
    func testMissingStorageBlobIsNamed() throws {
        let tensors = [TorchSyntheticTensor.contiguous("a", key: "0", shape: [1]), .contiguous("b", key: "7", shape: [2])]
        let url = try TorchTestFiles.temporaryFile(
            TorchTestFiles.torchArchive(
                pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: tensors), blobs: [("0", TorchTestFiles.float32Bytes([1]))]))
        try assertLoadFails(url: url, code: .malformed, mentioning: ["'archive/data/7'", "'b'", "missing"])
    }

    /// A view reaching past its storage fails, naming the tensor and the sizes.
    func testStorageTooSmallForTensorIsNamed() throws {
        let view = TorchSyntheticTensor(
            name: "conv.weight", storageKey: "0", storageElementCount: 4, offset: 1, shape: [2, 2], strides: [2, 1])
        let url = try TorchTestFiles.temporaryFile(
            TorchTestFiles.torchArchive(
                pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [view]), blobs: [("0", TorchTestFiles.float32Bytes([1, 2, 3, 4]))]))
        try assertLoadFails(url: url, code: .malformed, mentioning: ["'conv.weight'", "too small", "element 4", "holds 4 float32"])
    }

    /// A blob shorter than its persistent id's element count fails, naming the blob.
    func testShortStorageBlobIsNamed() throws {
        let url = try TorchTestFiles.temporaryFile(
            TorchTestFiles.torchArchive(
                pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [3])]),
                blobs: [("0", TorchTestFiles.float32Bytes([1, 2]))]))
        try assertLoadFails(url: url, code: .malformed, mentioning: ["'archive/data/0'", "8 bytes", "3 float32 elements"])
    }

    /// A file cut short fails as a truncated zip archive.
    func testTruncatedFileIsReported() throws {
        let bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [64])]),
            blobs: [("0", TorchTestFiles.float32Bytes(Array(repeating: 1, count: 64)))])
        try assertLoadFails(
            url: try TorchTestFiles.temporaryFile(Array(bytes.prefix(bytes.count / 2))), code: .malformed, mentioning: ["truncated"])
        try assertLoadFails(url: try TorchTestFiles.temporaryFile(Array(bytes.dropLast(30))), code: .malformed, mentioning: ["truncated"])
    }

    /// A file that is not a zip archive at all says so.
    func testNonZipFileIsReported() throws {
        let url = try TorchTestFiles.temporaryFile(Array("this is a text file, not a checkpoint\n".utf8))
        try assertLoadFails(url: url, code: .malformed, mentioning: ["not a zip archive"])
    }

    /// A legacy (pre-1.6) bare-pickle checkpoint is refused with advice.
    func testLegacyPickleCheckpointIsRefused() throws {
        var writer = TorchTestPickleWriter()
        writer.emptyDict()
        writer.stop()
        try assertLoadFails(url: try TorchTestFiles.temporaryFile(writer.bytes), code: .unsupported, mentioning: ["legacy", "zip format"])
    }

    /// A zip without `<archive>/data.pkl` says what it expected and what it found.
    func testMissingDataPickleIsReported() throws {
        var zip = TorchTestZipWriter()
        zip.add("archive/other.pkl", [0x80, 2, 0x2E])
        try assertLoadFails(
            url: try TorchTestFiles.temporaryFile(zip.archive()), code: .malformed, mentioning: ["data.pkl", "'archive/other.pkl'"])
    }

    /// An opcode outside the supported set gives its byte and offset.
    func testUnsupportedOpcodeGivesByteAndOffset() throws {
        var writer = TorchTestPickleWriter()
        writer.emptyDict()
        writer.raw(0xFF)  // offset 3: PROTO 2 (2 bytes), EMPTY_DICT (1 byte)
        let url = try TorchTestFiles.temporaryFile(TorchTestFiles.torchArchive(pickle: writer.bytes, blobs: []))
        try assertLoadFails(url: url, code: .unsupported, mentioning: ["0xFF", "offset 3"])
    }

    /// An entry compressed with a method other than STORED or DEFLATE (here bzip2, 12) is refused, naming the method.
    func testUnsupportedCompressionMethodIsRefused() throws {
        var zip = TorchTestZipWriter()
        zip.add("archive/data.pkl", [0x80, 2, 0x7D, 0x2E], method: 12)
        try assertLoadFails(
            url: try TorchTestFiles.temporaryFile(zip.archive()), code: .unsupported, mentioning: ["method 12", "archive/data.pkl"])
    }

    /// DEFLATE entries (a re-zipped checkpoint) are inflated and load like stored ones.
    func testDeflatedEntriesAreInflated() throws {
        let values = (0..<70_000).map { Float($0 % 97) - 48 }  // more than one 64 KiB stored DEFLATE block
        var zip = TorchTestZipWriter()
        zip.addDeflated(
            "archive/data.pkl", TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [700, 100])]))
        zip.addDeflated("archive/data/0", TorchTestFiles.float32Bytes(values))
        let file = try TorchCheckpoint.load(try TorchTestFiles.temporaryFile(zip.archive()))
        XCTAssertEqual(file.tensors["w"], StoredTensor(shape: [700, 100], values: values))
    }

    /// A DEFLATE entry whose data does not decode fails as corrupt, naming the entry.
    func testCorruptDeflateDataIsReported() throws {
        var zip = TorchTestZipWriter()
        zip.add("archive/data.pkl", [0x80, 2, 0x7D, 0x2E], method: 8)  // not DEFLATE data: a stored block whose length check fails
        try assertLoadFails(
            url: try TorchTestFiles.temporaryFile(zip.archive()), code: .malformed, mentioning: ["DEFLATE", "archive/data.pkl", "corrupt"])
    }

    /// A corrupted byte in a storage blob is caught by the CRC-32 check.
    func testCorruptBlobFailsTheChecksum() throws {
        let blob = TorchTestFiles.float32Bytes([1, 2, 3])
        var bytes = TorchTestFiles.torchArchive(
            pickle: TorchTestFiles.wrappedCheckpointPickle(tensors: [.contiguous("w", key: "0", shape: [3])]), blobs: [("0", blob)])
        let blobStart = try XCTUnwrap(firstIndex(of: blob, in: bytes))
        bytes[blobStart + 5] ^= 0x40
        try assertLoadFails(url: try TorchTestFiles.temporaryFile(bytes), code: .malformed, mentioning: ["CRC-32", "archive/data/0"])
    }

    /// A missing file is `fileNotFound`.
    func testMissingFileIsFileNotFound() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-no-such-\(UUID().uuidString).pt")
        try assertLoadFails(url: url, code: .fileNotFound, mentioning: [url.lastPathComponent])
    }

    // MARK: - Helpers

    /// Asserts that loading fails with `code` and a description containing every string in `fragments`.
    private func assertLoadFails(
        url: URL, key: String = "net_G_ema", code: NeuralError.Code, mentioning fragments: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        do {
            let loaded = try TorchCheckpoint.load(url, key: key)
            XCTFail("expected a \(code) error, loaded \(loaded.tensors.count) tensors", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "'\(fragment)' missing from: \(error)", file: file, line: line)
            }
        }
    }

    private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}

/// TEST-ONLY safetensors reader (F32 only), independent of the engine's real reader, used to
/// compare the golden checkpoint against its safetensors twin: 8-byte little-endian header length,
/// a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, raw data.
private enum TestOnlySafetensorsReader {
    private struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The F32 tensors of the file by name.
    static func read(_ url: URL) throws -> [String: StoredTensor] {
        let data = try Data(contentsOf: url)
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw Failure(description: "\(url.path): shorter than the 8-byte header length") }
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        guard headerLength <= bytes.count - 8 else {
            throw Failure(description: "\(url.path): header length \(headerLength) exceeds the file")
        }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any] ?? [:]
        let dataStart = 8 + headerLength
        var tensors: [String: StoredTensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw Failure(description: "\(url.path): tensor \(name) is not an F32 entry with shape and data_offsets")
            }
            let begin = dataStart + offsets[0], end = dataStart + offsets[1]
            guard end <= bytes.count, (end - begin) == shape.reduce(1, *) * 4 else {
                throw Failure(description: "\(url.path): tensor \(name) has a bad byte range")
            }
            let values = stride(from: begin, to: end, by: 4).map { index in
                Float(
                    bitPattern: UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(
                        bytes[index + 3]) << 24)
            }
            tensors[name] = StoredTensor(shape: shape, values: values)
        }
        return tensors
    }
}

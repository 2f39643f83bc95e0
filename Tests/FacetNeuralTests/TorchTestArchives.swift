import Foundation

// Test-only writers for synthetic `torch.save` files: a minimal zip writer (STORED entries,
// optional ZIP64 records) and a pickle emitter for the opcodes torch uses. They are written
// independently of the reader under test (own CRC-32, own layout code).

/// Builds a zip archive of STORED entries in memory.
struct TorchTestZipWriter {
    /// One entry: `bytes` as written to the file, `method` as recorded, and the size and CRC-32 of the uncompressed data.
    struct Entry {
        var name: String
        var bytes: [UInt8]
        var method: UInt16 = 0
        var uncompressedSize: Int
        var crc: UInt32
    }

    /// The entries in order.
    var entries: [Entry] = []
    /// Write ZIP64 extra fields, a ZIP64 end record and locator, with saturated 32-bit fields.
    var forceZip64 = false

    /// Adds an entry whose file bytes are `bytes` (for a method other than 0 they are recorded as if uncompressed).
    mutating func add(_ name: String, _ bytes: [UInt8], method: UInt16 = 0) {
        entries.append(Entry(name: name, bytes: bytes, method: method, uncompressedSize: bytes.count, crc: Self.crc32(bytes)))
    }

    /// Adds a DEFLATE (method 8) entry holding `original` in stored DEFLATE blocks.
    mutating func addDeflated(_ name: String, _ original: [UInt8]) {
        var stream: [UInt8] = []
        var start = 0
        repeat {
            let end = min(start + 65_535, original.count)
            let length = end - start
            stream += [end == original.count ? 1 : 0] + Self.le(length, 2) + Self.le(length ^ 0xFFFF, 2) + original[start..<end]
            start = end
        } while start < original.count
        entries.append(Entry(name: name, bytes: stream, method: 8, uncompressedSize: original.count, crc: Self.crc32(original)))
    }

    /// The archive's bytes.
    func archive() -> [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let localOffset = output.count
            let name = Array(entry.name.utf8)
            let crc = entry.crc
            // Local header (sizes repeated; ZIP64 sizes go in a local extra field when forced).
            var localExtra: [UInt8] = []
            if forceZip64 {
                localExtra += Self.le(1, 2) + Self.le(16, 2) + Self.le(entry.uncompressedSize, 8) + Self.le(entry.bytes.count, 8)
            }
            output += Self.le(0x0403_4B50, 4) + Self.le(forceZip64 ? 45 : 20, 2) + Self.le(0, 2) + Self.le(Int(entry.method), 2)
            output += Self.le(0, 2) + Self.le(0x21, 2) + Self.le(Int(crc), 4)
            output +=
                Self.le(forceZip64 ? 0xFFFF_FFFF : entry.bytes.count, 4) + Self.le(forceZip64 ? 0xFFFF_FFFF : entry.uncompressedSize, 4)
            output += Self.le(name.count, 2) + Self.le(localExtra.count, 2) + name + localExtra + entry.bytes

            var centralExtra: [UInt8] = []
            if forceZip64 {
                centralExtra +=
                    Self.le(1, 2) + Self.le(24, 2) + Self.le(entry.uncompressedSize, 8) + Self.le(entry.bytes.count, 8)
                    + Self.le(localOffset, 8)
            }
            central += Self.le(0x0201_4B50, 4) + Self.le(forceZip64 ? 45 : 20, 2) + Self.le(forceZip64 ? 45 : 20, 2)
            central += Self.le(0, 2) + Self.le(Int(entry.method), 2) + Self.le(0, 2) + Self.le(0x21, 2) + Self.le(Int(crc), 4)
            central +=
                Self.le(forceZip64 ? 0xFFFF_FFFF : entry.bytes.count, 4) + Self.le(forceZip64 ? 0xFFFF_FFFF : entry.uncompressedSize, 4)
            central +=
                Self.le(name.count, 2) + Self.le(centralExtra.count, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 4)
            central += Self.le(forceZip64 ? 0xFFFF_FFFF : localOffset, 4) + name + centralExtra
        }
        let centralOffset = output.count
        output += central
        if forceZip64 {
            let zip64RecordOffset = output.count
            output += Self.le(0x0606_4B50, 4) + Self.le(44, 8) + Self.le(45, 2) + Self.le(45, 2) + Self.le(0, 4) + Self.le(0, 4)
            output += Self.le(entries.count, 8) + Self.le(entries.count, 8) + Self.le(central.count, 8) + Self.le(centralOffset, 8)
            output += Self.le(0x0706_4B50, 4) + Self.le(0, 4) + Self.le(zip64RecordOffset, 8) + Self.le(1, 4)
        }
        output += Self.le(0x0605_4B50, 4) + Self.le(0, 2) + Self.le(0, 2)
        output += Self.le(forceZip64 ? 0xFFFF : entries.count, 2) + Self.le(forceZip64 ? 0xFFFF : entries.count, 2)
        output +=
            Self.le(forceZip64 ? 0xFFFF_FFFF : central.count, 4) + Self.le(forceZip64 ? 0xFFFF_FFFF : centralOffset, 4) + Self.le(0, 2)
        return output
    }

    /// `value` as `width` little-endian bytes.
    static func le(_ value: Int, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(value)) >> (8 * UInt64($0))) }
    }

    /// CRC-32 computed bit by bit (deliberately not table-driven like the reader's).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }
}

/// Emits pickle opcodes (protocol 2, like torch.save) one by one.
struct TorchTestPickleWriter {
    /// The program so far.
    private(set) var bytes: [UInt8] = [0x80, 2]  // PROTO 2

    /// Appends raw opcode bytes.
    mutating func raw(_ opcodes: UInt8...) { bytes += opcodes }

    /// MARK.
    mutating func mark() { raw(0x28) }
    /// TUPLE (closes the last MARK).
    mutating func tuple() { raw(0x74) }
    /// SETITEMS (closes the last MARK).
    mutating func setItems() { raw(0x75) }
    /// REDUCE.
    mutating func reduce() { raw(0x52) }
    /// EMPTY_DICT.
    mutating func emptyDict() { raw(0x7D) }
    /// EMPTY_TUPLE.
    mutating func emptyTuple() { raw(0x29) }
    /// STOP.
    mutating func stop() { raw(0x2E) }

    /// BINUNICODE.
    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes += [0x58] + TorchTestZipWriter.le(utf8.count, 4) + utf8
    }

    /// The shortest of BININT1 / BININT2 / BININT / LONG1.
    mutating func int(_ value: Int) {
        switch value {
        case 0..<256: bytes += [0x4B, UInt8(value)]
        case 256..<65536: bytes += [0x4D] + TorchTestZipWriter.le(value, 2)
        case -2_147_483_648..<2_147_483_648: bytes += [0x4A] + TorchTestZipWriter.le(value, 4)
        default: bytes += [0x8A, 8] + TorchTestZipWriter.le(value, 8)
        }
    }

    /// GLOBAL "module\nname\n".
    mutating func global(_ module: String, _ name: String) {
        bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    /// A tuple of integers (MARK ... TUPLE).
    mutating func intTuple(_ values: [Int]) {
        mark()
        for value in values { int(value) }
        tuple()
    }

    /// `collections.OrderedDict()` as torch emits it (GLOBAL, EMPTY_TUPLE, REDUCE).
    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
    }

    /// `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel) persisted, offset, size, stride, False, OrderedDict())`.
    mutating func tensor(_ tensor: TorchSyntheticTensor) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", tensor.storageType)
        string(tensor.storageKey)
        string("cpu")
        int(tensor.storageElementCount)
        tuple()
        raw(0x51)  // BINPERSID
        int(tensor.offset)
        intTuple(tensor.shape)
        intTuple(tensor.strides)
        raw(0x89)  // NEWFALSE
        emptyOrderedDict()
        tuple()
        reduce()
    }

    /// An OrderedDict of tensors (a state_dict) filled with one SETITEMS.
    mutating func stateDict(_ tensors: [TorchSyntheticTensor]) {
        emptyOrderedDict()
        mark()
        for item in tensors {
            string(item.name)
            tensor(item)
        }
        setItems()
    }
}

/// A tensor entry of a synthetic checkpoint.
struct TorchSyntheticTensor {
    var name: String
    var storageKey: String
    var storageType = "FloatStorage"
    var storageElementCount: Int
    var offset = 0
    var shape: [Int]
    var strides: [Int]

    /// A contiguous float32 tensor over its own storage.
    static func contiguous(_ name: String, key: String, shape: [Int]) -> TorchSyntheticTensor {
        var strides = [Int](repeating: 1, count: shape.count)
        for index in shape.indices.dropLast().reversed() { strides[index] = strides[index + 1] * shape[index + 1] }
        return TorchSyntheticTensor(name: name, storageKey: key, storageElementCount: shape.reduce(1, *), shape: shape, strides: strides)
    }
}

/// Builders of synthetic torch.save files for the tests.
enum TorchTestFiles {
    /// Little-endian bytes of float32 values.
    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { TorchTestZipWriter.le(Int($0.bitPattern), 4) }
    }

    /// A `torch.save`-layout archive: `<folder>/data.pkl`, `<folder>/byteorder`, `<folder>/data/<key>`, `<folder>/version`.
    static func torchArchive(
        pickle: [UInt8], blobs: [(key: String, bytes: [UInt8])], byteOrder: String? = "little",
        folder: String = "archive", forceZip64: Bool = false
    ) -> [UInt8] {
        var zip = TorchTestZipWriter()
        zip.forceZip64 = forceZip64
        zip.add("\(folder)/data.pkl", pickle)
        if let byteOrder { zip.add("\(folder)/byteorder", Array(byteOrder.utf8)) }
        for blob in blobs { zip.add("\(folder)/data/\(blob.key)", blob.bytes) }
        zip.add("\(folder)/version", Array("3\n".utf8))
        return zip.archive()
    }

    /// A pickle of `{key: state_dict(tensors), 'current_epoch': 190}` like PIRenderer's checkpoints.
    static func wrappedCheckpointPickle(
        key: String = "net_G_ema", tensors: [TorchSyntheticTensor],
        sibling: ((inout TorchTestPickleWriter) -> Void)? = nil
    ) -> [UInt8] {
        var writer = TorchTestPickleWriter()
        writer.emptyDict()
        writer.mark()
        if let sibling {
            writer.string("opt_G")
            sibling(&writer)
        }
        writer.string(key)
        writer.stateDict(tensors)
        writer.string("current_epoch")
        writer.int(190)
        writer.setItems()
        writer.stop()
        return writer.bytes
    }

    /// Writes `bytes` to a fresh temporary file and returns its URL.
    static func temporaryFile(_ bytes: [UInt8], name: String = "checkpoint.pt") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-torchio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

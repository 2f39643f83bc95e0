// Torch storages and tensor views as `torch.save` describes them, and reading them into
// row-major float32 values. Facts from PyTorch's serialization notes (torch/serialization.py,
// torch/_utils.py): a storage is the persistent id `('storage', <torch.XStorage class>, key,
// location, numel)` whose bytes are the archive entry `<archive>/data/<key>`; a tensor is
// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)`,
// where offset and strides count elements, not bytes.

/// The element type of a torch storage, named by its legacy storage class (`torch.FloatStorage`).
enum TorchScalarType: String, CaseIterable {
    case float32 = "FloatStorage"
    case float16 = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case float64 = "DoubleStorage"
    case int64 = "LongStorage"
    case int32 = "IntStorage"
    case int16 = "ShortStorage"
    case int8 = "CharStorage"
    case uint8 = "ByteStorage"
    case bool = "BoolStorage"

    /// Bytes per element.
    var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The element type's name as torch prints it (`float32`).
    var torchName: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        case .float64: "float64"
        case .int64: "int64"
        case .int32: "int32"
        case .int16: "int16"
        case .int8: "int8"
        case .uint8: "uint8"
        case .bool: "bool"
        }
    }

    /// Element `index` of `bytes` converted to Float (float64 and wide integers round to nearest).
    @inline(__always)
    func element(_ index: Int, of bytes: UnsafeRawBufferPointer, bigEndian: Bool) -> Float {
        let byteOffset = index * byteWidth
        switch self {
        case .float32:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt32.self)
            return Float(bitPattern: bigEndian ? bits.byteSwapped : bits)
        case .float16:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)
            return Self.floatFromHalf(bigEndian ? bits.byteSwapped : bits)
        case .bfloat16:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)
            return Float(bitPattern: UInt32(bigEndian ? bits.byteSwapped : bits) << 16)
        case .float64:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt64.self)
            return Float(Double(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int64:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt64.self)
            return Float(Int64(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int32:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt32.self)
            return Float(Int32(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int16:
            let bits = bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)
            return Float(Int16(bitPattern: bigEndian ? bits.byteSwapped : bits))
        case .int8: return Float(Int8(bitPattern: bytes[byteOffset]))
        case .uint8: return Float(bytes[byteOffset])
        case .bool: return bytes[byteOffset] != 0 ? 1 : 0
        }
    }

    /// IEEE 754 binary16 to binary32, exactly (every half value is a float value).
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0: return sign * Float(mantissa) * 0x1p-24  // zero and subnormals
        case 31: return Float(bitPattern: (bits & 0x8000 != 0 ? 0x8000_0000 : 0) | 0x7F80_0000 | mantissa << 13)
        default: return Float(bitPattern: (bits & 0x8000 != 0 ? 0x8000_0000 : 0) | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }
}

/// A storage named by a persistent id: its bytes are the archive entry `data/<key>`.
struct TorchStorageReference {
    /// The entry name under `<archive>/data/`.
    var key: String
    /// The element type.
    var scalarType: TorchScalarType
    /// Where it lived when saved (`cpu`, `cuda:0`); informational.
    var location: String
    /// Number of elements.
    var elementCount: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage.
struct TorchTensorReference {
    /// The storage viewed.
    var storage: TorchStorageReference
    /// First element, in elements.
    var storageOffset: Int
    /// Dimensions, outermost first.
    var shape: [Int]
    /// Step in elements per dimension.
    var strides: [Int]

    /// Whether the view is the dense row-major layout of `shape`.
    var isRowMajorContiguous: Bool {
        var expected = 1
        for dimension in shape.indices.reversed() where shape[dimension] != 1 {
            if strides[dimension] != expected { return false }
            expected *= shape[dimension]
        }
        return true
    }

    /// Reads the view's elements in row-major order from the storage bytes `blob`.
    ///
    /// `name` (the state_dict key) and `blobName` (the archive entry) go into errors.
    func materialize(
        name: String, blob: UnsafeRawBufferPointer, blobName: String,
        bigEndian: Bool, path: String
    ) throws(NeuralError) -> StoredTensor {
        let type = storage.scalarType
        guard strides.count == shape.count else {
            throw NeuralError(
                .malformed, "tensor '\(name)' has \(shape.count) dimensions \(shape) but \(strides.count) strides \(strides)", path: path)
        }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), storageOffset >= 0 else {
            throw NeuralError(
                .malformed,
                "tensor '\(name)' has a negative size, stride or offset (shape \(shape), stride \(strides), offset \(storageOffset))",
                path: path)
        }
        let storageBytes = storage.elementCount.multipliedReportingOverflow(by: type.byteWidth)
        guard !storageBytes.overflow, storageBytes.partialValue <= blob.count else {
            throw NeuralError(
                .malformed,
                "storage '\(blobName)' for tensor '\(name)' holds \(blob.count) bytes, but its persistent id declares "
                    + "\(storage.elementCount) \(type.torchName) elements (\(storage.elementCount * type.byteWidth) bytes)",
                path: path)
        }
        let count = shape.reduce(1, *)
        if count == 0 { return StoredTensor(shape: shape, values: []) }
        var lastIndex = storageOffset
        for dimension in shape.indices { lastIndex += (shape[dimension] - 1) * strides[dimension] }
        guard lastIndex < storage.elementCount else {
            throw NeuralError(
                .malformed,
                "storage '\(blobName)' is too small for tensor '\(name)': shape \(shape), stride \(strides) and offset "
                    + "\(storageOffset) reach element \(lastIndex), but the storage holds \(storage.elementCount) \(type.torchName) elements",
                path: path)
        }

        var values = [Float](repeating: 0, count: count)
        if type == .float32, !bigEndian, isRowMajorContiguous {
            values.withUnsafeMutableBytes { destination in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: blob[(storageOffset * 4)..<((storageOffset + count) * 4)]))
            }
            return StoredTensor(shape: shape, values: values)
        }
        // General case: walk the index space in row-major order; the innermost dimension is a strided run.
        let rank = shape.count
        let innerCount = rank == 0 ? 1 : shape[rank - 1]
        let innerStride = rank == 0 ? 0 : strides[rank - 1]
        var outerIndex = [Int](repeating: 0, count: max(rank - 1, 0))
        var rowStart = storageOffset
        var written = 0
        values.withUnsafeMutableBufferPointer { output in
            while written < count {
                for inner in 0..<innerCount {
                    output[written + inner] = type.element(rowStart + inner * innerStride, of: blob, bigEndian: bigEndian)
                }
                written += innerCount
                // Advance the outer index like an odometer.
                var dimension = rank - 2
                while dimension >= 0 {
                    outerIndex[dimension] += 1
                    rowStart += strides[dimension]
                    if outerIndex[dimension] < shape[dimension] { break }
                    rowStart -= strides[dimension] * shape[dimension]
                    outerIndex[dimension] = 0
                    dimension -= 1
                }
            }
        }
        return StoredTensor(shape: shape, values: values)
    }
}

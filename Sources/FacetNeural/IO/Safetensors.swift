// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
// JSON header mapping each tensor name to {dtype, shape, data_offsets: [begin, end)} relative
// to the byte buffer that follows, plus an optional "__metadata__" string map.

import Foundation

/// Reads and writes safetensors files as `TensorFile`s.
///
/// Reading accepts F32 and converts F16, BF16 and F64 to float32; writing stores F32.
public enum Safetensors {
    /// Reads every tensor and the metadata of a safetensors file.
    public static func read(_ url: URL) throws(NeuralError) -> TensorFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw NeuralError(.fileNotFound, "no such file", path: url.path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read", path: url.path, cause: error)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes a safetensors byte image; `path` is only used in error messages.
    public static func decode(_ data: Data, path: String? = nil) throws(NeuralError) -> TensorFile {
        guard data.count >= 8 else {
            throw NeuralError(
                .malformed, "a safetensors file starts with an 8-byte header length; the file has \(data.count) bytes", path: path)
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw NeuralError(.malformed, "header length \(headerLength) exceeds the file's \(data.count - 8) remaining bytes", path: path)
        }
        let headerEnd = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
                throw NeuralError(.malformed, "the header is not a JSON object", path: path)
            }
            header = object
        } catch let error as NeuralError {
            throw error
        } catch {
            throw NeuralError(.malformed, "the header is not valid JSON", path: path, cause: error)
        }
        var file = TensorFile()
        if let metadata = header["__metadata__"] {
            guard let strings = metadata as? [String: String] else {
                throw NeuralError(.malformed, "__metadata__ must map strings to strings", path: path)
            }
            file.metadata = strings
        }
        let bufferLength = data.count - headerEnd
        for (name, entry) in header where name != "__metadata__" {
            guard let fields = entry as? [String: Any], let dtype = fields["dtype"] as? String,
                let shape = (fields["shape"] as? [NSNumber])?.map(\.intValue),
                let offsets = (fields["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2
            else {
                throw NeuralError(.malformed, "tensor \(name): expected {dtype, shape, data_offsets: [begin, end]}", path: path)
            }
            guard let elementSize = DType(rawValue: dtype)?.size else {
                throw NeuralError(.malformed, "tensor \(name) has dtype \(dtype); expected F32, F16, BF16 or F64", path: path)
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= bufferLength,
                offsets[1] - offsets[0] == count * elementSize
            else {
                throw NeuralError(
                    .malformed,
                    "tensor \(name): \(dtype) shape \(shape) needs \(count * elementSize) bytes; data_offsets \(offsets) in a \(bufferLength)-byte buffer",
                    path: path)
            }
            let values = data.withUnsafeBytes { raw in
                convert(raw.baseAddress! + headerEnd + offsets[0], count: count, dtype: DType(rawValue: dtype)!)
            }
            file.tensors[name] = StoredTensor(shape: shape, values: values)
        }
        return file
    }

    /// Writes `file` as a safetensors file (all tensors F32, names sorted), atomically: the
    /// bytes go to a temporary file in the same folder that is renamed over `url` at the end.
    public static func write(_ file: TensorFile, to url: URL) throws(NeuralError) {
        let data = encode(file)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw NeuralError(
                    .invalidArgument, "cannot move the finished file into place: \(String(cString: strerror(errno)))", path: url.path)
            }
        } catch let error as NeuralError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NeuralError(.invalidArgument, "cannot write", path: url.path, cause: error)
        }
    }

    /// The safetensors byte image of `file` (F32 tensors, names sorted, header padded to 8 bytes).
    public static func encode(_ file: TensorFile) -> Data {
        let names = file.tensors.keys.sorted()
        var entries: [String] = []
        var offset = 0
        for name in names {
            let tensor = file.tensors[name]!
            let end = offset + tensor.count * 4
            entries.append(
                "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        if !file.metadata.isEmpty {
            let pairs = file.metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(file.metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            file.tensors[name]!.values.withUnsafeBufferPointer { values in
                for value in values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                }
            }
        }
        return data
    }

    /// A JSON string literal.
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// The element types this reader accepts.
    private enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        var size: Int {
            switch self {
            case .f32: 4
            case .f16, .bf16: 2
            case .f64: 8
            }
        }
    }

    /// Little-endian raw elements -> float32.
    private static func convert(_ source: UnsafeRawPointer, count: Int, dtype: DType) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                switch dtype {
                case .f32:
                    buffer[index] = Float(
                        bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                case .f64:
                    buffer[index] = Float(
                        Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
                case .bf16:
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                    buffer[index] = Float(bitPattern: UInt32(bits) << 16)
                case .f16:
                    buffer[index] = halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
                }
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 -> binary32, including subnormals, infinities and NaN.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
}

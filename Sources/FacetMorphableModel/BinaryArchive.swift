// Little-endian binary reading and writing for cereal's "binary archive" (the eos model format)
// and for MATLAB level-5 MAT files. Every read is bounds-checked and a short file fails with the
// byte offset where more data was expected.

import Foundation

/// A cursor over bytes that reads little- or big-endian scalars and fails with the offset.
struct ByteReader {
    /// The bytes being read.
    let data: [UInt8]
    /// The file the bytes came from, for error messages.
    let path: String
    /// The next byte to read.
    var offset: Int = 0
    /// True when multi-byte values are big-endian (MAT files written on big-endian machines).
    var bigEndian = false

    init(data: [UInt8], path: String) {
        self.data = data
        self.path = path
    }

    /// Bytes left after the cursor.
    var remaining: Int { data.count - offset }

    /// Fails unless `count` more bytes are available; `what` names the value being read.
    func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw ModelError(
                .malformed,
                "truncated at byte \(data.count): reading \(what) needs \(count) bytes at offset \(offset), "
                    + "only \(remaining) remain",
                path: path)
        }
    }

    private mutating func rawBits(_ size: Int, _ what: String) throws -> UInt64 {
        try require(size, what)
        var value: UInt64 = 0
        if bigEndian {
            for index in 0..<size { value = (value << 8) | UInt64(data[offset + index]) }
        } else {
            for index in stride(from: size - 1, through: 0, by: -1) { value = (value << 8) | UInt64(data[offset + index]) }
        }
        offset += size
        return value
    }

    mutating func uint8(_ what: String) throws -> UInt8 { UInt8(try rawBits(1, what)) }
    mutating func uint16(_ what: String) throws -> UInt16 { UInt16(try rawBits(2, what)) }
    mutating func uint32(_ what: String) throws -> UInt32 { UInt32(try rawBits(4, what)) }
    mutating func int32(_ what: String) throws -> Int32 { Int32(bitPattern: UInt32(try rawBits(4, what))) }
    mutating func uint64(_ what: String) throws -> UInt64 { try rawBits(8, what) }
    mutating func float32(_ what: String) throws -> Float { Float(bitPattern: UInt32(try rawBits(4, what))) }
    mutating func float64(_ what: String) throws -> Double { Double(bitPattern: try rawBits(8, what)) }

    /// Reads `count` raw bytes.
    mutating func bytes(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { offset += count }
        return data[offset..<(offset + count)]
    }

    /// Reads `count` little-endian f32 values quickly (cereal matrices).
    mutating func float32Array(_ count: Int, _ what: String) throws -> [Float] {
        guard count <= Int.max / 4 else { throw ModelError(.malformed, "\(what): impossible size \(count)", path: path) }
        try require(count * 4, what)
        var result = [Float](repeating: 0, count: count)
        let start = offset
        data.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for index in 0..<count {
                    let base = start + index * 4
                    var bits = UInt32(source[base]) | UInt32(source[base + 1]) << 8
                    bits |= UInt32(source[base + 2]) << 16 | UInt32(source[base + 3]) << 24
                    if bigEndian { bits = bits.byteSwapped }
                    target[index] = Float(bitPattern: bits)
                }
            }
        }
        offset += count * 4
        return result
    }

    /// A count stored as u64 (cereal's size tag), checked against the bytes left.
    mutating func count(_ what: String, elementSize: Int) throws -> Int {
        let value = try uint64("the element count of \(what)")
        guard value <= UInt64(remaining / max(elementSize, 1)) else {
            throw ModelError(
                .malformed,
                "truncated at byte \(data.count): \(what) claims \(value) elements of \(elementSize) bytes "
                    + "at offset \(offset - 8), only \(remaining) bytes remain",
                path: path)
        }
        return Int(value)
    }

    /// A cereal string: u64 length + UTF-8 bytes.
    mutating func string(_ what: String) throws -> String {
        let length = try count(what, elementSize: 1)
        let raw = try bytes(length, what)
        guard let text = String(bytes: raw, encoding: .utf8) else {
            throw ModelError(.malformed, "\(what) at offset \(offset - length) is not UTF-8", path: path)
        }
        return text
    }
}

/// Appends little-endian scalars (cereal's binary archive on every platform Facet runs on).
struct ByteWriter {
    /// The bytes written so far.
    var data: [UInt8] = []

    mutating func uint8(_ value: UInt8) { data.append(value) }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func float32(_ value: Float) { uint32(value.bitPattern) }
    mutating func float64(_ value: Double) { uint64(value.bitPattern) }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        uint64(UInt64(utf8.count))
        data.append(contentsOf: utf8)
    }
}

/// Reads a whole file, failing with `.fileNotFound` or `.malformed` naming it.
func readFileBytes(_ url: URL, what: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ModelError(.fileNotFound, "\(what) is missing", path: url.path)
    }
    do {
        return [UInt8](try Data(contentsOf: url))
    } catch {
        throw ModelError(.malformed, "\(what) could not be read", path: url.path, cause: error)
    }
}

// A reader for MATLAB level-5 MAT files (as written by scipy.io.savemat): numeric and char arrays.
//
// Layout: a 128-byte header (116 bytes of text, 8 bytes subsystem offset, u16 version 0x0100,
// 2 bytes endian indicator "IM" = little-endian), then data elements. Each element has an 8-byte tag
// (u32 type, u32 byte count) or, when the upper 16 bits of the first word are non-zero, the "small
// element" form (u16 type, u16 byte count, 4 bytes of data in the tag). Elements are padded to 8 bytes.
// A miMATRIX element holds sub-elements: array flags (class in the low byte, 0x800 = complex),
// dimensions (i32), name (i8), the real part (any numeric type, column-major) and, if complex, the
// imaginary part. miCOMPRESSED (zlib) elements are inflated by `Inflate`.

import FacetCompression
import Foundation

/// One variable of a MAT file: a numeric or char array, column-major.
public struct MatArray: Sendable, Equatable {
    /// The variable's name.
    public var name: String
    /// Its dimensions (at least two, MATLAB style: rows, columns, …).
    public var dimensions: [Int]
    /// The real part as floats (floating-point classes, and integers that fit exactly).
    public var values: [Float]
    /// The real part as integers, for integer classes (empty otherwise).
    public var integers: [Int64]
    /// The MATLAB class name ("double", "single", "int32", "char", …).
    public var className: String

    /// Number of rows.
    public var rows: Int { dimensions.first ?? 0 }
    /// Number of columns (all dimensions after the first multiplied).
    public var columns: Int { dimensions.dropFirst().reduce(1, *) }
    /// The number of elements.
    public var count: Int { dimensions.reduce(1, *) }

    /// The elements as integers, from an integer class or from integral floating-point values.
    public func integerValues(path: String? = nil) throws -> [Int] {
        if !integers.isEmpty || values.isEmpty { return integers.map { Int($0) } }
        return try values.map { value in
            guard value.rounded() == value, abs(value) < 16_777_216 else {
                throw ModelError(.malformed, "variable \(name) holds \(value) where an integer index was expected", path: path)
            }
            return Int(value)
        }
    }
}

/// The variables of a MAT file.
public struct MatFile: Sendable {
    /// Variables by name.
    public var variables: [String: MatArray]
    /// Names of variables that were skipped (cells, structs, sparse, objects).
    public var skipped: [String]

    /// Reads a MAT file.
    public static func read(from url: URL) throws -> MatFile {
        try decode(readFileBytes(url, what: "the MAT file"), path: url.path)
    }

    /// Decodes a level-5 MAT file's bytes.
    public static func decode(_ bytes: [UInt8], path: String) throws -> MatFile {
        guard bytes.count >= 128 else {
            throw ModelError(.malformed, "truncated at byte \(bytes.count): a MAT file starts with a 128-byte header", path: path)
        }
        let text = String(decoding: bytes[0..<min(116, bytes.count)], as: UTF8.self)
        if text.hasPrefix("MATLAB 7.3") {
            throw ModelError(
                .malformed,
                "this is a MATLAB v7.3 (HDF5) file: expected a level-5 MAT file "
                    + "(re-save with scipy.io.savemat or MATLAB `save -v7`)", path: path)
        }
        guard text.hasPrefix("MATLAB 5.0 MAT-file") else {
            throw ModelError(
                .malformed, "not a level-5 MAT file: the header does not start with \"MATLAB 5.0 MAT-file\"",
                path: path)
        }
        var reader = ByteReader(data: bytes, path: path)
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): reader.bigEndian = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): reader.bigEndian = true
        default:
            throw ModelError(.malformed, "unknown endian indicator at byte 126: expected \"IM\" or \"MI\"", path: path)
        }
        reader.offset = 128
        var file = MatFile(variables: [:], skipped: [])
        while reader.remaining >= 8 {
            try readElement(&reader, into: &file)
        }
        return file
    }

    // MARK: - Elements

    static let miINT8: UInt32 = 1, miUINT8: UInt32 = 2, miINT16: UInt32 = 3, miUINT16: UInt32 = 4
    static let miINT32: UInt32 = 5, miUINT32: UInt32 = 6, miSINGLE: UInt32 = 7, miDOUBLE: UInt32 = 9
    static let miINT64: UInt32 = 12, miUINT64: UInt32 = 13, miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15
    static let miUTF8: UInt32 = 16, miUTF16: UInt32 = 17

    /// Reads an element tag; returns type, byte count and whether it is a small element (data in the tag).
    private static func tag(_ reader: inout ByteReader) throws -> (type: UInt32, size: Int, small: Bool) {
        let first = try reader.uint32("an element tag")
        if first >> 16 != 0 {
            return (first & 0xFFFF, Int(first >> 16), true)
        }
        let size = try reader.uint32("an element size")
        return (first, Int(size), false)
    }

    private static func readElement(_ reader: inout ByteReader, into file: inout MatFile) throws {
        let start = reader.offset
        let (type, size, small) = try tag(&reader)
        if small {
            reader.offset = start + 8
            return
        }
        try reader.require(size, "an element of \(size) bytes starting at offset \(start)")
        let end = reader.offset + size
        switch type {
        case miMATRIX:
            var sub = ByteReader(data: Array(reader.data[reader.offset..<end]), path: reader.path)
            sub.bigEndian = reader.bigEndian
            if let array = try readMatrix(&sub, elementOffset: start) {
                file.variables[array.name] = array
            } else {
                file.skipped.append("element at offset \(start)")
            }
        case miCOMPRESSED:
            let inflated: [UInt8]
            do {
                inflated = try Inflate.zlib(Array(reader.data[reader.offset..<end]))
            } catch {
                throw ModelError(.malformed, "the compressed element at offset \(start)", path: reader.path, cause: error)
            }
            var sub = ByteReader(data: inflated, path: reader.path)
            sub.bigEndian = reader.bigEndian
            while sub.remaining >= 8 { try readElement(&sub, into: &file) }
            reader.offset = end
            return
        default:
            break
        }
        reader.offset = end
        // Uncompressed elements are padded to 8 bytes.
        let padding = (8 - (reader.offset - start) % 8) % 8
        reader.offset = min(reader.offset + padding, reader.data.count)
    }

    /// Reads the sub-elements of one miMATRIX; nil for classes that are not numeric or char arrays.
    private static func readMatrix(_ reader: inout ByteReader, elementOffset: Int) throws -> MatArray? {
        func subelement(_ what: String) throws -> (type: UInt32, bytes: ArraySlice<UInt8>) {
            let start = reader.offset
            let (type, size, small) = try tag(&reader)
            if small {
                let bytes = reader.data[(start + 4)..<(start + 4 + min(size, 4))]
                reader.offset = start + 8
                return (type, bytes)
            }
            let bytes = try reader.bytes(size, "\(what) of the variable at offset \(elementOffset)")
            reader.offset = min(reader.offset + (8 - size % 8) % 8, reader.data.count)
            return (type, bytes)
        }
        let flags = try subelement("the array flags")
        guard flags.bytes.count >= 4 else {
            throw ModelError(.malformed, "the variable at offset \(elementOffset) has short array flags", path: reader.path)
        }
        let flagWord = decodeUInt32(flags.bytes, bigEndian: reader.bigEndian)
        let classCode = Int(flagWord & 0xFF)
        let complex = flagWord & 0x800 != 0
        let dimensions = try subelement("the dimensions")
        let dims = try decodeNumbers(dimensions.bytes, type: dimensions.type, bigEndian: reader.bigEndian, path: reader.path)
            .map { Int($0) }
        let nameElement = try subelement("the name")
        let name = String(decoding: nameElement.bytes, as: UTF8.self)
        let classNames = [
            4: "char", 6: "double", 7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16",
            12: "int32", 13: "uint32", 14: "int64", 15: "uint64",
        ]
        guard let className = classNames[classCode] else { return nil }
        if complex {
            throw ModelError(.malformed, "variable \(name) is complex: expected real numbers", path: reader.path)
        }
        let real = try subelement("the real part of \(name)")
        let expected = dims.reduce(1, *)
        let isInteger = classCode >= 8
        var array = MatArray(name: name, dimensions: dims, values: [], integers: [], className: className)
        if isInteger {
            array.integers = try decodeIntegers(real.bytes, type: real.type, bigEndian: reader.bigEndian, path: reader.path)
            guard array.integers.count == expected else {
                throw ModelError(
                    .malformed,
                    "variable \(name) has \(array.integers.count) values: expected \(expected) "
                        + "(dimensions \(dims.map(String.init).joined(separator: "×")))", path: reader.path)
            }
            array.values = array.integers.map { Float($0) }
        } else {
            array.values = try decodeNumbers(real.bytes, type: real.type, bigEndian: reader.bigEndian, path: reader.path)
                .map { Float($0) }
            guard array.values.count == expected else {
                throw ModelError(
                    .malformed,
                    "variable \(name) has \(array.values.count) values: expected \(expected) "
                        + "(dimensions \(dims.map(String.init).joined(separator: "×")))", path: reader.path)
            }
        }
        return array
    }

    private static func decodeUInt32(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> UInt32 {
        let b = Array(bytes.prefix(4))
        return bigEndian
            ? UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
            : UInt32(b[3]) << 24 | UInt32(b[2]) << 16 | UInt32(b[1]) << 8 | UInt32(b[0])
    }

    private static func elementSize(_ type: UInt32, path: String) throws -> Int {
        switch type {
        case miINT8, miUINT8, miUTF8: return 1
        case miINT16, miUINT16, miUTF16: return 2
        case miINT32, miUINT32, miSINGLE: return 4
        case miDOUBLE, miINT64, miUINT64: return 8
        default: throw ModelError(.malformed, "unsupported MAT data type \(type): expected a numeric type", path: path)
        }
    }

    private static func rawWords(_ bytes: ArraySlice<UInt8>, size: Int, bigEndian: Bool) -> [UInt64] {
        let count = bytes.count / size
        var result = [UInt64](repeating: 0, count: count)
        bytes.withContiguousStorageIfAvailable { buffer in
            for index in 0..<count {
                var value: UInt64 = 0
                let base = index * size
                if bigEndian {
                    for byte in 0..<size { value = value << 8 | UInt64(buffer[base + byte]) }
                } else {
                    for byte in stride(from: size - 1, through: 0, by: -1) { value = value << 8 | UInt64(buffer[base + byte]) }
                }
                result[index] = value
            }
        }
        return result
    }

    /// Decodes any numeric element into doubles.
    static func decodeNumbers(_ bytes: ArraySlice<UInt8>, type: UInt32, bigEndian: Bool, path: String) throws -> [Double] {
        let size = try elementSize(type, path: path)
        let words = rawWords(Array(bytes)[...], size: size, bigEndian: bigEndian)
        switch type {
        case miSINGLE: return words.map { Double(Float(bitPattern: UInt32($0))) }
        case miDOUBLE: return words.map { Double(bitPattern: $0) }
        default: return try decodeIntegers(bytes, type: type, bigEndian: bigEndian, path: path).map { Double($0) }
        }
    }

    /// Decodes an integer element (or integral floats) into Int64.
    static func decodeIntegers(_ bytes: ArraySlice<UInt8>, type: UInt32, bigEndian: Bool, path: String) throws -> [Int64] {
        let size = try elementSize(type, path: path)
        let words = rawWords(Array(bytes)[...], size: size, bigEndian: bigEndian)
        switch type {
        case miINT8: return words.map { Int64(Int8(truncatingIfNeeded: $0)) }
        case miUINT8, miUTF8: return words.map { Int64($0) }
        case miINT16: return words.map { Int64(Int16(truncatingIfNeeded: $0)) }
        case miUINT16, miUTF16: return words.map { Int64($0) }
        case miINT32: return words.map { Int64(Int32(truncatingIfNeeded: $0)) }
        case miUINT32: return words.map { Int64($0) }
        case miINT64: return words.map { Int64(bitPattern: $0) }
        case miUINT64: return words.map { Int64(truncatingIfNeeded: $0) }
        case miSINGLE: return words.map { Int64(Float(bitPattern: UInt32($0))) }
        case miDOUBLE: return words.map { Int64(Double(bitPattern: $0)) }
        default: throw ModelError(.malformed, "unsupported MAT data type \(type)", path: path)
        }
    }
}

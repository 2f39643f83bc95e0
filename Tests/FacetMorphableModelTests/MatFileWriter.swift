// A minimal MATLAB level-5 MAT-file writer for tests (scipy.io.savemat's layout): numeric arrays as
// miMATRIX elements, optionally wrapped in miCOMPRESSED elements made of stored DEFLATE blocks.

import Foundation

/// One variable to write.
struct MatVariable {
    enum Storage {
        case double([Double])
        case single([Float])
        case int32([Int32])
        case int64([Int64])
    }

    var name: String
    var rows: Int
    var columns: Int
    /// Column-major values.
    var storage: Storage
}

enum MatFileWriter {
    static func encode(_ variables: [MatVariable], compressed: Bool = false) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file Platform: posix, Created by: Facet tests".utf8)
        header += [UInt8](repeating: 0x20, count: 116 - header.count)
        header += [UInt8](repeating: 0, count: 8)  // subsystem data offset
        header += [0x00, 0x01, UInt8(ascii: "I"), UInt8(ascii: "M")]  // version 0x0100, little-endian
        var bytes = header
        for variable in variables {
            let element = matrixElement(variable)
            if compressed {
                let zlib = zlibStored(element)
                bytes += le32(15) + le32(UInt32(zlib.count)) + zlib
            } else {
                bytes += element
            }
        }
        return bytes
    }

    static func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func padded(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8) }

    /// A sub-element: small format (data in the tag) when it fits in 4 bytes, as MATLAB writes names.
    static func subelement(type: UInt32, _ data: [UInt8]) -> [UInt8] {
        if data.count <= 4 && data.count > 0 {
            return le32(UInt32(data.count) << 16 | type) + data + [UInt8](repeating: 0, count: 4 - data.count)
        }
        return padded(le32(type) + le32(UInt32(data.count)) + data)
    }

    static func matrixElement(_ variable: MatVariable) -> [UInt8] {
        let (classCode, type, data): (UInt32, UInt32, [UInt8])
        switch variable.storage {
        case .double(let values):
            (classCode, type, data) = (6, 9, values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } })
        case .single(let values): (classCode, type, data) = (7, 7, values.flatMap { le32($0.bitPattern) })
        case .int32(let values): (classCode, type, data) = (12, 5, values.flatMap { le32(UInt32(bitPattern: $0)) })
        case .int64(let values): (classCode, type, data) = (14, 12, values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } })
        }
        var body = subelement(type: 6, le32(classCode) + le32(0))
        body += subelement(type: 5, le32(UInt32(variable.rows)) + le32(UInt32(variable.columns)))
        body += subelement(type: 1, Array(variable.name.utf8))
        body += subelement(type: type, data)
        return le32(14) + le32(UInt32(body.count)) + body
    }

    /// A zlib stream of stored (uncompressed) DEFLATE blocks with its Adler-32.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        let adler = b << 16 | a
        return out + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    }
}

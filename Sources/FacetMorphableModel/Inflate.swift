// A small DEFLATE decoder (RFC 1951) with the zlib wrapper (RFC 1950), for compressed MAT-file
// elements. Canonical Huffman codes decoded bit by bit: simple and fast enough for model files.

import Foundation

/// zlib / DEFLATE decompression.
enum Inflate {
    /// Decompresses a zlib stream (2-byte header, DEFLATE data, Adler-32) and checks its checksum.
    static func zlib(_ data: [UInt8], path: String, what: String) throws -> [UInt8] {
        func fail(_ message: String) -> ModelError { ModelError(.malformed, "\(what): \(message)", path: path) }
        guard data.count >= 6 else { throw fail("a zlib stream needs at least 6 bytes, got \(data.count)") }
        let cmf = Int(data[0]), flg = Int(data[1])
        guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0 else {
            throw fail("not a zlib stream (header bytes \(cmf), \(flg))")
        }
        guard flg & 0x20 == 0 else { throw fail("zlib preset dictionaries are not supported") }
        var decoder = Decoder(input: data, position: 2)
        let output: [UInt8]
        do {
            output = try decoder.run()
        } catch let error as DecodeError {
            throw fail(error.message)
        }
        let end = decoder.bytePositionAfterStream
        guard end + 4 <= data.count else { throw fail("truncated before the Adler-32 checksum") }
        let stored = UInt32(data[end]) << 24 | UInt32(data[end + 1]) << 16 | UInt32(data[end + 2]) << 8 | UInt32(data[end + 3])
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < output.count {
            let chunkEnd = min(index + 5552, output.count)
            while index < chunkEnd {
                a += UInt32(output[index])
                b += a
                index += 1
            }
            a %= 65521
            b %= 65521
        }
        guard stored == b << 16 | a else { throw fail("Adler-32 checksum mismatch: the data is damaged") }
        return output
    }

    struct DecodeError: Error {
        let message: String
    }

    /// Canonical Huffman code: symbols ordered by code length, and the number of codes of each length.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) throws {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var left = 1
            for length in 1...15 {
                left = left * 2 - counts[length]
                if left < 0 { throw DecodeError(message: "over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    struct Decoder {
        let input: [UInt8]
        var position: Int
        var bitBuffer: UInt32 = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: [UInt8], position: Int) {
            self.input = input
            self.position = position
        }

        /// The byte after the DEFLATE stream (unused bits of the last byte discarded).
        var bytePositionAfterStream: Int { position - bitCount / 8 }

        mutating func bits(_ count: Int) throws -> Int {
            while bitCount < count {
                guard position < input.count else { throw DecodeError(message: "truncated DEFLATE data") }
                bitBuffer |= UInt32(input[position]) << UInt32(bitCount)
                position += 1
                bitCount += 8
            }
            let value = Int(bitBuffer & ((1 << UInt32(count)) - 1))
            bitBuffer >>= UInt32(count)
            bitCount -= count
            return value
        }

        mutating func decode(_ code: Huffman) throws -> Int {
            var value = 0, first = 0, index = 0
            for length in 1...15 {
                value |= try bits(1)
                let count = code.counts[length]
                if value - first < count { return code.symbols[index + value - first] }
                index += count
                first = (first + count) << 1
                value <<= 1
            }
            throw DecodeError(message: "invalid Huffman code")
        }

        static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                                 131, 163, 195, 227, 258]
        static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                                   2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
                                    13, 13]
        static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

        mutating func run() throws -> [UInt8] {
            var last = false
            while !last {
                last = try bits(1) == 1
                switch try bits(2) {
                case 0: try stored()
                case 1:
                    let lengths = [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
                        + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
                    try codes(literal: Huffman(lengths: lengths), distance: Huffman(lengths: [Int](repeating: 5, count: 30)))
                case 2: try dynamic()
                default: throw DecodeError(message: "invalid DEFLATE block type 3")
                }
            }
            return output
        }

        mutating func stored() throws {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw DecodeError(message: "truncated stored block") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            guard length == ~complement & 0xFFFF else { throw DecodeError(message: "stored block length check failed") }
            position += 4
            guard position + length <= input.count else { throw DecodeError(message: "truncated stored block") }
            output.append(contentsOf: input[position..<(position + length)])
            position += length
        }

        mutating func dynamic() throws {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let codeLengthCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else { throw DecodeError(message: "bad dynamic block counts") }
            var codeLengths = [Int](repeating: 0, count: 19)
            for index in 0..<codeLengthCount { codeLengths[Self.codeLengthOrder[index]] = try bits(3) }
            let lengthCode = try Huffman(lengths: codeLengths)
            var lengths: [Int] = []
            while lengths.count < literalCount + distanceCount {
                let symbol = try decode(lengthCode)
                switch symbol {
                case 0...15: lengths.append(symbol)
                case 16:
                    guard let previous = lengths.last else { throw DecodeError(message: "repeat with no previous length") }
                    lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
                case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
                default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
                }
            }
            guard lengths.count == literalCount + distanceCount else { throw DecodeError(message: "too many code lengths") }
            guard lengths[256] != 0 else { throw DecodeError(message: "no end-of-block code") }
            try codes(literal: Huffman(lengths: Array(lengths[0..<literalCount])),
                      distance: Huffman(lengths: Array(lengths[literalCount...])))
        }

        mutating func codes(literal: Huffman, distance: Huffman) throws {
            while true {
                let symbol = try decode(literal)
                if symbol < 256 {
                    output.append(UInt8(symbol))
                } else if symbol == 256 {
                    return
                } else {
                    let index = symbol - 257
                    guard index < 29 else { throw DecodeError(message: "invalid length symbol \(symbol)") }
                    let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
                    let distanceSymbol = try decode(distance)
                    guard distanceSymbol < 30 else { throw DecodeError(message: "invalid distance symbol") }
                    let back = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
                    guard back <= output.count else { throw DecodeError(message: "distance \(back) reaches before the start") }
                    let start = output.count - back
                    for offset in 0..<length { output.append(output[start + offset]) }
                }
            }
        }
    }
}

// DEFLATE decompression (RFC 1951) and the zlib wrapper (RFC 1950), written for Facet: the zip
// entries of re-packed PyTorch checkpoints (raw DEFLATE) and the compressed elements of MATLAB
// model files (zlib). Stored, fixed-Huffman and dynamic-Huffman blocks; canonical Huffman codes
// decoded bit by bit: simple, and fast enough for files read once.

/// Decompresses DEFLATE data, raw (`raw`) or in a zlib stream (`zlib`).
public struct Inflate {
    /// Why inflating failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What was wrong with the data.
        public let reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    private struct HuffmanCode {
        var countPerLength = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        /// Builds the code from one bit length per symbol (0: unused).
        init(lengths: [Int]) throws(Failure) {
            for length in lengths { countPerLength[length] += 1 }
            countPerLength[0] = 0
            var remaining = 1
            for length in 1...15 {
                remaining = remaining * 2 - countPerLength[length]
                guard remaining >= 0 else { throw Failure(reason: "a Huffman code is over-subscribed") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + countPerLength[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
        3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which dynamic blocks list the code-length code's lengths.
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private let input: UnsafeRawBufferPointer
    private var bytePosition = 0
    private var bitBuffer = 0
    private var bitCount = 0
    private var output: [UInt8] = []

    private init(input: UnsafeRawBufferPointer, expectedSize: Int?) {
        self.input = input
        if let expectedSize { output.reserveCapacity(expectedSize) }
    }

    /// The decompressed bytes of raw DEFLATE data; with `expectedSize` (e.g. a zip directory's
    /// record) the output must come to exactly that many bytes.
    public static func raw(_ input: UnsafeRawBufferPointer, expectedSize: Int? = nil) throws(Failure) -> [UInt8] {
        try decompress(input, expectedSize: expectedSize).output
    }

    /// The decompressed bytes of a zlib stream (2-byte header, DEFLATE data, Adler-32), whose
    /// checksum is verified.
    public static func zlib(_ data: [UInt8]) throws(Failure) -> [UInt8] {
        guard data.count >= 6 else { throw Failure(reason: "a zlib stream needs at least 6 bytes, got \(data.count)") }
        let cmf = Int(data[0]), flg = Int(data[1])
        guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0 else {
            throw Failure(reason: "not a zlib stream (header bytes \(cmf), \(flg))")
        }
        guard flg & 0x20 == 0 else { throw Failure(reason: "zlib preset dictionaries are not supported") }
        let decoded = data.withUnsafeBytes { bytes in
            Result { () throws(Failure) in try decompress(UnsafeRawBufferPointer(rebasing: bytes[2...]), expectedSize: nil) }
        }
        let (output, consumed) = try decoded.get()
        let end = consumed + 2
        guard end + 4 <= data.count else { throw Failure(reason: "truncated before the Adler-32 checksum") }
        let stored = UInt32(data[end]) << 24 | UInt32(data[end + 1]) << 16 | UInt32(data[end + 2]) << 8 | UInt32(data[end + 3])
        guard stored == adler32(output) else { throw Failure(reason: "Adler-32 checksum mismatch: the data is damaged") }
        return output
    }

    /// The Adler-32 checksum (RFC 1950) of `bytes`.
    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let chunkEnd = min(index + 5552, bytes.count)  // the most bytes before b can overflow
            while index < chunkEnd {
                a += UInt32(bytes[index])
                b += a
                index += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }

    /// Inflates blocks until the final one; returns the output and the input bytes consumed.
    private static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int?) throws(Failure)
        -> (output: [UInt8], consumed: Int)
    {
        var inflater = Inflate(input: input, expectedSize: expectedSize)
        var isFinal = false
        while !isFinal {
            isFinal = try inflater.bits(1) == 1
            switch try inflater.bits(2) {
            case 0: try inflater.storedBlock()
            case 1: try inflater.huffmanBlock(try fixedLiteralCode, try fixedDistanceCode)
            case 2:
                let (literals, distances) = try inflater.dynamicCodes()
                try inflater.huffmanBlock(literals, distances)
            default: throw Failure(reason: "block type 3 is reserved")
            }
            if let expectedSize, inflater.output.count > expectedSize {
                throw Failure(reason: "the data inflates to more than the \(expectedSize) bytes expected")
            }
        }
        if let expectedSize, inflater.output.count != expectedSize {
            throw Failure(reason: "the data inflates to \(inflater.output.count) bytes but \(expectedSize) were expected")
        }
        // Whole bytes still in the bit buffer were read ahead but not used.
        return (inflater.output, inflater.bytePosition - inflater.bitCount / 8)
    }

    private static var fixedLiteralCode: HuffmanCode {
        get throws(Failure) {
            try HuffmanCode(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
        }
    }

    private static var fixedDistanceCode: HuffmanCode {
        get throws(Failure) { try HuffmanCode(lengths: [Int](repeating: 5, count: 30)) }
    }

    // MARK: - Bits

    private mutating func bits(_ count: Int) throws(Failure) -> Int {
        while bitCount < count {
            guard bytePosition < input.count else { throw Failure(reason: "the compressed data ends early") }
            bitBuffer |= Int(input[bytePosition]) << bitCount
            bytePosition += 1
            bitCount += 8
        }
        let value = bitBuffer & ((1 << count) - 1)
        bitBuffer >>= count
        bitCount -= count
        return value
    }

    private mutating func decode(_ code: HuffmanCode) throws(Failure) -> Int {
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let count = code.countPerLength[length]
            if value - first < count { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw Failure(reason: "an invalid Huffman code")
    }

    // MARK: - Blocks

    private mutating func storedBlock() throws(Failure) {
        bitBuffer = 0
        bitCount = 0
        guard bytePosition + 4 <= input.count else { throw Failure(reason: "a stored block header is cut off") }
        let length = Int(input[bytePosition]) | Int(input[bytePosition + 1]) << 8
        let complement = Int(input[bytePosition + 2]) | Int(input[bytePosition + 3]) << 8
        guard length == complement ^ 0xFFFF else { throw Failure(reason: "a stored block's length check fails") }
        bytePosition += 4
        guard length <= input.count - bytePosition else { throw Failure(reason: "a stored block is cut off") }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[bytePosition..<(bytePosition + length)]))
        bytePosition += length
    }

    private mutating func dynamicCodes() throws(Failure) -> (HuffmanCode, HuffmanCode) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[Self.codeLengthOrder[index]] = try bits(3) }
        let codeLengthCode = try HuffmanCode(lengths: codeLengthLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthCode)
            switch symbol {
            case 0...15: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw Failure(reason: "a length repeat with no previous length") }
                lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw Failure(reason: "code lengths overrun their count") }
        return (try HuffmanCode(lengths: Array(lengths[..<literalCount])), try HuffmanCode(lengths: Array(lengths[literalCount...])))
    }

    private mutating func huffmanBlock(_ literals: HuffmanCode, _ distances: HuffmanCode) throws(Failure) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let lengthIndex = symbol - 257
                guard lengthIndex < Self.lengthBase.count else { throw Failure(reason: "length symbol \(symbol) is invalid") }
                let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtraBits[lengthIndex]))
                let distanceIndex = try decode(distances)
                guard distanceIndex < Self.distanceBase.count else { throw Failure(reason: "distance symbol \(distanceIndex) is invalid") }
                let distance = Self.distanceBase[distanceIndex] + (try bits(Self.distanceExtraBits[distanceIndex]))
                guard distance <= output.count else { throw Failure(reason: "a back-reference reaches before the start of the data") }
                let start = output.count - distance
                for offset in 0..<length { output.append(output[start + offset]) }
            }
        }
    }
}

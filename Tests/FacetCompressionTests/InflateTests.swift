import FacetCompression
import Foundation
import XCTest

/// `Inflate` against raw DEFLATE and zlib streams made by zlib (Python `zlib.compressobj(9, DEFLATED, -15)`).
final class InflateTests: XCTestCase {
    /// 300 lines "line {i % 17} of facet torch io\n": zlib level 9 writes one dynamic-Huffman block with back-references.
    private let dynamicStream = """
        7dHLCYRQFATR/URxQ5jrjL9wRHwoiA/E/BEDqASk1rXqPvt2LPGNWqJM83LFVc95ja1+9ickhYbCj8KfQkuho9BTGCiMOJCn4/bE8YnrE+cn7k88QC+99NJLL7300ksvvfTSSy+99NJLL7300ksvvfTSSy+99Hqt1w0=
        """
    private var dynamicText: String { (0..<300).map { "line \($0 % 17) of facet torch io\n" }.joined() }

    /// "hello hello hello hello, facet!": zlib writes one fixed-Huffman block.
    private let fixedStream = "y0jNyclXyEAndRTSEpNTSxQB"

    /// A dynamic-Huffman block inflates to the original text.
    func testDynamicHuffmanBlock() throws {
        let output = try inflate(dynamicStream, expectedSize: 7620)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), dynamicText)
    }

    /// A fixed-Huffman block inflates to the original text.
    func testFixedHuffmanBlock() throws {
        XCTAssertEqual(String(decoding: try inflate(fixedStream, expectedSize: 31), as: UTF8.self), "hello hello hello hello, facet!")
    }

    /// A stream cut short, or a size that disagrees with the directory, is an error.
    func testTruncatedStreamAndWrongSizeFail() throws {
        let bytes = try XCTUnwrap(Data(base64Encoded: dynamicStream))
        XCTAssertThrowsError(try bytes.prefix(60).withUnsafeBytes { try Inflate.raw($0, expectedSize: 7620) })
        XCTAssertThrowsError(try inflate(fixedStream, expectedSize: 30))
        XCTAssertThrowsError(try inflate(fixedStream, expectedSize: 32))
    }

    /// zlib streams (zlib.compress in Python): fixed and dynamic Huffman blocks; a damaged checksum fails.
    func testZlibStreamsDecodeAndTheirChecksumIsVerified() throws {
        let fixed: [UInt8] = [120, 218, 75, 76, 74, 6, 0, 2, 77, 1, 39]
        XCTAssertEqual(try Inflate.zlib(fixed), Array("abc".utf8))
        let dynamic: [UInt8] = [
            120, 218, 213, 140, 193, 13, 128, 32, 16, 4, 91, 217, 10, 108, 192, 106, 0, 15, 65, 193, 67, 56, 69, 169, 94, 227,
            199, 167, 111, 231, 53, 201, 102, 86, 28, 97, 221, 188, 153, 161, 51, 215, 5, 150, 15, 76, 91, 76, 5, 188, 83, 134,
            220, 115, 80, 237, 196, 192, 99, 15, 171, 12, 9, 172, 151, 242, 104, 65, 245, 226, 16, 57, 39, 167, 116, 160, 219,
            6, 10, 165, 123, 170, 127, 156, 182, 79, 64, 47, 23, 69, 199, 113, 145,
        ]
        let sentence = "the quick brown fox jumps over the lazy dog; facet fits faces with morphable models. "
        let expected =
            String(repeating: sentence, count: 3) + String(repeating: "z", count: 34) + " "
            + String(repeating: "e", count: 11)
        XCTAssertEqual(String(decoding: try Inflate.zlib(dynamic), as: UTF8.self), expected)
        var damaged = dynamic
        damaged[damaged.count - 1] ^= 1
        XCTAssertThrowsError(try Inflate.zlib(damaged)) { error in
            XCTAssertTrue("\(error)".contains("Adler-32"), "\(error)")
        }
    }

    private func inflate(_ base64: String, expectedSize: Int) throws -> [UInt8] {
        let bytes = try XCTUnwrap(Data(base64Encoded: base64))
        return try bytes.withUnsafeBytes { try Inflate.raw($0, expectedSize: expectedSize) }
    }
}

import Foundation
import XCTest
@testable import FacetNeural

/// `ZipInflater` against raw DEFLATE streams made by zlib (Python `zlib.compressobj(9, DEFLATED, -15)`).
final class ZipInflateTests: XCTestCase {
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
        XCTAssertThrowsError(try bytes.prefix(60).withUnsafeBytes { try ZipInflater.inflate($0, expectedSize: 7620) })
        XCTAssertThrowsError(try inflate(fixedStream, expectedSize: 30))
        XCTAssertThrowsError(try inflate(fixedStream, expectedSize: 32))
    }

    private func inflate(_ base64: String, expectedSize: Int) throws -> [UInt8] {
        let bytes = try XCTUnwrap(Data(base64Encoded: base64))
        return try bytes.withUnsafeBytes { try ZipInflater.inflate($0, expectedSize: expectedSize) }
    }
}

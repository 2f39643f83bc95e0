// SHA-256 against the FIPS 180-4 examples and against itself fed in pieces.

import FacetCompression
import XCTest

final class SHA256Tests: XCTestCase {
    private func digest(_ text: String) -> String {
        var hash = SHA256()
        hash.update(text)
        return hash.finalize().hexadecimal
    }

    func testTheStandardsExamples() {
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testFeedingInPiecesGivesTheSameDigest() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 1000, 3, 8804] {
            pieces.update(bytes[start..<start + size])
            start += size
        }
        XCTAssertEqual(start, bytes.count)
        XCTAssertEqual(whole.finalize(), pieces.finalize())
        var other = SHA256()
        other.update(bytes.dropLast())
        XCTAssertNotEqual(whole.finalize(), other.finalize())
    }
}

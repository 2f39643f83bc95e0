import Foundation
import XCTest

@testable import FacetMedia

/// The reader streams: decoded pictures are released once the caller drops their frames.
final class ReaderMemoryTests: XCTestCase {
    func testDecodedPicturesAreReleased() throws {
        let reader = try VideoReader(url: try fixtures().url("base.mp4"))
        final class Weak { weak var picture: Frame? }
        var seen: [Weak] = []
        var mostAlive = 0
        while let frame = try reader.nextFrame() {
            let weak = Weak()
            weak.picture = frame.picture
            seen.append(weak)
            // Every earlier frame was dropped by now; its picture must be gone (mid-stream too).
            mostAlive = max(mostAlive, seen.dropLast().filter { $0.picture != nil }.count)
        }
        XCTAssertEqual(seen.count, 60)
        XCTAssertEqual(mostAlive, 0, "consumed decoded pictures were still held")
    }
}

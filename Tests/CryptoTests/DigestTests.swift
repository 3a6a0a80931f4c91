import XCTest
@testable import Crypto

final class DigestTests: XCTestCase {
    private func hex(_ algorithm: DigestAlgorithm, _ text: String) -> String {
        let input = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: Digest.length(algorithm))
        input.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in Digest.compute(algorithm, i, into: o) } }
        return out.map { String(format: "%02x", $0) }.joined()
    }

    // FIPS 180 "abc" vectors.
    func testKnownAnswers() {
        XCTAssertEqual(hex(.sha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(.sha256, "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(.sha384, "abc"), "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
    }
}

import XCTest
@testable import Crypto

final class NSEC3HashTests: XCTestCase {
    private func hash(_ name: String, salt: String, iterations: Int) -> String? {
        let wire = Fixture.name(name)
        let saltBytes = Fixture.hex(salt)
        var out = [UInt8](repeating: 0, count: NSEC3Hash.byteCount)
        let ok = wire.withUnsafeBytes { n in
            saltBytes.withUnsafeBytes { s in
                out.withUnsafeMutableBytes { o in NSEC3Hash.compute(name: n, salt: s, iterations: iterations, into: o) }
            }
        }
        return ok ? Fixture.base32hex(out) : nil
    }

    // RFC 5155 Appendix A: salt aabbccdd, 12 additional iterations.
    func testRFC5155AppendixA() {
        let expected = [
            "example": "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
            "a.example": "35mthgpgcu1qg68fab165klnsnk3dpvl",
            "ai.example": "gjeqe526plbf1g8mklp59enfd789njgi",
            "ns1.example": "2t7b4g4vsa5smi47k61mv5bv1a22bojr",
            "w.example": "k8udemvp1j2f7eg6jebps17vp3n8i58h",
            "*.w.example": "r53bq7cc2uvmubfu5ocmm6pers9tk9en",
            "x.y.w.example": "2vptu5timamqttgl4luu9kg21e0aor3s",
            "xx.example": "t644ebqk9bibcna874givr6joj62mlhv",
        ]
        for (name, digest) in expected {
            XCTAssertEqual(hash(name, salt: "aabbccdd", iterations: 12), digest, name)
        }
    }

    func testUpperCaseOwnerHashesAsCanonicalLowerCase() {
        // Fixture.name lower-cases; build "EXAMPLE" by hand.
        let wire: [UInt8] = [7] + Array("EXAMPLE".utf8) + [0]
        let salt: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
        var out = [UInt8](repeating: 0, count: 20)
        let ok = wire.withUnsafeBytes { n in salt.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { NSEC3Hash.compute(name: n, salt: s, iterations: 12, into: $0) } } }
        XCTAssertTrue(ok)
        XCTAssertEqual(Fixture.base32hex(out), "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")
    }

    // Cross-checked with `ldns-nsec3-hash -t 0 example.` (empty salt, no extra iterations).
    func testEmptySaltZeroIterations() {
        XCTAssertEqual(hash("example", salt: "", iterations: 0), "3msev9usmd4br9s97v51r2tdvmr9iqo1")
        let sha1 = Fixture.name("example")
        var plain = [UInt8](repeating: 0, count: 20)
        sha1.withUnsafeBytes { i in plain.withUnsafeMutableBytes { Digest.compute(.sha1, i, into: $0) } }
        XCTAssertEqual(hash("example", salt: "", iterations: 0), Fixture.base32hex(plain))
    }

    func testLimitsAreRefused() {
        XCTAssertNil(hash("example", salt: "aa", iterations: -1))
        XCTAssertNil(hash("example", salt: "aa", iterations: CryptoLimits.nsec3IterationsMax + 1))
        XCTAssertNotNil(hash("example", salt: "aa", iterations: CryptoLimits.nsec3IterationsMax))
        let longName = [UInt8](repeating: 1, count: 256)
        let salt: [UInt8] = []
        var out = [UInt8](repeating: 0, count: 20)
        var small = [UInt8](repeating: 0, count: 19)
        XCTAssertFalse(longName.withUnsafeBytes { n in salt.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { NSEC3Hash.compute(name: n, salt: s, iterations: 1, into: $0) } } })
        let name = Fixture.name("example")
        XCTAssertFalse(name.withUnsafeBytes { n in salt.withUnsafeBytes { s in
            small.withUnsafeMutableBytes { NSEC3Hash.compute(name: n, salt: s, iterations: 1, into: $0) } } })
        let longSalt = [UInt8](repeating: 1, count: 256)
        XCTAssertFalse(name.withUnsafeBytes { n in longSalt.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { NSEC3Hash.compute(name: n, salt: s, iterations: 1, into: $0) } } })
    }
}

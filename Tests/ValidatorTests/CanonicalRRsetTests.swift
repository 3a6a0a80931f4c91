import DNSWire
import XCTest
@testable import Validator

final class CanonicalRRsetTests: XCTestCase {
    let fixture = Fixture()

    func sorted(_ rdatas: [[UInt8]]) -> [[UInt8]] {
        let list = fixture.list(rdatas)
        let count = CanonicalRRset.sortUnique(list, scratch: fixture.scratch)
        return (0..<count).map { Array(list.rdata(at: Int(fixture.scratch.order[$0]))) }
    }

    func testCanonicalOrderIsOctetOrderShorterFirst() {
        // RFC 4034 §6.3: RDATA as left-justified unsigned octet sequences.
        XCTAssertEqual(sorted([[2], [1, 0], [1], [0xFF], [1, 0, 0]]), [[1], [1, 0], [1, 0, 0], [2], [0xFF]])
    }

    func testDuplicatesAreRemoved() {
        XCTAssertEqual(sorted([[7, 7], [1], [7, 7], [1], [7, 7]]), [[1], [7, 7]])
        XCTAssertEqual(sorted([]), [])
    }

    func testSeededRandomOrderGivesTheSameResult() {
        var seed = UInt64(Date().timeIntervalSince1970)
        let expected = (0..<40).map { [UInt8($0 / 8), UInt8($0 % 8)] }
        for _ in 0..<20 {
            var generator = SeededGenerator(seed: seed)
            let shuffled = (expected + expected.prefix(5)).shuffled(using: &generator)
            XCTAssertEqual(sorted(shuffled), expected, "seed \(seed)")
            seed &+= 1
        }
    }

    func testSignedDataLayout() {
        // RRSIG fields | signer | owner type class origTTL rdlength rdata, per RR in order.
        let rrsig = fixture.record("a.example. 300 IN RRSIG A 13 2 300 20350101000000 20250101000000 1 EXAMPLE. AAAA").rdata
        let rrsigView = rrsig.withUnsafeBytes { RRSIGView(rdata: fixture.bytes(Array($0)))! }
        let rrset = fixture.rrset(["A.example. 999 IN A 192.0.2.2", "a.example. 999 IN A 192.0.2.1"])
        let count = CanonicalRRset.signedData(rrsig: rrsigView, rrset: rrset, signedOwner: rrset.owner,
                                              scratch: fixture.scratch)!
        let bytes = Array(fixture.scratch.signedData[0..<count])
        let owner: [UInt8] = [1, 0x61, 7] + Array("example".utf8) + [0]
        let rr1 = owner + [0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1]
        let rr2 = owner + [0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 2]
        XCTAssertEqual(Array(bytes[0..<18]), Array(rrsig[0..<18]))
        XCTAssertEqual(Array(bytes[18..<27]), [7] + Array("example".utf8) + [0])  // signer lowercased
        XCTAssertEqual(Array(bytes[27...]), rr1 + rr2)
    }
}

/// SplitMix64: reproducible shuffles for tests that print their seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

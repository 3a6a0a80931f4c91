import XCTest
@testable import Crypto

/// The fixed arena GMP and nettle allocate from (CNettle's crypto_arena.c) is
/// big enough for the worst input CryptoLimits lets through, with room for
/// other GMP builds: the largest RSA modulus (4096 bits) with the longest
/// exponent (8 bytes), P-384, and garbage, never fall back to libc's heap.
final class CryptoArenaTests: XCTestCase {
    /// Measured peak must stay under capacity / this: headroom for mini-gmp
    /// (OpenWrt's nettle), whose mpz_powm keeps temporaries on the heap that
    /// GMP puts on the stack.
    static let headroomFactor = 4

    override func setUp() {
        XCTAssertTrue(Signature.startUp())
    }

    func testWorstCaseInputsStayInTheArena() {
        let before = CryptoArenaCounters.current
        for testCase in SignatureKnownAnswerTests.allValidCases {
            XCTAssertEqual(verify(testCase), .valid, testCase.label)
        }
        // 4096-bit modulus, 8-byte odd exponent (CryptoLimits' maxima), a signature below
        // the modulus so that mpz_powm runs with the full exponent.
        var generator = SplitMix64(seed: 14)
        for _ in 0..<20 {
            var modulus = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
            modulus[0] |= 0x80
            modulus[511] |= 1
            let exponent: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            var signature = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
            signature[0] = modulus[0] >> 1
            for algorithm: UInt8 in [5, 8, 10] {
                XCTAssertEqual(verify(algorithm, key: [8] + exponent + modulus, data: [1, 2, 3], signature: signature),
                               .invalid)
            }
        }
        let after = CryptoArenaCounters.current
        print("crypto arena: capacity \(after.capacityByteCount) bytes, carved \(after.carvedByteCount), "
              + "peak live \(after.livePeakByteCount), \(after.callCount - before.callCount) calls, "
              + "\(after.fallbackCount) fallbacks")
        XCTAssertGreaterThan(after.callCount, before.callCount, "RSA and ECDSA allocate from the arena")
        XCTAssertEqual(after.fallbackCount, 0, "an allocation went to libc's heap")
        XCTAssertLessThanOrEqual(after.carvedByteCount, after.capacityByteCount)
        XCTAssertLessThanOrEqual(after.livePeakByteCount * Self.headroomFactor, after.capacityByteCount)
    }

    func testStartUpReservesWhatTheFootprintSays() {
        let counters = CryptoArenaCounters.current
        XCTAssertGreaterThan(counters.capacityByteCount, 0)
        XCTAssertLessThan(counters.capacityByteCount, Signature.startUpByteCount)
        XCTAssertTrue(Signature.startUp(), "idempotent")
        XCTAssertEqual(CryptoArenaCounters.current.capacityByteCount, counters.capacityByteCount)
    }
}

import XCTest
@testable import Crypto

/// Bad and unsupported inputs get a defined result, never a trap.
final class SignatureInputTests: XCTestCase {
    private let p256 = SignatureKnownAnswerTests.ecdsaCases[0]
    private let p384 = SignatureKnownAnswerTests.ecdsaCases[1]
    private let ed25519 = SignatureKnownAnswerTests.ed25519Cases[0]
    private let rsa2048 = SignatureKnownAnswerTests.ldnsCases[2]

    func testSupportedAlgorithmTable() {
        let supported: Set<UInt8> = [5, 7, 8, 10, 13, 14, 15]
        for algorithm in UInt8.min...UInt8.max {
            XCTAssertEqual(DNSSECAlgorithm.isSupported(algorithm), supported.contains(algorithm), "algorithm \(algorithm)")
        }
    }

    func testUnsupportedAlgorithmsAreReportedAsSuch() {
        // 3 DSA, 6 DSA-NSEC3-SHA1, 12 GOST, 16 ED448, 253 PRIVATEDNS, 0 and 255 reserved.
        for algorithm: UInt8 in [0, 1, 3, 6, 12, 16, 253, 254, 255] {
            XCTAssertEqual(verify(algorithm, key: ed25519.key, data: ed25519.signedData, signature: ed25519.signature),
                           .unsupportedAlgorithm, "algorithm \(algorithm)")
        }
    }

    func testTruncatedKeysAreMalformed() {
        for testCase in [p256, p384, ed25519, rsa2048] {
            for keyByteCount in [0, 1, testCase.key.count / 2, testCase.key.count - 1] {
                let key = Array(testCase.key.prefix(keyByteCount))
                XCTAssertEqual(verify(testCase.algorithm, key: key, data: testCase.signedData, signature: testCase.signature),
                               expectedForTruncatedKey(testCase, keyByteCount), "\(testCase.label) key of \(keyByteCount) bytes")
            }
        }
    }

    /// An RSA key cut by one octet is still a well-formed (shorter) key; then the
    /// signature no longer has the modulus length.
    private func expectedForTruncatedKey(_ testCase: Fixture.Case, _ keyByteCount: Int) -> SignatureResult {
        testCase.algorithm == 8 && keyByteCount == testCase.key.count - 1 ? .malformedSignature : .malformedKey
    }

    func testOverlongKeysAreMalformed() {
        for testCase in [p256, p384, ed25519] {
            XCTAssertEqual(verify(testCase.algorithm, key: testCase.key + [0], data: testCase.signedData,
                                  signature: testCase.signature), .malformedKey, testCase.label)
        }
    }

    func testWrongLengthSignaturesAreMalformed() {
        for testCase in [p256, p384, ed25519, rsa2048] {
            for signature in [[], Array(testCase.signature.dropLast()), testCase.signature + [0]] {
                XCTAssertEqual(verify(testCase.algorithm, key: testCase.key, data: testCase.signedData, signature: signature),
                               .malformedSignature, "\(testCase.label) signature of \(signature.count) bytes")
            }
        }
    }

    func testECDSAPointOffTheCurveIsMalformed() {
        var key = p256.key
        key[key.count - 1] ^= 0x01   // y no longer matches x
        XCTAssertEqual(verify(13, key: key, data: p256.signedData, signature: p256.signature), .malformedKey)
    }

    func testECDSAKeysOffTheCurveAreMalformed() {
        // SEC 1 §3.2.2.1: each coordinate in [0, p-1] and y^2 = x^3 - 3x + b.
        // p of P-256 (SEC 2 §2.4.2 / FIPS 186-4 D.1.2.3).
        let p256Prime = Fixture.hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
        var p384Key = p384.key
        p384Key[10] ^= 0x40
        let cases: [(String, UInt8, [UInt8])] = [
            ("P-256 point at infinity (all zero)", 13, [UInt8](repeating: 0, count: 64)),
            ("P-256 x = p", 13, p256Prime + Array(p256.key.suffix(32))),
            ("P-256 y = p", 13, Array(p256.key.prefix(32)) + p256Prime),
            ("P-256 all ones", 13, [UInt8](repeating: 0xFF, count: 64)),
            ("P-384 x changed", 14, p384Key),
            ("P-384 point at infinity (all zero)", 14, [UInt8](repeating: 0, count: 96)),
        ]
        for (label, algorithm, key) in cases {
            let testCase = algorithm == 13 ? p256 : p384
            XCTAssertEqual(verify(algorithm, key: key, data: testCase.signedData, signature: testCase.signature),
                           .malformedKey, label)
        }
    }

    func testECDSAScalarsOutsideOneToNMinusOneAreInvalid() {
        // RFC 6605 §4 signatures are r||s; ECDSA (SEC 1 §4.1.4 step 1) needs 1 <= r, s <= n-1.
        // n of P-256 and P-384 (FIPS 186-4 D.1.2.3, D.1.2.4).
        let n256 = Fixture.hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        let n384 = Fixture.hex("""
            ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973
            """)
        for (testCase, n) in [(p256, n256), (p384, n384)] {
            let half = n.count
            let r = Array(testCase.signature.prefix(half))
            let s = Array(testCase.signature.suffix(half))
            let zero = [UInt8](repeating: 0, count: half)
            for (label, signature) in [("r = 0", zero + s), ("s = 0", r + zero), ("r = n", n + s), ("s = n", r + n)] {
                XCTAssertEqual(verify(testCase.algorithm, key: testCase.key, data: testCase.signedData, signature: signature),
                               .invalid, "\(testCase.label) \(label)")
            }
        }
    }

    func testECDSASignatureOutOfRangeIsInvalid() {
        // r = 0 and s = all-ones (≥ the group order) are outside [1, n-1].
        let zeros = [UInt8](repeating: 0, count: 64)
        let ones = [UInt8](repeating: 0xFF, count: 64)
        XCTAssertEqual(verify(13, key: p256.key, data: p256.signedData, signature: zeros), .invalid)
        XCTAssertEqual(verify(13, key: p256.key, data: p256.signedData, signature: ones), .invalid)
    }

    func testEmptySignedDataIsJustAnotherMessage() {
        for testCase in [p256, ed25519, rsa2048] {
            XCTAssertEqual(verify(testCase.algorithm, key: testCase.key, data: [], signature: testCase.signature),
                           .invalid, testCase.label)
        }
    }

    // MARK: - RSA key encoding (RFC 3110 §2) and size limits

    /// Re-encodes the 2048-bit fixture key with a three-octet exponent length.
    func testRSALongExponentLengthFormVerifies() {
        let key = rsa2048.key
        let exponentByteCount = Int(key[0])
        let reencoded = [0, 0, UInt8(exponentByteCount)] + key.dropFirst()
        XCTAssertEqual(verify(8, key: reencoded, data: rsa2048.signedData, signature: rsa2048.signature), .valid)
    }

    func testRSABrokenEncodingsAreMalformed() {
        let key = rsa2048.key
        let modulus = Array(key.dropFirst(1 + Int(key[0])))
        let cases: [(String, [UInt8])] = [
            ("zero exponent length", [0, 0, 0] + modulus),
            ("exponent length past the end", [UInt8(0xFF)] + [UInt8](repeating: 1, count: 10)),
            ("no modulus", Array(key.prefix(1 + Int(key[0])))),
            ("exponent over the limit", [9] + [UInt8](repeating: 1, count: 9) + modulus),
            ("long form cut short", [0, 1]),
            ("even exponent", [1, 4] + modulus),
        ]
        for (label, brokenKey) in cases {
            XCTAssertEqual(verify(8, key: brokenKey, data: rsa2048.signedData, signature: rsa2048.signature),
                           .malformedKey, label)
        }
    }

    func testRSAModulusSizeLimits() {
        let exponent: [UInt8] = [3, 1, 0, 1]
        func modulus(bits: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0xA5, count: (bits + 7) / 8)
            bytes[0] = bits % 8 == 0 ? 0xC3 : UInt8(1 << (bits % 8 - 1)) | 1
            bytes[bytes.count - 1] |= 1
            return bytes
        }
        XCTAssertEqual(RSAPublicKey(wire: UnsafeRawBufferPointer(start: nil, count: 0))?.modulusBitCount, nil)
        for (bits, expectMalformed) in [(511, true), (4097, true), (8192, true)] {
            let key = exponent + modulus(bits: bits)
            let bitCount = key.withUnsafeBytes { RSAPublicKey(wire: $0)?.modulusBitCount }
            XCTAssertEqual(bitCount, bits)
            let signature = [UInt8](repeating: 0x11, count: (bits + 7) / 8)
            XCTAssertEqual(verify(8, key: key, data: [1, 2, 3], signature: signature) == .malformedKey,
                           expectMalformed, "\(bits)-bit modulus")
        }
        // Inside the limits a random modulus is a key; the signature simply fails.
        for bits in [1024, 4096] {
            let signature = [UInt8](repeating: 0x11, count: bits / 8)
            XCTAssertEqual(verify(8, key: exponent + modulus(bits: bits), data: [1, 2, 3], signature: signature),
                           .invalid, "\(bits)-bit modulus")
        }
    }

    func testRSASignatureLongerThanModulusIsMalformed() {
        XCTAssertEqual(verify(8, key: rsa2048.key, data: rsa2048.signedData, signature: [0] + rsa2048.signature),
                       .malformedSignature)
    }

    // MARK: - Seeded garbage

    /// Random keys and signatures for every algorithm number: a defined result,
    /// never `.valid`, never a trap.
    func testRandomGarbageNeverVerifies() {
        let seed = UInt64.random(in: 1...UInt64.max)
        var generator = SplitMix64(seed: seed)
        for round in 0..<600 {
            let algorithm = [UInt8(5), 7, 8, 10, 13, 14, 15, UInt8.random(in: 0...255, using: &generator)][round % 8]
            let key = randomBytes(&generator, maxCount: round % 3 == 0 ? 600 : 100)
            let data = randomBytes(&generator, maxCount: 300)
            let signature = randomBytes(&generator, maxCount: round % 3 == 0 ? 600 : 100)
            let result = verify(algorithm, key: key, data: data, signature: signature)
            XCTAssertNotEqual(result, .valid, "seed \(seed) round \(round) algorithm \(algorithm)")
        }
    }

    private func randomBytes(_ generator: inout SplitMix64, maxCount: Int) -> [UInt8] {
        let count = Int.random(in: 0...maxCount, using: &generator)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

/// Reproducible generator for seeded tests (Steele et al., SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

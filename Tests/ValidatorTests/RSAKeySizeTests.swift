// RSA key sizes (issue 12 item 4). RFC 5702 §2.1 allows RSA/SHA-256 keys of
// 512 to 4096 bits "as in RFC 3110"; zones signed with 512-bit keys validate
// (ResolverTests/RSAKeySizeScenarioTests). A key outside Crypto's limits,
// designated by a DS, is no usable path (RFC 4035 §5.2): the zone is
// insecure, never bogus.
import Crypto
import DNSWire
import XCTest
@testable import Validator

final class RSAKeySizeTests: XCTestCase {
    let fixture = Fixture()

    /// A DNSKEY (flags 257, RSASHA256) with an exponent of 65537 and a
    /// modulus of `bits` bits, and the SHA-256 DS designating it.
    func keyAndDS(modulusBits bits: Int) -> (key: [UInt8], ds: [UInt8]) {
        var modulus = [UInt8](repeating: 0xA5, count: (bits + 7) / 8)
        modulus[0] = 0x80 >> UInt8((8 - bits % 8) % 8)   // exactly `bits` bits
        modulus[modulus.count - 1] |= 1
        let key: [UInt8] = [0x01, 0x01, 3, 8, 3, 0x01, 0x00, 0x01] + modulus
        let owner: [UInt8] = [7] + Array("example".utf8) + [0]
        var digest = [UInt8](repeating: 0, count: 32)
        (owner + key).withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { Digest.compute(.sha256, input, into: $0) }
        }
        let tag = key.withUnsafeBytes { KeyTag.compute(rdata: $0) }
        return (key, [UInt8(tag >> 8), UInt8(tag & 0xFF), 8, 2] + digest)
    }

    func testAKeyOutsideCryptosLimitsIsInsecureNotBogus() {
        for bits in [CryptoLimits.rsaModulusBitsMin - 8, CryptoLimits.rsaModulusBitsMax + 8] {
            let (key, ds) = keyAndDS(modulusBits: bits)
            let keyBytes = fixture.bytes(key)
            XCTAssertEqual(RSAPublicKey.modulusBitCount(wire: UnsafeRawBufferPointer(rebasing: keyBytes[4...])), bits)
            XCTAssertFalse(DNSKEYView(rdata: keyBytes)!.hasVerifiableSize)
            var budget = ValidationBudget()
            let rrset = RRsetView(owner: fixture.name("example."), type: .dnskey, rrClass: .in, ttlSeconds: 3600,
                                  rdatas: fixture.list([key]))
            let result = ChainStep.verifyDNSKEYs(rrset, signatures: fixture.list([]), dsSet: fixture.list([ds]),
                                                 clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                                 scratch: fixture.scratch)
            XCTAssertEqual(result.verdict, .insecure(.unsupportedDNSKEYAlgorithm),
                           "\(bits) bits: the zone's own key, which Crypto refuses, is no path (RFC 4035 §5.2)")
            XCTAssertEqual(budget.signatureVerifications, 0, "nothing was verified")
        }
        for bits in [CryptoLimits.rsaModulusBitsMin, CryptoLimits.rsaModulusBitsMax] {
            let (key, _) = keyAndDS(modulusBits: bits)
            XCTAssertTrue(DNSKEYView(rdata: fixture.bytes(key))!.hasVerifiableSize, "\(bits) bits")
        }
    }
}

import Crypto
import DNSWire
import XCTest
@testable import Validator

final class KeyTagTests: XCTestCase {
    let fixture = Fixture()

    func tag(_ line: String) -> UInt16 {
        fixture.record(line).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }
    }

    func testRootKeysHaveTheirPublishedTags() {
        XCTAssertEqual(tag(OtherAlgorithms.rootKSK2017), 20326)
        XCTAssertEqual(tag(OtherAlgorithms.rootKSK2024), 38696)
    }

    func testGeneratedKeysMatchLDNS() {
        XCTAssertEqual(tag(ExampleZone.zsk), 19547)
        XCTAssertEqual(tag(ExampleZone.ksk), 7776)
        XCTAssertEqual(tag(OtherAlgorithms.edKey), 4051)
        XCTAssertEqual(tag(OtherAlgorithms.rsaKey), 2552)
    }

    func testRSAMD5TagComesFromTheModulus() {
        // RFC 4034 B.1: bytes [count-3], [count-2] of the key.
        let rdata: [UInt8] = [0x01, 0x00, 3, 1, 0x01, 0x03, 0xAB, 0xCD, 0xEF]
        XCTAssertEqual(rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 0xABCD)
    }

    func testFlags() {
        let ksk = fixture.record(ExampleZone.ksk).rdata
        let zsk = fixture.record(ExampleZone.zsk).rdata
        ksk.withUnsafeBytes { raw in
            let key = DNSKEYView(rdata: raw)!
            XCTAssertTrue(key.isZoneKey)
            XCTAssertTrue(key.isSecureEntryPoint)
            XCTAssertFalse(key.isRevoked)
            XCTAssertTrue(key.canSign)
            XCTAssertEqual(key.algorithm, 13)
            XCTAssertEqual(key.publicKey.count, 64)
        }
        zsk.withUnsafeBytes { raw in
            XCTAssertFalse(DNSKEYView(rdata: raw)!.isSecureEntryPoint)
        }
        var revoked = ksk
        revoked[1] |= 0x80
        revoked.withUnsafeBytes { raw in
            XCTAssertTrue(DNSKEYView(rdata: raw)!.isRevoked)
            XCTAssertFalse(DNSKEYView(rdata: raw)!.canSign)
        }
        var notZone = zsk
        notZone[0] = 0
        notZone.withUnsafeBytes { raw in XCTAssertFalse(DNSKEYView(rdata: raw)!.canSign) }
        [UInt8]([1, 0, 3]).withUnsafeBytes { raw in XCTAssertNil(DNSKEYView(rdata: raw)) }
    }

    func testDSMatchesItsKeyOnly() {
        let ds = fixture.record(ExampleZone.ds).rdata
        let ksk = fixture.record(ExampleZone.ksk).rdata
        let zsk = fixture.record(ExampleZone.zsk).rdata
        let owner = fixture.name("EXAMPLE.")  // case must not matter (canonical owner)
        ds.withUnsafeBytes { dsRaw in
            let view = DSView(rdata: dsRaw)!
            ksk.withUnsafeBytes { XCTAssertEqual(DSMatch.matches(view, owner: owner, dnskey: $0, scratch: fixture.scratch), .match) }
            zsk.withUnsafeBytes { XCTAssertEqual(DSMatch.matches(view, owner: owner, dnskey: $0, scratch: fixture.scratch), .mismatch) }
            ksk.withUnsafeBytes {
                XCTAssertEqual(DSMatch.matches(view, owner: fixture.name("other."), dnskey: $0, scratch: fixture.scratch), .mismatch)
            }
        }
        var gost = ds
        gost[3] = 3  // GOST R 34.11-94: not supported
        gost.withUnsafeBytes { dsRaw in
            ksk.withUnsafeBytes {
                XCTAssertEqual(DSMatch.matches(DSView(rdata: dsRaw)!, owner: owner, dnskey: $0, scratch: fixture.scratch),
                               .unsupportedDigestType)
            }
        }
    }

    func testRootDSMatchesRootKSKs() {
        let pairs = [(OtherAlgorithms.rootDS2017, OtherAlgorithms.rootKSK2017),
                     (OtherAlgorithms.rootDS2024, OtherAlgorithms.rootKSK2024)]
        for (dsLine, keyLine) in pairs {
            let ds = fixture.record(dsLine).rdata
            let key = fixture.record(keyLine).rdata
            ds.withUnsafeBytes { dsRaw in
                key.withUnsafeBytes {
                    XCTAssertEqual(DSMatch.matches(DSView(rdata: dsRaw)!, owner: .root, dnskey: $0, scratch: fixture.scratch), .match)
                }
            }
        }
    }
}

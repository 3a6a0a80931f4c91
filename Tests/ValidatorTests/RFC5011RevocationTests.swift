// Real signatures: revoked keys that self-sign their DNSKEY RRset (signed
// with ldns: `ldns-keygen -a ECDSAP256SHA256 -k anchor.test.` twice,
// `ldns-revoke` on the first, `ldns-signzone -i 20250101000000
// -e 20350101000000`), and seeding the table from a DS anchor.
import Crypto
import DNSWire
import XCTest
@testable import Validator

enum RevokedZone {
    /// Key tag 21881 (21753 before the REVOKE bit was set).
    static let revoked = "anchor.test. 3600 IN DNSKEY 385 3 13 LHvqX7ulXT5LYbecUHAdewqHBQ+XupVZO3Bu5J0fHX6li1pQwaQn0tCbeuLq6cuDACu/PkB34m+kObBMMy65YQ=="
    /// Key tag 15760.
    static let standby = "anchor.test. 3600 IN DNSKEY 257 3 13 RkohLxWoV6DNdFfwdV7QvYcmdJwKPXfIWWSg9fI9VMuqP5Eka41gYZHphS3UiP2SuEjKYxN2ZJ5hJh5+LhmhDg=="
    static let standbyRRSIG = "anchor.test. 3600 IN RRSIG DNSKEY 13 2 3600 20350101000000 20250101000000 15760 anchor.test. VGtS2zP5GZi1VUM0PNzs3RfRQhCoDVANMyAfvAnLHpilv9GEETtK2woMrYZ04gLbwJ+/SmsGR/ZfbNpYwyl6bw=="
    static let revokedRRSIG = "anchor.test. 3600 IN RRSIG DNSKEY 13 2 3600 20350101000000 20250101000000 21881 anchor.test. hV4/yLl17hH8nVxUeROybOO8Zm1WhL+bTD+87QzLNvomSLeopkAVSZRFR4qmZIb2w/zS2Bur9vK8KsCDNS8cIg=="
    /// The same signature with its first byte changed.
    static let forgedRRSIG = "anchor.test. 3600 IN RRSIG DNSKEY 13 2 3600 20350101000000 20250101000000 21881 anchor.test. iV4/yLl17hH8nVxUeROybOO8Zm1WhL+bTD+87QzLNvomSLeopkAVSZRFR4qmZIb2w/zS2Bur9vK8KsCDNS8cIg=="
}

final class RFC5011RevocationTests: XCTestCase {
    let fixture = Fixture()
    let now = Clock.now2026

    func signers(_ rrsigs: [String], clock: ValidationClock) -> [[UInt8]] {
        let dnskeys = fixture.rrset([RevokedZone.revoked, RevokedZone.standby])
        var budget = ValidationBudget()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: RFC5011Limits.trustedKeysByteCountMax, alignment: 8)
        defer { buffer.deallocate() }
        let list = RFC5011Revocation.revokedSelfSigners(dnskeys, signatures: fixture.rdatas(rrsigs), clock: clock,
                                                        budget: &budget, scratch: fixture.scratch, into: buffer)
        return list.map { Array($0.rdata) }
    }

    func testRevokedKeysSelfSignatureIsFound() {
        let found = signers([RevokedZone.standbyRRSIG, RevokedZone.revokedRRSIG], clock: .trusted(nowSeconds: now))
        XCTAssertEqual(found, [fixture.record(RevokedZone.revoked).rdata])
        XCTAssertEqual(found.first.map { RFC5011Fixture.tag($0) }, 21881)
        XCTAssertEqual(signers([RevokedZone.revokedRRSIG], clock: .untrusted).count, 1)
    }

    func testForgedExpiredOrNonRevokedSignaturesDoNotCount() {
        XCTAssertEqual(signers([RevokedZone.forgedRRSIG], clock: .trusted(nowSeconds: now)), [])
        XCTAssertEqual(signers([RevokedZone.standbyRRSIG], clock: .trusted(nowSeconds: now)), [])
        XCTAssertEqual(signers([RevokedZone.revokedRRSIG], clock: .trusted(nowSeconds: Clock.after2036)), [])
        XCTAssertEqual(signers([RevokedZone.revokedRRSIG, RevokedZone.revokedRRSIG],
                               clock: .trusted(nowSeconds: now)).count, 1, "no duplicates")
    }

    func testRealRevocationEndsInRevokedState() throws {
        let owner = fixture.name("anchor.test.")
        var state = AnchorState()
        try state.addTrustPoint(owner: owner)
        var unrevoked = fixture.record(RevokedZone.revoked).rdata
        unrevoked[1] &= ~0x80
        XCTAssertNil(state.seed(unrevoked, owner: owner))
        XCTAssertNil(state.seed(fixture.record(RevokedZone.standby).rdata, owner: owner))
        let keys = [RevokedZone.revoked, RevokedZone.standby]
        let found = signers([RevokedZone.standbyRRSIG, RevokedZone.revokedRRSIG], clock: .trusted(nowSeconds: now))
        let observation = state.observe(owner: owner, dnskeys: fixture.rdatas(keys), revokedSelfSigners: fixture.list(found),
                                        originalTTLSeconds: 3600, signatureExpiration: 2_051_222_400,
                                        clock: .trusted(nowSeconds: now))
        guard case .applied(_, let stateChanged, let dropped) = observation else {
            return XCTFail("observation not applied: \(observation)")
        }
        XCTAssertTrue(stateChanged, "a revocation is a change to write to flash")
        XCTAssertEqual(dropped, 0)
        XCTAssertEqual(state.state(ofKeyTag: 21881, owner: owner), .revoked)
        XCTAssertEqual(state.state(ofKeyTag: 15760, owner: owner), .valid)
        XCTAssertEqual(state.trustedTags(owner), [15760])
    }

    func testSeedingFromDS() throws {
        let owner = fixture.name("example.")
        var state = AnchorState()
        try state.addTrustPoint(owner: owner)
        let dnskeys = fixture.rdatas([ExampleZone.zsk, ExampleZone.ksk])
        let added = try state.seedKeysMatchingDS(owner: owner, dnskeys: dnskeys, dsSet: fixture.rdatas([ExampleZone.ds]),
                                                 nowSeconds: now, scratch: fixture.scratch)
        XCTAssertEqual(added, 1)
        XCTAssertEqual(state.trustedTags(owner), [7776])
        XCTAssertEqual(try state.seedKeysMatchingDS(owner: owner, dnskeys: dnskeys, dsSet: fixture.rdatas([ExampleZone.ds]),
                                                    nowSeconds: now, scratch: fixture.scratch), 0)
        var fresh = AnchorState()
        try fresh.addTrustPoint(owner: owner)
        let wrongDigest = "example. 3600 IN DS 7776 13 2 " + String(repeating: "00", count: 32)
        let other = try fresh.seedKeysMatchingDS(owner: owner, dnskeys: dnskeys,
                                                 dsSet: fixture.rdatas([wrongDigest]),
                                                 nowSeconds: now, scratch: fixture.scratch)
        XCTAssertEqual(other, 0)
        XCTAssertEqual(fresh.status(of: owner), .noTrustedKeys)
    }
}

import Crypto
import DNSWire
import XCTest
@testable import Validator

final class RRSIGCheckTests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")
    lazy var keys = fixture.rdatas([ExampleZone.zsk, ExampleZone.ksk])

    func verify(_ rrset: RRsetView, _ rrsigs: [String], keys: RDataList? = nil, zone: Name? = nil,
                clock: ValidationClock = .trusted(nowSeconds: Clock.now2026)) -> RRsetValidation {
        var budget = ValidationBudget()
        return RRSIGCheck.verify(rrset, signatures: fixture.rdatas(rrsigs), zone: zone ?? self.zone,
                                 keys: keys ?? self.keys, clock: clock, budget: &budget, scratch: fixture.scratch)
    }

    func testECDSAP256RRsetIsSecure() {
        let result = verify(fixture.rrset(ExampleZone.www), [ExampleZone.wwwRRSIG])
        XCTAssertEqual(result.verdict, .secure)
        XCTAssertNil(result.wildcardEncloser)
        XCTAssertEqual(result.ttlSecondsCap, 3600)
    }

    func testASignatureVerifiedOnceIsNotVerifiedAgain() {
        let rrset = fixture.rrset(ExampleZone.www)
        var first = ValidationBudget()
        XCTAssertEqual(RRSIGCheck.verify(rrset, signatures: fixture.rdatas([ExampleZone.wwwRRSIG]), zone: zone,
                                         keys: keys, clock: .trusted(nowSeconds: Clock.now2026), budget: &first,
                                         scratch: fixture.scratch).verdict, .secure)
        XCTAssertEqual(first.signatureVerifications, 1)
        var again = ValidationBudget()
        XCTAssertEqual(RRSIGCheck.verify(rrset, signatures: fixture.rdatas([ExampleZone.wwwRRSIG]), zone: zone,
                                         keys: keys, clock: .trusted(nowSeconds: Clock.now2026), budget: &again,
                                         scratch: fixture.scratch).verdict, .secure)
        XCTAssertEqual(again.signatureVerifications, 0, "remembered: no second ECDSA verification")
        // The memory vouches for exactly what was verified: other data with
        // the same signature is checked, and fails; dates are still checked.
        let altered = ["www.example. 3600 IN A 192.0.2.1", "www.example. 3600 IN A 192.0.2.2",
                       "www.example. 3600 IN A 192.0.2.11"]
        XCTAssertEqual(verify(fixture.rrset(altered), [ExampleZone.wwwRRSIG]).verdict, .bogus(.dnssecBogus))
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], clock: .trusted(nowSeconds: 2_082_758_400)).verdict,
                       .bogus(.signatureExpired))
    }

    func testRecordOrderAndDuplicatesDoNotMatter() {
        let shuffled = [ExampleZone.www[2], ExampleZone.www[0], ExampleZone.www[1], ExampleZone.www[0]]
        XCTAssertEqual(verify(fixture.rrset(shuffled), [ExampleZone.wwwRRSIG]).verdict, .secure)
    }

    func testAlteredDataIsBogus() {
        let altered = ["www.example. 3600 IN A 192.0.2.1", "www.example. 3600 IN A 192.0.2.2",
                       "www.example. 3600 IN A 192.0.2.11"]
        XCTAssertEqual(verify(fixture.rrset(altered), [ExampleZone.wwwRRSIG]).verdict, .bogus(.dnssecBogus))
        let missingOne = Array(ExampleZone.www.prefix(2))
        XCTAssertEqual(verify(fixture.rrset(missingOne), [ExampleZone.wwwRRSIG]).verdict, .bogus(.dnssecBogus))
    }

    func testOwnerCaseDoesNotMatter() {
        let rrset = fixture.rrset(ExampleZone.www, owner: "WWW.Example.")
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG]).verdict, .secure)
    }

    func testEd25519AndRSASHA256() {
        let ed = verify(fixture.rrset([OtherAlgorithms.edA]), [OtherAlgorithms.edARRSIG],
                        keys: fixture.rdatas([OtherAlgorithms.edKey]), zone: fixture.name("ed.example."))
        XCTAssertEqual(ed.verdict, .secure)
        let rsa = verify(fixture.rrset([OtherAlgorithms.rsaA]), [OtherAlgorithms.rsaARRSIG],
                         keys: fixture.rdatas([OtherAlgorithms.rsaKey]), zone: fixture.name("rsa.example."))
        XCTAssertEqual(rsa.verdict, .secure)
        let wrongData = verify(fixture.rrset(["www.rsa.example. 600 IN A 192.0.2.7"]), [OtherAlgorithms.rsaARRSIG],
                               keys: fixture.rdatas([OtherAlgorithms.rsaKey]), zone: fixture.name("rsa.example."))
        XCTAssertEqual(wrongData.verdict, .bogus(.dnssecBogus))
    }

    func testValidityWindowAndUntrustedClock() {
        let rrset = fixture.rrset(ExampleZone.www)
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], clock: .trusted(nowSeconds: Clock.before2024)).verdict,
                       .bogus(.signatureNotYetValid))
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], clock: .trusted(nowSeconds: Clock.after2036)).verdict,
                       .bogus(.signatureExpired))
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], clock: .untrusted).verdict, .validIgnoringTime)
        // Untrusted time still checks the signature itself.
        let altered = fixture.rrset(["www.example. 3600 IN A 192.0.2.99"])
        XCTAssertEqual(verify(altered, [ExampleZone.wwwRRSIG], clock: .untrusted).verdict, .bogus(.dnssecBogus))
    }

    func testTTLIsCappedByOriginalTTLAndExpiration() {
        let longTTL = fixture.rrset(ExampleZone.www, ttlSeconds: 86_400)
        XCTAssertEqual(verify(longTTL, [ExampleZone.wwwRRSIG]).ttlSecondsCap, 3600)
        let nearEnd = verify(longTTL, [ExampleZone.wwwRRSIG], clock: .trusted(nowSeconds: Clock.expiration2035 - 100))
        XCTAssertEqual(nearEnd.verdict, .secure)
        XCTAssertEqual(nearEnd.ttlSecondsCap, 100)
        let shortTTL = fixture.rrset(ExampleZone.www, ttlSeconds: 60)
        XCTAssertEqual(verify(shortTTL, [ExampleZone.wwwRRSIG]).ttlSecondsCap, 60)
    }

    func testWildcardExpansionIsReported() {
        let answer = fixture.rrset([ExampleZone.wildcardTXT], owner: "x.w.example.")
        let result = verify(answer, [ExampleZone.wildcardRRSIG])
        XCTAssertEqual(result.verdict, .secure)
        XCTAssertEqual(result.wildcardEncloser, fixture.name("w.example."))
        let deeper = verify(fixture.rrset([ExampleZone.wildcardTXT], owner: "a.b.w.example."), [ExampleZone.wildcardRRSIG])
        XCTAssertEqual(deeper.verdict, .secure)
        XCTAssertEqual(deeper.wildcardEncloser, fixture.name("w.example."))
        // The wildcard owner itself (a query for "*.w.example.") is no expansion.
        let literal = verify(fixture.rrset([ExampleZone.wildcardTXT]), [ExampleZone.wildcardRRSIG])
        XCTAssertEqual(literal.verdict, .secure)
        XCTAssertNil(literal.wildcardEncloser)
    }

    func testLabelsAboveOwnerLabelsIsBogus() {
        let rrset = fixture.rrset([ExampleZone.entA], owner: "b.ent.example.")
        XCTAssertEqual(verify(rrset, [ExampleZone.entRRSIG]).verdict, .bogus(.dnssecBogus))
    }

    func testSignedOwnerReconstruction() {
        let owner = fixture.name("a.b.w.example.")
        XCTAssertEqual(CanonicalRRset.signedOwner(owner: owner, labels: 2)?.name, fixture.name("*.w.example."))
        XCTAssertEqual(CanonicalRRset.signedOwner(owner: owner, labels: 2)?.isWildcardExpansion, true)
        XCTAssertEqual(CanonicalRRset.signedOwner(owner: owner, labels: 4)?.isWildcardExpansion, false)
        XCTAssertNil(CanonicalRRset.signedOwner(owner: owner, labels: 5))
        XCTAssertEqual(CanonicalRRset.signedOwner(owner: owner, labels: 0)?.name, fixture.name("*."))
        let star = fixture.name("*.w.example.")
        XCTAssertEqual(CanonicalRRset.signedOwner(owner: star, labels: 2)?.isWildcardExpansion, false)
        XCTAssertNil(CanonicalRRset.signedOwner(owner: star, labels: 3))
    }

    func testMissingOrUnusableSignatures() {
        let rrset = fixture.rrset(ExampleZone.www)
        XCTAssertEqual(verify(rrset, []).verdict, .bogus(.rrsigsMissing))
        // An RRSIG for another type does not count.
        XCTAssertEqual(verify(rrset, [ExampleZone.mxRRSIG]).verdict, .bogus(.rrsigsMissing))
        // Only an unsupported algorithm: no usable RRSIG, never a downgrade to insecure.
        let privateAlgorithm = ExampleZone.wwwRRSIG.replacingOccurrences(of: "RRSIG A 13 2", with: "RRSIG A 253 2")
        XCTAssertEqual(verify(rrset, [privateAlgorithm]).verdict, .bogus(.rrsigsMissing))
    }

    func testSignerMustBeTheZone() {
        let rrset = fixture.rrset(ExampleZone.www)
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], zone: fixture.name("www.example.")).verdict,
                       .bogus(.dnssecBogus))
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], zone: fixture.name("other.")).verdict, .bogus(.dnssecBogus))
    }

    func testKeyMustBePresentZoneKeyAndNotRevoked() {
        let rrset = fixture.rrset(ExampleZone.www)
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], keys: fixture.rdatas([ExampleZone.ksk])).verdict,
                       .bogus(.dnskeyMissing))
        var notZoneKey = fixture.record(ExampleZone.zsk).rdata
        notZoneKey[0] = 0  // clear the zone key bit
        // Keep the key tag: clearing 0x0100 lowers the sum by 0x100; add it back on an even byte.
        notZoneKey[4] = notZoneKey[4] &+ 1
        XCTAssertEqual(notZoneKey.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 19547)
        XCTAssertEqual(verify(rrset, [ExampleZone.wwwRRSIG], keys: fixture.list([notZoneKey])).verdict,
                       .bogus(.dnskeyMissing))
    }

    func testMXTargetIsLowercasedFromTheMessage() throws {
        // The signature covers "mx1.example."; the zone file says "MX1.Example.".
        let mx = fixture.record(ExampleZone.mx)
        let message = try buildMessage(owner: mx.owner, type: .mx, rdatas: [mx.rdata, mx.rdata])
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 8)
        defer { buffer.deallocate() }
        var packer = RDataPacker(buffer: buffer)
        try message.withUnsafeBytes { raw in
            var reader = try MessageReader(raw)
            _ = try reader.nextQuestion()
            while let record = try reader.nextRecord() { try packer.append(record, from: raw) }
        }
        XCTAssertEqual(packer.count, 2)
        let rrset = RRsetView(owner: mx.owner, type: .mx, rrClass: .in, ttlSeconds: 3600, rdatas: packer.list)
        XCTAssertEqual(verify(rrset, [ExampleZone.mxRRSIG]).verdict, .secure)
        // Packed verbatim (not canonical), the same record fails: lowercasing bites.
        XCTAssertEqual(verify(fixture.rrset([ExampleZone.mx]), [ExampleZone.mxRRSIG]).verdict, .bogus(.dnssecBogus))
    }

    func buildMessage(owner: Name, type: RRType, rdatas: [[UInt8]]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = try bytes.withUnsafeMutableBytes { raw in
            var builder = try MessageBuilder(buffer: raw, header: Header(id: 1, flags: 0x8000))
            try builder.addQuestion(owner, type: type, rrClass: .in)
            for rdata in rdatas {
                try builder.addRecord(.answer, owner: owner, type: type, rrClass: .in, ttlSeconds: 3600, rdata: rdata)
            }
            return builder.byteCount
        }
        return Array(bytes[0..<count])
    }
}

import Crypto
import DNSWire
import XCTest
@testable import Validator

final class ChainStepTests: XCTestCase {
    let fixture = Fixture()

    func step(ds: [String], keys: [String] = [ExampleZone.zsk, ExampleZone.ksk],
              rrsigs: [String] = [ExampleZone.dnskeyRRSIG]) -> RRsetVerdict {
        var budget = ValidationBudget()
        return ChainStep.verifyDNSKEYs(fixture.rrset(keys), signatures: fixture.rdatas(rrsigs),
                                       dsSet: fixture.rdatas(ds), clock: .trusted(nowSeconds: Clock.now2026),
                                       budget: &budget, scratch: fixture.scratch).verdict
    }

    func testDSDesignatesTheKSKThatSignsTheKeys() {
        XCTAssertEqual(step(ds: [ExampleZone.ds]), .secure)
        XCTAssertEqual(step(ds: [ExampleZone.ds], keys: [ExampleZone.ksk, ExampleZone.zsk]), .secure)
    }

    func testOtherAlgorithmsChain() {
        var budget = ValidationBudget()
        let ed = ChainStep.verifyDNSKEYs(fixture.rrset([OtherAlgorithms.edKey]),
                                         signatures: fixture.rdatas([OtherAlgorithms.edDNSKEYRRSIG]),
                                         dsSet: fixture.rdatas([OtherAlgorithms.edDS]),
                                         clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                         scratch: fixture.scratch)
        XCTAssertEqual(ed.verdict, .secure)
        let rsa = ChainStep.verifyDNSKEYs(fixture.rrset([OtherAlgorithms.rsaKey]),
                                          signatures: fixture.rdatas([OtherAlgorithms.rsaDNSKEYRRSIG]),
                                          dsSet: fixture.rdatas([OtherAlgorithms.rsaDS]),
                                          clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                          scratch: fixture.scratch)
        XCTAssertEqual(rsa.verdict, .secure)
    }

    func testWrongDigestIsBogus() {
        let wrong = ExampleZone.ds.replacingOccurrences(of: "5371b04b", with: "5371b04c")
        XCTAssertEqual(step(ds: [wrong]), .bogus(.dnskeyMissing))
    }

    func testDSForAKeyThatDoesNotSignTheKeysIsBogus() {
        // The DNSKEY RRset lacks the KSK's signature: only the ZSK is in the set.
        XCTAssertEqual(step(ds: [ExampleZone.ds], keys: [ExampleZone.zsk]), .bogus(.dnskeyMissing))
        // The KSK is there but the RRSIG is missing.
        XCTAssertEqual(step(ds: [ExampleZone.ds], rrsigs: []), .bogus(.rrsigsMissing))
    }

    func testUnsupportedAlgorithmIsInsecureNotBogus() {
        let privateAlgorithm = ". 1 IN DS 7776 253 2 5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46"
        XCTAssertEqual(step(ds: [privateAlgorithm]), .insecure(.unsupportedDNSKEYAlgorithm))
        let ed448 = ". 1 IN DS 7776 16 2 5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46"
        XCTAssertEqual(step(ds: [ed448]), .insecure(.unsupportedDNSKEYAlgorithm))
    }

    func testUnsupportedDigestIsInsecureNotBogus() {
        let gost = ". 1 IN DS 7776 13 3 5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46"
        XCTAssertEqual(step(ds: [gost]), .insecure(.unsupportedDSDigestType))
        // One usable DS is enough to make a mismatch bogus again.
        let wrong = ExampleZone.ds.replacingOccurrences(of: "5371b04b", with: "5371b04c")
        XCTAssertEqual(step(ds: [gost, wrong]), .bogus(.dnskeyMissing))
        XCTAssertEqual(step(ds: [gost, ExampleZone.ds]), .secure)
    }

    func testEmptyDSSetIsBogus() {
        XCTAssertEqual(step(ds: []), .bogus(.dnssecBogus))
    }

    func testSHA1DSIsIgnoredWhenSHA256IsPresent() {
        // RFC 4509 §3: a matching SHA-1 DS must not rescue a failing SHA-256 DS set.
        let sha1 = ". 1 IN DS 7776 13 1 " + sha1Digest()
        XCTAssertEqual(step(ds: [sha1]), .secure)
        let wrong256 = ExampleZone.ds.replacingOccurrences(of: "5371b04b", with: "5371b04c")
        XCTAssertEqual(step(ds: [sha1, wrong256]), .bogus(.dnskeyMissing))
    }

    func testTrustAnchorInDNSKEYForm() {
        var budget = ValidationBudget()
        let keys = fixture.rrset([ExampleZone.zsk, ExampleZone.ksk])
        let rrsigs = fixture.rdatas([ExampleZone.dnskeyRRSIG])
        let good = ChainStep.verifyDNSKEYs(keys, signatures: rrsigs, anchorKeys: fixture.rdatas([ExampleZone.ksk]),
                                           clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                           scratch: fixture.scratch)
        XCTAssertEqual(good.verdict, .secure)
        let zskOnly = ChainStep.verifyDNSKEYs(keys, signatures: rrsigs, anchorKeys: fixture.rdatas([ExampleZone.zsk]),
                                              clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                              scratch: fixture.scratch)
        XCTAssertEqual(zskOnly.verdict, .bogus(.dnskeyMissing))  // no RRSIG by the anchored key
        let absent = ChainStep.verifyDNSKEYs(keys, signatures: rrsigs, anchorKeys: fixture.rdatas([OtherAlgorithms.edKey]),
                                             clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                             scratch: fixture.scratch)
        XCTAssertEqual(absent.verdict, .bogus(.dnskeyMissing))
        let untrusted = ChainStep.verifyDNSKEYs(keys, signatures: rrsigs, anchorKeys: fixture.rdatas([ExampleZone.ksk]),
                                                clock: .untrusted, budget: &budget, scratch: fixture.scratch)
        XCTAssertEqual(untrusted.verdict, .validIgnoringTime)
    }

    /// SHA-1 over owner | KSK RDATA, computed with Crypto (hex).
    func sha1Digest() -> String {
        let owner = fixture.name("example.").wireBytes
        let input = owner + fixture.record(ExampleZone.ksk).rdata
        var out = [UInt8](repeating: 0, count: 20)
        input.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in Digest.compute(.sha1, i, into: o) } }
        return out.map { String(format: "%02x", $0) }.joined()
    }
}

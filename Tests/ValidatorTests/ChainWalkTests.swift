import DNSWire
import XCTest
@testable import Validator

/// The calls the resolver will make for one query, in order, with one
/// budget: trust anchor → DNSKEY RRset → answer RRset → denial proof.
final class ChainWalkTests: XCTestCase {
    let fixture = Fixture()

    func testFromTrustAnchorToAnswerAndDenial() throws {
        let zone = fixture.name("example.")
        var anchors = TrustAnchorStore()
        try anchors.add(owner: zone, kind: .ds, rdatas: fixture.rdatas([ExampleZone.ds]))
        var budget = ValidationBudget()
        let clock = ValidationClock.trusted(nowSeconds: Clock.now2026)

        // 1. Where does the chain start for www.example.?
        let start = try XCTUnwrap(anchors.closestAnchor(for: fixture.name("www.example.")))
        XCTAssertEqual(start, zone)
        let anchor = try XCTUnwrap(anchors.anchors(at: start))
        XCTAssertEqual(anchor.kind, .ds)

        // 2. The zone's DNSKEY RRset, proven by the anchor.
        let keys = fixture.rrset([ExampleZone.zsk, ExampleZone.ksk])
        let keyResult = ChainStep.verifyDNSKEYs(keys, signatures: fixture.rdatas([ExampleZone.dnskeyRRSIG]),
                                                dsSet: anchor.rdatas, clock: clock, budget: &budget,
                                                scratch: fixture.scratch)
        XCTAssertEqual(keyResult.verdict, .secure)

        // 3. The answer, with the now-secure keys.
        let answer = RRSIGCheck.verify(fixture.rrset(ExampleZone.www), signatures: fixture.rdatas([ExampleZone.wwwRRSIG]),
                                       zone: zone, keys: keys.rdatas, clock: clock, budget: &budget,
                                       scratch: fixture.scratch)
        XCTAssertEqual(answer.verdict, .secure)

        // 4. A negative answer: the NSEC RRset's own RRSIG first, then the proof.
        let nsec = fixture.rrset([ExampleZone.nsecWWW])
        let nsecCheck = RRSIGCheck.verify(nsec, signatures: fixture.rdatas([ExampleZone.nsecWWWRRSIG]), zone: zone,
                                          keys: keys.rdatas, clock: clock, budget: &budget, scratch: fixture.scratch)
        XCTAssertEqual(nsecCheck.verdict, .secure)
        let proof = fixture.denial([ExampleZone.nsecWWW]).withUnsafeBufferPointer {
            NSECProof.noData(qname: fixture.name("www.example."), qtype: .aaaa, zone: zone, records: $0)
        }
        XCTAssertEqual(proof, .noData)

        // Three signature verifications in all: far inside the per-query budget.
        XCTAssertEqual(budget.signatureVerifications, 3)
    }
}

import DNSWire
import XCTest
@testable import Validator

final class NSECProofTests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")

    func nx(_ qname: String, _ lines: [String]) -> DenialResult {
        let records = fixture.denial(lines)
        return records.withUnsafeBufferPointer { NSECProof.nxDomain(qname: fixture.name(qname), zone: zone, records: $0) }
    }

    func noData(_ qname: String, _ qtype: RRType, _ lines: [String]) -> DenialResult {
        let records = fixture.denial(lines)
        return records.withUnsafeBufferPointer {
            NSECProof.noData(qname: fixture.name(qname), qtype: qtype, zone: zone, records: $0)
        }
    }

    func testNXDomainNeedsNameAndWildcardCovered() {
        // nope.example. sits between mail. and ns1.; *.example. between the apex and a.b.ent.
        XCTAssertEqual(nx("nope.example.", [ExampleZone.nsecMail, ExampleZone.nsecApex]), .nxDomain)
        XCTAssertEqual(nx("nope.example.", [ExampleZone.nsecApex, ExampleZone.nsecMail]), .nxDomain)
        XCTAssertEqual(nx("nope.example.", [ExampleZone.nsecMail]), .notProven(.nsecMissing))
        XCTAssertEqual(nx("nope.example.", [ExampleZone.nsecApex]), .notProven(.nsecMissing))
        XCTAssertEqual(nx("NOPE.Example.", [ExampleZone.nsecMail, ExampleZone.nsecApex]), .nxDomain)
    }

    func testNXDomainForAnExistingNameIsNotProven() {
        XCTAssertEqual(nx("mail.example.", [ExampleZone.nsecMail, ExampleZone.nsecApex]), .notProven(.nsecMissing))
    }

    func testLastNSECWrapsToTheApex() {
        // zzz.example. is after www.example., whose NSEC points back to the apex.
        XCTAssertEqual(nx("zzz.example.", [ExampleZone.nsecWWW, ExampleZone.nsecApex]), .nxDomain)
    }

    func testNoData() {
        XCTAssertEqual(noData("www.example.", .txt, [ExampleZone.nsecWWW]), .noData)
        XCTAssertEqual(noData("www.example.", .a, [ExampleZone.nsecWWW]), .notProven(.dnssecBogus))
        XCTAssertEqual(noData("www.example.", .txt, [ExampleZone.nsecMail]), .notProven(.nsecMissing))
    }

    func testCNAMEBitDefeatsNoData() {
        let cname = "alias.example. 300 IN NSEC www.example. CNAME RRSIG NSEC"
        XCTAssertEqual(noData("alias.example.", .a, [cname]), .notProven(.dnssecBogus))
    }

    func testEmptyNonTerminalNoData() {
        // ent.example. and b.ent.example. exist only as ancestors of a.b.ent.example.
        XCTAssertEqual(noData("ent.example.", .a, [ExampleZone.nsecApex]), .noData)
        XCTAssertEqual(noData("b.ent.example.", .aaaa, [ExampleZone.nsecApex]), .noData)
    }

    func testWildcardNoData() {
        // x.w.example. does not exist; *.w.example. has only TXT.
        XCTAssertEqual(noData("x.w.example.", .a, [ExampleZone.nsecWildcard]), .noData)
        XCTAssertEqual(noData("x.w.example.", .txt, [ExampleZone.nsecWildcard]), .notProven(.dnssecBogus))
    }

    func testWildcardAnswerProof() {
        let records = fixture.denial([ExampleZone.nsecWildcard])
        records.withUnsafeBufferPointer { buffer in
            XCTAssertEqual(NSECProof.wildcardAnswer(qname: fixture.name("x.w.example."),
                                                    wildcardEncloser: fixture.name("w.example."), zone: zone,
                                                    records: buffer), .wildcardAnswerProven)
            // Claiming the expansion came from *.example. contradicts the NSEC chain.
            XCTAssertEqual(NSECProof.wildcardAnswer(qname: fixture.name("x.w.example."),
                                                    wildcardEncloser: zone, zone: zone,
                                                    records: buffer), .notProven(.dnssecBogus))
            // www.example. exists: no wildcard answer may be given for it.
            XCTAssertEqual(NSECProof.wildcardAnswer(qname: fixture.name("www.example."),
                                                    wildcardEncloser: zone, zone: zone,
                                                    records: buffer), .notProven(.nsecMissing))
        }
    }

    func testInsecureDelegation() {
        XCTAssertEqual(noData("unsigned.example.", .ds, [ExampleZone.nsecUnsigned]), .insecureDelegation)
        // The parent-side NSEC says nothing about the child's A records.
        XCTAssertEqual(noData("unsigned.example.", .a, [ExampleZone.nsecUnsigned]), .notProven(.dnssecBogus))
        // Nor about names below the delegation.
        XCTAssertEqual(nx("x.unsigned.example.", [ExampleZone.nsecUnsigned, ExampleZone.nsecApex]),
                       .notProven(.nsecMissing))
        // A DS bit means the delegation is signed.
        let signed = "sub.example. 300 IN NSEC www.example. NS DS RRSIG NSEC"
        XCTAssertEqual(noData("sub.example.", .ds, [signed]), .notProven(.dnssecBogus))
        // The child's apex NSEC (with SOA) cannot deny DS, which lives at the parent.
        let childApex = "unsigned.example. 300 IN NSEC a.unsigned.example. NS SOA RRSIG NSEC DNSKEY"
        XCTAssertEqual(noData("unsigned.example.", .ds, [childApex]), .notProven(.dnssecBogus))
        // DS NODATA for a name that is no delegation at all.
        XCTAssertEqual(noData("www.example.", .ds, [ExampleZone.nsecWWW]), .noData)
    }

    func testRecordsOutsideTheZoneAreIgnored() {
        let foreign = "mail.other. 300 IN NSEC ns1.other. MX RRSIG NSEC"
        XCTAssertEqual(nx("nope.example.", [foreign, ExampleZone.nsecApex]), .notProven(.nsecMissing))
    }
}

extension NSECProofTests {
    func testNamesOutsideTheZoneAreNeverProven() {
        // The last NSEC wraps to the apex; "zzz.other." sorts after it but is not in the zone.
        XCTAssertEqual(nx("zzz.other.", [ExampleZone.nsecWWW, ExampleZone.nsecApex]), .notProven(.dnssecBogus))
        XCTAssertEqual(noData("other.", .a, [ExampleZone.nsecWWW]), .notProven(.dnssecBogus))
    }
}

import DNSWire
import XCTest
@testable import Validator

final class NSEC3ProofTests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")

    func nx(_ qname: String, _ lines: [String], budget: inout ValidationBudget) -> DenialResult {
        let records = fixture.denial(lines)
        return records.withUnsafeBufferPointer {
            NSEC3Proof.nxDomain(qname: fixture.name(qname), zone: zone, records: $0, budget: &budget,
                                scratch: fixture.scratch)
        }
    }

    func nx(_ qname: String, _ lines: [String]) -> DenialResult {
        var budget = ValidationBudget()
        return nx(qname, lines, budget: &budget)
    }

    func noData(_ qname: String, _ qtype: RRType, _ lines: [String]) -> DenialResult {
        var budget = ValidationBudget()
        let records = fixture.denial(lines)
        return records.withUnsafeBufferPointer {
            NSEC3Proof.noData(qname: fixture.name(qname), qtype: qtype, zone: zone, records: $0, budget: &budget,
                              scratch: fixture.scratch)
        }
    }

    let apex = ExampleNSEC3.record("dd2if2", optOut: false)     // example.: covers nope (dsieb4)
    let ns1 = ExampleNSEC3.record("fkh14u", optOut: false)      // covers *.example (ljrdka) and x.w (iufv5b)

    func testLastNSEC3WrapsAroundTheHashRing() {
        func hash(_ text: String) -> HashValue {
            Array(text.utf8).withUnsafeBytes { HashValue.base32hex($0, start: 0, length: $0.count)! }
        }
        let high = String(repeating: "t", count: 1) + String(repeating: "0", count: 31)
        let low = "2" + String(repeating: "0", count: 31)
        let records = fixture.denial(["\(high).example. 300 IN NSEC3 1 0 0 - \(low) A RRSIG"])
        let last = NSEC3View(records[0])!
        XCTAssertTrue(last.covers(hash("1" + String(repeating: "0", count: 31))), "below the first owner: wraps")
        XCTAssertTrue(last.covers(hash(String(repeating: "v", count: 32))), "above the last owner")
        XCTAssertFalse(last.covers(hash("5" + String(repeating: "0", count: 31))), "between: another span's")
        XCTAssertFalse(last.covers(hash(high)), "the owner itself matches, it is not covered")
        XCTAssertFalse(last.covers(hash(low)), "the next owner is not covered")
    }

    func testHashesMatchLDNS() {
        var budget = ValidationBudget()
        let records = fixture.denial([apex])
        records.withUnsafeBufferPointer { buffer in
            guard case .success(let set) = NSEC3Set.make(zone: zone, buffer) else { return XCTFail("no set") }
            let hash = set.hash(zone, budget: &budget, scratch: fixture.scratch)!
            XCTAssertEqual(hash, set.parameters.ownerHash)  // dd2if2… is the apex's own hash
        }
        XCTAssertEqual(budget.nsec3Hashes, 1)
    }

    func testNXDomain() {
        XCTAssertEqual(nx("nope.example.", [apex, ns1]), .nxDomain)
        XCTAssertEqual(nx("nope.example.", [apex]), .notProven(.nsecMissing))   // wildcard not covered
        XCTAssertEqual(nx("nope.example.", [ns1]), .notProven(.nsecMissing))    // no closest encloser
        XCTAssertEqual(nx("www.example.", [apex, ns1, ExampleNSEC3.record("af0up5", optOut: false)]),
                       .notProven(.dnssecBogus))  // the name exists
    }

    func testNXDomainWithOptOutIsInsecure() {
        XCTAssertEqual(nx("nope.example.", [ExampleNSEC3.record("dd2if2"), ns1]), .optOutInsecure)
    }

    func testNoData() {
        let www = ExampleNSEC3.record("af0up5", optOut: false)
        XCTAssertEqual(noData("www.example.", .txt, [www]), .noData)
        XCTAssertEqual(noData("www.example.", .a, [www]), .notProven(.dnssecBogus))
        // Empty non-terminal: b.ent.example. has an NSEC3 with an empty bitmap.
        XCTAssertEqual(noData("b.ent.example.", .a, [ExampleNSEC3.record("9k08jb")]), .noData)
    }

    func testWildcardNoData() {
        // x.w.example.: next closer covered by fkh14u…, encloser w.example. (m0iisn…), *.w (dujunp…) has TXT only.
        let records = [ns1, ExampleNSEC3.record("m0iisn", optOut: false), ExampleNSEC3.record("dujunp", optOut: false)]
        XCTAssertEqual(noData("x.w.example.", .a, records), .noData)
        XCTAssertEqual(noData("x.w.example.", .txt, records), .notProven(.dnssecBogus))
        XCTAssertEqual(noData("x.w.example.", .a, Array(records.prefix(2))), .notProven(.nsecMissing))
    }

    func testWildcardAnswer() {
        var budget = ValidationBudget()
        let records = fixture.denial([ns1])
        let result = records.withUnsafeBufferPointer {
            NSEC3Proof.wildcardAnswer(qname: fixture.name("x.w.example."), wildcardEncloser: fixture.name("w.example."),
                                      zone: zone, records: $0, budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(result, .wildcardAnswerProven)
        let missing = fixture.denial([apex])
        let unproven = missing.withUnsafeBufferPointer {
            NSEC3Proof.wildcardAnswer(qname: fixture.name("x.w.example."), wildcardEncloser: fixture.name("w.example."),
                                      zone: zone, records: $0, budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(unproven, .notProven(.nsecMissing))
    }

    func testDelegations() {
        // unsigned.example. has an NSEC3 with NS only: insecure delegation.
        XCTAssertEqual(noData("unsigned.example.", .ds, [ExampleNSEC3.record("7dfpto")]), .insecureDelegation)
        XCTAssertEqual(noData("unsigned.example.", .a, [ExampleNSEC3.record("7dfpto")]), .notProven(.dnssecBogus))
        // nope.example. has no NSEC3: an opt-out span covering it proves an unsigned delegation may exist.
        XCTAssertEqual(noData("nope.example.", .ds, [ExampleNSEC3.record("dd2if2")]), .optOutInsecure,
                       "RFC 5155 §9.2: an opt-out proof gets no AD")
        XCTAssertEqual(noData("nope.example.", .ds, [apex]), .notProven(.nsecMissing))
    }

    func testIterationsAboveTheCapAreInsecure() {
        let heavy = apex.replacingOccurrences(of: "NSEC3 1 0 0 ", with: "NSEC3 1 0 151 ")
        XCTAssertEqual(nx("nope.example.", [heavy, ns1]), .insecure(.unsupportedNSEC3IterationsValue))
        let atCap = apex.replacingOccurrences(of: "NSEC3 1 0 0 ", with: "NSEC3 1 0 150 ")
        // At the cap we evaluate (and the hashes no longer match these records).
        XCTAssertEqual(nx("nope.example.", [atCap]), .notProven(.nsecMissing))
    }

    func testUnknownHashAlgorithmIsInsecure() {
        let unknown = apex.replacingOccurrences(of: "NSEC3 1 0 0 ", with: "NSEC3 2 0 0 ")
        XCTAssertEqual(nx("nope.example.", [unknown]), .insecure(.dnssecIndeterminate))
    }

    func testUnknownFlagsAreIgnored() {
        let strange = apex.replacingOccurrences(of: "NSEC3 1 0 0 ", with: "NSEC3 1 2 0 ")
        XCTAssertEqual(nx("nope.example.", [strange, ns1]), .notProven(.nsecMissing))
    }

    func testDeepNameHitsTheHashBudget() {
        var budget = ValidationBudget()
        let deep = (0..<40).map { _ in "a" }.joined(separator: ".") + ".example."
        XCTAssertEqual(nx(deep, [apex, ns1], budget: &budget), .budgetExceeded)
        XCTAssertEqual(budget.nsec3Hashes, ValidatorLimits.nsec3HashesPerQueryMax)
    }

    func testBase32HexDecoding() {
        let text = Array("VVVVVVVV".utf8)  // 40 bits of ones
        let value = text.withUnsafeBytes { HashValue.base32hex($0, start: 0, length: text.count) }
        XCTAssertEqual(value?.count, 5)
        XCTAssertEqual(value.map { v in (0..<v.count).map { v.bytes[$0] } }, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let bad = Array("WXYZ".utf8)
        XCTAssertNil(bad.withUnsafeBytes { HashValue.base32hex($0, start: 0, length: bad.count) })
    }
}

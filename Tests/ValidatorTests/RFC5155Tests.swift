import DNSWire
import XCTest
@testable import Validator

/// RFC 5155 Appendix A's zone (SHA-1, 12 iterations, salt aabbccdd, every
/// NSEC3 with the opt-out flag) and the Appendix B responses. The hashes are
/// the RFC's (checked with ldns-nsec3-hash); the NSEC3 chain is Appendix A's.
final class RFC5155Tests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")

    static let chain: [(owner: String, next: String, types: String)] = [
        ("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", "2t7b4g4vsa5smi47k61mv5bv1a22bojr", "NS SOA MX RRSIG DNSKEY NSEC3PARAM"),  // example.
        ("2t7b4g4vsa5smi47k61mv5bv1a22bojr", "2vptu5timamqttgl4luu9kg21e0aor3s", "A RRSIG"),          // ns1
        ("2vptu5timamqttgl4luu9kg21e0aor3s", "35mthgpgcu1qg68fab165klnsnk3dpvl", "MX RRSIG"),         // x.y.w
        ("35mthgpgcu1qg68fab165klnsnk3dpvl", "b4um86eghhds6nea196smvmlo4ors995", "NS DS RRSIG"),      // a
        ("b4um86eghhds6nea196smvmlo4ors995", "gjeqe526plbf1g8mklp59enfd789njgi", "MX RRSIG"),         // x.w
        ("gjeqe526plbf1g8mklp59enfd789njgi", "ji6neoaepv8b5o6k4ev33abha8ht9fgc", "A HINFO AAAA RRSIG"), // ai
        ("ji6neoaepv8b5o6k4ev33abha8ht9fgc", "k8udemvp1j2f7eg6jebps17vp3n8i58h", ""),                 // y.w (ENT)
        ("k8udemvp1j2f7eg6jebps17vp3n8i58h", "q04jkcevqvmu85r014c7dkba38o0ji5r", ""),                 // w (ENT)
        ("q04jkcevqvmu85r014c7dkba38o0ji5r", "r53bq7cc2uvmubfu5ocmm6pers9tk9en", "A RRSIG"),          // ns2
        ("r53bq7cc2uvmubfu5ocmm6pers9tk9en", "t644ebqk9bibcna874givr6joj62mlhv", "MX RRSIG"),         // *.w
        ("t644ebqk9bibcna874givr6joj62mlhv", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", "A HINFO AAAA RRSIG"), // xx
    ]

    func records(_ prefixes: [String], optOut: Bool = true) -> [DenialRecord] {
        fixture.denial(prefixes.map { prefix in
            let entry = RFC5155Tests.chain.first { $0.owner.hasPrefix(prefix) }!
            return "\(entry.owner).example. 3600 IN NSEC3 1 \(optOut ? 1 : 0) 12 aabbccdd \(entry.next) \(entry.types)"
        })
    }

    func testHashes() {
        var budget = ValidationBudget()
        let set = records(["0p9mha"])
        set.withUnsafeBufferPointer { buffer in
            guard case .success(let nsec3) = NSEC3Set.make(zone: zone, buffer) else { return XCTFail("no set") }
            for (name, hash) in [("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
                                 ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"), ("x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s")] {
                let text = Array(hash.utf8)
                let expected = text.withUnsafeBytes { HashValue.base32hex($0, start: 0, length: text.count) }
                XCTAssertEqual(nsec3.hash(fixture.name(name), budget: &budget, scratch: fixture.scratch), expected, name)
            }
        }
    }

    func testB1NameError() {
        // a.c.x.w.example.: encloser x.w (b4um86), next closer c.x.w (0va5bp) covered by 0p9mha,
        // *.x.w (92pqne) covered by 35mthg.
        let proof = ["b4um86", "0p9mha", "35mthg"]
        var budget = ValidationBudget()
        let result = records(proof, optOut: false).withUnsafeBufferPointer {
            NSEC3Proof.nxDomain(qname: fixture.name("a.c.x.w.example."), zone: zone, records: $0, budget: &budget,
                                scratch: fixture.scratch)
        }
        XCTAssertEqual(result, .nxDomain)
        XCTAssertEqual(budget.nsec3Hashes, 4)  // a.c.x.w, c.x.w, x.w, *.x.w
        // As printed (opt-out set), the span could hide an unsigned delegation.
        var budget2 = ValidationBudget()
        let printed = records(proof).withUnsafeBufferPointer {
            NSEC3Proof.nxDomain(qname: fixture.name("a.c.x.w.example."), zone: zone, records: $0, budget: &budget2,
                                scratch: fixture.scratch)
        }
        XCTAssertEqual(printed, .optOutInsecure)
    }

    func testB2NoDataAndEmptyNonTerminal() {
        var budget = ValidationBudget()
        let noData = records(["2t7b4g"]).withUnsafeBufferPointer {
            NSEC3Proof.noData(qname: fixture.name("ns1.example."), qtype: .mx, zone: zone, records: $0,
                              budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(noData, .noData)
        let ent = records(["ji6neo"]).withUnsafeBufferPointer {
            NSEC3Proof.noData(qname: fixture.name("y.w.example."), qtype: .a, zone: zone, records: $0,
                              budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(ent, .noData)
    }

    func testB3ReferralToAnOptOutUnsignedZone() {
        // c.example. (4g6p9u) has no NSEC3; 35mthg covers it with opt-out; the encloser is the apex.
        var budget = ValidationBudget()
        let result = records(["0p9mha", "35mthg"]).withUnsafeBufferPointer {
            NSEC3Proof.noData(qname: fixture.name("c.example."), qtype: .ds, zone: zone, records: $0,
                              budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(result, .optOutInsecure, "RFC 5155 §9.2: no AD over an opt-out span")
    }

    func testB4WildcardExpansion() {
        // a.z.w.example. answered from *.w.example.: next closer z.w (qlu7gt) covered by q04jkc.
        var budget = ValidationBudget()
        let result = records(["q04jkc"]).withUnsafeBufferPointer {
            NSEC3Proof.wildcardAnswer(qname: fixture.name("a.z.w.example."), wildcardEncloser: fixture.name("w.example."),
                                      zone: zone, records: $0, budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(result, .wildcardAnswerProven)
    }

    func testB5WildcardNoData() {
        // a.z.w.example. AAAA: encloser w (k8udem), next closer z.w covered by q04jkc, *.w (r53bq7) has MX only.
        var budget = ValidationBudget()
        let result = records(["k8udem", "q04jkc", "r53bq7"]).withUnsafeBufferPointer {
            NSEC3Proof.noData(qname: fixture.name("a.z.w.example."), qtype: .aaaa, zone: zone, records: $0,
                              budget: &budget, scratch: fixture.scratch)
        }
        XCTAssertEqual(result, .noData)
    }
}

// Two small judgements of the engine, without a resolver: the root key
// trust anchor sentinel (RFC 8509) and the DNAME synthesis rule (RFC 6672).
// Their scenarios through the Resolver are RootKeySentinelTests and
// DNAMEValidationTests in ResolverTests.
import DNSWire
import XCTest
@testable import Validator

final class SentinelAndDNAMETests: XCTestCase {
    /// RFC 8509 §2: the leftmost label, the key tag in exactly five digits,
    /// either case.
    func testSentinelLabels() {
        XCTAssertEqual(RootKeySentinel(testName("root-key-sentinel-is-ta-65535.x")), .isTrustAnchor(65535))
        XCTAssertNil(RootKeySentinel(testName("root-key-sentinel-is-ta-65536.x")))
        XCTAssertNil(RootKeySentinel(testName("x.root-key-sentinel-is-ta-00001")), "the leftmost label only")
        XCTAssertEqual(RootKeySentinel(testName("Root-Key-Sentinel-Not-TA-00042.x")), .notTrustAnchor(42))
        XCTAssertNil(RootKeySentinel(testName("root-key-sentinel-not-ta-123.x")), "five digits, or no sentinel")
    }

    /// RFC 8509 §3.2: "is-ta" for a tag that is no root anchor, "not-ta"
    /// for one that is, turn a Secure answer into SERVFAIL; only for A and
    /// AAAA questions without CD (§3.1). The anchor's form does not matter.
    func testSentinelJudgement() {
        let ds = ValidationEngine.forTests(anchorDS: [OtherAlgorithms.rootDS2017])
        func refuses(_ engine: borrowing ValidationEngine, _ label: String, _ type: RRType = .a,
                     cd: Bool = false) -> Bool {
            engine.sentinelRefuses(testName(label + ".example."), type, checkingDisabled: cd)
        }
        XCTAssertFalse(refuses(ds, "root-key-sentinel-is-ta-20326"))
        XCTAssertTrue(refuses(ds, "root-key-sentinel-is-ta-38696"))
        XCTAssertTrue(refuses(ds, "root-key-sentinel-not-ta-20326", .aaaa))
        XCTAssertFalse(refuses(ds, "root-key-sentinel-not-ta-38696"))
        XCTAssertFalse(refuses(ds, "root-key-sentinel-is-ta-38696", cd: true), "CD: the answer is the client's")
        XCTAssertFalse(refuses(ds, "root-key-sentinel-is-ta-38696", .txt), "A and AAAA only")
        var keys = ValidationEngine(reserving: true, clockVouchedFor: false, nsecTableEntryCount: 0)
        let ksk = try! TextRecord(parsing: OtherAlgorithms.rootKSK2024)
        XCTAssertTrue(keys.addTrustAnchor(owner: .root, type: .dnskey, rdatas: [ksk.rdata]))
        XCTAssertFalse(refuses(keys, "root-key-sentinel-is-ta-38696"))
        XCTAssertTrue(refuses(keys, "root-key-sentinel-is-ta-20326"))
        let island = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        XCTAssertTrue(refuses(island, "root-key-sentinel-is-ta-20326"), "no root anchor: no tag is one")
        XCTAssertFalse(refuses(island, "root-key-sentinel-not-ta-20326"))
    }

    /// RFC 6672 §2.4: the DNAME nearest above the name, inside the zone.
    func testDNAMEOwner() {
        let message = TestMessage.response("a.b.owner.example.", .a, answer: [
            "example. 300 IN DNAME elsewhere.test.",
            "owner.example. 300 IN DNAME t.test.",
            "a.b.owner.example. 300 IN CNAME a.b.t.test."])
        message.withUnsafeBytes { m in
            XCTAssertEqual(DNAMECheck.owner(in: m, above: testName("a.b.owner.example."), zone: testName("example.")),
                           testName("owner.example."))
            XCTAssertNil(DNAMECheck.owner(in: m, above: testName("a.b.owner.example."), zone: testName("b.owner.example.")))
            XCTAssertTrue(DNAMECheck.cnameIsSynthesis(m, qname: testName("a.b.owner.example."),
                                                      dname: testName("owner.example.")))
        }
    }

    func testSynthesisRule() {
        let q = testName("A.b.Owner.example."), owner = testName("owner.example."), to = testName("t.test.")
        XCTAssertTrue(DNAMECheck.isSynthesis(testName("a.B.t.test."), qname: q, owner: owner, target: to))
        XCTAssertFalse(DNAMECheck.isSynthesis(testName("a.c.t.test."), qname: q, owner: owner, target: to))
        XCTAssertFalse(DNAMECheck.isSynthesis(testName("b.t.test."), qname: q, owner: owner, target: to))
        XCTAssertFalse(DNAMECheck.isSynthesis(testName("a.b.u.test."), qname: q, owner: owner, target: to))
        XCTAssertFalse(DNAMECheck.isSynthesis(testName("ab.t.test."), qname: q, owner: owner, target: to),
                       "labels, not bytes")
        XCTAssertFalse(DNAMECheck.isSynthesis(testName("t.test."), qname: owner, owner: owner, target: to),
                       "the owner itself is not redirected")
        XCTAssertTrue(DNAMECheck.isSynthesis(testName("a.b."), qname: q, owner: owner, target: .root))
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver

/// DS sets we can use nothing of (issue 12 item 2). RFC 4035 §5.2: "If the
/// validator does not support any of the algorithms listed in an
/// authenticated DS RRset, then the resolver has no supported authentication
/// path leading from the parent to the child. The resolver should treat this
/// case as it would the case of an authenticated NSEC RRset proving that no
/// DS RRset exists". RFC 6840 §5.2 says the same of unknown digest types;
/// RFC 8624 §3.1 lists RSAMD5 and DSA as MUST NOT validate. So the child is
/// insecure: its answers, NODATA and NXDOMAIN alike, go out without AD and
/// never as SERVFAIL, and its keys need not be fetched at all.
///
/// Over the ChainOfTrustTests hierarchy (anchor `example.`), the signed
/// parent adds these delegations:
///   algo.example.    DS algorithm 100 (unassigned)      unsigned child
///   digest.example.  DS digest type 100 (unassigned)    child signed (Ed25519)
///   md5.example.     DS RSAMD5 and DSA (RFC 8624 MUST NOT)  unsigned child
/// and `signed.example.` gets a second DS of algorithm 100 beside its good one.
final class UnusableDSTests: XCTestCase {
    static let algoServer = FakeAuthorities.address(6)
    static let digestServer = FakeAuthorities.address(7)
    static let md5Server = FakeAuthorities.address(8)
    static let digestKey = TestSigner(zone: "digest.example.", seedByte: 7)

    static func ds(_ owner: String, algorithm: UInt8, digestType: UInt8, keyTag: UInt16 = 4242) -> Wire.RR {
        Wire.RR(owner: owner, type: .ds, ttl: 3600,
                rdata: [UInt8(keyTag >> 8), UInt8(keyTag & 0xFF), algorithm, digestType]
                    + [UInt8](repeating: 0x5A, count: 32))
    }

    static func hierarchy() -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        let key = ChainOfTrustTests.exampleKey
        auth.zones[1].records += key.signAll([
            ds("algo.example.", algorithm: 100, digestType: 2),
            ds("digest.example.", algorithm: TestSigner.algorithm, digestType: 100, keyTag: digestKey.keyTag),
            ds("md5.example.", algorithm: 1, digestType: 2), ds("md5.example.", algorithm: 3, digestType: 1),
        ]) + [Wire.a("ns.algo.example", [127, 9, 0, 6]), Wire.a("ns.digest.example", [127, 9, 0, 7]),
              Wire.a("ns.md5.example", [127, 9, 0, 8])]
        // signed.example.: its good DS and one of an unknown algorithm, signed as one RRset.
        auth.zones[1].records.removeAll { $0.owner == "signed.example." && ($0.type == .ds || $0.type == .rrsig) }
        auth.zones[1].records += key.signAll([ChainOfTrustTests.signedKey.ds(),
                                              ds("signed.example.", algorithm: 100, digestType: 2)])
        auth.zones[1].delegations["algo.example."] = ["ns.algo.example."]
        auth.zones[1].delegations["digest.example."] = ["ns.digest.example."]
        auth.zones[1].delegations["md5.example."] = ["ns.md5.example."]
        auth.zones.append(FakeZone(apex: "algo.example.", servers: [algoServer], records: [
            Wire.a("ns.algo.example", [127, 9, 0, 6]), Wire.a("www.algo.example", [192, 0, 2, 20])]))
        auth.zones.append(FakeZone(apex: "digest.example.", servers: [digestServer], records: digestKey.signAll([
            digestKey.dnskey, Wire.a("ns.digest.example", [127, 9, 0, 7]), Wire.a("www.digest.example", [192, 0, 2, 21]),
        ])))
        auth.zones.append(FakeZone(apex: "md5.example.", servers: [md5Server], records: [
            Wire.a("ns.md5.example", [127, 9, 0, 8]), Wire.a("www.md5.example", [192, 0, 2, 22])]))
        return auth
    }

    func harness() -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String,
                 _ type: RRType = .a) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 12, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func addresses(_ p: Wire.Parsed) -> [[UInt8]] { p.answers.filter { $0.type == .a }.map { $0.rdata } }

    func testOnlyUnknownAlgorithmsInTheDSSetMakeTheChildInsecure() {
        var h = harness()
        var auth = UnusableDSTests.hierarchy()
        let p = resolve(&h, &auth, "www.algo.example")
        XCTAssertEqual(p.rcode, .noError, "RFC 4035 §5.2: no supported path is an unsigned delegation, not bogus")
        XCTAssertEqual(p.ede, [])
        XCTAssertEqual(addresses(p), [[192, 0, 2, 20]])
        XCTAssertFalse(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.name == "algo.example." && $0.type == .ds },
                      "the DS set was fetched and validated")
        XCTAssertFalse(auth.queries.contains { $0.name == "algo.example." && $0.type == .dnskey },
                       "an unusable DS set vouches for no keys: none are fetched")

        // NODATA and NXDOMAIN below such a delegation are insecure too.
        let nodata = resolve(&h, &auth, "www.algo.example", .aaaa)
        XCTAssertEqual(nodata.rcode, .noError)
        XCTAssertTrue(nodata.answers.isEmpty)
        XCTAssertFalse(nodata.ad)
        let nx = resolve(&h, &auth, "nothere.algo.example")
        XCTAssertEqual(nx.rcode, .nxDomain)
        XCTAssertFalse(nx.ad)
        XCTAssertEqual(h.core.stats.bogusResponses, 0)
    }

    func testOnlyUnknownDigestTypesMakeASignedChildInsecure() {
        var h = harness()
        var auth = UnusableDSTests.hierarchy()
        let p = resolve(&h, &auth, "www.digest.example")
        XCTAssertEqual(p.rcode, .noError, "RFC 6840 §5.2: a DS of unknown digest type is ignored")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 21]])
        XCTAssertFalse(p.ad, "signed, but no DS we can use vouches for its keys")
        let nx = resolve(&h, &auth, "nothere.digest.example")
        XCTAssertEqual(nx.rcode, .nxDomain, "its unproven NXDOMAIN is insecure, not bogus")
        XCTAssertFalse(nx.ad)
    }

    func testAlgorithmsRFC8624ForbidsToValidateAreUnsupported() {
        var h = harness()
        var auth = UnusableDSTests.hierarchy()
        let p = resolve(&h, &auth, "www.md5.example")
        XCTAssertEqual(p.rcode, .noError, "RFC 8624 §3.1: RSAMD5 and DSA MUST NOT be validated")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 22]])
        XCTAssertFalse(p.ad)
    }

    func testOneUsableDSBesideUnknownOnesKeepsTheChildSecure() {
        var h = harness()
        var auth = UnusableDSTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad, "the supported DS is a path; the unknown one is ignored")
    }

    /// An unsigned NXDOMAIN from the signed zone itself (its SOA names
    /// `example.`): no name between the zone and the query name can be an
    /// unsigned cut — the answering zone says where it starts — so no DS is
    /// asked; the stripped answer is bogus. Below an unsigned child served by
    /// the same servers, the SOA names the child, whose DS proves it unsigned.
    func testNoDSIsAskedWhereNoZoneCutIsInQuestion() {
        var h = harness()
        var auth = UnusableDSTests.hierarchy()
        auth.soaSigning = .unsigned
        let p = resolve(&h, &auth, "a.b.c.example")
        XCTAssertEqual(p.rcode, .servFail, "an unsigned denial from a signed zone is bogus")
        let dsNames = Set(auth.queries.filter { $0.type == .ds }.map { $0.name })
        XCTAssertTrue(dsNames.isDisjoint(with: ["c.example.", "b.c.example.", "a.b.c.example."]),
                      "asked DS for \(dsNames.sorted())")

        auth.soaSigning = .signed   // the parent's DS denial carries a signed SOA again
        let child = resolve(&h, &auth, "nothere.unsigned.example")
        XCTAssertEqual(child.rcode, .nxDomain, "the SOA names the unsigned child; its DS proves it unsigned")
        XCTAssertFalse(child.ad)
        XCTAssertTrue(auth.queries.contains { $0.name == "unsigned.example." && $0.type == .ds })
        XCTAssertFalse(auth.queries.contains { $0.name == "nothere.unsigned.example." && $0.type == .ds })
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Downgrade protection of DELEG referrals in a signed parent
/// (draft-ietf-dnsop-delext-11 §6.2, §9.2; draft-ietf-deleg-12 §5.3): with
/// the ADT flag on a DNSKEY of `example.`, a referral must carry the
/// verified NSEC matching the child, whose bitmap lists the DELEG it holds;
/// a DELEG must be signed. An on-path attacker who strips the DELEG (and
/// its proof) gets the response ignored, never the NS beside it followed.
final class DelegADTTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let parent = FakeAuthorities.address(2)
    static let legacy = FakeAuthorities.address(3)
    static let modern = FakeAuthorities.address(4)
    static let now2026: Int64 = 1_767_225_600

    static func key(adt: Bool) -> TestSigner {
        var k = TestSigner(zone: "example.", seedByte: 21)
        if adt { k.flags |= 0x0002 }
        return k
    }

    static func nsec(_ owner: String, next: String, _ types: [RRType]) -> Wire.RR {
        Wire.RR(owner: owner, type: .nsec, ttl: 300, rdata: Wire.name(next).wireBytes + TypeBitmap.make(types))
    }

    /// `example.` (signed) delegates `d.example.` by NS to `legacy` and by
    /// DELEG to `modern`, and `n.example.` by NS only.
    static func hierarchy(adt: Bool, signDeleg: Bool = true) -> FakeAuthorities {
        let k = key(adt: adt)
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        // DELEG delegations: d. by addresses, i. through a signed DELEGPARAM
        // (p.), j. through one whose signature is corrupt (q.); n. by NS only.
        let delegTexts = ["d.example.": "server-ipv4=127.9.0.4", "i.example.": "include-delegparam=p.example.",
                          "j.example.": "include-delegparam=q.example."]
        let nsecD = nsec("d.example.", next: "i.example.", [.ns, .rrsig, .nsec, .deleg])
        let nsecI = nsec("i.example.", next: "j.example.", [.ns, .rrsig, .nsec, .deleg])
        let nsecJ = nsec("j.example.", next: "n.example.", [.ns, .rrsig, .nsec, .deleg])
        let nsecN = nsec("n.example.", next: "ns1.example.", [.ns, .rrsig, .nsec])
        let apex = nsec("example.", next: "d.example.", [.soa, .ns, .rrsig, .nsec, .dnskey])
        let nsecNS1 = nsec("ns1.example.", next: "p.example.", [.a, .rrsig, .nsec])
        let nsecP = nsec("p.example.", next: "q.example.", [.rrsig, .nsec, .delegparam])
        let nsecQ = nsec("q.example.", next: "example.", [.rrsig, .nsec, .delegparam])
        let paramP = Wire.RR(owner: "p.example.", type: .delegparam, ttl: 3600,
                             rdata: try! RDataText.parse(type: .delegparam, text: "server-ipv4=127.9.0.4"))
        let paramQ = Wire.RR(owner: "q.example.", type: .delegparam, ttl: 3600,
                             rdata: try! RDataText.parse(type: .delegparam, text: "server-ipv4=127.9.0.4"))
        var corrupt = k.sign([paramQ])
        corrupt.rdata[corrupt.rdata.count - 1] ^= 0xFF
        let signed = k.signAll([k.dnskey, Wire.a("ns1.example", [127, 9, 0, 2]), apex, nsecNS1, nsecP, nsecQ, paramP])
            + [paramQ, corrupt]
        var records = signed
        var extras: [String: [Wire.RR]] = [:]
        for (child, proof) in [("d.example.", nsecD), ("i.example.", nsecI), ("j.example.", nsecJ), ("n.example.", nsecN)] {
            let pair = [proof, k.sign([proof])]
            records += pair + [Wire.a("ns." + child, [127, 9, 0, 3])]
            extras[child] = pair
            if let text = delegTexts[child] {
                let deleg = Wire.RR(owner: child, type: .deleg, ttl: 3600, rdata: try! RDataText.parse(type: .deleg, text: text))
                if signDeleg { extras[child]! += [k.sign([deleg])] }
            }
        }
        var zone = FakeZone(apex: "example.", servers: [parent], records: records,
                            delegations: ["d.example.": ["ns.d.example."], "i.example.": ["ns.i.example."],
                                          "j.example.": ["ns.j.example."], "n.example.": ["ns.n.example."]])
        zone.delegs = delegTexts.mapValues { [$0] }
        zone.referralExtras = extras
        auth.zones.append(zone)
        for child in ["d.example.", "i.example.", "j.example.", "n.example."] {
            auth.zones.append(FakeZone(apex: child, servers: [legacy], records: [Wire.a("www." + child, [192, 0, 2, 3])]))
            auth.zones.append(FakeZone(apex: child, servers: [modern], records: [Wire.a("www." + child, [192, 0, 2, 4])]))
        }
        return auth
    }

    func harness(adt: Bool) -> Harness {
        var s = RecursionTests.settings()
        s.deleg = true
        var h = Harness(settings: s, rootServers: [DelegADTTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                            rdatas: [DelegADTTests.key(adt: adt).dnskeyRData]))
        h.core.setWallClock(realtimeSeconds: DelegADTTests.now2026, nowMs: h.nowMs)
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, .a, id: 4, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func legacyAsked(_ auth: FakeAuthorities) -> Bool { auth.queries.contains { $0.server == DelegADTTests.legacy } }

    /// The honest referrals: the signed DELEG with its NSEC is followed;
    /// a delegation without DELEG, proven so, resolves by NS as before.
    func testHonestReferralsPassTheCheck() {
        var h = harness(adt: true)
        var auth = DelegADTTests.hierarchy(adt: true)
        let p = resolve(&h, &auth, "www.d.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.ede) \(p.edeTexts)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertFalse(legacyAsked(auth))
        let q = resolve(&h, &auth, "www.n.example")
        XCTAssertEqual(q.answers.first?.rdata, [192, 0, 2, 3])
        XCTAssertEqual(h.core.stats.delegReferralsTampered, 0)
    }

    /// §9.2.1/§9.2.2: DELEG and its NSEC stripped (or the DE flag stripped:
    /// the same bare NS referral): ignored, SERVFAIL, the NS never asked.
    func testStrippedDelegAndProofIsIgnored() {
        var h = harness(adt: true)
        var auth = DelegADTTests.hierarchy(adt: true)
        auth.stripDeleg = true
        auth.stripReferralProof = true
        let p = resolve(&h, &auth, "www.d.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertFalse(legacyAsked(auth), "a stripped DELEG passed as no DELEG")
        XCTAssertGreaterThan(h.core.stats.delegReferralsTampered, 0)
    }

    /// The DELEG stripped but its NSEC kept: the bitmap lists DELEG, the
    /// referral lacks it.
    func testStrippedDelegWithItsNSECKeptIsIgnored() {
        var h = harness(adt: true)
        var auth = DelegADTTests.hierarchy(adt: true)
        auth.stripDeleg = true
        let p = resolve(&h, &auth, "www.d.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertFalse(legacyAsked(auth))
    }

    /// §8.5: an unsigned DELEG in a signed parent (injected) is not used.
    func testUnsignedDelegInSignedParentIsIgnored() {
        var h = harness(adt: true)
        var auth = DelegADTTests.hierarchy(adt: true, signDeleg: false)
        let p = resolve(&h, &auth, "www.d.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertFalse(auth.queries.contains { $0.server == DelegADTTests.modern })
        XCTAssertFalse(legacyAsked(auth))
    }

    /// Without ADT the check does not apply (§6.2, residual risk §9.4):
    /// a stripped referral is followed by its NS, as a DELEG-unaware
    /// resolver would.
    func testWithoutADTAStrippedReferralFallsToNS() {
        var h = harness(adt: false)
        var auth = DelegADTTests.hierarchy(adt: false)
        auth.stripDeleg = true
        auth.stripReferralProof = true
        let p = resolve(&h, &auth, "www.d.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 3])
    }

    /// include-delegparam in a signed zone: the DELEGPARAM RRset is
    /// validated; a good one is used, a bogus one gives no server (SERVFAIL,
    /// never the NS).
    func testDelegparamIsValidated() {
        var h = harness(adt: true)
        var auth = DelegADTTests.hierarchy(adt: true)
        let p = resolve(&h, &auth, "www.i.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.ede) \(p.edeTexts)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        let modernBefore = auth.queries.filter { $0.server == DelegADTTests.modern }.count
        let q = resolve(&h, &auth, "www.j.example")
        XCTAssertEqual(q.rcode, .servFail)
        XCTAssertEqual(auth.queries.filter { $0.server == DelegADTTests.modern }.count, modernBefore, "a bogus DELEGPARAM was used")
        XCTAssertFalse(legacyAsked(auth))
    }
}

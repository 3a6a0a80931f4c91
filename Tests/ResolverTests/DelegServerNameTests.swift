import XCTest
import Cache
import DNSWire
@testable import Resolver

/// The addresses of DELEG server names in a signed zone
/// (draft-ietf-deleg-12 §3.4: fetched "as if they were referenced by NS
/// records", §7.3: a DELEG delegation is only as strong as what it leads
/// to; draft-ietf-dnsop-delext-11 §6.2: every referral a DE-setting
/// resolver follows gets the Delegation Types check). With DELEG on, the
/// address look-up validates: a bogus address is never asked, and a
/// stripped DELEG on the way to the server name is not taken for "no
/// DELEG" (its NS and the forger's address behind it are never used).
final class DelegServerNameTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let parent = FakeAuthorities.address(2)
    static let legacy = FakeAuthorities.address(3)
    static let modern = FakeAuthorities.address(4)
    static let forger = FakeAuthorities.address(66)

    static func nsec(_ owner: String, next: String, _ types: [RRType]) -> Wire.RR {
        DelegADTTests.nsec(owner, next: next, types)
    }

    /// `example.` (signed, ADT) holds `host.example.` (a signed address of
    /// `modern`) and `bad.example.` (the forger's address, its signature
    /// corrupt), and delegates by DELEG and NS: `s.` to server-name
    /// host.example., `x.` to bad.example., `t.` to ns.d.example., and `d.`
    /// to server-ipv4 of `modern` (whose `d.example.` says ns.d.example. is
    /// `modern`; the legacy NS servers' copy says it is the forger).
    static func hierarchy() -> FakeAuthorities {
        let k = DelegADTTests.key(adt: true)
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        let delegTexts = ["s.example.": "server-name=host.example.", "x.example.": "server-name=bad.example.",
                          "t.example.": "server-name=ns.d.example.", "d.example.": "server-ipv4=127.9.0.4"]
        let chain: [(String, String, [RRType])] = [
            ("example.", "bad.example.", [.soa, .ns, .rrsig, .nsec, .dnskey]),
            ("bad.example.", "d.example.", [.a, .rrsig, .nsec]),
            ("d.example.", "host.example.", [.ns, .rrsig, .nsec, .deleg]),
            ("host.example.", "ns1.example.", [.a, .rrsig, .nsec]),
            ("ns1.example.", "s.example.", [.a, .rrsig, .nsec]),
            ("s.example.", "t.example.", [.ns, .rrsig, .nsec, .deleg]),
            ("t.example.", "x.example.", [.ns, .rrsig, .nsec, .deleg]),
            ("x.example.", "example.", [.ns, .rrsig, .nsec, .deleg]),
        ]
        let nsecs = Dictionary(uniqueKeysWithValues: chain.map { ($0.0, nsec($0.0, next: $0.1, $0.2)) })
        let badA = Wire.a("bad.example", [127, 9, 0, 66])
        var corrupt = k.sign([badA])
        corrupt.rdata[corrupt.rdata.count - 1] ^= 0xFF
        var records = k.signAll([k.dnskey, Wire.a("ns1.example", [127, 9, 0, 2]), Wire.a("host.example", [127, 9, 0, 4])]
                                + chain.map { nsecs[$0.0]! }) + [badA, corrupt]
        var extras: [String: [Wire.RR]] = [:]
        for (child, text) in delegTexts {
            records.append(Wire.a("ns." + child, [127, 9, 0, 3]))   // glue of the NS delegation
            let deleg = Wire.RR(owner: child, type: .deleg, ttl: 3600, rdata: try! RDataText.parse(type: .deleg, text: text))
            extras[child] = [nsecs[child]!, k.sign([nsecs[child]!]), k.sign([deleg])]
        }
        var zone = FakeZone(apex: "example.", servers: [parent], records: records,
                            delegations: Dictionary(uniqueKeysWithValues: delegTexts.keys.map { ($0, ["ns." + $0]) }))
        zone.delegs = delegTexts.mapValues { [$0] }
        zone.referralExtras = extras
        auth.zones.append(zone)
        for child in delegTexts.keys {
            var legacyRecords = [Wire.a("www." + child, [192, 0, 2, 3])]
            var modernRecords = [Wire.a("www." + child, [192, 0, 2, 4])]
            if child == "d.example." {
                legacyRecords.append(Wire.a("ns.d.example", [127, 9, 0, 66]))
                modernRecords.append(Wire.a("ns.d.example", [127, 9, 0, 4]))
            }
            auth.zones.append(FakeZone(apex: child, servers: [legacy], records: legacyRecords))
            auth.zones.append(FakeZone(apex: child, servers: [modern], records: modernRecords))
            auth.zones.append(FakeZone(apex: child, servers: [forger], records: [Wire.a("www." + child, [192, 0, 2, 66])]))
        }
        return auth
    }

    /// DELEG on, validating with `example.`'s ADT key as the anchor.
    func harness() -> Harness {
        var s = RecursionTests.settings()
        s.deleg = true
        var h = Harness(settings: s, rootServers: [DelegServerNameTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                            rdatas: [DelegADTTests.key(adt: true).dnskeyRData]))
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

    func asked(_ auth: FakeAuthorities, _ server: ServerAddress) -> Int {
        auth.queries.filter { $0.server == server }.count
    }

    /// A server name with a signed address: validated, followed.
    func testSignedServerNameAddressIsUsed() {
        var h = harness()
        var auth = DelegServerNameTests.hierarchy()
        let p = resolve(&h, &auth, "www.s.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.ede) \(p.edeTexts)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertEqual(asked(auth, DelegServerNameTests.legacy), 0, "the NS beside the DELEG was used")
    }

    /// A server name whose address fails validation: never asked, SERVFAIL
    /// with EDE 6 (DNSSEC Bogus), no fallback to the NS.
    func testBogusServerNameAddressIsNotUsed() {
        var h = harness()
        var auth = DelegServerNameTests.hierarchy()
        let p = resolve(&h, &auth, "www.x.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertTrue(p.ede.contains(EDECode.dnssecBogus.rawValue), "\(p.ede) \(p.edeTexts)")
        XCTAssertEqual(asked(auth, DelegServerNameTests.forger), 0, "a bogus address was asked")
        XCTAssertEqual(asked(auth, DelegServerNameTests.legacy), 0)
    }

    /// The server name lies under a DELEG delegation of the ADT parent; the
    /// attacker strips that DELEG (and its proof) only on the way to the
    /// server name. The look-up's referral check refuses the bare NS
    /// referral: the forged address behind it is never learnt or asked.
    func testStrippedDelegOnTheWayToAServerNameIsIgnored() {
        var h = harness()
        var auth = DelegServerNameTests.hierarchy()
        auth.stripDelegOf = ["d.example."]
        let p = resolve(&h, &auth, "www.t.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(asked(auth, DelegServerNameTests.forger), 0, "the forged address behind a stripped DELEG was used")
        XCTAssertEqual(asked(auth, DelegServerNameTests.legacy), 0, "a stripped DELEG passed as no DELEG")
        XCTAssertGreaterThan(h.core.stats.delegReferralsTampered, 0)
        // Unstripped, the same look-up follows d.example.'s DELEG.
        var h2 = harness()
        var honest = DelegServerNameTests.hierarchy()
        let q = resolve(&h2, &honest, "www.t.example")
        XCTAssertEqual(q.rcode, .noError, "\(q.ede) \(q.edeTexts)")
        XCTAssertEqual(q.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertEqual(asked(honest, DelegServerNameTests.forger), 0)
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver

/// EDNS towards authoritative servers (RFC 6891 §7, DNS flag day 2019;
/// issue 19), in virtual time on the ChainOfTrustTests hierarchy: `example.`
/// is anchored, `signed.example.` is signed (DS in the parent),
/// `insecure.example.` is proven unsigned by the parent's NSEC.
/// - A FORMERR/NOTIMP *with* an OPT proves EDNS: no server state changes.
/// - Without an OPT, in an unsigned zone: that query is asked again without
///   EDNS, and the server is asked without it for a window, then with EDNS.
/// - Without an OPT, in a signed zone: never asked without EDNS; SERVFAIL
///   whose EDE text names the server.
final class EDNSFallbackTests: XCTestCase {
    static let signedServer = ChainOfTrustTests.signedServer
    static let insecureServer = ChainOfTrustTests.insecureServer

    func harness() -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, _ type: RRType = .a) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 9, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    /// (carries OPT) of each query sent to `server` from position `from` on.
    func edns(_ h: borrowing Harness, to server: ServerAddress, from: Int = 0) -> [Bool] {
        h.net.sent[from...].filter { $0.server == server }.map { Wire.hasOPT($0.bytes) }
    }

    /// A signed zone's new name, signed with the zone's key.
    func addSignedName(_ auth: inout FakeAuthorities, _ name: String, _ ip: [UInt8]) {
        let i = auth.zones.firstIndex { $0.apex == "signed.example." }!
        auth.zones[i].records += ChainOfTrustTests.signedKey.signAll([Wire.a(name, ip)])
    }

    func addInsecureName(_ auth: inout FakeAuthorities, _ name: String, _ ip: [UInt8]) {
        let i = auth.zones.firstIndex { $0.apex == "insecure.example." }!
        auth.zones[i].records.append(Wire.a(name, ip))
    }

    /// BIND answers FORMERR with an OPT to a question it refuses (TYPE128,
    /// which Sprig no longer sends; here an old server refusing HTTPS):
    /// the server speaks EDNS, and only that question fails.
    func testFormErrWithOPTNeverTurnsEDNSOff() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        auth.formErrTypes = [RRType.https.rawValue]
        XCTAssertTrue(resolve(&h, &auth, "www.signed.example").ad)
        let refused = resolve(&h, &auth, "www.signed.example", .https)
        XCTAssertEqual(refused.rcode, .servFail)
        XCTAssertFalse(h.core.infra.lacksEDNS(EDNSFallbackTests.signedServer, nowMs: h.nowMs))
        XCTAssertEqual(h.core.stats.ednsFallbacks, 0)
        XCTAssertEqual(h.core.stats.ednsRefusedInSignedZones, 0)
        XCTAssertTrue(h.net.sent.allSatisfy { Wire.hasOPT($0.bytes) }, "every query carried EDNS")
        // A new name of the same signed zone is secure.
        addSignedName(&auth, "new.signed.example", [192, 0, 2, 30])
        let fresh = resolve(&h, &auth, "new.signed.example")
        XCTAssertEqual(fresh.rcode, .noError)
        XCTAssertTrue(fresh.ad, "EDNS and DO still on: the answer validates")
        XCTAssertEqual(fresh.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 30]])
        XCTAssertTrue(h.net.sent.allSatisfy { Wire.hasOPT($0.bytes) })
    }

    /// FORMERR without OPT from the server of an unsigned zone: asked again
    /// without EDNS, marked for `noEDNSWindowMs`, then asked with EDNS again.
    func testNoEDNSServerOfUnsignedZoneIsAskedWithoutEDNSForAWindow() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let server = EDNSFallbackTests.insecureServer
        auth.noEDNS = [FakeAuthorities.key(server)]
        let first = resolve(&h, &auth, "www.insecure.example")
        XCTAssertEqual(first.rcode, .noError)
        XCTAssertFalse(first.ad)
        XCTAssertEqual(first.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 4]])
        XCTAssertEqual(h.core.stats.ednsFallbacks, 1, "one FORMERR without OPT, one fallback")
        XCTAssertEqual(edns(h, to: server).first, true, "EDNS first (RFC 6891 §7)")
        XCTAssertTrue(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
        // Servers of signed zones are never asked without EDNS.
        XCTAssertTrue(h.net.sent.filter { $0.server != server }.allSatisfy { Wire.hasOPT($0.bytes) })

        // Within the window a new name goes without EDNS at once.
        addInsecureName(&auth, "two.insecure.example", [192, 0, 2, 40])
        var mark = h.net.sent.count
        XCTAssertEqual(resolve(&h, &auth, "two.insecure.example").rcode, .noError)
        XCTAssertEqual(edns(h, to: server, from: mark), [false])

        // The window ends: EDNS first again.
        h.advance(InfraCache.noEDNSWindowMs)
        XCTAssertFalse(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
        addInsecureName(&auth, "three.insecure.example", [192, 0, 2, 41])
        mark = h.net.sent.count
        XCTAssertEqual(resolve(&h, &auth, "three.insecure.example").rcode, .noError)
        let probe = edns(h, to: server, from: mark)   // (the DNSKEY NODATA expired too: asked again)
        XCTAssertEqual(probe.first, true, "probed with EDNS first")
        XCTAssertTrue(probe.count >= 2 && probe.dropFirst().allSatisfy { !$0 }, "then without: \(probe)")
        XCTAssertEqual(h.core.stats.ednsFallbacks, 2)

        // The server learns EDNS: its first answer with an OPT ends the mark.
        auth.noEDNS = []
        h.advance(InfraCache.noEDNSWindowMs)
        addInsecureName(&auth, "four.insecure.example", [192, 0, 2, 42])
        mark = h.net.sent.count
        XCTAssertEqual(resolve(&h, &auth, "four.insecure.example").rcode, .noError)
        let learned = edns(h, to: server, from: mark)
        XCTAssertTrue(!learned.isEmpty && learned.allSatisfy { $0 }, "\(learned)")
        XCTAssertEqual(h.core.stats.ednsFallbacks, 2)
        XCTAssertFalse(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
    }

    /// FORMERR without OPT from the server of a signed zone: no query
    /// without EDNS, ever; SERVFAIL whose EDE text names the server.
    func testNoEDNSServerOfSignedZoneIsNeverAskedWithoutEDNS() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let server = EDNSFallbackTests.signedServer
        auth.noEDNS = [FakeAuthorities.key(server)]
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.noReachableAuthority.rawValue])
        XCTAssertEqual(p.edeTexts, ["127.9.0.3 answers without EDNS; the zone is signed"])
        XCTAssertTrue(h.net.sent.allSatisfy { Wire.hasOPT($0.bytes) }, "a signed zone is never asked without EDNS")
        XCTAssertFalse(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
        XCTAssertGreaterThan(h.core.stats.ednsRefusedInSignedZones, 0)
        XCTAssertEqual(h.core.stats.ednsFallbacks, 0)
        // Nothing was remembered against the server: once it speaks EDNS
        // again, the next query is secure.
        auth.noEDNS = []
        h.advance(1_000)
        let after = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(after.rcode, .noError)
        XCTAssertTrue(after.ad)
    }

    /// A zone under the anchor whose DS set is not known yet (the first
    /// query to it is a minimised one): its DS set is asked for first, and
    /// only the parent's proof that it is unsigned allows the fallback.
    func testUnknownSigningIsLearnedBeforeFallingBack() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let server = EDNSFallbackTests.insecureServer
        auth.noEDNS = [FakeAuthorities.key(server)]
        let p = resolve(&h, &auth, "x.y.insecure.example")
        XCTAssertEqual(p.rcode, .nxDomain)
        XCTAssertFalse(p.ad)
        let ds = auth.queries.firstIndex { $0.name == "insecure.example." && $0.type == .ds }
        let firstPlain = h.net.sent.firstIndex { $0.server == server && !Wire.hasOPT($0.bytes) }
        XCTAssertNotNil(ds)
        XCTAssertNotNil(firstPlain)
        if let ds, let firstPlain {
            XCTAssertLessThan(ds, firstPlain, "the DS proof came before any query without EDNS")
        }
        XCTAssertEqual(h.core.signing(of: Wire.name("insecure.example."), nowMs: h.nowMs), .unsigned)
        XCTAssertEqual(h.core.signing(of: Wire.name("example."), nowMs: h.nowMs), .signed, "the anchor")
        XCTAssertEqual(h.core.signing(of: Wire.name("signed.example."), nowMs: h.nowMs), .unknown,
                       "its DS set was never asked for")
        XCTAssertEqual(h.core.signing(of: Wire.name("test."), nowMs: h.nowMs), .unsigned, "no anchor above")
    }

    /// A mark (from before) ends with the server's first answer carrying
    /// an OPT: a signed zone's queries always go with EDNS.
    func testAnswerWithOPTEndsAMark() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let server = EDNSFallbackTests.signedServer
        h.core.infra.recordNoEDNS(server, nowMs: h.nowMs)
        XCTAssertTrue(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertTrue(p.ad)
        XCTAssertTrue(edns(h, to: server).allSatisfy { $0 }, "signed zone: EDNS despite the mark")
        XCTAssertFalse(h.core.infra.lacksEDNS(server, nowMs: h.nowMs))
    }

    /// Without DNSSEC nothing is signed: the fallback is allowed everywhere.
    func testWithoutValidationEveryZoneMayFallBack() {
        var s = RecursionTests.settings()
        s.validate = false
        var h = Harness(settings: s, rootServers: [RecursionTests.root, RecursionTests.root2])
        var auth = RecursionTests.hierarchy()
        auth.noEDNS = [FakeAuthorities.key(RecursionTests.leaf)]
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertEqual(h.core.stats.ednsFallbacks, 1)
    }
}

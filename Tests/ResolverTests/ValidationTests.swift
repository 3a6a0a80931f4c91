import XCTest
import Cache
import DNSWire
@testable import Resolver

/// DNSSEC validation in iterative mode against fake authorities serving a
/// zone signed by ldns (ECDSA P-256, NSEC; the same records as
/// Tests/ValidatorTests/TestSupport.swift `ExampleZone`, RRSIGs valid
/// 2025-01-01 … 2035-01-01), with a DS trust anchor for `example.`.
final class ValidationTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let example = FakeAuthorities.address(2)

    static let zsk = "example. 3600 IN DNSKEY 256 3 13 Zr473lBozOx1acNDFjuRhb973djlqF3vDIoY8wm5MgBhR9hLLiu7+nkVI/cv/aTC+ORFVzxSwo5SY7cBb8AaAw=="
    static let ksk = "example. 3600 IN DNSKEY 257 3 13 8l5KVYQCA+mq3Fcyib2ET0UpO9l+f+2CGLvA7ks1quUxZ9vcRJfx+lc5Fr8DOywq5LsZh6vgr6HJ3ZGZf55yvQ=="
    static let dnskeyRRSIG = "example. 3600 IN RRSIG DNSKEY 13 1 3600 20350101000000 20250101000000 7776 example. ujpEA67bUdb0LQ+omnyG69uz7IxURX1Xlg3aQNeJxUbnxqzHcJjQEdUC2VPFW5xDNC9/48yiJNlQLhrtuH/Ahg=="
    static let anchorDS: [UInt8] = [0x1E, 0x60, 13, 2] + hex("5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46")
    static let www = ["www.example. 3600 IN A 192.0.2.1", "www.example. 3600 IN A 192.0.2.2",
                      "www.example. 3600 IN A 192.0.2.10"]
    static let wwwRRSIG = "www.example. 3600 IN RRSIG A 13 2 3600 20350101000000 20250101000000 19547 example. eTiPREAPRD6HUrOSfw7g8+JGnuOSXdwWnfSMt23FYr+jSIXZJSnrYIiLtNKs/z/xncRuSubcLE/BKzjGMJC7tA=="
    static let nsecWWW = "www.example. 300 IN NSEC example. A RRSIG NSEC"
    static let nsecWWWRRSIG = "www.example. 300 IN RRSIG NSEC 13 2 300 20350101000000 20250101000000 19547 example. Z5YHnC9vJjVcpiD4X36LOlV0b+2loOkT1IHL2ZyjrAGpHbqrBSoXycpDdqevtdB7j8+GiMqSyoSqDyYgRiTqug=="

    /// 2026-01-01, inside the signatures' validity window.
    static let now2026: Int64 = 1_767_225_600
    static let after2036: Int64 = 2_082_758_400

    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8)[...]
        while chars.count >= 2 {
            out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
            chars = chars.dropFirst(2)
        }
        return out
    }

    static func rr(_ line: String) -> Wire.RR {
        let r = try! TextRecord(parsing: line)
        return Wire.RR(owner: r.owner.text, type: r.type, ttl: r.ttlSeconds, rdata: r.rdata)
    }

    /// The root (unsigned, not anchored) delegating to the signed `example.`.
    static func hierarchy(keys: Bool = true, wwwLines: [String] = www, signatures: Bool = true) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root],
            records: [Wire.a("ns1.example", [127, 9, 0, 2])],
            delegations: ["example.": ["ns1.example."]]))
        var records = [Wire.a("ns1.example", [127, 9, 0, 2])] + wwwLines.map(rr) + [rr(nsecWWW)]
        if keys { records += [rr(zsk), rr(ksk)] }
        if signatures { records += [rr(wwwRRSIG), rr(nsecWWWRRSIG), rr(dnskeyRRSIG)] }
        auth.zones.append(FakeZone(apex: "example.", servers: [example], records: records))
        return auth
    }

    func harness(at wallSeconds: Int64 = ValidationTests.now2026, anchored: Bool = true,
                 insecure: [String] = []) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [ValidationTests.root])
        if anchored {
            XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .ds,
                                                     rdatas: [ValidationTests.anchorDS]))
        }
        for name in insecure { XCTAssertTrue(h.core.addNegativeTrustAnchor(Wire.name(name))) }
        h.core.setWallClock(realtimeSeconds: wallSeconds, nowMs: h.nowMs)
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, _ type: RRType,
                 cd: Bool = false) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 7, dnssecOK: true, cd: cd))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func testSignedAnswerIsSecureWithADAndRRSIG() {
        var h = harness()
        var auth = ValidationTests.hierarchy()
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.ad, "validated answer carries AD for a DO client")
        XCTAssertEqual(p.answers.filter { $0.type == .a }.count, 3)
        XCTAssertEqual(p.answers.filter { $0.type == .rrsig }.count, 1)
        XCTAssertTrue(auth.queries.contains { $0.name == "example." && $0.type == .dnskey }, "keys were fetched")
        XCTAssertEqual(h.core.stats.keyFetches, 1)
        XCTAssertEqual(h.core.outgoing.usedCount, 0)

        // The secure DNSKEY set is cached: the NODATA needs no second fetch.
        // The ldns fixture has no RRSIG over the SOA (FakeAuthorities sends
        // its own): the NSEC proves the NODATA, the unsigned SOA makes it
        // bogus (secure NODATA: DNAMEValidationTests, ChainOfTrust zones).
        let nodata = resolve(&h, &auth, "www.example", .aaaa)
        XCTAssertEqual(nodata.rcode, .servFail)
        XCTAssertEqual(nodata.ede, [EDECode.rrsigsMissing.rawValue], "the negative TTL comes from an unsigned SOA")
        XCTAssertEqual(auth.queries.filter { $0.type == .dnskey }.count, 1)

        // Without DO or AD in the query, no AD in the answer.
        _ = h.ask(9, Wire.query("www.example", .a))
        XCTAssertFalse(Wire.parse(h.net.answers.last!.bytes).ad)
    }

    func testTamperedDataIsBogusButServedToCDClients() {
        var h = harness()
        var lines = ValidationTests.www
        lines[2] = "www.example. 3600 IN A 192.0.2.99"   // not what was signed
        var auth = ValidationTests.hierarchy(wwwLines: lines)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertTrue(p.answers.isEmpty)
        XCTAssertEqual(p.ede, [EDECode.dnssecBogus.rawValue])
        XCTAssertEqual(h.core.stats.bogusResponses, 1)
        // The verdict is cached a minute at most (the records say an hour).
        let sent = h.net.sent.count
        h.advance(59_000)
        XCTAssertEqual(resolve(&h, &auth, "www.example", .a).rcode, .servFail)
        XCTAssertEqual(h.net.sent.count, sent, "within the minute: from the cache")
        h.advance(2_000)
        _ = resolve(&h, &auth, "www.example", .a)
        XCTAssertGreaterThan(h.net.sent.count, sent, "after it: asked again")

        // RFC 4035 §3.2.2: CD asks for the data whatever validation said.
        let cd = resolve(&h, &auth, "www.example", .a, cd: true)
        XCTAssertEqual(cd.rcode, .noError)
        XCTAssertEqual(cd.answers.filter { $0.type == .a }.count, 3)
        XCTAssertFalse(cd.ad)

        // Bogus data is never served stale, even when the servers are gone.
        auth.silent = [FakeAuthorities.key(ValidationTests.root), FakeAuthorities.key(ValidationTests.example)]
        h.advance(3_600_000)
        _ = h.ask(20, Wire.query("www.example", .a, dnssecOK: true))
        h.run(&auth, forMs: 6_000)
        let late = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(late.rcode, .servFail)
        XCTAssertTrue(late.answers.isEmpty)
    }

    func testBogusFromOneServerIsAskedOfTheZonesOtherServer() {
        var h = harness()
        var lines = ValidationTests.www
        lines[2] = "www.example. 3600 IN A 192.0.2.99"   // not what was signed
        let stale = FakeAuthorities.address(12)
        var auth = ValidationTests.hierarchy()
        // example. has two servers; ns0 (listed first, asked first) serves tampered data.
        auth.zones[0].records.append(Wire.a("ns0.example", [127, 9, 0, 12]))
        auth.zones[0].delegations["example."] = ["ns0.example.", "ns1.example."]
        var bad = ValidationTests.hierarchy(wwwLines: lines).zones[1]
        bad.servers = [stale]
        auth.zones.append(bad)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError, "the sound server's answer validates")
        XCTAssertTrue(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.server == stale && $0.name == "www.example." },
                      "the tampering server was asked first")
        XCTAssertEqual(h.core.stats.bogusRetries, 1)
    }

    func testMissingSignaturesAreBogus() {
        var h = harness()
        var auth = ValidationTests.hierarchy()
        auth.zones[1].records.removeAll { $0.type == .rrsig && $0.owner.hasPrefix("www") && $0.rdata[1] == 1 }
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.rrsigsMissing.rawValue])
    }

    func testAnchoredZoneWithoutKeysIsBogusDNSKEYMissing() {
        var h = harness()
        var auth = ValidationTests.hierarchy(keys: false)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.dnskeyMissing.rawValue])
    }

    func testKeysThatCannotBeFetchedFailWithoutCachingBogus() {
        var h = harness()
        var auth = ValidationTests.hierarchy()
        auth.droppedTypes = [RRType.dnskey.rawValue]
        _ = h.ask(1, Wire.query("www.example", .a, dnssecOK: true))
        h.run(&auth, forMs: 6_000)
        let failed = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(failed.rcode, .servFail)
        XCTAssertEqual(failed.ede, [EDECode.dnskeyMissing.rawValue], "why: the keys never came")
        XCTAssertEqual(h.core.stats.keysUnavailable, 1)
        XCTAssertEqual(h.core.stats.bogusResponses, 0, "a network failure is no verdict")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)

        // Once the keys come through, the next query validates: nothing bogus was cached.
        auth.droppedTypes = []
        h.advance(1_000)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.ad)
    }

    func testExpiredSignaturesAreBogusWithEDE7() {
        var h = harness(at: ValidationTests.after2036)
        var auth = ValidationTests.hierarchy()
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.signatureExpired.rawValue])
    }

    /// DESIGN.md §2.8: a router booted in 1970 has no trusted clock.
    /// Signatures are still checked, their dates are not; such answers are
    /// cached at most 60 s and judged again once the clock is good.
    func testUntrustedBootClockSkipsDatesThenRechecksAfterSync() {
        var h = harness(at: 86_400)                        // 2 Jan 1970
        var auth = ValidationTests.hierarchy()
        XCTAssertFalse(h.core.isClockTrusted)
        let early = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(early.rcode, .noError)
        XCTAssertTrue(early.ad, "signatures verified (dates unchecked)")
        XCTAssertLessThanOrEqual(early.answers.first?.ttl ?? 0, ResolverCore.untrustedClockTTLMaxSeconds)
        // NTP syncs to a time when these signatures have expired.
        h.core.setWallClock(realtimeSeconds: ValidationTests.after2036, nowMs: h.nowMs)
        h.core.noteClockSynced(realtimeSeconds: ValidationTests.after2036)
        XCTAssertTrue(h.core.isClockTrusted)
        h.advance(61_000)
        let late = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(late.rcode, .servFail, "re-validated with dates once the clock is trusted")
        XCTAssertEqual(late.ede, [EDECode.signatureExpired.rawValue])
    }

    func testPersistedFloorMakesTheClockTrusted() {
        var h = harness(at: 86_400)
        let saved = ValidationTests.now2026 + 10 * 86_400
        h.core.setClockFloor(saved)
        h.core.setWallClock(realtimeSeconds: saved - 60, nowMs: h.nowMs)
        XCTAssertFalse(h.core.isClockTrusted, "a clock behind the saved floor is not believed")
        h.core.setWallClock(realtimeSeconds: saved + 2 * 86_400, nowMs: h.nowMs)
        XCTAssertTrue(h.core.isClockTrusted, "wall time past the saved floor is believed")
        let later = saved + 2 * 86_400
        XCTAssertEqual(h.core.clockFloorToPersist(realtimeSeconds: later, isShutdown: false), later,
                       "a day past the saved floor: save the new time")
        h.core.didPersistClockFloor(later)
        XCTAssertNil(h.core.clockFloorToPersist(realtimeSeconds: later + 60, isShutdown: false),
                     "then at most once a day")
    }

    func testNegativeTrustAnchorMakesTheZoneInsecure() {
        var h = harness(insecure: ["example."])
        var lines = ValidationTests.www
        lines[2] = "www.example. 3600 IN A 192.0.2.99"   // would be bogus
        var auth = ValidationTests.hierarchy(wwwLines: lines)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertFalse(p.ad)
        XCTAssertEqual(p.answers.filter { $0.type == .a }.count, 3)
        XCTAssertFalse(auth.queries.contains { $0.type == .dnskey }, "nothing to validate, nothing fetched")
    }

    func testNamesOutsideEveryAnchorAreInsecure() {
        var h = harness(anchored: false)
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("other."), type: .ds,
                                                 rdatas: [ValidationTests.anchorDS]))
        var auth = ValidationTests.hierarchy()
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertFalse(p.ad)
        XCTAssertEqual(h.core.stats.keyFetches, 0)
    }

    func testWithoutAnchorsNothingIsValidated() {
        var h = harness(anchored: false)
        var lines = ValidationTests.www
        lines[2] = "www.example. 3600 IN A 192.0.2.99"
        var auth = ValidationTests.hierarchy(wwwLines: lines)
        let p = resolve(&h, &auth, "www.example", .a)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertFalse(p.ad)
        XCTAssertEqual(h.core.trustAnchorCount, 0)
    }
}

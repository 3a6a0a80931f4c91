import XCTest
import Cache
import DNSWire
import Fixed
@testable import Resolver
@testable import Validator
#if canImport(Glibc)
import Glibc
#endif

/// Aggressive use of validated NSEC (RFC 8198) in iterative mode, against a
/// zone `example.` signed in the test (TestSigner, Ed25519; DNSKEY trust
/// anchor) whose negative answers carry real NSEC proofs:
///
///   example.      SOA NS DNSKEY  → b.example.
///   b.example.    A TXT          → d.example.
///   d.example.    NS (unsigned delegation, no DS) → m.example.
///   m.example.    A              → ns1.example.
///   ns1.example.  A              → example.
///
/// `*.example` sorts right after the apex, so the apex NSEC denies the wildcard.
final class AggressiveNSECTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let exampleServer = FakeAuthorities.address(2)
    static let childServer = FakeAuthorities.address(3)
    static let key = TestSigner(zone: "example.", seedByte: 7)
    static let now2026: Int64 = 1_767_225_600

    /// The zone's records (signed), NSEC chain included.
    static func zoneRecords(extraNames: [String] = []) -> [Wire.RR] {
        var names = ["b.example.", "d.example.", "m.example.", "ns1.example."] + extraNames
        names.sort { Wire.name($0) < Wire.name($1) }
        var records = [key.dnskey, Wire.RR(owner: "example.", type: .ns, ttl: 3600, rdata: Wire.name("ns1.example.").wireBytes),
                       Wire.a("ns1.example", [127, 9, 0, 2], ttl: 86_400), Wire.a("b.example", [192, 0, 2, 1]),
                       Wire.RR(owner: "b.example.", type: .txt, ttl: 300, rdata: [2, 104, 105]),
                       Wire.a("m.example", [192, 0, 2, 3])]
        for name in extraNames { records.append(Wire.a(name, [192, 0, 2, 9])) }
        let chain = ["example."] + names
        for (i, owner) in chain.enumerated() {
            let next = i + 1 < chain.count ? chain[i + 1] : "example."
            records.append(TestSigner.nsec(owner, next: next, types: types(at: owner)))
        }
        return key.signAll(records)
    }

    static func types(at owner: String) -> [RRType] {
        switch owner {
        case "example.": return [.soa, .ns, .dnskey, .rrsig, .nsec]
        case "b.example.": return [.a, .txt, .rrsig, .nsec]
        case "d.example.": return [.ns, .rrsig, .nsec]
        default: return [.a, .rrsig, .nsec]
        }
    }

    /// Root → example. (signed) → d.example. (unsigned child).
    static func authorities(extraNames: [String] = []) -> NSECAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2], ttl: 86_400)],
                                   delegations: ["example.": ["ns1.example."]]))
        let records = zoneRecords(extraNames: extraNames) + [Wire.a("ns.d.example", [127, 9, 0, 3])]
        auth.zones.append(FakeZone(apex: "example.", servers: [exampleServer], records: records,
                                   delegations: ["d.example.": ["ns.d.example."]]))
        auth.zones.append(FakeZone(apex: "d.example.", servers: [childServer], records: [
            Wire.a("ns.d.example", [127, 9, 0, 3]), Wire.a("www.d.example", [192, 0, 2, 4])]))
        return NSECAuthorities(auth: auth, zone: records)
    }

    func harness(aggressive: Bool = true) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.aggressiveNSEC = aggressive
        var h = Harness(settings: s, rootServers: [AggressiveNSECTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                                 rdatas: [AggressiveNSECTests.key.dnskeyRData]))
        h.core.setWallClock(realtimeSeconds: AggressiveNSECTests.now2026, nowMs: h.nowMs)
        return h
    }

    /// Asks and delivers queries to the authorities until done; returns the
    /// answer and how many queries were sent for it.
    func resolve(_ h: inout Harness, _ auth: inout NSECAuthorities, _ name: String, _ type: RRType = .a,
                 dnssecOK: Bool = true, udpSize: UInt16 = 1232) -> (Wire.Parsed, sent: Int, bytes: [UInt8]) {
        let before = h.net.answers.count
        let sentBefore = h.net.sent.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 5, dnssecOK: dnssecOK, udpSize: udpSize))
        auth.pump(&h)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        let bytes = h.net.answers.last?.bytes ?? []
        return (Wire.parse(bytes), h.net.sent.count - sentBefore, bytes)
    }

    func authorityTypes(_ p: Wire.Parsed) -> [RRType] { p.authority.map(\.type) }

    // MARK: synthesis

    func testCoveredNameIsNXDomainWithoutAnyQuery() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        let first = resolve(&h, &auth, "c.example")
        XCTAssertEqual(first.0.rcode, .nxDomain)
        XCTAssertTrue(first.0.ad)
        XCTAssertGreaterThan(first.sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)

        // ca.example lies in the same span (b → d), *.example in the apex span.
        let second = resolve(&h, &auth, "ca.example", .aaaa)
        XCTAssertEqual(second.sent, 0, "no query reached the authorities")
        XCTAssertEqual(second.0.rcode, .nxDomain)
        XCTAssertTrue(second.0.ad, "AD for a DO client")
        XCTAssertTrue(second.0.answers.isEmpty)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
        XCTAssertTrue(second.0.hasOPT)
        // DO: SOA, its RRSIG, both NSECs with theirs.
        let types = authorityTypes(second.0)
        XCTAssertEqual(types.filter { $0 == .soa }.count, 1)
        XCTAssertEqual(types.filter { $0 == .nsec }.count, 2)
        XCTAssertEqual(types.filter { $0 == .rrsig }.count, 3)
        XCTAssertEqual(Set(second.0.authority.filter { $0.type == .nsec }.map(\.owner)), ["example.", "b.example."])
        XCTAssertLessThanOrEqual(second.0.authority[0].ttl, 300)
        XCTAssertTrue(h.core.statsLines().contains { $0.0 == "dnssec.aggressive_answers" && $0.1 == 1 })

        // Without DO: SOA only, no AD (the client set neither DO nor AD).
        let plain = resolve(&h, &auth, "cb.example", dnssecOK: false)
        XCTAssertEqual(plain.sent, 0)
        XCTAssertEqual(plain.0.rcode, .nxDomain)
        XCTAssertFalse(plain.0.ad)
        XCTAssertEqual(authorityTypes(plain.0), [.soa])
    }

    func testNoDataForAnotherTypeAtAnExistingName() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        XCTAssertEqual(resolve(&h, &auth, "c.example").0.rcode, .nxDomain)   // keeps the b.example NSEC
        let nodata = resolve(&h, &auth, "b.example", .aaaa)
        XCTAssertEqual(nodata.sent, 0)
        XCTAssertEqual(nodata.0.rcode, .noError)
        XCTAssertTrue(nodata.0.answers.isEmpty)
        XCTAssertTrue(nodata.0.ad)
        XCTAssertEqual(nodata.0.authority.filter { $0.type == .nsec }.map(\.owner), ["b.example."])

        // A type the bitmap lists is not denied, and ANY is never denied.
        XCTAssertGreaterThan(resolve(&h, &auth, "b.example", .txt).sent, 0)
        XCTAssertGreaterThan(resolve(&h, &auth, "b.example", RRType(255)).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testUncoveredNameGoesToTheNetwork() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        // zz.example lies in ns1 → apex, never seen.
        let other = resolve(&h, &auth, "zz.example")
        XCTAssertGreaterThan(other.sent, 0)
        XCTAssertEqual(other.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
        // Now that span is known too.
        XCTAssertEqual(resolve(&h, &auth, "zzz.example").sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testDelegationPointNSECDeniesNothingBelowIt() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        // The DS NODATA at the cut brings the NSEC d.example (NS, no DS) → m.example.
        let ds = resolve(&h, &auth, "d.example", .ds)
        XCTAssertEqual(ds.0.rcode, .noError)
        XCTAssertTrue(auth.nsecOwnersServed.contains("d.example."))
        XCTAssertEqual(h.core.validation.nsecTable.entries.filter { $0.expiresMs > h.nowMs }.count, 1)
        // x.d.example sorts inside d → m, but the record is parent-side.
        let below = resolve(&h, &auth, "x.d.example")
        XCTAssertGreaterThan(below.sent, 0, "a delegation's NSEC proves nothing below it")
        XCTAssertEqual(below.0.rcode, .nxDomain)
        XCTAssertFalse(below.0.ad, "the child is unsigned")
        // Nor anything about the delegation name's own data.
        XCTAssertGreaterThan(resolve(&h, &auth, "d.example", .txt).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
    }

    func testExpiredEntriesAreNotUsed() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        XCTAssertEqual(resolve(&h, &auth, "ca.example").sent, 0)
        h.advance(301_000)   // NSEC TTL and SOA MINIMUM are 300 s
        let late = resolve(&h, &auth, "cb.example")
        XCTAssertGreaterThan(late.sent, 0)
        XCTAssertEqual(late.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testUntrustedClockEntriesAreDroppedOnceTheClockIsTrusted() {
        var h = harness()
        h.core.setClockFloor(nil)
        h.core.setWallClock(realtimeSeconds: 1_000, nowMs: h.nowMs)   // 1970: untrusted
        XCTAssertFalse(h.core.isClockTrusted)
        var auth = AggressiveNSECTests.authorities()
        XCTAssertEqual(resolve(&h, &auth, "c.example").0.rcode, .nxDomain)
        let entry = h.core.validation.nsecTable.entries.first { $0.expiresMs > h.nowMs }
        XCTAssertEqual(entry?.untrustedClock, true)
        XCTAssertLessThanOrEqual((entry?.expiresMs ?? .max) - h.nowMs, Int64(ResolverCore.untrustedClockTTLMaxSeconds) * 1000)
        XCTAssertEqual(resolve(&h, &auth, "ca.example").sent, 0)
        h.core.noteClockSynced(realtimeSeconds: AggressiveNSECTests.now2026)
        h.core.setWallClock(realtimeSeconds: AggressiveNSECTests.now2026, nowMs: h.nowMs)
        XCTAssertTrue(h.core.isClockTrusted)
        XCTAssertGreaterThan(resolve(&h, &auth, "cb.example").sent, 0, "validated again with real dates")
    }

    func testAggressiveOffAlwaysAsks() {
        var h = harness(aggressive: false)
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        let second = resolve(&h, &auth, "ca.example")
        XCTAssertGreaterThan(second.sent, 0)
        XCTAssertEqual(second.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
        XCTAssertEqual(h.core.validation.nsecTable.capacity, 0)
        var on = h.core.settings
        on.aggressiveNSEC = true
        XCTAssertEqual(Arena.byteCount(of: ResolverCore.footprint(h.core.settings))
                           + Arena.byteCount(of: NSECTable.footprint(entryCount: 256)),
                       Arena.byteCount(of: ResolverCore.footprint(on)), "the table is in the footprint")
    }

    func testTableScalesWithTheCache() {
        XCTAssertEqual(EngineSettings.aggressiveNSECEntryCount(cacheByteCount: 1 << 20), 64, "the default (small) 1 MB cache")
        XCTAssertEqual(EngineSettings.aggressiveNSECEntryCount(cacheByteCount: 4 << 20), 256, "medium's 4 MB cache")
        XCTAssertEqual(EngineSettings.aggressiveNSECEntryCount(cacheByteCount: 64 << 10), 32, "never below 32")
        XCTAssertEqual(EngineSettings.aggressiveNSECEntryCount(cacheByteCount: 1 << 30), 256, "never above 256")
        var small = EngineSettings()
        small.aggressiveNSECEntryCount = 64
        let cache = try! AnswerCache(configuration: CacheConfiguration(arenaByteCount: 1 << 20), hashSeed: 1)
        let engine = ResolverCore(settings: small, upstreams: [], cache: cache)
        XCTAssertEqual(engine.validation.nsecTable.capacity, 64)
        XCTAssertEqual(Arena.byteCount(of: ResolverCore.footprint(EngineSettings()))
                           - Arena.byteCount(of: ResolverCore.footprint(small)),
                       Arena.byteCount(of: NSECTable.footprint(entryCount: 256 - 64)), "the footprint counts what is reserved")
    }

    func testNegativeTrustAnchorIsHonoured() {
        var h = harness()
        XCTAssertTrue(h.core.addNegativeTrustAnchor(Wire.name("example.")))
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        XCTAssertGreaterThan(resolve(&h, &auth, "ca.example").sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
    }

    func testCheckingDisabledClientIsAnsweredToo() {
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query("ca.example", .a, id: 6, dnssecOK: true, cd: true))
        XCTAssertEqual(h.net.answers.count, before + 1, "answered at once")
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .nxDomain)
        XCTAssertTrue(p.ad)
    }

    func testSmallPayloadGetsTruncation() {
        // Two long names in the b → d span: the NSEC between them is big.
        let long = String(repeating: "x", count: 60)
        var h = harness()
        var auth = AggressiveNSECTests.authorities(extraNames: ["ca\(long).example.", "cc\(long).example."])
        XCTAssertEqual(resolve(&h, &auth, "cb.example").0.rcode, .nxDomain)
        // 512 bytes cannot hold SOA, two NSECs (one ~260 bytes) and 3 RRSIGs.
        let small = resolve(&h, &auth, "cba.example", udpSize: 512)
        XCTAssertEqual(small.sent, 0)
        XCTAssertTrue(small.0.tc)
        XCTAssertLessThanOrEqual(small.bytes.count, 512)
        XCTAssertTrue(small.0.authority.isEmpty)
        let full = resolve(&h, &auth, "cbb.example", udpSize: 1232)
        XCTAssertFalse(full.0.tc)
        XCTAssertGreaterThan(full.bytes.count, 512)
    }

    // MARK: the table

    func testTableNeverGrowsPastItsCapacity() {
        // 300 extra names: 301 distinct NSEC spans, more than the 256 entries.
        let extra = (0..<300).map { "n\(1000 + $0).example." }
        var h = harness()
        var auth = AggressiveNSECTests.authorities(extraNames: extra)
        let capacity = h.core.validation.nsecTable.capacity
        XCTAssertEqual(capacity, NSECTable.entryCountDefault)
        for i in 0..<300 {
            let p = resolve(&h, &auth, "n\(1000 + i)a.example")   // inside n(1000+i) → next
            XCTAssertEqual(p.0.rcode, .nxDomain, "n\(1000 + i)a")
            XCTAssertEqual(h.core.validation.nsecTable.capacity, capacity)
        }
        let used = h.core.validation.nsecTable.entries.filter { $0.expiresMs > h.nowMs }.count
        XCTAssertEqual(used, capacity, "full, and no more")
        // The most recent spans are still there; the oldest were replaced.
        XCTAssertEqual(resolve(&h, &auth, "n1299b.example").sent, 0)
        XCTAssertGreaterThan(resolve(&h, &auth, "n1000b.example").sent, 0)
    }

    func testLookupsDoNotAllocate() {
        #if canImport(Glibc) && arch(x86_64)
        guard let bytesInUse = nsecMallocBytesInUse() else { return }
        var h = harness()
        var auth = AggressiveNSECTests.authorities()
        _ = resolve(&h, &auth, "c.example")
        var io = CountingIO()
        let names = ["ca.example", "cb.example", "cc.example"]
        let queries = names.map { Wire.query($0, .a, id: 9, dnssecOK: true) }
            + [Wire.query("b.example", .aaaa, id: 9, dnssecOK: true)]
        for i in 0..<100 {   // warm up runtime caches
            queries[i % queries.count].withUnsafeBytes { q in
                io.query(&h, q)
            }
        }
        let before = bytesInUse()
        for i in 0..<2_000 {
            queries[i % queries.count].withUnsafeBytes { q in
                io.query(&h, q)
            }
        }
        XCTAssertEqual(bytesInUse(), before, "bytes in use moved")
        XCTAssertEqual(io.answers, 2_100)
        XCTAssertEqual(io.sends, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 2_100)
        #endif
    }
}

/// Counts the answers and sends of the ring's actions and clears it (no
/// allocation on the measured path).
struct CountingIO {
    var answers = 0
    var sends = 0

    mutating func query(_ h: inout Harness, _ q: UnsafeRawBufferPointer) {
        _ = h.core.consume(.query(client: 1, transport: .udp, message: q), nowMs: h.nowMs)
        for i in 0..<h.core.actionCount {
            switch h.core.action(i) {
            case .answer: answers += 1
            case .send: sends += 1
            case .cancel, .probeTLS: break
            }
        }
        h.core.actionsCarriedOut()
    }
}

/// FakeAuthorities plus real NSEC proofs on the signed zone's negative
/// answers (FakeAuthorities sends only the NSEC at the name itself): a
/// signed SOA, the NSEC matching or covering the name, and the NSEC covering
/// the wildcard at the closest encloser.
struct NSECAuthorities {
    var auth: FakeAuthorities
    /// The signed zone `example.` (records, NSECs, RRSIGs).
    let zone: [Wire.RR]
    var nsecOwnersServed: Set<String> = []

    func norm(_ s: String) -> String { auth.norm(s) }

    mutating func respond(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        let (qname, qtype) = query.withUnsafeBytes { q -> (Name, RRType) in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.lowercased(), question.type)
        }
        let name = norm(qname.text)
        let below = auth.isUnder(name, "d.example.") && !(qtype == .ds && name == "d.example.")
        guard server == AggressiveNSECTests.exampleServer, auth.isUnder(name, "example."), !below,
              !zone.contains(where: { norm($0.owner) == name && ($0.type == qtype || $0.type == .cname) })
        else { return auth.respond(to: query, at: server) }
        auth.queries.append((server, name, qtype))
        let key = AggressiveNSECTests.key
        let soa = Wire.soa("example", ttl: 300, minimum: 300)
        var records = [soa, key.sign([soa])]
        let exists = zone.contains { norm($0.owner) == name }
        var owners: [String] = []
        if exists {
            owners.append(name)
        } else {
            let cover = coveringNSEC(qname)
            owners.append(cover)
            // Closest encloser: the longest ancestor that exists.
            var encloser = qname.parent!
            while !zone.contains(where: { norm($0.owner) == norm(encloser.text) }) && !encloser.isRoot
                    && norm(encloser.text) != "example." {
                encloser = encloser.parent!
            }
            let star = coveringNSEC(Wire.name("*." + norm(encloser.text)))
            if !owners.contains(star) { owners.append(star) }
        }
        for owner in owners {
            for r in zone where norm(r.owner) == owner && (r.type == .nsec || (r.type == .rrsig && r.rdata[1] == 47)) {
                var copy = r
                copy.section = .authority
                records.append(copy)
            }
            nsecOwnersServed.insert(owner)
        }
        return Wire.response(to: query, rcode: exists ? .noError : .nxDomain, aa: true, records: records)
    }

    /// The owner of the NSEC whose span holds `name`.
    func coveringNSEC(_ name: Name) -> String {
        let owners = zone.filter { $0.type == .nsec }.map { Wire.name($0.owner) }.sorted { $0 < $1 }
        var best = owners[0]
        for owner in owners where owner.canonicalCompare(name) <= 0 { best = owner }
        return norm(best.text)
    }

    mutating func pump(_ h: inout Harness, rounds: Int = 400) {
        for _ in 0..<rounds {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            if let reply = respond(to: s.bytes, at: s.server) { h.reply(s.outgoing, reply) }
        }
    }
}

#if canImport(Glibc) && arch(x86_64)
/// glibc's `mallinfo2().uordblks` (bytes in use), as in CacheTests.
func nsecMallocBytesInUse() -> (() -> Int)? {
    typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer
    guard let symbol = dlsym(nil, "mallinfo2") else { return nil }
    let function = unsafeBitCast(symbol, to: MallInfo2.self)
    return {
        var fields = [Int](repeating: 0, count: 10)
        _ = fields.withUnsafeMutableBytes { function($0.baseAddress!) }
        return fields[7]
    }
}
#endif

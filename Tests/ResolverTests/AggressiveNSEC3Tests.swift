import XCTest
import Cache
import Crypto
import DNSWire
@testable import Resolver
@testable import Validator

/// Aggressive use of validated NSEC3 (RFC 8198, RFC 5155 §8) in iterative
/// mode, against a zone `example.` signed in the test (TestSigner, Ed25519;
/// DNSKEY trust anchor) whose negative answers carry real NSEC3 proofs
/// (SHA-1, salt aabbccdd, iterations and opt-out as each test asks):
///
///   example.      SOA NS DNSKEY NSEC3PARAM
///   b.example.    A TXT
///   d.example.    NS (unsigned delegation, no DS)
///   m.example.    A
///   ns1.example.  A
///
/// Which names share a span depends on the hashes: the tests pick their
/// names by hashing (`NSEC3TestZone.names(...)`), as an attacker or a
/// busy household would land in them.
final class AggressiveNSEC3Tests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let exampleServer = FakeAuthorities.address(2)
    static let childServer = FakeAuthorities.address(3)

    func harness(aggressive: Bool = true) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.aggressiveNSEC = aggressive
        var h = Harness(settings: s, rootServers: [AggressiveNSEC3Tests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                                 rdatas: [NSEC3TestZone.key.dnskeyRData]))
        h.core.setWallClock(realtimeSeconds: AggressiveNSECTests.now2026, nowMs: h.nowMs)
        return h
    }

    /// Asks and delivers queries to the authorities until done; returns the
    /// answer and how many queries were sent for it.
    func resolve(_ h: inout Harness, _ auth: inout NSEC3Authorities, _ name: String, _ type: RRType = .a,
                 dnssecOK: Bool = true, file: StaticString = #filePath,
                 line: UInt = #line) -> (Wire.Parsed, sent: Int) {
        let before = h.net.answers.count
        let sentBefore = h.net.sent.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 5, dnssecOK: dnssecOK))
        auth.pump(&h)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query", file: file, line: line)
        return (Wire.parse(h.net.answers.last?.bytes ?? []), h.net.sent.count - sentBefore)
    }

    func nsec3Entries(_ h: borrowing Harness) -> Int {
        let entries = h.core.validation.nsecTable.entries
        return entries.filter { $0.kind == .nsec3 && $0.expiresMs > h.nowMs }.count
    }

    // MARK: synthesis

    func testCoveredNameIsNXDomainWithoutAnyQuery() throws {
        let zone = NSEC3TestZone()
        let (first, second, third) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        let online = resolve(&h, &auth, first)
        XCTAssertEqual(online.0.rcode, .nxDomain)
        XCTAssertTrue(online.0.ad, "the online proof is secure")
        XCTAssertGreaterThan(online.sent, 0)
        XCTAssertGreaterThanOrEqual(nsec3Entries(h), 2, "the apex match and the spans were kept")
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)

        let synthesised = resolve(&h, &auth, second, .aaaa)
        XCTAssertEqual(synthesised.sent, 0, "no query reached the authorities")
        XCTAssertEqual(synthesised.0.rcode, .nxDomain)
        XCTAssertTrue(synthesised.0.ad)
        XCTAssertTrue(synthesised.0.answers.isEmpty)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
        // DO: SOA and its RRSIG, the NSEC3s the proof used and theirs.
        let authority = synthesised.0.authority
        XCTAssertEqual(authority.filter { $0.type == .soa }.count, 1)
        XCTAssertEqual(authority.filter { $0.type == .nsec }.count, 0, "never NSEC in an NSEC3 proof")
        let nsec3Owners = Set(authority.filter { $0.type == .nsec3 }.map { $0.owner.lowercased() })
        XCTAssertEqual(nsec3Owners, zone.proofOwners(nxDomain: second), "exactly the proof's records")
        XCTAssertEqual(authority.filter { $0.type == .rrsig }.count, 1 + nsec3Owners.count)
        XCTAssertLessThanOrEqual(authority[0].ttl, 300)

        // Without DO: SOA only, no AD.
        let plain = resolve(&h, &auth, third, dnssecOK: false)
        XCTAssertEqual(plain.sent, 0)
        XCTAssertEqual(plain.0.rcode, .nxDomain)
        XCTAssertFalse(plain.0.ad)
        XCTAssertEqual(plain.0.authority.map(\.type), [.soa])
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 2)
    }

    func testNoDataForAnotherTypeAtAnExistingName() {
        var h = harness()
        var auth = NSEC3Authorities(zone: NSEC3TestZone())
        let online = resolve(&h, &auth, "b.example", .aaaa)
        XCTAssertEqual(online.0.rcode, .noError)
        XCTAssertTrue(online.0.ad)
        XCTAssertGreaterThan(online.sent, 0)
        let nodata = resolve(&h, &auth, "b.example", .mx)
        XCTAssertEqual(nodata.sent, 0)
        XCTAssertEqual(nodata.0.rcode, .noError)
        XCTAssertTrue(nodata.0.answers.isEmpty)
        XCTAssertTrue(nodata.0.ad)
        XCTAssertEqual(nodata.0.authority.filter { $0.type == .nsec3 }.map { $0.owner.lowercased() },
                       [auth.zone.owner(of: "b.example.")], "only the NSEC3 at the name")
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
        // A type the bitmap lists is not denied, and ANY is never denied.
        XCTAssertGreaterThan(resolve(&h, &auth, "b.example", .txt).sent, 0)
        XCTAssertGreaterThan(resolve(&h, &auth, "b.example", RRType(255)).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testOptOutSpanIsNeverUsed() throws {
        let zone = NSEC3TestZone(optOut: true)
        let (first, second, _) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        let online = resolve(&h, &auth, first)
        XCTAssertEqual(online.0.rcode, .nxDomain)
        XCTAssertFalse(online.0.ad, "an opt-out span makes the NXDOMAIN insecure")
        XCTAssertGreaterThanOrEqual(nsec3Entries(h), 2, "kept: they are signed facts")
        let again = resolve(&h, &auth, second)
        XCTAssertGreaterThan(again.sent, 0, "an opt-out span proves nothing securely")
        XCTAssertEqual(again.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
        // A match at the name is still a match: NODATA there is secure.
        XCTAssertTrue(resolve(&h, &auth, "b.example", .aaaa).0.ad)
        let nodata = resolve(&h, &auth, "b.example", .mx)
        XCTAssertEqual(nodata.sent, 0)
        XCTAssertTrue(nodata.0.ad)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testUncoveredNameGoesToTheNetwork() throws {
        let zone = NSEC3TestZone()
        let (first, _, _) = try zone.threeNamesInOneSpan()
        let (other, otherSibling, _) = try zone.threeNamesInOneSpan(avoidingSpansOf: [first, "*.example."])
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        _ = resolve(&h, &auth, first)
        let uncovered = resolve(&h, &auth, other)
        XCTAssertGreaterThan(uncovered.sent, 0)
        XCTAssertEqual(uncovered.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
        // Now that span is known too.
        XCTAssertEqual(resolve(&h, &auth, otherSibling).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testIterationsAboveTheCapAreNotKept() throws {
        let zone = NSEC3TestZone(iterations: 151)   // RFC 9276 cap here: 150
        let (first, second, _) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        let online = resolve(&h, &auth, first)
        XCTAssertEqual(online.0.rcode, .nxDomain)
        XCTAssertFalse(online.0.ad, "above the cap the proof is insecure")
        XCTAssertEqual(nsec3Entries(h), 0, "nothing a secure proof could use")
        XCTAssertGreaterThan(resolve(&h, &auth, second).sent, 0)
        _ = resolve(&h, &auth, "b.example", .aaaa)
        XCTAssertGreaterThan(resolve(&h, &auth, "b.example", .mx).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)

        // At the cap itself they are used.
        let atCap = NSEC3TestZone(iterations: 150)
        let (capFirst, capSecond, _) = try atCap.threeNamesInOneSpan()
        var h2 = harness()
        var auth2 = NSEC3Authorities(zone: atCap)
        XCTAssertTrue(resolve(&h2, &auth2, capFirst).0.ad)
        XCTAssertEqual(resolve(&h2, &auth2, capSecond).sent, 0)
    }

    func testWildcardNoDataIsAnsweredUnlessTheNextCloserSpanIsOptOut() throws {
        for optOut in [false, true] {
            let zone = NSEC3TestZone(optOut: optOut, wildcard: true)
            let (first, second, _) = try zone.threeNamesInOneSpan(under: "w.example.")
            var h = harness()
            var auth = NSEC3Authorities(zone: zone)
            let online = resolve(&h, &auth, first)
            XCTAssertEqual(online.0.rcode, .noError)
            XCTAssertTrue(online.0.answers.isEmpty)
            XCTAssertTrue(online.0.ad, "online, a wildcard NODATA is secure either way")
            let again = resolve(&h, &auth, second)
            XCTAssertEqual(again.0.rcode, .noError)
            XCTAssertTrue(again.0.answers.isEmpty)
            if optOut {
                XCTAssertGreaterThan(again.sent, 0, "the next closer's opt-out span may hide a delegation")
                XCTAssertEqual(h.core.stats.aggressiveAnswers, 0)
            } else {
                XCTAssertEqual(again.sent, 0)
                XCTAssertTrue(again.0.ad)
                XCTAssertEqual(Set(again.0.authority.filter { $0.type == .nsec3 }.map { $0.owner.lowercased() }).count, 3,
                               "encloser match, next closer cover, wildcard match")
                XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
                // The type the wildcard has is not denied.
                XCTAssertGreaterThan(resolve(&h, &auth, second, .txt).sent, 0)
            }
        }
    }

    func testDelegationNSEC3DeniesNothingBelowIt() throws {
        let zone = NSEC3TestZone()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        // The DS NODATA at the cut brings the NSEC3 at d.example (NS only).
        let ds = resolve(&h, &auth, "d.example", .ds)
        XCTAssertEqual(ds.0.rcode, .noError)
        XCTAssertEqual(nsec3Entries(h), 1)
        // Bring the spans that cover a name below the cut and *.d.example.
        let (first, _, _) = try zone.threeNamesInOneSpan()
        _ = resolve(&h, &auth, first)
        let starSpanName = try XCTUnwrap(zone.names(under: "example.", inSpansOf: ["*.d.example."]).first)
        _ = resolve(&h, &auth, starSpanName)
        let below = try XCTUnwrap(zone.names(under: "d.example.", inSpansOf: [first, "*.example."]).first)
        XCTAssertNotNil(h.core.validation.selectNSEC3(Wire.name(below), zone: Wire.name("example."), nowMs: h.nowMs,
                                                           clockTrusted: true),
                        "the table holds all a proof would need if d.example. were not a cut")
        let before = h.core.stats.aggressiveAnswers
        let asked = resolve(&h, &auth, below)
        XCTAssertGreaterThan(asked.sent, 0, "an NSEC3 at a delegation proves nothing below it")
        XCTAssertFalse(asked.0.ad, "the child is unsigned")
        XCTAssertEqual(h.core.stats.aggressiveAnswers, before)
    }

    func testDeepNamesStopAtTheSelectionHashLimit() throws {
        // Names L labels below the zone take L + 1 hashes to reach the apex
        // and one for the wildcard: up to 14 labels fit in 16 hashes.
        XCTAssertEqual(ValidationEngine.nsec3SelectionHashesMax, 16)
        let zone = NSEC3TestZone()
        let (top, _, _) = try zone.threeNamesInOneSpan()
        let label = String(top.split(separator: ".")[0])
        func deep(_ labelsBelowZone: Int, _ tag: String) -> String {
            (0..<(labelsBelowZone - 1)).map { "\(tag)\($0)." }.joined() + label + ".example."
        }
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        XCTAssertTrue(resolve(&h, &auth, deep(20, "a")).0.ad)   // keeps the spans of `label` and `*`
        XCTAssertEqual(resolve(&h, &auth, deep(14, "b")).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
        let tooDeep = resolve(&h, &auth, deep(15, "c"))
        XCTAssertGreaterThan(tooDeep.sent, 0, "past the selection's hash limit: asked")
        XCTAssertEqual(tooDeep.0.rcode, .nxDomain)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testNSEC3EntriesNeverFeedTheNSECProof() throws {
        let zone = NSEC3TestZone()
        let (first, second, _) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        _ = resolve(&h, &auth, first)
        let candidates = h.core.validation.nsecTable.collectCandidates(
            Wire.name(second), zone: Wire.name("example."), nowMs: h.nowMs, clockTrusted: true,
            into: h.core.validation.denialRecords)
        XCTAssertEqual(candidates.count, 0, "NSEC candidates come from NSEC entries only")
        XCTAssertNotNil(h.core.validation.selectNSEC3(Wire.name(second), zone: Wire.name("example."), nowMs: h.nowMs,
                                                           clockTrusted: true))
    }

    func testExpiredEntriesAreNotUsed() throws {
        let zone = NSEC3TestZone()
        let (first, second, third) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        _ = resolve(&h, &auth, first)
        XCTAssertEqual(resolve(&h, &auth, second).sent, 0)
        h.advance(301_000)   // NSEC3 TTL and SOA MINIMUM are 300 s
        XCTAssertGreaterThan(resolve(&h, &auth, third).sent, 0)
        XCTAssertEqual(h.core.stats.aggressiveAnswers, 1)
    }

    func testLookupsDoNotAllocate() throws {
        #if canImport(Glibc) && arch(x86_64)
        guard let bytesInUse = nsecMallocBytesInUse() else { return }
        let zone = NSEC3TestZone()
        let (first, second, third) = try zone.threeNamesInOneSpan()
        var h = harness()
        var auth = NSEC3Authorities(zone: zone)
        _ = resolve(&h, &auth, first)
        _ = resolve(&h, &auth, "b.example", .aaaa)
        var io = CountingIO()
        let queries = [Wire.query(second, .a, id: 9, dnssecOK: true), Wire.query(third, .aaaa, id: 9, dnssecOK: true),
                       Wire.query("b.example", .mx, id: 9, dnssecOK: true)]
        for i in 0..<100 {
            queries[i % queries.count].withUnsafeBytes { q in
                io.query(&h, q)
            }
        }
        let before = bytesInUse()
        for i in 0..<1_500 {
            queries[i % queries.count].withUnsafeBytes { q in
                io.query(&h, q)
            }
        }
        XCTAssertEqual(bytesInUse(), before, "bytes in use moved")
        XCTAssertEqual(io.answers, 1_600)
        XCTAssertEqual(io.sends, 0)
        #endif
    }
}

/// The NSEC3-signed test zone: names, hashes, the NSEC3 chain and proofs.
struct NSEC3TestZone {
    static let key = TestSigner(zone: "example.", seedByte: 7)
    static let salt: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
    var optOut = false
    var iterations = 0
    /// Existing names and their types (the NSEC3 bitmaps).
    var types: [String: [RRType]] = [
        "example.": [.soa, .ns, .dnskey, .rrsig, .nsec3param],
        "b.example.": [.a, .txt, .rrsig],
        "d.example.": [.ns],
        "m.example.": [.a, .rrsig],
        "ns1.example.": [.a, .rrsig],
    ]
    /// With `w.example. A` and `*.w.example. TXT`: wildcard NODATA below w.
    var wildcard = false

    init(optOut: Bool = false, iterations: Int = 0, wildcard: Bool = false) {
        self.optOut = optOut
        self.iterations = iterations
        self.wildcard = wildcard
        if wildcard {
            types["w.example."] = [.a, .rrsig]
            types["*.w.example."] = [.txt, .rrsig]
        }
    }

    func hash(_ name: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        let wire = Wire.name(name).lowercased().wireBytes
        let ok = wire.withUnsafeBytes { w in
            NSEC3TestZone.salt.withUnsafeBytes { s in
                out.withUnsafeMutableBytes { NSEC3Hash.compute(name: w, salt: s, iterations: iterations, into: $0) }
            }
        }
        precondition(ok)
        return out
    }

    static func base32hex(_ bytes: [UInt8]) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuv")
        var out = ""
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[(buffer >> bits) & 31])
            }
        }
        return out
    }

    func owner(of name: String) -> String { NSEC3TestZone.base32hex(hash(name)) + ".example." }

    /// Existing names' hashes in order.
    var chain: [[UInt8]] { types.keys.map { hash($0) }.sorted { $0.lexicographicallyPrecedes($1) } }

    /// The index in `chain` of the NSEC3 covering `h` (nil when one matches;
    /// `chain.count - 1` for the wrap-around span).
    func span(of h: [UInt8]) -> Int? {
        let c = chain
        guard !c.contains(h) else { return nil }
        return c.lastIndex { $0.lexicographicallyPrecedes(h) } ?? c.count - 1
    }

    /// True when the hash lies below the first owner (covered only by the
    /// wrap-around span): such names are avoided, see `threeNamesInOneSpan`.
    func belowFirst(_ h: [UInt8]) -> Bool { h.lexicographicallyPrecedes(chain[0]) }

    /// Three nonexistent names directly below the apex in one span, which is
    /// none of the spans of `avoiding`. Names whose hash falls below the
    /// first owner are skipped: the Validator's `covers` does not wrap
    /// there (only above the last owner), so they would not validate.
    func threeNamesInOneSpan(avoidingSpansOf avoiding: [String] = [],
                             under parent: String = "example.") throws -> (String, String, String) {
        let avoided = Set(avoiding.compactMap { span(of: hash($0)) })
        var bySpan: [Int: [String]] = [:]
        for i in 0..<2_000 {
            let name = "nx\(i)." + parent
            let h = hash(name)
            guard !belowFirst(h), let s = span(of: h), !avoided.contains(s) else { continue }
            bySpan[s, default: []].append(name)
            if bySpan[s]!.count == 3 { return (bySpan[s]![0], bySpan[s]![1], bySpan[s]![2]) }
        }
        throw XCTSkip("no three names share a span")
    }

    /// Nonexistent names below `parent` whose hash lies in the spans of `names`.
    func names(under parent: String, inSpansOf names: [String]) -> [String] {
        let spans = Set(names.compactMap { span(of: hash($0)) })
        return (0..<2_000).map { "x\($0)." + parent }.filter { n in
            let h = hash(n)
            return !belowFirst(h) && span(of: h).map(spans.contains) == true
        }
    }

    /// The NSEC3 owners an NXDOMAIN proof of `name` (directly below the
    /// apex) needs: the apex's match, the name's cover, the wildcard's cover.
    func proofOwners(nxDomain name: String) -> Set<String> {
        let c = chain
        let ownerOfSpan = { (h: [UInt8]) in NSEC3TestZone.base32hex(c[self.span(of: h)!]) + ".example." }
        return [owner(of: "example."), ownerOfSpan(hash(name)), ownerOfSpan(hash("*.example."))]
    }

    /// The NSEC3 record of an existing name.
    func nsec3(at name: String) -> Wire.RR {
        let c = chain
        let h = hash(name)
        let i = c.firstIndex(of: h)!
        let next = c[(i + 1) % c.count]
        let bitmapTypes = types[name]!
        let highest = Int(bitmapTypes.map(\.rawValue).max() ?? 0)
        var bitmap = [UInt8](repeating: 0, count: highest / 8 + 1)
        for t in bitmapTypes { bitmap[Int(t.rawValue) / 8] |= 0x80 >> UInt8(t.rawValue % 8) }
        let rdata = [1, optOut ? 1 : 0, UInt8(iterations >> 8), UInt8(iterations & 0xFF), UInt8(NSEC3TestZone.salt.count)]
            + NSEC3TestZone.salt + [20] + next + [0, UInt8(bitmap.count)] + bitmap
        return Wire.RR(owner: owner(of: name), type: .nsec3, ttl: 300, rdata: rdata, section: .authority)
    }

    /// The signed zone data served positively (the NSEC3s are served by
    /// `NSEC3Authorities` in negative answers).
    var records: [Wire.RR] {
        let key = NSEC3TestZone.key
        var records = [key.dnskey,
                       Wire.RR(owner: "example.", type: .ns, ttl: 3600, rdata: Wire.name("ns1.example.").wireBytes),
                       Wire.a("ns1.example", [127, 9, 0, 2], ttl: 86_400), Wire.a("b.example", [192, 0, 2, 1]),
                       Wire.RR(owner: "b.example.", type: .txt, ttl: 300, rdata: [2, 104, 105]),
                       Wire.a("m.example", [192, 0, 2, 3])]
        if wildcard { records.append(Wire.a("w.example", [192, 0, 2, 5])) }
        records = key.signAll(records)
        records.append(Wire.a("ns.d.example", [127, 9, 0, 3]))
        return records
    }
}

/// FakeAuthorities plus real NSEC3 proofs on the signed zone's negative
/// answers: a signed SOA and the NSEC3s (with RRSIGs) of RFC 5155 §7.2 —
/// the match at the name (NODATA), or the closest encloser's match, the
/// next closer name's cover and the wildcard's cover (NXDOMAIN).
struct NSEC3Authorities {
    var auth = FakeAuthorities()
    let zone: NSEC3TestZone

    init(zone: NSEC3TestZone) {
        self.zone = zone
        let root = AggressiveNSEC3Tests.root
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2], ttl: 86_400)],
                                   delegations: ["example.": ["ns1.example."]]))
        auth.zones.append(FakeZone(apex: "example.", servers: [AggressiveNSEC3Tests.exampleServer],
                                   records: zone.records, delegations: ["d.example.": ["ns.d.example."]]))
        auth.zones.append(FakeZone(apex: "d.example.", servers: [AggressiveNSEC3Tests.childServer], records: [
            Wire.a("ns.d.example", [127, 9, 0, 3]), Wire.a("www.d.example", [192, 0, 2, 4])]))
    }

    func norm(_ s: String) -> String { auth.norm(s) }

    mutating func respond(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        let (qname, qtype) = query.withUnsafeBytes { q -> (Name, RRType) in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.lowercased(), question.type)
        }
        let name = norm(qname.text)
        let below = auth.isUnder(name, "d.example.") && !(qtype == .ds && name == "d.example.")
        let served = zone.records.contains { norm($0.owner) == name && ($0.type == qtype || $0.type == .cname) }
        guard server == AggressiveNSEC3Tests.exampleServer, auth.isUnder(name, "example."), !below, !served
        else { return auth.respond(to: query, at: server) }
        auth.queries.append((server, name, qtype))
        let key = NSEC3TestZone.key
        let soa = Wire.soa("example", ttl: 300, minimum: 300)
        var records = [soa, key.sign([soa])]
        var proof: [String] = []
        let exists = zone.types[name] != nil
        var wildcardNoData = false
        if exists {
            proof.append(name)
        } else {
            var encloser = qname
            var nextCloser = qname
            while zone.types[norm(encloser.text)] == nil {
                nextCloser = encloser
                encloser = encloser.parent!
            }
            proof.append(norm(encloser.text))
            proof.append(coverOwner(norm(nextCloser.text)))
            let star = "*." + norm(encloser.text)
            wildcardNoData = zone.types[star] != nil
            proof.append(wildcardNoData ? star : coverOwner(star))
        }
        var added: Set<String> = []
        for existing in proof where added.insert(existing).inserted {
            let nsec3 = zone.nsec3(at: existing)
            var signature = key.sign([nsec3])
            signature.section = .authority
            records += [nsec3, signature]
        }
        return Wire.response(to: query, rcode: exists || wildcardNoData ? .noError : .nxDomain, aa: true,
                             records: records)
    }

    /// The existing name whose NSEC3 covers H(name).
    func coverOwner(_ name: String) -> String {
        let h = zone.hash(name)
        let spanOwner = zone.chain[zone.span(of: h)!]
        return zone.types.keys.first { zone.hash($0) == spanOwner }!
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

import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Strict DoT authenticated by DANE (Sources/Resolver/DANE.swift, RFC 7671),
/// in virtual time, on ChainOfTrustTests' signed hierarchy: the order of
/// authentication (a secure TLSA decides; an insecure one is not used), and
/// requirement 5's order for an in-zone NS name: its TLSA is fetched from
/// the zone's strict servers authenticated by the CA path only, never by
/// another TLSA, so nothing waits on itself.
///
/// The fake DoT network knows each server's certificate name (CA path) and
/// SPKI digest (DANE-EE 3 1 1): a `.tlsNamed` query passes when the name
/// matches, a `.tlsDANE` one when a record's digest is the server's.
final class StrictDANETests: XCTestCase {
    static let spki: [UInt8] = (0..<32).map { UInt8($0) &* 7 &+ 1 }
    static let otherSPKI: [UInt8] = (0..<32).map { UInt8($0) &* 5 &+ 3 }

    struct DoT {
        var names: [UInt64: String] = [:]
        var spkis: [UInt64: [UInt8]] = [:]
        var plain: [(ServerAddress, String)] = []
        var named: [(ServerAddress, String, RRType)] = []
        var dane: [(ServerAddress, String, RRType)] = []
    }

    static func tlsa(_ owner: String, _ digest: [UInt8]) -> Wire.RR {
        Wire.RR(owner: owner, type: .tlsa, ttl: 300, rdata: [3, 1, 1] + digest)
    }

    /// ChainOfTrustTests' hierarchy with `records` added to signed.example.
    /// (signed by its key) or insecure.example. (unsigned).
    static func hierarchy(signed: [Wire.RR] = [], insecure: [Wire.RR] = []) -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        let key = ChainOfTrustTests.signedKey
        for i in auth.zones.indices where auth.zones[i].apex == "signed.example." {
            auth.zones[i].records += key.signAll(signed)
            // NSEC at the TLSA owner, so that its NODATA for A is provable too.
        }
        for i in auth.zones.indices where auth.zones[i].apex == "insecure.example." {
            auth.zones[i].records += insecure
        }
        return auth
    }

    func harness(strict domain: String) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.qnameMinimisation = false
        s.authPolicies = [AuthPolicy(domain: Wire.name(domain), kind: .strict, tlsProfile: ResolverCore.authTLSProfile + 1,
                                     authentication: .caWithNSName)]
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        return h
    }

    static func question(_ bytes: [UInt8]) -> (String, RRType) {
        bytes.withUnsafeBytes { q in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.text.lowercased(), question.type)
        }
    }

    /// Delivers every query (bounded): plain ones and those whose TLS
    /// check passes to the fake servers (also for StrictHintTests).
    static func pump(_ h: inout Harness, _ auth: inout FakeAuthorities, _ dot: inout DoT) {
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            var server = s.server
            server.port = 53
            let (qname, qtype) = StrictDANETests.question(s.bytes)
            let key = FakeAuthorities.key(server)
            switch s.transport {
            case .udp, .tcp:
                dot.plain.append((server, qname))
            case .tls:
                XCTFail("an unnamed TLS query")
                continue
            case .tlsNamed(_, let name):
                dot.named.append((server, qname, qtype))
                guard let certificate = dot.names[key], Wire.name(certificate) == name else {
                    _ = h.feed(.failed(s.ref, cause: .tlsCertificate))
                    h.drain()
                    continue
                }
            case .tlsDANE(_, _, let records):
                dot.dane.append((server, qname, qtype))
                let matched = records.withUnsafeBytes { packed -> Bool in
                    var at = 1
                    for _ in 0..<Int(packed[0]) {
                        let length = Int(packed[at + 3])
                        if packed[at] == 3, packed[at + 1] == 1, packed[at + 2] == 1,
                           Array(packed[(at + 4)..<(at + 4 + length)]) == dot.spkis[key] { return true }
                        at += 4 + length
                    }
                    return false
                }
                guard matched else {
                    _ = h.feed(.failed(s.ref, cause: .tlsDANE))
                    h.drain()
                    continue
                }
            }
            if let reply = auth.respond(to: s.bytes, at: server) { h.reply(s.ref, reply) }
        }
    }

    static func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ dot: inout DoT, _ name: String) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, .a, id: 3, dnssecOK: true))
        for _ in 0..<50 where h.net.answers.count == before {
            StrictDANETests.pump(&h, &auth, &dot)
            if h.net.answers.count == before { h.advance(100) }
        }
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer, never a hang")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    static let signedServer = ChainOfTrustTests.signedServer
    static let tlsaOwner = "_853._tcp.ns.signed.example."

    /// A secure TLSA 3 1 1 of the server's key: the answer's query goes
    /// with the TLSA records (`.tlsDANE`), validated (AD). The TLSA itself,
    /// whose name is inside the strict zone, was fetched from the same
    /// strict server authenticated by the CA path with its NS name, one
    /// look-up, no TLSA look-up for the TLSA look-up (requirement 5).
    func testSecureTLSADecidesAndItsLookUpUsesTheCAPathOnly() {
        var auth = StrictDANETests.hierarchy(signed: [StrictDANETests.tlsa(StrictDANETests.tlsaOwner, StrictDANETests.spki)])
        var dot = DoT(names: [FakeAuthorities.key(StrictDANETests.signedServer): "ns.signed.example"],
                      spkis: [FakeAuthorities.key(StrictDANETests.signedServer): StrictDANETests.spki])
        var h = harness(strict: "signed.example")
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertEqual(p.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertEqual(h.core.stats.tlsaLookups, 1)
        XCTAssertTrue(dot.named.contains { $0.1 == StrictDANETests.tlsaOwner && $0.2 == .tlsa },
                      "the TLSA came from the strict server over the CA path: \(dot.named)")
        XCTAssertTrue(dot.dane.contains { $0.1 == "www.signed.example." && $0.2 == .a }, "\(dot.dane)")
        XCTAssertFalse(dot.named.contains { $0.1 == "www.signed.example." }, "the answer went the CA way")
        XCTAssertFalse(dot.plain.contains { $0.0 == StrictDANETests.signedServer }, "a plain query to the strict server")
    }

    /// A secure TLSA that does not match the server's key: the server
    /// fails closed, even though the CA path would have accepted it (DANE
    /// decides alone), with the EDE naming the server by NS name and
    /// address, and the TLSA; nothing in plain.
    func testSecureTLSAMismatchFailsClosedWithoutTheCAPath() {
        var auth = StrictDANETests.hierarchy(signed: [StrictDANETests.tlsa(StrictDANETests.tlsaOwner, StrictDANETests.otherSPKI)])
        var dot = DoT(names: [FakeAuthorities.key(StrictDANETests.signedServer): "ns.signed.example"],
                      spkis: [FakeAuthorities.key(StrictDANETests.signedServer): StrictDANETests.spki])
        var h = harness(strict: "signed.example")
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        XCTAssertTrue((p.edeTexts.first ?? "").hasPrefix("ns.signed.example (127.9.0.3) strict DoT:")
                      && (p.edeTexts.first ?? "").contains("TLSA"), "the NS name and the address: \(p.edeTexts)")
        XCTAssertFalse(dot.named.contains { $0.1 == "www.signed.example." }, "fell back to the CA path")
        XCTAssertFalse(dot.plain.contains { $0.0 == StrictDANETests.signedServer })
    }

    /// An insecure TLSA (in an unsigned zone) is not used: the server is
    /// authenticated by the CA bundle with its NS name.
    func testInsecureTLSAIsNotUsed() {
        let owner = "_853._tcp.ns.insecure.example."
        var auth = StrictDANETests.hierarchy(insecure: [StrictDANETests.tlsa(owner, StrictDANETests.otherSPKI)])
        let server = ChainOfTrustTests.insecureServer
        var dot = DoT(names: [FakeAuthorities.key(server): "ns.insecure.example"],
                      spkis: [FakeAuthorities.key(server): StrictDANETests.spki])
        var h = harness(strict: "insecure.example")
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.insecure.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertFalse(p.ad)
        XCTAssertEqual(h.core.stats.tlsaLookups, 1, "looked up once")
        XCTAssertTrue(dot.named.contains { $0.1 == "www.insecure.example." }, "the CA path: \(dot.named)")
        XCTAssertTrue(dot.dane.isEmpty, "an insecure TLSA was used")
        XCTAssertFalse(dot.plain.contains { $0.0 == server })
    }

    /// Requirement 5, the dead end: the server's certificate fits neither
    /// path the TLSA look-up may use (wrong name) and its TLSA lives in its
    /// own strict zone. The look-up fails, is not repeated or nested, and
    /// the answer is SERVFAIL with EDE 23 within the request's budget.
    func testDANEOnlyServerWithItsTLSAInItsOwnZoneFailsClosedWithoutLooping() {
        var auth = StrictDANETests.hierarchy(signed: [StrictDANETests.tlsa(StrictDANETests.tlsaOwner, StrictDANETests.spki)])
        var dot = DoT(names: [FakeAuthorities.key(StrictDANETests.signedServer): "self-signed.invalid"],
                      spkis: [FakeAuthorities.key(StrictDANETests.signedServer): StrictDANETests.spki])
        var h = harness(strict: "signed.example")
        let start = h.nowMs
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        XCTAssertLessThanOrEqual(h.nowMs - start, 6_000)
        XCTAssertEqual(h.core.stats.tlsaLookups, 1, "one TLSA look-up, none nested")
        XCTAssertTrue(dot.dane.isEmpty)
        XCTAssertFalse(dot.plain.contains { $0.0 == StrictDANETests.signedServer })
    }
}

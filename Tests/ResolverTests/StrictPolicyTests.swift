import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Seed 004 policy toward authoritative servers (Sources/Resolver/AuthPolicy.swift),
/// in virtual time: strict authenticated by the CA bundle with the NS name
/// the server was reached by (RFC 8310 §8.1: the name goes out with the
/// query as `.tlsNamed`), no plain DNS ever under strict (RFC 8310 §5),
/// SERVFAIL with EDE 23 naming the server and why, the most specific
/// section winning (requirement 2), `list server` (requirements 8, 9), and
/// the order that keeps a strict zone from depending on itself
/// (requirement 5).
///
/// The fake network speaks DoT for the servers in `certificates`: a
/// `.tlsNamed` query is answered when the certificate's name is the name
/// the query carries, else it fails as mbedTLS's check would
/// (`.failed(cause: .tlsCertificate)`). A server without a certificate
/// refuses port 853 (`.connection`).
final class StrictPolicyTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)
    static let ns1 = FakeAuthorities.address(3)
    static let ns2 = FakeAuthorities.address(4)
    static let shared = FakeAuthorities.address(5)
    static let offServer = FakeAuthorities.address(6)

    struct DoTNetwork {
        /// Server (its Do53 address) → the name its certificate is for.
        var certificates: [UInt64: String] = [:]
        var plain: [ServerAddress] = []
        var named: [(server: ServerAddress, name: String)] = []
        var refusedTLS = 0
    }

    static func hierarchy(nsGlue: Bool = true) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root],
            records: [Wire.a("ns.test", [127, 9, 0, 2])], delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [tld],
            records: nsGlue ? [Wire.a("ns1.example.test", [127, 9, 0, 3]), Wire.a("ns2.example.test", [127, 9, 0, 4]),
                               Wire.a("ns.shared.test", [127, 9, 0, 5])] : [Wire.a("ns.shared.test", [127, 9, 0, 5])],
            delegations: ["example.test.": ["ns1.example.test.", "ns2.example.test."],
                          "a.test.": ["ns.shared.test."], "b.test.": ["ns.shared.test."],
                          "shared.test.": ["ns.shared.test."]]))
        auth.zones.append(FakeZone(apex: "example.test.", servers: [ns1, ns2],
            records: [Wire.a("ns1.example.test", [127, 9, 0, 3]), Wire.a("ns2.example.test", [127, 9, 0, 4]),
                      Wire.a("www.example.test", [192, 0, 2, 80]), Wire.a("www.off.example.test", [192, 0, 2, 81])]))
        for apex in ["a.test.", "b.test.", "shared.test."] {
            auth.zones.append(FakeZone(apex: apex, servers: [shared],
                records: [Wire.a("ns.shared.test", [127, 9, 0, 5]), Wire.a("www." + apex, [192, 0, 2, 90])]))
        }
        return auth
    }

    static let strictProfile = ResolverCore.authTLSProfile + 1

    func harness(_ policies: [AuthPolicy]) -> Harness {
        var s = RecursionTests.settings()
        s.qnameMinimisation = false
        s.authPolicies = policies
        s.opportunisticDoT = policies.contains { $0.kind == .opportunistic }
        return Harness(settings: s, rootServers: [StrictPolicyTests.root])
    }

    func strict(_ domain: String, profile: Int32 = StrictPolicyTests.strictProfile, servers: [String] = [],
                addresses: [ServerAddress] = []) -> AuthPolicy {
        AuthPolicy(domain: Wire.name(domain), kind: .strict, tlsProfile: profile, authentication: .caWithNSName,
                   serverNames: servers.map { Wire.name($0) }, serverAddresses: addresses)
    }

    /// Delivers every query: plain ones to the fake servers; DoT ones as
    /// the certificates say (bounded, like `Harness.pump`).
    func pump(_ h: inout Harness, _ auth: inout FakeAuthorities, _ dot: inout DoTNetwork) {
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            var server = s.server
            switch s.transport {
            case .udp, .tcp:
                dot.plain.append(server)
            case .tls:
                XCTFail("an unnamed TLS query under CA + NS name authentication")
                continue
            case .tlsDANE:
                XCTFail("DANE without DNSSEC validation")
                continue
            case .tlsNamed(_, let name):
                XCTAssertEqual(server.port, 853, "strict DoT goes to port 853")
                server.port = 53
                dot.named.append((server, name.text))
                guard let certificate = dot.certificates[FakeAuthorities.key(server)] else {
                    dot.refusedTLS += 1
                    _ = h.feed(.failed(s.ref, cause: .connection))
                    h.drain()
                    continue
                }
                guard Wire.name(certificate) == name else {
                    _ = h.feed(.failed(s.ref, cause: .tlsCertificate))
                    h.drain()
                    continue
                }
            }
            if let reply = auth.respond(to: s.bytes, at: server) { h.reply(s.ref, reply) }
        }
    }

    func answer(_ h: inout Harness, _ auth: inout FakeAuthorities, _ dot: inout DoTNetwork, _ name: String) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, .a))
        pump(&h, &auth, &dot)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer for \(name)")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    /// Strict with the CA bundle: each query to example.test's servers
    /// goes over DoT carrying the NS name the server was reached by; the
    /// root and the TLD (not strict) are asked in plain.
    func testStrictSendsTheNSNameOfEachServerAndNoPlainQuery() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "ns1.example.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([strict("example.test")])
        let p = answer(&h, &auth, &dot, "www.example.test")
        XCTAssertEqual(p.rcode, .noError, "EDE \(p.edeTexts)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 80])
        XCTAssertFalse(dot.named.isEmpty)
        for q in dot.named {
            let expected = q.server == StrictPolicyTests.ns1 ? "ns1.example.test." : "ns2.example.test."
            XCTAssertEqual(q.name, expected, "the name the server was reached by")
        }
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.ns1) || dot.plain.contains(StrictPolicyTests.ns2),
                       "a plain query to a strict server")
        XCTAssertTrue(dot.plain.contains(StrictPolicyTests.root) && dot.plain.contains(StrictPolicyTests.tld))
    }

    /// A certificate for another name fails that server closed: the next
    /// server is tried (still strict), and when none is usable the answer
    /// is SERVFAIL with EDE 23 naming a server (its NS name, then its
    /// address in parentheses) and the certificate, with
    /// zero plain queries to either server.
    func testWrongNameFailsClosedTriesTheNextServerThenServfailWithEDE() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "dot.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([strict("example.test")])
        var p = answer(&h, &auth, &dot, "www.example.test")
        XCTAssertEqual(p.rcode, .noError, "the second server answers: \(p.edeTexts)")
        XCTAssertTrue(dot.named.contains { $0.server == StrictPolicyTests.ns2 })

        auth = StrictPolicyTests.hierarchy()
        dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "dot.test",
                                        FakeAuthorities.key(StrictPolicyTests.ns2): "wrong.example.test"])
        h = harness([strict("example.test")])
        p = answer(&h, &auth, &dot, "www.example.test")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        let text = p.edeTexts.first ?? ""
        XCTAssertTrue(text.hasPrefix("ns1.example.test (127.9.0.3) strict DoT:")
                      || text.hasPrefix("ns2.example.test (127.9.0.4) strict DoT:"), "the NS name and the address: " + text)
        XCTAssertTrue(text.contains("certificate") && text.contains("not asked in plain"), text)
        XCTAssertEqual(Set(dot.named.map { $0.server.low }), Set([StrictPolicyTests.ns1.low, StrictPolicyTests.ns2.low]),
                       "both servers tried over DoT")
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.ns1) || dot.plain.contains(StrictPolicyTests.ns2),
                       "a plain query to a strict server")
        XCTAssertGreaterThanOrEqual(h.core.stats.strictDoTFailures, 2)
    }

    /// A server that never answers on 853 under strict: timeouts, no plain
    /// query, SERVFAIL with "timed out" within the request's deadline.
    func testStrictServerTimingOutIsNeverAskedInPlain() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "ns1.example.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        auth.silent = [FakeAuthorities.key(StrictPolicyTests.ns1), FakeAuthorities.key(StrictPolicyTests.ns2)]
        var h = harness([strict("example.test")])
        _ = h.ask(1, Wire.query("www.example.test", .a))
        for _ in 0..<100 where h.net.answers.isEmpty {
            pump(&h, &auth, &dot)
            h.advance(100)
        }
        XCTAssertEqual(h.net.answers.count, 1, "answered within 10 s of virtual time")
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertTrue((p.edeTexts.first ?? "").contains("strict DoT"), "\(p.edeTexts)")
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.ns1) || dot.plain.contains(StrictPolicyTests.ns2))
    }

    /// Requirement 2: the most specific section wins. '.' opportunistic,
    /// example.test strict, off.example.test off: a name below the 'off'
    /// domain goes in plain with no probe; example.test's names strict.
    func testMostSpecificSectionWins() {
        var auth = StrictPolicyTests.hierarchy()
        auth.zones.append(FakeZone(apex: "off.example.test.", servers: [StrictPolicyTests.offServer],
                                   records: [Wire.a("www.off.example.test", [192, 0, 2, 81])]))
        auth.zones[2].delegations["off.example.test."] = ["ns.off.example.test."]
        auth.zones[2].records.append(Wire.a("ns.off.example.test", [127, 9, 0, 6]))   // glue from the strict parent
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "ns1.example.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([AuthPolicy(domain: .root, kind: .opportunistic), strict("example.test"),
                         AuthPolicy(domain: Wire.name("off.example.test"), kind: .off)].sorted(by: AuthPolicy.moreSpecific))
        XCTAssertEqual(answer(&h, &auth, &dot, "www.example.test").rcode, .noError)
        let probesBefore = h.net.probes
        XCTAssertTrue(probesBefore.contains(StrictPolicyTests.root), "'.' is opportunistic: the root is probed")
        XCTAssertFalse(probesBefore.contains(StrictPolicyTests.ns1) || probesBefore.contains(StrictPolicyTests.ns2),
                       "a strict server is never probed")
        let p = answer(&h, &auth, &dot, "www.off.example.test")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 81])
        XCTAssertTrue(dot.plain.contains(StrictPolicyTests.offServer), "off: plain")
        XCTAssertFalse(h.net.probes.contains(StrictPolicyTests.offServer), "off: no probe either")
        XCTAssertFalse(dot.named.contains { $0.server == StrictPolicyTests.offServer })
        XCTAssertTrue(dot.named.contains { $0.server == StrictPolicyTests.ns1 || $0.server == StrictPolicyTests.ns2 },
                      "the referral to off.example.test came from the strict parent over DoT")
    }

    /// Requirements 8 and 9: `list server` narrows a section. The shared
    /// server is strict for a.test (named in a.test's section) and plain
    /// for b.test; example.test is strict only for ns2 (ns1: plain).
    func testListServerNarrowsPerZoneAndPerServer() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.shared): "ns.shared.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([strict("a.test", servers: ["ns.shared.test"]),
                         strict("example.test", profile: StrictPolicyTests.strictProfile + 1, servers: ["ns2.example.test"])]
            .sorted(by: AuthPolicy.moreSpecific))
        XCTAssertEqual(answer(&h, &auth, &dot, "www.a.test").rcode, .noError)
        XCTAssertTrue(dot.named.contains { $0.server == StrictPolicyTests.shared && $0.name == "ns.shared.test." })
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.shared), "strict for a.test")
        XCTAssertEqual(answer(&h, &auth, &dot, "www.b.test").rcode, .noError)
        XCTAssertTrue(dot.plain.contains(StrictPolicyTests.shared), "the same server is plain for b.test")

        // ns1 is not named: plain; ns2 is: DoT with its name, never plain.
        for _ in 0..<6 {
            _ = answer(&h, &auth, &dot, "x\(dot.plain.count).example.test")
        }
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.ns2), "ns2 is strict")
        XCTAssertTrue(dot.plain.contains(StrictPolicyTests.ns1) || dot.named.contains { $0.server == StrictPolicyTests.ns2 })
        XCTAssertFalse(dot.named.contains { $0.server == StrictPolicyTests.ns1 }, "ns1 is not named in the section")
        // An address in `list server` works the same way.
        var byAddress = harness([strict("b.test", addresses: [StrictPolicyTests.shared])])
        auth = StrictPolicyTests.hierarchy()
        dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.shared): "ns.shared.test"])
        XCTAssertEqual(answer(&byAddress, &auth, &dot, "www.b.test").rcode, .noError)
        XCTAssertTrue(dot.named.contains { $0.server == StrictPolicyTests.shared })
        XCTAssertFalse(dot.plain.contains(StrictPolicyTests.shared))
    }

    /// Requirement 5: a strict zone whose NS names are in the zone itself
    /// and come without glue. Their addresses could only come from the
    /// zone's own servers: they are never looked up through it (that would
    /// wait on itself); the parent is asked again (bounded) and the answer
    /// is SERVFAIL, well within the request's deadline, with every task
    /// ended. No query at all reaches a strict server, plain or DoT.
    func testStrictZoneWithInZoneNamesAndNoGlueCannotDeadlock() {
        var auth = StrictPolicyTests.hierarchy(nsGlue: false)
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "ns1.example.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([strict("example.test")])
        let start = h.nowMs
        _ = h.ask(1, Wire.query("www.example.test", .a))
        for _ in 0..<60 where h.net.answers.isEmpty {
            pump(&h, &auth, &dot)
            if h.net.answers.isEmpty { h.advance(100) }
        }
        XCTAssertEqual(h.net.answers.count, 1, "answered, never hung")
        XCTAssertLessThanOrEqual(h.nowMs - start, 6_000, "within the request's budget")
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        XCTAssertTrue(dot.named.isEmpty && !dot.plain.contains(StrictPolicyTests.ns1) && !dot.plain.contains(StrictPolicyTests.ns2))
        XCTAssertFalse(auth.queries.contains { $0.name.hasSuffix("example.test.") && $0.type == .a
            && ($0.server == StrictPolicyTests.ns1 || $0.server == StrictPolicyTests.ns2) })
    }

    /// Requirement 5, the other way out: with glue from the parent (names
    /// and addresses come from test.'s referral, over test.'s own
    /// transport), the strict in-zone servers authenticate by the names
    /// the referral gave, and the zone resolves.
    func testStrictZoneWithInZoneNamesAndGlueResolvesThroughTheParentOnly() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork(certificates: [FakeAuthorities.key(StrictPolicyTests.ns1): "ns1.example.test",
                                            FakeAuthorities.key(StrictPolicyTests.ns2): "ns2.example.test"])
        var h = harness([strict("example.test")])
        XCTAssertEqual(answer(&h, &auth, &dot, "www.example.test").rcode, .noError)
        // Whatever was asked before the first DoT query went to the root and the TLD.
        XCTAssertFalse(auth.queries.contains { q in
            (q.server == StrictPolicyTests.ns1 || q.server == StrictPolicyTests.ns2)
                && !dot.named.contains { $0.server == q.server } })
    }

    /// An address whose NS name is unknown cannot be authenticated by
    /// name: strict '.' with the compiled-in root addresses (no root NS set
    /// cached yet) fails closed with its own EDE text, and nothing is sent
    /// to the root at all, plain or DoT.
    func testServerWithoutKnownNSNameIsFailedClosed() {
        var auth = StrictPolicyTests.hierarchy()
        var dot = DoTNetwork()
        var h = harness([strict(".")])
        XCTAssertNil(h.core.nsName(serving: StrictPolicyTests.root, zone: .root, nowMs: h.nowMs))
        let p = answer(&h, &auth, &dot, "www.example.test")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        XCTAssertTrue((p.edeTexts.first ?? "").hasPrefix("127.9.0.1") && (p.edeTexts.first ?? "").contains("no NS name"),
                      "\(p.edeTexts)")
        XCTAssertTrue(h.net.sent.isEmpty, "sent \(h.net.sent.count) queries")
        XCTAssertTrue(auth.queries.isEmpty)
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Strict DoT (seed 004) to servers that come from in-tree hints
/// (draft-kolkman-dns-in-tree-hints §2.1) or the root hints, in virtual
/// time (Sources/Resolver/ConfiguredNSNames.swift): the hint names each
/// address's nameserver, so strict authenticates it by that name — the CA
/// bundle with the name (RFC 8310 §8.1), or a secure TLSA at
/// `_853._tcp.<name>` (RFC 7671, RFC 7858 §3.2 port) — and never falls back
/// to plain DNS. Requirement 5: the name and the address come from the
/// configuration; the TLSA of an in-domain hint name comes from the hinted
/// servers authenticated by the CA path with the hint's name (never by a
/// TLSA), that of a name outside the domain from that name's own zone.
///
/// ChainOfTrustTests' signed hierarchy, with a hint for `signed.example.`:
/// `ns.signed.example` (127.9.0.3, in-domain) and `ns2.example` (127.9.0.9,
/// also serving the zone). StrictDANETests' fake DoT network answers a
/// `.tlsNamed` query when the certificate's name is the name it carries, a
/// `.tlsDANE` one when a TLSA record matches the server's SPKI.
final class StrictHintTests: XCTestCase {
    static let root = ChainOfTrustTests.root
    static let example = ChainOfTrustTests.example
    static let signedServer = ChainOfTrustTests.signedServer   // ns.signed.example
    static let second = FakeAuthorities.address(9)              // ns2.example
    static let spki = StrictDANETests.spki

    /// The hierarchy; `second` serves signed.example. too; `signed` and
    /// `example` records are added, signed, to those zones.
    static func hierarchy(signed: [Wire.RR] = [], example: [Wire.RR] = []) -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        for i in auth.zones.indices {
            switch auth.zones[i].apex {
            case "signed.example.":
                auth.zones[i].servers.append(second)
                auth.zones[i].records += ChainOfTrustTests.signedKey.signAll(signed)
            case "example.":
                auth.zones[i].records += ChainOfTrustTests.exampleKey.signAll(example)
            default:
                break
            }
        }
        return auth
    }

    /// Strict for `domains` (CA bundle with the NS name, DANE first when a
    /// secure TLSA exists); the hint for signed.example. unless `hint` is
    /// false; the root hints name 127.9.0.1 `a.root.test` when `rootNames`.
    func harness(strict domains: [String], hint: Bool = true, rootNames: Bool = false) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.qnameMinimisation = false
        s.inTreeHintCount = 1
        s.authPolicies = domains.enumerated().map { k, d in
            AuthPolicy(domain: Wire.name(d), kind: .strict, tlsProfile: ResolverCore.authTLSProfile + 1 + Int32(k),
                       authentication: .caWithNSName)
        }.sorted(by: AuthPolicy.moreSpecific)
        var h = Harness(settings: s, rootServers: [StrictHintTests.root],
                        rootServerNames: rootNames ? [Wire.name("a.root.test.")] : [])
        h.anchorAtExample()
        if hint {
            XCTAssertTrue(h.core.addInTreeHint(InTreeHint(
                domain: Wire.name("signed.example."), addresses: [StrictHintTests.signedServer, StrictHintTests.second],
                inDomainCount: 1, nameservers: [Wire.name("ns.signed.example."), Wire.name("ns2.example.")],
                addressOwners: [0, 1])))
            XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("signed.example."), type: .dnskey,
                                                rdatas: [ChainOfTrustTests.signedKey.dnskeyRData]))
        }
        return h
    }

    func plainTo(_ dot: StrictDANETests.DoT, _ servers: ServerAddress...) -> [(ServerAddress, String)] {
        dot.plain.filter { q in servers.contains(q.0) }
    }

    /// The hint's names are known before anything is asked; the parent's
    /// delegation is never consulted for them.
    func testHintedAddressesCarryTheHintsNSNames() {
        var h = harness(strict: ["signed.example"])
        let zone = Wire.name("signed.example.")
        XCTAssertEqual(h.core.nsName(serving: StrictHintTests.signedServer, zone: zone, nowMs: h.nowMs),
                       Wire.name("ns.signed.example."))
        XCTAssertEqual(h.core.nsName(serving: StrictHintTests.second, zone: zone, nowMs: h.nowMs), Wire.name("ns2.example."))
        XCTAssertNil(h.core.nsName(serving: StrictHintTests.example, zone: zone, nowMs: h.nowMs), "not in the hint")
        // A hint that gives no owner per address names nobody: nothing is guessed.
        var bare = harness(strict: ["signed.example"], hint: false)
        XCTAssertTrue(bare.core.addInTreeHint(InTreeHint(domain: zone, addresses: [StrictHintTests.signedServer],
                                                         inDomainCount: 1, nameservers: [Wire.name("ns.signed.example.")])))
        XCTAssertNil(bare.core.nsName(serving: StrictHintTests.signedServer, zone: zone, nowMs: bare.nowMs))
    }

    /// CA bundle with the hint's name: every query to the hinted servers
    /// (the DNSKEY fetch and the answer) goes over DoT with the name the
    /// hint gives, none in plain, and the parent is never asked about the
    /// domain. Before this, strict on a hinted domain failed closed with
    /// "no NS name known".
    func testStrictHintedDomainAuthenticatesByTheHintsNameWithTheCABundle() {
        var auth = StrictHintTests.hierarchy()
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.signedServer): "ns.signed.example",
                                              FakeAuthorities.key(StrictHintTests.second): "ns2.example"])
        var h = harness(strict: ["signed.example"])
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertEqual(p.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad, "validated under the hint's anchor")
        XCTAssertTrue(dot.named.contains { $0.0 == StrictHintTests.signedServer && $0.1 == "www.signed.example." })
        XCTAssertTrue(plainTo(dot, StrictHintTests.signedServer, StrictHintTests.second).isEmpty, "plain to a strict server")
        XCTAssertFalse(auth.queries.contains { ($0.server == StrictHintTests.root || $0.server == StrictHintTests.example)
            && $0.name.hasSuffix("signed.example.") }, "the parent was asked about the hinted domain")
        XCTAssertEqual(h.core.stats.strictDoTFailures, 0, "each server carried its own hint name")
    }

    /// Certificates that match neither hint name: both hinted servers fail
    /// closed (never plain), SERVFAIL with EDE 23 naming the server by
    /// the hint's NS name and its address.
    func testWrongCertificatesFailClosedWithTheHintsNameInTheEDE() {
        var auth = StrictHintTests.hierarchy()
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.signedServer): "wrong.test",
                                              FakeAuthorities.key(StrictHintTests.second): "wrong.test"])
        var h = harness(strict: ["signed.example"])
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        let text = p.edeTexts.first ?? ""
        XCTAssertTrue(text.hasPrefix("ns.signed.example (127.9.0.3) strict DoT: certificate")
                      || text.hasPrefix("ns2.example (127.9.0.9) strict DoT: certificate"), text)
        XCTAssertTrue(text.hasSuffix("not asked in plain"), text)
        XCTAssertTrue(plainTo(dot, StrictHintTests.signedServer, StrictHintTests.second).isEmpty, "plain to a strict server")
        XCTAssertTrue(dot.named.contains { $0.0 == StrictHintTests.second }, "the other hinted server was tried")
    }

    /// DANE for an in-domain hint name: the TLSA at
    /// `_853._tcp.ns.signed.example` lives in the hinted zone, so its
    /// look-up reaches the hinted server authenticated by the CA bundle
    /// with the hint's name (never by a TLSA: requirement 5), once; the
    /// answer's query then goes with the TLSA (`.tlsDANE`), validated.
    func testDANEForAnInDomainHintNameFetchesItsTLSAOverTheCAPath() {
        let owner = "_853._tcp.ns.signed.example."
        var auth = StrictHintTests.hierarchy(signed: [StrictDANETests.tlsa(owner, StrictHintTests.spki)])
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.signedServer): "ns.signed.example"],
                                      spkis: [FakeAuthorities.key(StrictHintTests.signedServer): StrictHintTests.spki])
        var h = harness(strict: ["signed.example"])
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertTrue(p.ad)
        XCTAssertEqual(h.core.stats.tlsaLookups, 1, "one TLSA look-up, none nested")
        XCTAssertTrue(dot.named.contains { $0.0 == StrictHintTests.signedServer && $0.1 == owner && $0.2 == .tlsa },
                      "the TLSA came from the hinted server over the CA path: \(dot.named)")
        XCTAssertTrue(dot.dane.contains { $0.0 == StrictHintTests.signedServer && $0.1 == "www.signed.example." },
                      "\(dot.dane)")
        XCTAssertTrue(plainTo(dot, StrictHintTests.signedServer, StrictHintTests.second).isEmpty)
    }

    /// Requirement 5, the dead end through a hint: the in-domain hinted
    /// server fits only its TLSA, which lives in the hinted zone and can
    /// be fetched only over the CA path from that same server (wrong
    /// name); the other hinted server fits nothing. The look-ups are not
    /// repeated or nested (one per hint name at most), nothing waits on
    /// itself: SERVFAIL with EDE 23 within the request's budget, every
    /// task ended, nothing plain to either server.
    func testDANEOnlyInDomainHintedServerFailsClosedWithoutLooping() {
        let owner = "_853._tcp.ns.signed.example."
        var auth = StrictHintTests.hierarchy(signed: [StrictDANETests.tlsa(owner, StrictHintTests.spki)])
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.signedServer): "self-signed.invalid"],
                                      spkis: [FakeAuthorities.key(StrictHintTests.signedServer): StrictHintTests.spki])
        var h = harness(strict: ["signed.example"])
        let start = h.nowMs
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [23])
        XCTAssertLessThanOrEqual(h.nowMs - start, 6_000)
        XCTAssertLessThanOrEqual(h.core.stats.tlsaLookups, 2, "one TLSA look-up per hint name, none nested")
        XCTAssertTrue(dot.dane.isEmpty)
        XCTAssertTrue(plainTo(dot, StrictHintTests.signedServer, StrictHintTests.second).isEmpty)
    }

    /// DANE for a hint name outside the domain, on a server that only DANE
    /// can authenticate (its certificate is for no NS name): its TLSA at
    /// `_853._tcp.ns2.example` is looked up in example. (anchored, not
    /// strict), never through the hinted servers, and decides. The
    /// in-domain server fits nothing and fails closed first.
    func testDANEOnlyHintedServerNamedOutsideTheDomainUsesItsOwnZonesTLSA() {
        let owner = "_853._tcp.ns2.example."
        var auth = StrictHintTests.hierarchy(example: [StrictDANETests.tlsa(owner, StrictHintTests.spki)])
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.signedServer): "self-signed.invalid",
                                              FakeAuthorities.key(StrictHintTests.second): "self-signed.invalid"],
                                      spkis: [FakeAuthorities.key(StrictHintTests.signedServer): StrictDANETests.otherSPKI,
                                              FakeAuthorities.key(StrictHintTests.second): StrictHintTests.spki])
        var h = harness(strict: ["signed.example"])
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertTrue(p.ad)
        XCTAssertTrue(dot.dane.contains { $0.0 == StrictHintTests.second && $0.1 == "www.signed.example." }, "\(dot.dane)")
        XCTAssertTrue(auth.queries.contains { $0.server == StrictHintTests.example && $0.name == owner },
                      "ns2.example's TLSA from example.'s own server")
        XCTAssertFalse(auth.queries.contains { $0.name == owner
            && ($0.server == StrictHintTests.signedServer || $0.server == StrictHintTests.second) })
        XCTAssertTrue(plainTo(dot, StrictHintTests.signedServer, StrictHintTests.second).isEmpty)
    }

    /// Strict '.': the root hints name their servers (named.root NS and
    /// A records), so the root is authenticated by that name from the
    /// first query (priming included), never in plain. With a certificate
    /// for another name: SERVFAIL, EDE 23 naming `a.root.test (127.9.0.1)`.
    func testStrictRootAuthenticatesTheRootHintsName() {
        var auth = StrictHintTests.hierarchy()
        // '.' and everything below it: example.'s server by its (cached) NS name.
        var dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.root): "a.root.test",
                                              FakeAuthorities.key(StrictHintTests.example): "ns1.example"])
        var h = harness(strict: ["."], hint: false, rootNames: true)
        XCTAssertEqual(h.core.nsName(serving: StrictHintTests.root, zone: .root, nowMs: h.nowMs), Wire.name("a.root.test."))
        let p = StrictDANETests.resolve(&h, &auth, &dot, "www.example")
        XCTAssertEqual(p.rcode, .noError, "\(p.edeTexts)")
        XCTAssertTrue(dot.named.contains { $0.0 == StrictHintTests.root }, "the root over DoT with its name")
        XCTAssertTrue(plainTo(dot, StrictHintTests.root, StrictHintTests.example).isEmpty, "plain to a strict server")
        XCTAssertEqual(h.core.stats.strictDoTFailures, 0)

        auth = StrictHintTests.hierarchy()
        dot = StrictDANETests.DoT(names: [FakeAuthorities.key(StrictHintTests.root): "other.test",
                                          FakeAuthorities.key(StrictHintTests.example): "ns1.example"])
        h = harness(strict: ["."], hint: false, rootNames: true)
        let failed = StrictDANETests.resolve(&h, &auth, &dot, "www.example")
        XCTAssertEqual(failed.rcode, .servFail)
        XCTAssertEqual(failed.ede, [23])
        XCTAssertTrue((failed.edeTexts.first ?? "").hasPrefix("a.root.test (127.9.0.1) strict DoT: certificate"),
                      "\(failed.edeTexts)")
        XCTAssertTrue(plainTo(dot, StrictHintTests.root).isEmpty)
    }
}

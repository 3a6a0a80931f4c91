import XCTest
import Cache
import DNSWire
@testable import Resolver

/// The chain of trust across delegations, with zones signed in the test
/// (TestSigner, Ed25519): a DNSKEY trust anchor for `example.`, a signed
/// child with a DS, an unsigned child proven by NSEC, an unsigned child on
/// the parent's own servers (no referral), and a child whose DS is wrong.
extension Harness {
    /// The hierarchy's trust anchor (`example.` DNSKEY) and a wall clock
    /// inside its signatures' validity: what every validating test starts with.
    mutating func anchorAtExample(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                               rdatas: [ChainOfTrustTests.exampleKey.dnskeyRData]), file: file, line: line)
        core.setWallClock(realtimeSeconds: ChainOfTrustTests.now2026, nowMs: nowMs)
    }
}

final class ChainOfTrustTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let example = FakeAuthorities.address(2)
    static let signedServer = FakeAuthorities.address(3)
    static let insecureServer = FakeAuthorities.address(4)
    static let bogusServer = FakeAuthorities.address(5)

    static let exampleKey = TestSigner(zone: "example.", seedByte: 1)
    static let signedKey = TestSigner(zone: "signed.example.", seedByte: 2)
    static let bogusKey = TestSigner(zone: "bogus.example.", seedByte: 3)
    static let now2026: Int64 = 1_767_225_600

    static func hierarchy(stripSignedChild: Bool = false, wildcardProof: Bool = true) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        let parent = exampleKey.signAll([
            exampleKey.dnskey,
            Wire.a("ns1.example", [127, 9, 0, 2]),
            Wire.a("www.example", [192, 0, 2, 1]),
            signedKey.ds(),
            bogusKey.ds(corrupt: true),
            TestSigner.nsec("insecure.example.", next: "ns1.example.", types: [.ns, .rrsig, .nsec]),
            TestSigner.nsec("unsigned.example.", next: "www.example.", types: [.ns, .rrsig, .nsec]),
        ]) + [Wire.a("ns.signed.example", [127, 9, 0, 3]), Wire.a("ns.insecure.example", [127, 9, 0, 4]),
              Wire.a("ns.bogus.example", [127, 9, 0, 5])]
        auth.zones.append(FakeZone(apex: "example.", servers: [example], records: parent, delegations: [
            "signed.example.": ["ns.signed.example."], "insecure.example.": ["ns.insecure.example."],
            "bogus.example.": ["ns.bogus.example."], "unsigned.example.": ["ns1.example."]]))
        var child = signedKey.signAll([
            signedKey.dnskey,
            Wire.a("ns.signed.example", [127, 9, 0, 3]),
            Wire.a("www.signed.example", [192, 0, 2, 3]),
            TestSigner.nsec("www.signed.example.", next: "signed.example.", types: [.a, .rrsig, .nsec]),
        ])
        if stripSignedChild { child.removeAll { $0.type == .rrsig && $0.owner.hasPrefix("www") && $0.rdata[1] == 1 } }
        // x.w.signed.example comes from *.w.signed.example; the NSEC there
        // (next: www) covers x.w and proves the name itself does not exist.
        child += signedKey.expand([Wire.a("*.w.signed.example", [192, 0, 2, 7])], as: "x.w.signed.example")
        let cover = TestSigner.nsec("*.w.signed.example.", next: "www.signed.example.", types: [.a, .rrsig, .nsec])
        var zone = FakeZone(apex: "signed.example.", servers: [signedServer], records: child)
        if wildcardProof { zone.answerAuthority["x.w.signed.example."] = signedKey.signAll([cover]) }
        auth.zones.append(zone)
        auth.zones.append(FakeZone(apex: "insecure.example.", servers: [insecureServer], records: [
            Wire.a("ns.insecure.example", [127, 9, 0, 4]), Wire.a("www.insecure.example", [192, 0, 2, 4])]))
        auth.zones.append(FakeZone(apex: "unsigned.example.", servers: [example], records: [
            Wire.a("www.unsigned.example", [192, 0, 2, 5])]))
        auth.zones.append(FakeZone(apex: "bogus.example.", servers: [bogusServer], records: bogusKey.signAll([
            bogusKey.dnskey, Wire.a("ns.bogus.example", [127, 9, 0, 5]), Wire.a("www.bogus.example", [192, 0, 2, 6])])))
        return auth
    }

    func harness(use0x20: Bool = false) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.use0x20 = use0x20
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, cd: Bool = false) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, .a, id: 3, dnssecOK: true, cd: cd))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func addresses(_ p: Wire.Parsed) -> [[UInt8]] { p.answers.filter { $0.type == .a }.map { $0.rdata } }

    func testAnchorToDSToChildIsSecure() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.name == "signed.example." && $0.type == .ds && $0.server == ChainOfTrustTests.example })
        XCTAssertTrue(auth.queries.contains { $0.name == "signed.example." && $0.type == .dnskey })
        // The validated keys and DS are cached: the parent's own data costs no new key fetch.
        let fetches = h.core.stats.keyFetches
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        XCTAssertEqual(h.core.stats.keyFetches, fetches)
    }

    func testRandomisedCaseStillValidates() {
        var h = harness(use0x20: true)
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad, "canonical form lowercases whatever case went on the wire")
    }

    func testWildcardAnswerNeedsItsNSECProof() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "x.w.signed.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 7]])
        XCTAssertTrue(p.ad)

        var h2 = harness()
        var stripped = ChainOfTrustTests.hierarchy(wildcardProof: false)
        let bogus = resolve(&h2, &stripped, "x.w.signed.example")
        XCTAssertEqual(bogus.rcode, .servFail, "an expansion without proof could hide the real name")
        XCTAssertEqual(bogus.ede, [EDECode.nsecMissing.rawValue])
    }

    func testDelegationWithoutDSIsInsecure() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.insecure.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 4]])
        XCTAssertFalse(p.ad)
    }

    func testUnsignedChildOnTheParentsServersIsInsecure() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.unsigned.example")
        XCTAssertEqual(p.rcode, .noError, "an unsigned child zone is not a stripped signature")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 5]])
        XCTAssertFalse(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.name == "unsigned.example." && $0.type == .ds },
                      "the cut was found by asking the parent for a DS")
    }

    func testStrippedSignaturesInASignedChildAreBogus() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy(stripSignedChild: true)
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.rrsigsMissing.rawValue])
    }

    func testWrongDSIsBogusButCDGetsTheData() {
        var h = harness()
        var auth = ChainOfTrustTests.hierarchy()
        let p = resolve(&h, &auth, "www.bogus.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.dnskeyMissing.rawValue])
        let cd = resolve(&h, &auth, "www.bogus.example", cd: true)
        XCTAssertEqual(cd.rcode, .noError)
        XCTAssertEqual(addresses(cd), [[192, 0, 2, 6]])
        XCTAssertFalse(cd.ad)
    }

    /// Mangled, lost and duplicated authoritative replies while validating
    /// (the recursive twin of ForwardValidationTests' mangled-upstream
    /// test): one answer per client, no crash, nothing leaked.
    func testMangledAuthorityRepliesAlwaysEnd() {
        let seed = UInt64(ProcessInfo.processInfo.environment["SPRIG_SEED"] ?? "") ?? 11
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.maxClients = 16
        s.maxOutgoing = 24
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        var auth = ChainOfTrustTests.hierarchy()
        h.runHostile(seed: seed, clients: 300,
                     names: ["www.signed.example", "www.insecure.example", "www.bogus.example", "x.w.signed.example",
                             "www.unsigned.example", "www.example"],
                     world: &auth, respond: { world, sent in world.respond(to: sent.bytes, at: sent.server) })
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver
@testable import Validator

/// Issue 12 item 8: an operator's trust anchors add to the root anchors.
/// One owner's anchors form one set, and a zone's DNSKEY RRset is secure
/// when any one of them designates a key that signs it (RFC 4035 §5.2; RFC
/// 4033 §2 "trust anchor"): a private test root's anchor beside the real
/// root's KSKs validates whichever root answers. The anchor set that goes
/// unused must not disturb RFC 5011 (RFC 5011 §2: only keys of a validated
/// key set enter the state) nor count as unusable keys. Signed root here.
final class TrustAnchorSetTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let example = FakeAuthorities.address(2)
    /// The private (test bed) root and a stand-in for the real root's KSK.
    static let testRoot = TestSigner(zone: ".", seedByte: 21)
    static let realRoot = TestSigner(zone: ".", seedByte: 22)
    static let exampleKey = TestSigner(zone: "example.", seedByte: 23)
    static let now2026: Int64 = 1_767_225_600

    /// A root signed by `rootKey`, delegating to a signed `example.`.
    static func hierarchy(rootKey: TestSigner) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root],
            records: rootKey.signAll([rootKey.dnskey, exampleKey.ds()]) + [Wire.a("ns1.example", [127, 9, 0, 2])],
            delegations: ["example.": ["ns1.example."]]))
        auth.zones.append(FakeZone(apex: "example.", servers: [example], records: exampleKey.signAll([
            exampleKey.dnskey, Wire.a("ns1.example", [127, 9, 0, 2]), Wire.a("www.example", [192, 0, 2, 1])])))
        return auth
    }

    static func ds(_ key: TestSigner) -> [UInt8] { key.ds().rdata }

    func engine(_ anchors: [ConfiguredAnchor], state: [UInt8]? = nil) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [TrustAnchorSetTests.root])
        if let state { XCTAssertTrue(h.core.loadAnchorState(state)) }   // before the anchors, as sprigd does
        XCTAssertTrue(h.core.addTrustAnchors(owner: .root, anchors))
        h.core.setWallClock(realtimeSeconds: TrustAnchorSetTests.now2026, nowMs: h.nowMs)
        return h
    }

    func ask(_ h: inout Harness, _ auth: inout FakeAuthorities) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query("www.example", .a, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1)
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    static let compiledIn = ConfiguredAnchor(isDS: true, rdata: ds(realRoot), addedByOperator: false)
    static let listed = ConfiguredAnchor(isDS: true, rdata: ds(testRoot), addedByOperator: true)

    func testEitherRootValidatesWithBothAnchorSets() {
        for (rootKey, name) in [(TrustAnchorSetTests.testRoot, "private root"), (TrustAnchorSetTests.realRoot, "real root")] {
            var h = engine([TrustAnchorSetTests.compiledIn, TrustAnchorSetTests.listed])
            var auth = TrustAnchorSetTests.hierarchy(rootKey: rootKey)
            let p = ask(&h, &auth)
            XCTAssertEqual(p.rcode, .noError, name)
            XCTAssertTrue(p.ad, name)
            XCTAssertEqual(h.core.stats.anchorKeysUnusable, 0, "\(name): the unused anchor is not an unusable key set")
            // RFC 5011 learned the one key that signs, nothing of the other set.
            XCTAssertEqual(h.core.anchorTrustedKeyCount, 1, name)
            XCTAssertEqual(h.core.validation.anchorState.pointee.keyCount(of: .root), 1, name)
            XCTAssertEqual(h.core.validation.anchorState.pointee.state(ofKeyTag: rootKey.keyTag, owner: .root), .valid)
        }
    }

    /// Failing before (sprigd kept DS anchors and dropped an owner's DNSKEY
    /// ones): a DNSKEY line beside the compiled-in DS set still counts.
    func testDNSKEYAnchorBesideDSAnchorsOfTheSameOwner() {
        let key = ConfiguredAnchor(isDS: false, rdata: TrustAnchorSetTests.testRoot.dnskeyRData, addedByOperator: true)
        var h = engine([TrustAnchorSetTests.compiledIn, key])
        var auth = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.testRoot)
        XCTAssertTrue(ask(&h, &auth).ad)
        var other = engine([TrustAnchorSetTests.compiledIn, key])
        var real = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.realRoot)
        XCTAssertTrue(ask(&other, &real).ad)
    }

    /// A key set that matches none of the anchors is bogus, and counted.
    func testNoMatchingAnchorIsBogusAndCounted() {
        var h = engine([TrustAnchorSetTests.compiledIn, TrustAnchorSetTests.listed])
        var auth = TrustAnchorSetTests.hierarchy(rootKey: TestSigner(zone: ".", seedByte: 24))
        let p = ask(&h, &auth)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertGreaterThan(h.core.stats.anchorKeysUnusable, 0)
        XCTAssertEqual(h.core.anchorTrustedKeyCount, 0)
    }

    /// The RFC 5011 state saved while the real root answered trusts only
    /// its key; the operator then adds a private root's anchor. Failing
    /// before: the state's keys were the only anchors, so the private root
    /// was bogus until anchors.state was deleted by hand.
    func testAnchorAddedAfterTheStateWasSavedStandsIn() {
        var first = engine([TrustAnchorSetTests.compiledIn])
        var real = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.realRoot)
        XCTAssertTrue(ask(&first, &real).ad)
        let saved = first.core.anchorStateToPersist(nowMs: first.nowMs, isShutdown: true)
        XCTAssertNotNil(saved)

        var h = engine([TrustAnchorSetTests.compiledIn, TrustAnchorSetTests.listed], state: saved)
        var auth = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.testRoot)
        let p = ask(&h, &auth)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.ad)
        XCTAssertEqual(h.core.validation.anchorState.pointee.state(ofKeyTag: TrustAnchorSetTests.testRoot.keyTag,
                                                                        owner: .root), .valid,
                       "the added anchor's key joins the RFC 5011 state")
        XCTAssertEqual(h.core.stats.anchorKeysUnusable, 0)
        // The real root still validates: its key is still trusted (Missing at most).
        var back = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.realRoot)
        h.advance(4_000_000)   // past the cached root DNSKEY set
        XCTAssertTrue(ask(&h, &back).ad)
    }

    /// Only the operator's own additions stand in: a compiled-in (or file)
    /// anchor's key is RFC 5011's business — it may have been rolled away
    /// or revoked and forgotten — so the state's verdict holds.
    func testCompiledInAnchorDoesNotOverrideTheState() {
        var first = engine([TrustAnchorSetTests.compiledIn])
        var real = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.realRoot)
        XCTAssertTrue(ask(&first, &real).ad)
        let saved = first.core.anchorStateToPersist(nowMs: first.nowMs, isShutdown: true)
        let seed = ConfiguredAnchor(isDS: true, rdata: TrustAnchorSetTests.ds(TrustAnchorSetTests.testRoot),
                                    addedByOperator: false)
        var h = engine([TrustAnchorSetTests.compiledIn, seed], state: saved)
        var auth = TrustAnchorSetTests.hierarchy(rootKey: TrustAnchorSetTests.testRoot)
        XCTAssertEqual(ask(&h, &auth).rcode, .servFail)
    }

    /// Repeats count once; the operator's anchors come first in the store.
    func testDuplicatesCountOnceAndTheOperatorsComeFirst() {
        let h = engine([TrustAnchorSetTests.compiledIn, TrustAnchorSetTests.listed, TrustAnchorSetTests.compiledIn,
                        TrustAnchorSetTests.listed])
        XCTAssertEqual(h.core.validation.anchors.anchors(at: .root)?.rdatas.count, 2)
        let added = h.core.validation.anchors.operatorAddedAnchors(at: .root)
        XCTAssertEqual(added?.rdatas.count, 1)
        XCTAssertEqual(added.map { l in l.rdatas.map { Array($0.rdata) } }, [TrustAnchorSetTests.ds(TrustAnchorSetTests.testRoot)])
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver
import Validator
import Hints

/// In-tree hints (draft-kolkman-dns-in-tree-hints §2.1, §3.3) in virtual
/// time: a signed root (anchored) delegates to the signed `example.`,
/// which delegates to the signed `signed.example.`; a hint for `example.`
/// (and in some tests one for `signed.example.`) gives its servers and its
/// DNSKEY anchor. The parent then withdraws the delegation, publishes a
/// wrong DS, or delegates to a server of its own: the hinted domain still
/// resolves, with AD, from the hint's servers only.
final class InTreeHintTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let example = FakeAuthorities.address(2)        // ns1.example (in-domain)
    static let signedServer = FakeAuthorities.address(3)   // ns.signed.example
    static let outOfDomain = FakeAuthorities.address(7)    // ns.other.net, also serves example.
    static let hijacker = FakeAuthorities.address(66)      // the parent's bogus delegation

    static let rootKey = TestSigner(zone: ".", seedByte: 9)
    static let exampleKey = TestSigner(zone: "example.", seedByte: 1)
    static let signedKey = TestSigner(zone: "signed.example.", seedByte: 2)
    static let now2026: Int64 = 1_767_225_600

    enum Parent { case honest, withdrawn, wrongDS, hijacked }

    static let second = FakeAuthorities.address(8)   // ns2.example: in the child's NS set only (learning)

    static func hierarchy(_ parent: Parent = .honest, exampleDelegatesSigned: Bool = true,
                          inTree: String? = nil, childNS: [String] = []) -> FakeAuthorities {
        var auth = FakeAuthorities()
        var rootRecords = [rootKey.dnskey]
        var delegations: [String: [String]] = [:]
        var glue: [Wire.RR] = []
        switch parent {
        case .honest, .wrongDS:
            rootRecords.append(exampleKey.ds(corrupt: parent == .wrongDS))
            delegations["example."] = ["ns1.example."]
            glue.append(Wire.a("ns1.example", [127, 9, 0, 2]))
        case .withdrawn:
            rootRecords.append(TestSigner.nsec(".", next: ".", types: [.ns, .soa, .rrsig, .nsec, .dnskey]))
        case .hijacked:
            // Unsigned delegation to a server of the parent's choosing.
            rootRecords.append(TestSigner.nsec("example.", next: ".", types: [.ns, .rrsig, .nsec]))
            delegations["example."] = ["ns.hijack.example."]
            glue.append(Wire.a("ns.hijack.example", [127, 9, 0, 66]))
        }
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: rootKey.signAll(rootRecords) + glue,
                                   delegations: delegations))
        let exampleRecords = exampleKey.signAll([
            exampleKey.dnskey,
            Wire.a("ns1.example", [127, 9, 0, 2]),
            Wire.a("www.example", [192, 0, 2, 1]),
            signedKey.ds(corrupt: !exampleDelegatesSigned),
        ] + (inTree.map { [Wire.RR(owner: "_in-tree.example", type: .txt, ttl: 300,
                                   rdata: [UInt8($0.utf8.count)] + Array($0.utf8))] } ?? [])
          + childNS.map { Wire.RR(owner: "example", type: .ns, ttl: 3600, rdata: Wire.name($0).wireBytes) }
          + (childNS.contains("ns2.example.") ? [Wire.a("ns2.example", [127, 9, 0, 8])] : []))
            + [Wire.a("ns.signed.example", [127, 9, 0, 3])]
        auth.zones.append(FakeZone(apex: "example.", servers: [example, outOfDomain, second], records: exampleRecords,
                                   delegations: ["signed.example.": ["ns.signed.example."]]))
        auth.zones.append(FakeZone(apex: "signed.example.", servers: [signedServer], records: signedKey.signAll([
            signedKey.dnskey, Wire.a("ns.signed.example", [127, 9, 0, 3]), Wire.a("www.signed.example", [192, 0, 2, 3])])))
        auth.zones.append(FakeZone(apex: "example.", servers: [hijacker], records: [
            Wire.a("www.example", [203, 0, 113, 66])]))
        return auth
    }

    /// `hints`: the domains hinted, each with its servers (in-domain first).
    func harness(hints: [String] = ["example."], exampleNS: [String] = ["ns1.example."]) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.inTreeHintCount = hints.count
        var h = Harness(settings: s, rootServers: [InTreeHintTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: .root, type: .dnskey, rdatas: [InTreeHintTests.rootKey.dnskeyRData]))
        for domain in hints {
            if domain == "example." {
                XCTAssertTrue(h.core.addInTreeHint(InTreeHint(domain: Wire.name("example."),
                    addresses: [InTreeHintTests.example, InTreeHintTests.outOfDomain], inDomainCount: 1,
                    nameservers: exampleNS.map { Wire.name($0) })))
                XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                                    rdatas: [InTreeHintTests.exampleKey.dnskeyRData]))
            } else {
                XCTAssertTrue(h.core.addInTreeHint(InTreeHint(domain: Wire.name(domain),
                    addresses: [InTreeHintTests.signedServer], inDomainCount: 1,
                    nameservers: [Wire.name("ns.signed.example.")])))
                XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name(domain), type: .dnskey,
                                                    rdatas: [InTreeHintTests.signedKey.dnskeyRData]))
            }
        }
        h.core.setWallClock(realtimeSeconds: InTreeHintTests.now2026, nowMs: h.nowMs)
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, .a, id: 5, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func addresses(_ p: Wire.Parsed) -> [[UInt8]] { p.answers.filter { $0.type == .a }.map { $0.rdata } }

    func askedRootUnderExample(_ auth: FakeAuthorities) -> Bool {
        auth.queries.contains { $0.server == InTreeHintTests.root && $0.name.hasSuffix("example.") }
    }

    /// Without a hint the honest hierarchy validates from the root; with
    /// it the same answer comes without asking the root about example.
    func testHintedDomainResolvesFromTheHintWithoutAskingTheParent() {
        var plain = harness(hints: [])
        var auth = InTreeHintTests.hierarchy()
        let p0 = resolve(&plain, &auth, "www.example")
        XCTAssertEqual(addresses(p0), [[192, 0, 2, 1]])
        XCTAssertTrue(p0.ad)

        var h = harness()
        var auth2 = InTreeHintTests.hierarchy()
        let p = resolve(&h, &auth2, "www.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertFalse(askedRootUnderExample(auth2), "neither NS nor DS of example. is asked of its parent")
        XCTAssertGreaterThan(h.core.stats.inTreeHintCuts, 0)
        XCTAssertEqual(h.core.inTreeHintCount, 1)
        // Below the hint the chain goes on through DS as usual.
        let child = resolve(&h, &auth2, "www.signed.example")
        XCTAssertEqual(addresses(child), [[192, 0, 2, 3]])
        XCTAssertTrue(child.ad)
    }

    /// §1: the parent withdraws the delegation (signed NSEC proof at the
    /// root). Without the hint: no answer; with it: the answer with AD.
    func testWithdrawnDelegationStillResolvesWithAD() {
        var plain = harness(hints: [])
        var auth = InTreeHintTests.hierarchy(.withdrawn)
        let p0 = resolve(&plain, &auth, "www.example")
        XCTAssertTrue(addresses(p0).isEmpty, "without a hint the domain is gone")

        var h = harness()
        var auth2 = InTreeHintTests.hierarchy(.withdrawn)
        let p = resolve(&h, &auth2, "www.example")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertFalse(askedRootUnderExample(auth2))
    }

    /// §2.1: the hint's anchor validates the domain "even when a parental
    /// DS record exists" — here a DS for a key the domain does not have.
    func testWrongParentDSDoesNotMatter() {
        var plain = harness(hints: [])
        var auth = InTreeHintTests.hierarchy(.wrongDS)
        let p0 = resolve(&plain, &auth, "www.example")
        XCTAssertEqual(p0.rcode, .servFail, "without a hint the wrong DS makes the domain bogus")

        var h = harness()
        var auth2 = InTreeHintTests.hierarchy(.wrongDS)
        let p = resolve(&h, &auth2, "www.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertEqual(h.core.stats.bogusResponses, 0)
    }

    /// §2.1: the hint's NS set "always overwrite[s] the NS ... received
    /// from the parent": a parent delegating elsewhere is never followed,
    /// not even when a query below the root brings its referral.
    func testParentsOwnDelegationIsNeverFollowed() {
        var h = harness()
        var auth = InTreeHintTests.hierarchy(.hijacked)
        let p = resolve(&h, &auth, "www.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertFalse(auth.queries.contains { $0.server == InTreeHintTests.hijacker })
    }

    /// §2.1 last paragraph: when the in-domain server fails, the other
    /// servers of the hinted NS set are asked.
    func testOtherHintedServersAreTheFallback() {
        var h = harness()
        var auth = InTreeHintTests.hierarchy()
        auth.silent = [FakeAuthorities.key(InTreeHintTests.example)]
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query("www.example", .a, id: 5, dnssecOK: true))
        h.run(&auth, forMs: 5_000)
        let p = Wire.parse(h.net.answers.last?.bytes ?? [])
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.server == InTreeHintTests.example }, "in-domain asked first")
        XCTAssertTrue(auth.queries.contains { $0.server == InTreeHintTests.outOfDomain })
        XCTAssertFalse(askedRootUnderExample(auth))
    }

    /// §3.3: with every hinted server gone, serve-stale still answers.
    func testServeStaleStillAppliesWhenEveryHintedServerFails() {
        var h = harness()
        var auth = InTreeHintTests.hierarchy(.withdrawn)
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        auth.silent = [FakeAuthorities.key(InTreeHintTests.example), FakeAuthorities.key(InTreeHintTests.outOfDomain)]
        h.advance(3_700_000)   // past the 3600 s TTL
        _ = h.ask(50, Wire.query("www.example", .a, id: 6, dnssecOK: true))
        h.run(&auth, forMs: 6_000)
        let p = Wire.parse(h.net.answers.last?.bytes ?? [])
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertGreaterThan(h.core.stats.staleAnswers, 0)
        XCTAssertFalse(askedRootUnderExample(auth))
    }

    /// §2.1: "When a tree-hint exists for a subordinate domain, that trust
    /// anchor MUST take precedence": with hints for example. and
    /// signed.example., the parent's DS for signed.example. is wrong and
    /// its own answer still validates under its own anchor; its servers
    /// come from its hint, not from example.'s referral.
    func testMostSpecificHintWins() {
        var h = harness(hints: ["example.", "signed.example."])
        var auth = InTreeHintTests.hierarchy(.honest, exampleDelegatesSigned: false)
        let p = resolve(&h, &auth, "www.signed.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 3]])
        XCTAssertTrue(p.ad)
        XCTAssertFalse(auth.queries.contains { $0.name.hasSuffix("signed.example.") && $0.server != InTreeHintTests.signedServer },
                       "signed.example. is asked of its hinted server only")
        // And the outer hint still serves its own names.
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        // The inner anchor is still there beside the superior ones (RFC
        // 5011 §5 deletion never applies to a hint's anchor).
        XCTAssertNotNil(h.core.validation.anchors.anchors(at: Wire.name("signed.example.")))
        XCTAssertEqual(h.core.trustAnchorCount, 3)
    }

    /// The set refuses what it cannot keep: a second hint for a domain, a
    /// hint without an in-domain address, more hints than carved.
    func testHintSetBounds() {
        var h = harness()
        XCTAssertFalse(h.core.addInTreeHint(InTreeHint(domain: Wire.name("example."), addresses: [InTreeHintTests.example], inDomainCount: 1)))
        var s = EngineSettings()
        s.recursive = true
        s.inTreeHintCount = 1
        var g = Harness(settings: s, rootServers: [InTreeHintTests.root])
        XCTAssertFalse(g.core.addInTreeHint(InTreeHint(domain: Wire.name("a.test."), addresses: [InTreeHintTests.example], inDomainCount: 0)))
        XCTAssertTrue(g.core.addInTreeHint(InTreeHint(domain: Wire.name("a.test."), addresses: [InTreeHintTests.example], inDomainCount: 1)))
        XCTAssertFalse(g.core.addInTreeHint(InTreeHint(domain: Wire.name("b.test."), addresses: [InTreeHintTests.example], inDomainCount: 1)))
        XCTAssertEqual(ResolverCore.footprint(s).filter { $0.label == InTreeHintSet.label }.count, 1)
        XCTAssertTrue(ResolverCore.footprint(EngineSettings()).filter { $0.label == InTreeHintSet.label && $0.byteCount > 0 }.isEmpty)
    }

    // MARK: §3.1 signalling: `_in-tree.<domain>` TXT, 30 days of grace

    static let day: Int64 = 86_400_000

    func checkSignals(_ h: inout Harness, _ auth: inout FakeAuthorities) {
        h.core.checkInTreeSignals(nowMs: h.nowMs)   // starts the fetch when due
        h.drain()                                   // (the server carries out the actions)
        h.pump(&auth)
        h.core.checkInTreeSignals(nowMs: h.nowMs)   // reads it back, applies the expiry
    }

    /// A validated expiry of 2026-02-01 seen on 2026-01-01 (synced clock):
    /// committed; 45 days later expired but still used; 63 days later (more
    /// than 30 days past the expiry, no renewal) disabled, logged once: the
    /// domain then resolves through its parent and the hint's anchor is no
    /// longer used.
    func testExpiredSignalDisablesTheHintAfterThirtyDays() {
        var h = harness()
        h.core.noteClockSynced(realtimeSeconds: InTreeHintTests.now2026)
        var auth = InTreeHintTests.hierarchy(inTree: "2026-02-01T00:00:00Z")
        checkSignals(&h, &auth)
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("in use; servers 2 addresses (1 in-domain); _in-tree committed"),
                      h.core.inTreeHintStatusLines()[0])
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("expiry 2026-02-01T00:00:00Z"))
        XCTAssertEqual(h.core.takeInTreeHintNotices().count, 1)
        XCTAssertTrue(auth.queries.contains { $0.name == "_in-tree.example." && $0.type == .txt && $0.server == InTreeHintTests.example })

        h.advance(45 * InTreeHintTests.day)
        checkSignals(&h, &auth)
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("in use;"), h.core.inTreeHintStatusLines()[0])
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("expired, within the 30-day grace"))
        XCTAssertEqual(h.core.takeInTreeHintNotices().count, 1)
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        XCTAssertFalse(askedRootUnderExample(auth))

        h.advance(18 * InTreeHintTests.day)   // 2026-03-05: 32 days past the expiry
        checkSignals(&h, &auth)
        let status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.hasPrefix("example. disabled;"), status)
        XCTAssertTrue(status.contains("disabled: expired more than 30 days ago"), status)
        let notices = h.core.takeInTreeHintNotices()
        XCTAssertEqual(notices.count, 1, "\(notices)")
        XCTAssertTrue(notices[0].contains("disabled"), "\(notices)")
        XCTAssertTrue(h.core.takeInTreeHintNotices().isEmpty, "each change is logged once")
        XCTAssertNil(h.core.validation.anchors.anchors(at: Wire.name("example.")), "the hint's anchor is no longer used")
        XCTAssertEqual(h.core.statsLines().first { $0.0 == "hints.in_tree.disabled" }?.1, 1)
        let p = resolve(&h, &auth, "www.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad, "validated from the root, as without a hint")
        XCTAssertTrue(askedRootUnderExample(auth), "through the parent now")
    }

    /// DESIGN.md §2.8: before the clock is synced, an expiry cannot disable
    /// a hint, however far past it the unsynced clock reads.
    func testUnsyncedClockNeverDisablesAHint() {
        var h = harness()
        // The router once saw 2027: a clock reading 2026 is not believed.
        h.core.setClockFloor(InTreeHintTests.now2026 + 365 * 86_400)
        h.core.setWallClock(realtimeSeconds: InTreeHintTests.now2026, nowMs: h.nowMs)
        var auth = InTreeHintTests.hierarchy(inTree: "2026-02-01T00:00:00Z")
        checkSignals(&h, &auth)
        h.advance(90 * InTreeHintTests.day)
        checkSignals(&h, &auth)
        let status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.hasPrefix("example. in use;"), status)
        XCTAssertTrue(status.contains("clock not synced"), status)
        XCTAssertFalse(askedRootUnderExample(auth))
    }

    /// A renewed record before the 30 days are over keeps the hint; a
    /// record that is not RFC 3339 is ignored (the last good expiry
    /// counts); a domain that never publishes one keeps its hint (the
    /// operator's config is the out-of-band agreement).
    func testRenewalMalformedAndUnpublishedRecords() {
        var h = harness()
        h.core.noteClockSynced(realtimeSeconds: InTreeHintTests.now2026)
        var auth = InTreeHintTests.hierarchy(inTree: "2026-02-01T00:00:00Z")
        checkSignals(&h, &auth)
        h.advance(45 * InTreeHintTests.day)
        auth = InTreeHintTests.hierarchy(inTree: "2027-02-01T00:00:00+01:00")
        checkSignals(&h, &auth)
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("_in-tree committed"), h.core.inTreeHintStatusLines()[0])
        h.advance(2 * InTreeHintTests.day)
        auth = InTreeHintTests.hierarchy(inTree: "next February")
        checkSignals(&h, &auth)
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].contains("malformed record ignored"), h.core.inTreeHintStatusLines()[0])
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].hasPrefix("example. in use;"))

        var g = harness()
        g.core.noteClockSynced(realtimeSeconds: InTreeHintTests.now2026)
        var plain = InTreeHintTests.hierarchy()
        checkSignals(&g, &plain)
        g.advance(400 * InTreeHintTests.day)
        checkSignals(&g, &plain)
        XCTAssertTrue(g.core.inTreeHintStatusLines()[0].hasPrefix("example. in use;"), g.core.inTreeHintStatusLines()[0])
    }

    // MARK: §2.1 inconsistency reporting: the parent's view against the hint

    func checkParent(_ h: inout Harness, _ auth: inout FakeAuthorities) {
        h.core.checkInTreeParents(nowMs: h.nowMs)
        h.drain()
        h.pump(&auth)
    }

    /// Each way a parent can differ from the hint is detected, counted once
    /// per change, noted for the log with both views, and shown by `hints
    /// status`; resolution keeps using the hint throughout.
    func testParentViewsAreReportedOncePerChange() {
        var h = harness(exampleNS: ["ns1.example.", "ns.other.net."])
        var auth = InTreeHintTests.hierarchy()
        checkParent(&h, &auth)
        XCTAssertTrue(auth.queries.contains { $0.server == InTreeHintTests.root && $0.name == "example." && $0.type == .ns })
        var status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.contains("parent re-delegation (the parent's NS set is a subset of the hint's) "
            + "(parent: ns1.example.; hint: ns1.example. ns.other.net.)"), status)
        var notices = h.core.takeInTreeHintNotices()
        XCTAssertEqual(notices.filter { $0.contains("parent delegation re-delegation") }.count, 1, "\(notices)")
        XCTAssertTrue(resolve(&h, &auth, "www.example").ad)

        // The same view a day later: nothing new to log or count.
        h.advance(InTreeHintTests.day + 1)
        checkParent(&h, &auth)
        XCTAssertTrue(h.core.takeInTreeHintNotices().filter { $0.contains("parent") }.isEmpty)
        XCTAssertEqual(h.core.stats.inTreeRedelegations, 1)

        // Withdrawn: the parent says NXDOMAIN; the hint still resolves.
        auth = InTreeHintTests.hierarchy(.withdrawn)
        h.advance(InTreeHintTests.day + 1)
        checkParent(&h, &auth)
        status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.contains("parent withdrawn"), status)
        XCTAssertEqual(h.core.stats.inTreeWithdrawals, 1)
        h.advance(400_000)   // past the cached answer
        let p = resolve(&h, &auth, "www.example")
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)

        // Conflict: the parent delegates to a server the hint does not name.
        auth = InTreeHintTests.hierarchy(.hijacked)
        h.advance(InTreeHintTests.day + 1)
        checkParent(&h, &auth)
        status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.contains("parent conflict"), status)
        XCTAssertTrue(status.contains("(parent: ns.hijack.example.; hint: ns1.example. ns.other.net.)"), status)
        XCTAssertEqual(h.core.stats.inTreeConflicts, 1)
        XCTAssertFalse(auth.queries.contains { $0.server == InTreeHintTests.hijacker }, "the parent's view is never used")
        notices = h.core.takeInTreeHintNotices()
        XCTAssertEqual(notices.filter { $0.contains("parent delegation") }.count, 1, "\(notices)")
        XCTAssertTrue(h.core.statsLines().contains { $0.0 == "hints.in_tree.conflicts" && $0.1 == 1 })
    }

    func testConsistentParentIsSaidSo() {
        var h = harness()
        var auth = InTreeHintTests.hierarchy()
        checkParent(&h, &auth)
        XCTAssertTrue(h.core.inTreeHintStatusLines()[0].hasSuffix("parent consistent"), h.core.inTreeHintStatusLines()[0])
        XCTAssertEqual(h.core.stats.inTreeConflicts + h.core.stats.inTreeRedelegations + h.core.stats.inTreeWithdrawals, 0)
    }

    /// A DS-form anchor (as `list trust_anchor` usually gives it) is
    /// compared with the parent's DS: a parent DS set without it is a
    /// conflict, said so; the domain still validates under the anchor.
    func testParentDSWithoutTheHintsAnchorIsAConflict() {
        for (parent, view) in [(Parent.honest, "parent consistent"), (.wrongDS, "parent conflict")] {
            var s = EngineSettings()
            s.recursive = true
            s.useIPv6 = false
            s.inTreeHintCount = 1
            var h = Harness(settings: s, rootServers: [InTreeHintTests.root])
            XCTAssertTrue(h.core.addTrustAnchor(owner: .root, type: .dnskey, rdatas: [InTreeHintTests.rootKey.dnskeyRData]))
            XCTAssertTrue(h.core.addInTreeHint(InTreeHint(domain: Wire.name("example."), addresses: [InTreeHintTests.example],
                                                          inDomainCount: 1, nameservers: [Wire.name("ns1.example.")])))
            XCTAssertTrue(h.core.addTrustAnchors(owner: Wire.name("example."), [
                ConfiguredAnchor(isDS: true, rdata: InTreeHintTests.exampleKey.ds().rdata, addedByOperator: true)]))
            h.core.setWallClock(realtimeSeconds: InTreeHintTests.now2026, nowMs: h.nowMs)
            var auth = InTreeHintTests.hierarchy(parent)
            auth.zones[0].dsInReferrals = true
            checkParent(&h, &auth)
            let status = h.core.inTreeHintStatusLines()[0]
            XCTAssertTrue(status.contains(view), status)
            if parent == .wrongDS {
                XCTAssertTrue(status.contains("the parent's DS set has none of the hint's anchor DS"), status)
            }
            XCTAssertTrue(resolve(&h, &auth, "www.example").ad)
        }
    }

    /// Bad input: an anchor that matches no key of the domain makes its
    /// answers bogus (SERVFAIL with an EDE), never insecure or AD.
    func testAnchorMatchingNoKeyIsBogus() {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.inTreeHintCount = 1
        var h = Harness(settings: s, rootServers: [InTreeHintTests.root])
        XCTAssertTrue(h.core.addInTreeHint(InTreeHint(domain: Wire.name("example."), addresses: [InTreeHintTests.example],
                                                      inDomainCount: 1)))
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                            rdatas: [InTreeHintTests.signedKey.dnskeyRData]))   // not example.'s key
        h.core.setWallClock(realtimeSeconds: InTreeHintTests.now2026, nowMs: h.nowMs)
        var auth = InTreeHintTests.hierarchy()
        let p = resolve(&h, &auth, "www.example")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertTrue(p.answers.isEmpty)
        XCTAssertFalse(p.ede.isEmpty, "an EDE says why")
    }

    // MARK: §2.1 learning

    func learn(_ h: inout Harness, _ auth: inout FakeAuthorities) {
        for _ in 0..<3 {   // the NS set, then its names' addresses, then the result
            h.core.learnInTreeHints(nowMs: h.nowMs)
            h.drain()
            h.pump(&auth)
            h.advance(ResolverCore.learnRoundMs + 1)
        }
    }

    /// The child's validated NS set gains ns2.example: the hint follows it
    /// (its servers and names), says so once, and is used: with ns1 gone,
    /// ns2 answers. The learned state goes to flash in the hint table
    /// format when it changed, at most once a day, and at shutdown.
    func testHintLearnsTheValidatedNSSetAndPersistsItRarely() throws {
        var h = harness()
        var auth = InTreeHintTests.hierarchy(childNS: ["ns1.example.", "ns2.example."])
        learn(&h, &auth)
        let status = h.core.inTreeHintStatusLines()[0]
        XCTAssertTrue(status.contains("servers 2 addresses (2 in-domain, learned: ns1.example. ns2.example.)"), status)
        XCTAssertEqual(h.core.stats.inTreeLearnedChanges, 1)
        XCTAssertEqual(h.core.takeInTreeHintNotices().filter { $0.contains("learned the domain's validated NS set") }.count, 1)

        let bytes = try XCTUnwrap(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: false))
        h.core.didPersistLearnedHints()
        let table = try HintTable(validating: bytes)
        let domain = try XCTUnwrap(table.domain(named: Wire.name("example.")))
        XCTAssertEqual(domain.serverCount, 2)
        XCTAssertEqual(domain.server(named: Wire.name("ns2.example."))?.address(0).bytes, [127, 9, 0, 8])
        XCTAssertNil(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: false), "nothing new")

        // ns1 gone: the learned ns2 answers.
        auth.silent = [FakeAuthorities.key(InTreeHintTests.example)]
        h.advance(400_000)
        _ = h.ask(70, Wire.query("www.example", .a, id: 9, dnssecOK: true))
        h.run(&auth, forMs: 5_000)
        let p = Wire.parse(h.net.answers.last?.bytes ?? [])
        XCTAssertEqual(addresses(p), [[192, 0, 2, 1]])
        XCTAssertTrue(p.ad)
        XCTAssertTrue(auth.queries.contains { $0.server == InTreeHintTests.second })

        // Another change the same day: kept in RAM, written a day after the
        // last write, or at shutdown — never from unvalidated data.
        auth.silent = []
        var changed = InTreeHintTests.hierarchy(childNS: ["ns2.example."])
        h.advance(3_700_000)   // the NS set's TTL ran out: re-checked
        learn(&h, &changed)
        XCTAssertEqual(h.core.stats.inTreeLearnedChanges, 2)
        XCTAssertNil(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: false), "at most once a day")
        XCTAssertNotNil(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: true), "at clean shutdown")
        h.advance(InTreeHintTests.day)
        XCTAssertNotNil(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: false), "a day later")
        h.core.didPersistLearnedHints()
        XCTAssertEqual(h.core.stats.inTreeLearnedWrites, 2)
    }

    /// An NS set that does not validate is never learned.
    func testUnvalidatedNSSetIsNotLearned() {
        var h = harness()
        var auth = InTreeHintTests.hierarchy(childNS: ["ns1.example.", "ns2.example."])
        // Strip the RRSIGs over example.'s NS set.
        auth.zones[1].records.removeAll { $0.type == .rrsig && $0.owner.lowercased().hasPrefix("example")
            && $0.rdata.count >= 2 && (UInt16($0.rdata[0]) << 8 | UInt16($0.rdata[1])) == RRType.ns.rawValue }
        learn(&h, &auth)
        XCTAssertEqual(h.core.stats.inTreeLearnedChanges, 0)
        XCTAssertFalse(h.core.inTreeHintStatusLines()[0].contains("learned"))
        XCTAssertNil(h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: true))
    }

    /// Flash writes per simulated day with a hint learning (DESIGN.md §2.7):
    /// 10 days, one housekeeping step a minute, the child's validated NS set
    /// flipping between {ns1} and {ns1, ns2} every 6 hours (4 changes a
    /// day, each learned within its TTL): `hints.learned` is written at
    /// most once a day, plus once at the clean shutdown.
    func testFlashWritesPerSimulatedDayWhileLearning() {
        var h = harness()
        let one = InTreeHintTests.hierarchy(childNS: ["ns1.example."])
        let two = InTreeHintTests.hierarchy(childNS: ["ns1.example.", "ns2.example."])
        let dayCount = 10
        let stepMs: Int64 = 60_000
        var writesPerDay = [Int](repeating: 0, count: dayCount)
        let startMs = h.nowMs
        for step in 0..<(dayCount * 1440) {
            let elapsed = h.nowMs - startMs
            var auth = (elapsed / (6 * 3_600_000)) % 2 == 0 ? two : one
            h.core.learnInTreeHints(nowMs: h.nowMs)
            h.drain()
            h.pump(&auth)
            if h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: false) != nil {
                h.core.didPersistLearnedHints()
                writesPerDay[step / 1440] += 1
            }
            h.advance(stepMs)
        }
        let atShutdown = h.core.learnedHintsToPersist(nowMs: h.nowMs, isShutdown: true) != nil ? 1 : 0
        print("FLASH_SIM hints.learned days=\(dayCount) changes=\(h.core.stats.inTreeLearnedChanges) "
              + "writes=\(writesPerDay.reduce(0, +)) per_day=\(writesPerDay) at_shutdown=\(atShutdown)")
        XCTAssertGreaterThanOrEqual(h.core.stats.inTreeLearnedChanges, 3 * dayCount, "the hint followed the changes")
        XCTAssertTrue(writesPerDay.allSatisfy { $0 <= 1 }, "\(writesPerDay)")
        XCTAssertGreaterThanOrEqual(writesPerDay.reduce(0, +), dayCount - 1)
        XCTAssertLessThanOrEqual(atShutdown, 1)
    }

    /// §2.1: the hint's anchor "SHOULD be maintained by the mechanism
    /// described in [RFC5011]": it is a trust point like the root's, and its
    /// active refresh asks the hinted servers — also with the delegation
    /// withdrawn — and feeds the validated key set to the RFC 5011 state.
    func testHintAnchorIsAnRFC5011TrustPointRefreshedThroughTheHint() {
        var h = harness()
        h.core.noteClockSynced(realtimeSeconds: InTreeHintTests.now2026)
        var auth = InTreeHintTests.hierarchy(.withdrawn)
        var owners: [String] = []
        for i in 0..<h.core.validation.trustPointCount { owners.append(h.core.validation.trustPoint(at: i)?.text ?? "") }
        XCTAssertTrue(owners.contains("example."), "\(owners)")
        h.core.startAnchorMaintenance(nowMs: h.nowMs)
        h.core.refreshTrustAnchorsIfDue(nowMs: h.nowMs)
        h.drain()
        h.pump(&auth)
        XCTAssertTrue(auth.queries.contains { $0.name == "example." && $0.type == .dnskey && $0.server == InTreeHintTests.example })
        XCTAssertFalse(askedRootUnderExample(auth))
        XCTAssertGreaterThan(h.core.stats.anchorObservations, 0)
        XCTAssertGreaterThan(h.core.anchorTrustedKeyCount, 0)
    }

    /// Nested hints: the inner domain's parent check passes the outer
    /// hinted domain's referral on its way and compares only its own.
    func testNestedParentChecksCompareTheirOwnDelegation() {
        var h = harness(hints: ["example.", "signed.example."])
        var auth = InTreeHintTests.hierarchy()
        checkParent(&h, &auth)
        let lines = h.core.inTreeHintStatusLines()
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.allSatisfy { $0.hasSuffix("parent consistent") }, "\(lines)")
        XCTAssertTrue(auth.queries.contains { $0.name == "signed.example." && $0.type == .ns && $0.server == InTreeHintTests.example })
    }
}

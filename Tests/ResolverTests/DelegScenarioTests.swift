import XCTest
import Cache
import DNSWire
@testable import Resolver

/// DELEG referrals in virtual time (draft-ietf-deleg-12 §5.1, draft-ietf-
/// dnsop-delext-11 §5.2–5.3), with the core's `deleg` setting on as
/// `option deleg '1'` would set it (the option itself is still refused:
/// Config/NotCarriedOut.swift). The parent `test.` is DELEG-aware: to a
/// query with DE it refers by DELEG only; without DE by NS only. The NS
/// targets (`legacy`) answer differently from the DELEG servers (`modern`),
/// so each answer shows which delegation was followed.
final class DelegScenarioTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)
    static let legacy = FakeAuthorities.address(3)
    static let modern = FakeAuthorities.address(4)
    static let helper = FakeAuthorities.address(5)

    static func hierarchy() -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root],
            records: [Wire.a("ns1.test", [127, 9, 0, 2])],
            delegations: ["test.": ["ns1.test."]]))
        var test = FakeZone(apex: "test.", servers: [tld],
            records: [Wire.a("ns1.test", [127, 9, 0, 2]), Wire.a("ns.legacy.test", [127, 9, 0, 3]),
                      Wire.a("ns.helper.test", [127, 9, 0, 5])],
            delegations: ["a.test.": ["ns.legacy.test."], "names.test.": ["ns.legacy.test."],
                          "bad.test.": ["ns.legacy.test."], "inc.test.": ["ns.legacy.test."],
                          "mixed.test.": ["ns.legacy.test."], "plain.test.": ["ns.legacy.test."],
                          "legacy.test.": ["ns.legacy.test."], "helper.test.": ["ns.helper.test."],
                          "chain.test.": ["ns.legacy.test."], "cycle.test.": ["ns.legacy.test."],
                          "deep.test.": ["ns.legacy.test."], "alias.test.": ["ns.legacy.test."],
                          "wild.test.": ["ns.legacy.test."]])
        test.delegs = [
            "a.test.": ["server-ipv4=127.9.0.4", "server-ipv4=127.9.0.4"],   // duplicate: SLIST is a set
            "names.test.": ["server-name=srv.helper.test."],
            "bad.test.": ["mandatory=key65534 server-ipv4=127.9.0.4 key65534=x",
                          "server-ipv4=127.9.0.4 server-name=srv.helper.test.",
                          "server-name=ns.bad.test."],
            "inc.test.": ["include-delegparam=params.helper.test."],
            "mixed.test.": ["server-name=ns.mixed.test.", "key65280=opaque", "server-ipv4=127.9.0.4"],
            "chain.test.": ["include-delegparam=cfg.helper.test.,cname.helper.test."],
            "cycle.test.": ["include-delegparam=p1.helper.test."],
            "deep.test.": ["include-delegparam=d1.helper.test."],
            "alias.test.": ["include-delegparam=cname.helper.test."],
            "wild.test.": ["server-ipv4=127.9.0.4"],
        ]
        test.delegSignatureLabels = ["wild.test.": 1]
        auth.zones.append(test)
        for zone in ["a.test.", "names.test.", "bad.test.", "inc.test.", "mixed.test.", "plain.test.",
                     "chain.test.", "cycle.test.", "deep.test.", "alias.test.", "wild.test."] {
            auth.zones.append(FakeZone(apex: zone, servers: [legacy], records: [Wire.a("www." + zone, [192, 0, 2, 3])]))
            auth.zones.append(FakeZone(apex: zone, servers: [modern], records: [Wire.a("www." + zone, [192, 0, 2, 4]),
                                                                                 Wire.a("www2." + zone, [192, 0, 2, 5])]))
        }
        auth.zones.append(FakeZone(apex: "legacy.test.", servers: [legacy], records: [Wire.a("ns.legacy.test", [127, 9, 0, 3])]))
        auth.zones.append(FakeZone(apex: "helper.test.", servers: [helper], records: [
            Wire.a("ns.helper.test", [127, 9, 0, 5]), Wire.a("srv.helper.test", [127, 9, 0, 4]),
            DelegScenarioTests.param("params.helper.test", "server-ipv4=127.9.0.4"),
            DelegScenarioTests.param("cfg.helper.test", "include-delegparam=sub.helper.test."),
            DelegScenarioTests.param("cfg.helper.test", "server-name=srv.helper.test."),
            Wire.cname("cname.helper.test", "cfg.helper.test"),
            DelegScenarioTests.param("sub.helper.test", "server-ipv4=127.9.0.4"),
            DelegScenarioTests.param("p1.helper.test", "include-delegparam=p2.helper.test."),
            DelegScenarioTests.param("p2.helper.test", "include-delegparam=p1.helper.test."),
            DelegScenarioTests.param("d1.helper.test", "include-delegparam=d2.helper.test."),
            DelegScenarioTests.param("d2.helper.test", "include-delegparam=d3.helper.test."),
            DelegScenarioTests.param("d3.helper.test", "include-delegparam=d4.helper.test."),
            DelegScenarioTests.param("d4.helper.test", "include-delegparam=d5.helper.test."),
            DelegScenarioTests.param("d5.helper.test", "include-delegparam=d6.helper.test."),
            DelegScenarioTests.param("d6.helper.test", "server-ipv4=127.9.0.4"),
        ]))
        return auth
    }

    static func param(_ owner: String, _ text: String) -> Wire.RR {
        Wire.RR(owner: owner, type: .delegparam, ttl: 3600, rdata: try! RDataText.parse(type: .delegparam, text: text))
    }

    func harness(deleg: Bool, minimise: Bool = true) -> Harness {
        var s = RecursionTests.settings()
        s.deleg = deleg
        s.qnameMinimisation = minimise
        return Harness(settings: s, rootServers: [DelegScenarioTests.root])
    }

    func ask(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(Int(before) + 1, Wire.query(name, .a, id: UInt16(before + 7)))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, name)
        return Wire.parse(h.net.answers[before].bytes)
    }

    /// §5.1, delext §5.2: the DELEG is followed, the NS beside it is ignored
    /// (its server is never asked, nothing of it is cached), and every query
    /// to an authoritative server carries DE.
    func testReferralIsFollowedByItsDelegAndNotByNS() {
        for minimise in [true, false] {
            var h = harness(deleg: true, minimise: minimise)
            var auth = DelegScenarioTests.hierarchy()
            let p = ask(&h, &auth, "www.a.test")
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise)")
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4], "minimise \(minimise): the DELEG server answered")
            XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy }, "the NS target was asked")
            XCTAssertEqual(auth.queries.filter { $0.server == DelegScenarioTests.modern }.count, 1,
                           "one query to the DELEG server (the duplicate record adds no second server)")
            XCTAssertTrue(h.net.sent.allSatisfy { Wire.ednsFlags($0.bytes) & EDNSFlags.delegationExtensions != 0 },
                          "DE in every query")
            let nsCached: Bool
            if case .fresh = h.core.cache.lookup(try! Name(parsing: "a.test."), .ns, nowSeconds: h.nowMs / 1000) { nsCached = true } else { nsCached = false }
            XCTAssertFalse(nsCached, "the referral's NS RRset was cached")
            XCTAssertEqual(h.core.stats.delegReferrals, 1)
            // The cut is remembered from the cached DELEG: the next name in
            // the zone goes straight to its server.
            let queriesBefore = auth.queries.count
            let q = ask(&h, &auth, "www2.a.test")
            XCTAssertEqual(q.answers.first?.rdata, [192, 0, 2, 5])
            XCTAssertEqual(auth.queries[queriesBefore...].map { $0.server }, [DelegScenarioTests.modern])
        }
    }

    /// Parent-signalled transport behind a private-use key (seed 004: leave
    /// room for it; DelegInfo.transportSignalKey, RFC 9460 §14.3.2's range):
    /// a DELEG record whose key65280 lists the alpn-id "dot" (RFC 7858) has
    /// its servers asked over DoT from the first query, with no RFC 9539
    /// probe; the same record without the key gets Do53 with a probe beside
    /// it. Either way the answer comes from the DELEG server.
    func testTransportSignalAsksTheDelegServerOverDoTAtOnce() {
        for signalled in [true, false] {
            var s = RecursionTests.settings()
            s.deleg = true
            s.qnameMinimisation = false
            s.opportunisticDoT = true
            s.authPolicies = [AuthPolicy(domain: Wire.name("."), kind: .opportunistic)]
            var h = Harness(settings: s, rootServers: [DelegScenarioTests.root])
            // No fake server has DoT: each probe fails at once, so the next
            // server may be probed (one probe at a time, AuthDoT.swift).
            h.net.probeOutcome = false
            var auth = DelegScenarioTests.hierarchy()
            let tld = auth.zones.firstIndex { $0.apex == "test." }!
            auth.zones[tld].delegs["a.test."] = ["server-ipv4=127.9.0.4" + (signalled ? " key65280=\"\\003dot\"" : "")]
            _ = h.ask(1, Wire.query("www.a.test", .a, id: 11))
            for _ in 0..<400 {   // deliver plain and DoT queries alike (port 853 is the server's)
                guard h.delivered < h.net.sent.count else { break }
                let q = h.net.sent[h.delivered]
                h.delivered += 1
                var server = q.server
                server.port = 53
                if let reply = auth.respond(to: q.bytes, at: server) { h.reply(q.ref, reply) }
            }
            let p = Wire.parse(h.net.answers.last!.bytes)
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4], "signalled \(signalled): the DELEG server answered")
            let toModern = h.net.sent.filter { var a = $0.server; a.port = 53; return a == DelegScenarioTests.modern }
            XCTAssertEqual(toModern.count, 1)
            if signalled {
                XCTAssertEqual(toModern.first?.transport, .tls(profile: ResolverCore.authTLSProfile), "asked over DoT at once")
                XCTAssertFalse(h.net.probes.contains(DelegScenarioTests.modern), "no probe: the parent said it")
                XCTAssertEqual(h.core.stats.delegDoTSignals, 1)
            } else {
                XCTAssertNotEqual(toModern.first?.transport, .tls(profile: ResolverCore.authTLSProfile))
                XCTAssertTrue(h.net.probes.contains(DelegScenarioTests.modern), "Do53 with a probe beside it")
                XCTAssertEqual(h.core.stats.delegDoTSignals, 0)
            }
        }
    }

    /// Option off: no DE flag, the same parent refers by NS, resolved as
    /// before (the NS target answers).
    func testWithDelegOffTheNSDelegationIsUsedAndNoDEIsSent() {
        var h = harness(deleg: false)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.a.test")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 3])
        XCTAssertTrue(h.net.sent.allSatisfy { Wire.ednsFlags($0.bytes) & EDNSFlags.delegationExtensions == 0 })
        XCTAssertEqual(auth.delegQueries, 0)
        XCTAssertEqual(h.core.stats.delegReferrals, 0)
    }

    /// A parent without DELEG for the child resolves as before with the
    /// option on.
    func testDelegationWithoutDelegResolvesAsBefore() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.plain.test")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 3])
        XCTAssertEqual(h.core.stats.delegReferrals, 0)
    }

    /// server-name: the names are looked up like NS targets (no glue:
    /// §3.4), then asked.
    func testServerNameIsResolvedThenAsked() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.names.test")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertTrue(auth.queries.contains { $0.name == "srv.helper.test." && $0.server == DelegScenarioTests.helper })
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy })
    }

    /// A DELEG that exists but whose every record is unusable (a mandatory
    /// key this build lacks, mixed server keys, a name inside the zone):
    /// SERVFAIL with EDE 22, and the NS beside it is never tried (delext
    /// §5.3 step 2.2.1).
    func testUnusableDelegIsServfailWithoutNSFallback() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.bad.test")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.noReachableAuthority.rawValue])
        XCTAssertTrue(p.edeTexts.first?.contains("DELEG") ?? false, "\(p.edeTexts)")
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy }, "fell back to NS")
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.modern }, "used an unusable record")
        XCTAssertEqual(h.core.stats.delegUnusable, 1)
        XCTAssertEqual(h.core.stats.delegRecordsUnusable, 3)
    }

    /// include-delegparam (§5.1.2 step 7): the DELEGPARAM RRset is looked
    /// up and its addresses used.
    func testIncludeDelegparamIsFollowed() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.inc.test")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertEqual(auth.queries.filter { $0.type == .delegparam }.map { $0.name }, ["params.helper.test."])
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy })
    }

    /// Appendix A.5 in small: a DELEG including a DELEGPARAM set and a
    /// CNAME back to it; that set includes a third and names a server. Each
    /// DELEGPARAM is asked once (SLIST is a set, repeats add nothing), the
    /// CNAME step is taken, and the zone resolves.
    func testIncludeChainWithCNAMELoopBackIsReadOnce() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let asked = auth.queries.count
        let p = ask(&h, &auth, "www.chain.test")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        let params = auth.queries[asked...].filter { $0.type == .delegparam }.map { $0.name }
        XCTAssertEqual(params.filter { $0 == "cfg.helper.test." }.count, 1, "\(params)")
        XCTAssertLessThanOrEqual(params.count, 4, "\(params)")
        // (Lazy filling, §5.1.2: the CNAME was not needed.) A DELEG whose
        // only include is the CNAME takes the step to the set it names.
        let q = ask(&h, &auth, "www.alias.test")
        XCTAssertEqual(q.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertGreaterThan(h.core.stats.delegIncludeSteps, 0, "the CNAME step was not taken")
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy })
    }

    /// Includes that only include each other, and a chain deeper than
    /// `DelegLimits.includeStepsMax`: no server, SERVFAIL EDE 22 after a
    /// bounded number of DELEGPARAM queries, never the NS.
    func testIncludeLoopAndTooDeepChainEndInServfail() {
        for zone in ["cycle.test", "deep.test"] {
            var h = harness(deleg: true)
            var auth = DelegScenarioTests.hierarchy()
            let p = ask(&h, &auth, "www." + zone)
            XCTAssertEqual(p.rcode, .servFail, zone)
            XCTAssertEqual(p.ede, [EDECode.noReachableAuthority.rawValue], zone)
            XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy }, zone)
            XCTAssertLessThanOrEqual(auth.queries.filter { $0.type == .delegparam }.count, DelegLimits.includeStepsMax + 1, zone)
            XCTAssertFalse(auth.queries.contains { $0.name == "d6.helper.test." }, "followed past the depth limit")
        }
    }

    /// An RRset mixing an unusable record, one with only an unknown key and
    /// a usable one: the usable one is used (§5.1.2: per record).
    func testUsableRecordBesideUnusableOnesIsUsed() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.mixed.test")
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 4])
        XCTAssertEqual(h.core.stats.delegRecordsUnusable, 1)
    }

    /// delext-11 §5.2: a DELEG RRset that is a wildcard expansion (its
    /// RRSIG's Labels below the owner's count) is not used, nor the NS.
    func testWildcardExpandedDelegIsNotUsed() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        let p = ask(&h, &auth, "www.wild.test")
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.noReachableAuthority.rawValue])
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy || $0.server == DelegScenarioTests.modern })
    }

    /// QTYPE=DELEG is asked of the parent, like DS (delext-11 §5.3 step
    /// 2.1.2), and its answer relayed.
    func testQueryForDelegGoesToTheParent() {
        var h = harness(deleg: true)
        var auth = DelegScenarioTests.hierarchy()
        _ = h.ask(1, Wire.query("a.test", .deleg, id: 9))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertFalse(p.answers.filter { $0.type == .deleg }.isEmpty, "\(p.answers.map { $0.type })")
        XCTAssertFalse(auth.queries.contains { $0.server == DelegScenarioTests.legacy || $0.server == DelegScenarioTests.modern })
    }

    /// delext-11 §5.1: a client's DE is echoed when DELEG is on, never
    /// when off, and never set for a client that did not set it.
    func testDEIsEchoedToClientsOnlyWhenOn() {
        for deleg in [true, false] {
            var h = harness(deleg: deleg)
            var auth = DelegScenarioTests.hierarchy()
            var withDE = Wire.query("www.plain.test", .a, id: 11)
            withDE[withDE.count - 4] |= 0x20   // OPT TTL flags, high byte: DE (bit 2)
            _ = h.ask(1, withDE)
            h.pump(&auth)
            _ = h.ask(2, Wire.query("www.plain.test", .a, id: 12))
            h.pump(&auth)
            XCTAssertEqual(h.net.answers.count, 2)
            XCTAssertEqual(Wire.ednsFlags(h.net.answers[0].bytes) & EDNSFlags.delegationExtensions != 0, deleg, "deleg \(deleg)")
            XCTAssertEqual(Wire.ednsFlags(h.net.answers[1].bytes) & EDNSFlags.delegationExtensions, 0, "deleg \(deleg)")
        }
    }
}

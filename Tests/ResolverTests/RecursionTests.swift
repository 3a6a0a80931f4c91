import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Iterative resolution against in-memory authoritative servers, with
/// virtual time and no sockets (issue 4, item 6).
final class RecursionTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let root2 = FakeAuthorities.address(11)
    static let tld = FakeAuthorities.address(2)
    static let leaf = FakeAuthorities.address(3)

    static func hierarchy() -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root, root2],
            records: [Wire.a("ns1.test", [127, 9, 0, 2])],
            delegations: ["test.": ["ns1.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [tld],
            records: [Wire.a("ns1.test", [127, 9, 0, 2]), Wire.a("ns.a.test", [127, 9, 0, 3])],
            delegations: ["a.test.": ["ns.a.test."], "b.test.": ["ns.a.test."],
                          "loop1.test.": ["ns.loop2.test."], "loop2.test.": ["ns.loop1.test."]]))
        auth.zones.append(FakeZone(apex: "a.test.", servers: [leaf], records: [
            Wire.a("ns.a.test", [127, 9, 0, 3]),
            Wire.a("www.a.test", [192, 0, 2, 1], ttl: 60),
            Wire.a("x.y.z.a.test", [192, 0, 2, 7]),
            Wire.cname("alias.a.test", "www.b.test"),
        ]))
        auth.zones.append(FakeZone(apex: "b.test.", servers: [leaf], records: [
            Wire.a("www.b.test", [192, 0, 2, 2]),
        ]))
        return auth
    }

    static func settings() -> EngineSettings {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        return s
    }

    func harness(_ settings: EngineSettings = RecursionTests.settings()) -> Harness {
        Harness(settings: settings, rootServers: [RecursionTests.root, RecursionTests.root2])
    }

    func testResolvesThroughReferralsWithMinimisedNames() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a, id: 5))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, 1)
        let a = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(a.id, 5)
        XCTAssertEqual(a.rcode, .noError)
        XCTAssertEqual(a.answers.first?.rdata, [192, 0, 2, 1])
        // RFC 9156: the root and the TLD never see the full name.
        let rootNames = auth.queries.filter { $0.server == RecursionTests.root || $0.server == RecursionTests.root2 }.map { $0.name }
        XCTAssertEqual(rootNames, ["test."])
        XCTAssertEqual(auth.queries.filter { $0.server == RecursionTests.tld }.map { $0.name }, ["a.test."])
        XCTAssertTrue(h.net.sent.allSatisfy { $0.bytes[2] & 0x01 == 0 }, "RD is clear towards authoritative servers")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    func testFullNamesWithoutMinimisation() {
        var s = RecursionTests.settings()
        s.qnameMinimisation = false
        var h = harness(s)
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertTrue(auth.queries.allSatisfy { $0.name == "www.a.test." })
    }

    /// b.test's server ns.a.test is named in a sibling zone: test.'s
    /// referral carries its address as sibling glue (RFC 9471), so it is
    /// not looked up (GlueTests has the out-of-bailiwick case).
    func testSiblingNamedNameserverComesWithTheReferral() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.b.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 2])
        XCTAssertEqual(h.core.stats.nsLookups, 0, "ns.a.test came as sibling glue")
        XCTAssertFalse(auth.queries.contains { $0.name == "ns.a.test." && $0.type == .a })
    }

    func testCNAMEAcrossZonesAndDeepNames() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("alias.a.test", .a))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.answers.map { $0.type }, [.cname, .a])
        XCTAssertEqual(p.answers.last?.rdata, [192, 0, 2, 2])
        _ = h.ask(2, Wire.query("x.y.z.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).answers.first?.rdata, [192, 0, 2, 7],
                       "empty non-terminals y.z.a.test and z.a.test answer NODATA, not NXDOMAIN")
    }

    /// RFC 9156 §3: a name a minimised question found to exist without a
    /// cut is not asked again for the next name under it; the NODATA that
    /// told us so steers iteration only and never answers a client.
    func testMinimisedNODATAIsRememberedForIterationOnly() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("x.y.z.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 7])
        XCTAssertTrue(auth.queries.contains { $0.name == "y.z.a.test." })
        let before = auth.queries.count
        _ = h.ask(2, Wire.query("w.y.z.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).rcode, .nxDomain)
        XCTAssertEqual(auth.queries[before...].map { $0.name }, ["w.y.z.a.test."],
                       "z.a.test and y.z.a.test are known to exist without a cut")
        // A client asking the empty non-terminal itself is resolved, not answered from that entry.
        let asked = auth.queries.count
        _ = h.ask(3, Wire.query("y.z.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(auth.queries.count, asked + 1)
        let p = Wire.parse(h.net.answers[2].bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.answers.isEmpty)
    }

    func testNXDOMAINAndNODATAAreCached() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("nope.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .nxDomain)
        _ = h.ask(2, Wire.query("www.a.test", .mx))
        h.pump(&auth)
        let nodata = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(nodata.rcode, .noError)
        XCTAssertTrue(nodata.answers.isEmpty)
        XCTAssertEqual(nodata.authority.first?.type, .soa)
        let before = auth.queries.count
        XCTAssertEqual(h.ask(3, Wire.query("nope.a.test", .aaaa)), .answered)
        XCTAssertEqual(h.ask(4, Wire.query("www.a.test", .mx)), .answered)
        XCTAssertEqual(auth.queries.count, before, "negative answers come from the cache")
    }

    func testCachedCutIsReusedForSiblings() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        let before = auth.queries.count
        _ = h.ask(2, Wire.query("ns.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).rcode, .noError)
        XCTAssertEqual(auth.queries.count - before, 1, "straight to a.test's server: \(auth.queries[before...].map { "\($0.name) \($0.type.rawValue)" })")
        XCTAssertEqual(auth.queries.last?.server, RecursionTests.leaf)
    }

    func testSilentRootServerTimesOutAndTheOtherAnswers() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        auth.silent = [FakeAuthorities.key(RecursionTests.root), FakeAuthorities.key(RecursionTests.root2)]
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        auth.silent = [FakeAuthorities.key(RecursionTests.root)]
        h.run(&auth, forMs: 4_000)
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 1])
    }

    func testExpiredGlueIsFetchedAgainFromTheParent() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a, id: 5))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .noError)
        // The NS set of a.test (3600 s) outlives the glue of ns.a.test (300 s).
        h.advance(301_000)
        _ = h.ask(2, Wire.query("x.y.z.a.test", .a, id: 6))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError, "the parent's referral brings the glue back")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 7])
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    func testRootNSCachedWithoutAddressesStillReachesTheRoot() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        // The root's own NS set, answered (as FakeAuthorities does) without glue.
        auth.zones[0].records += [Wire.RR(owner: ".", type: .ns, ttl: 518_400, rdata: Wire.name("a.root.").wireBytes),
                                  Wire.a("a.root", [127, 9, 0, 1])]
        h.core.prime(nowMs: h.nowMs); h.drain()
        h.pump(&auth)
        XCTAssertTrue(h.core.hasNS(.root, nowMs: h.nowMs), "primed: the root NS set is cached")
        _ = h.ask(1, Wire.query("www.a.test", .a, id: 5))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError, "the root hints stand in for the addresses the priming answer lacked")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 1])
    }

    func testBrokenServerGivesServfailNotHang() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        auth.broken = [FakeAuthorities.key(RecursionTests.leaf)]
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.run(&auth, forMs: 6_000)
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).ede, [EDECode.noReachableAuthority.rawValue])
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
        XCTAssertNil(h.core.nextDeadlineMs)
    }

    func testDelegationLoopEndsWithinBudget() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.loop1.test", .a))
        h.run(&auth, forMs: 8_000)
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertLessThanOrEqual(h.net.sent.count, RecursionTests.settings().queriesPerRequestMax)
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "no task left behind")
    }

    func test0x20CaseIsRandomisedAndChecked() {
        var s = RecursionTests.settings()
        s.use0x20 = true
        var h = harness(s)
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 1])
        let spelled = h.net.sent.map { s in s.bytes.withUnsafeBytes { q -> String in
            var r = try! MessageReader(q); return try! r.nextQuestion()!.name.text } }
        XCTAssertTrue(spelled.contains { $0 != $0.lowercased() }, "some letters sent in upper case: \(spelled)")
        // A reply with a different spelling is not accepted.
        _ = h.ask(2, Wire.query("www.b.test", .a))
        let last = h.net.sent.last!
        h.delivered = h.net.sent.count
        var forged = auth.respond(to: last.bytes, at: last.server)!
        for i in 12..<forged.count where forged[i] >= 0x61 && forged[i] <= 0x7A { forged[i] ^= 0x20; break }
        for i in 12..<forged.count where forged[i] >= 0x41 && forged[i] <= 0x5A { forged[i] ^= 0x20; break }
        h.reply(last.outgoing, forged)
        XCTAssertEqual(h.net.answers.count, 1, "a reply spelled differently is dropped")
    }

    func testServeStaleInRecursiveMode() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        h.nowMs += 4 * 3600 * 1000            // everything expired (TTLs ≤ 3600)
        auth.silent = Set(auth.zones.flatMap { $0.servers }.map(FakeAuthorities.key))
        _ = h.ask(2, Wire.query("www.a.test", .a, id: 77))
        h.run(&auth, forMs: 2_000)
        XCTAssertEqual(h.net.answers.count, 2)
        let p = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(p.id, 77)
        XCTAssertEqual(p.answers.first?.ttl, 30)
        XCTAssertEqual(p.ede, [EDECode.staleAnswer.rawValue])
        // RFC 8767 §5: the refresh goes on, but the client has its answer:
        // its request slot is free at once, not when the refresh ends (an
        // iterative refresh is bounded by its query budget, not by time).
        XCTAssertGreaterThan(h.core.outgoing.usedCount, 0, "the refresh goes on")
        XCTAssertEqual(h.core.requests.usedCount, 0, "the stale-answered client's slot is free")
        h.run(&auth, forMs: 20_000, stepMs: 500)
        XCTAssertEqual(h.net.answers.count, 2)
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// RFC 8109: priming at start fills the root NS set; it is asked for
    /// again only once that set has expired (and not more than once a minute).
    func testRootPrimingAtStartAndOnExpiry() {
        var h = harness()
        var auth = RecursionTests.hierarchy()
        auth.zones[0].records.append(Wire.RR(owner: ".", type: .ns, ttl: 3600, rdata: Wire.name("ns1.test").wireBytes))
        h.core.prime(nowMs: h.nowMs); h.drain()
        h.pump(&auth)
        func primings() -> Int { auth.queries.filter { $0.name == "." && $0.type == .ns }.count }
        XCTAssertEqual(primings(), 1)
        h.nowMs += 120_000
        h.core.primeIfExpired(nowMs: h.nowMs); h.drain()
        h.pump(&auth)
        XCTAssertEqual(primings(), 1, "the root NS set is still fresh")
        h.nowMs += 3_600_000
        h.core.primeIfExpired(nowMs: h.nowMs); h.drain()
        h.pump(&auth)
        XCTAssertEqual(primings(), 2, "expired: primed again")
        h.core.primeIfExpired(nowMs: h.nowMs + 1_000); h.drain()
        h.pump(&auth)
        XCTAssertEqual(primings(), 2, "not again within the minimum interval")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// A cache far smaller than the working set: delegations get evicted
    /// or refused mid-resolution, and every name must still resolve.
    func testTinyCacheUnderPressureStillResolves() {
        var s = RecursionTests.settings()
        s.validate = false
        var h = Harness(settings: s, rootServers: [RecursionTests.root, RecursionTests.root2], cacheBytes: 64 << 10)
        var auth = RecursionTests.hierarchy()
        let count = 400
        for i in 0..<count {
            auth.zones[2].records.append(Wire.RR(owner: "h\(i).a.test", type: .txt, ttl: 3600,
                                                 rdata: [200] + [UInt8](repeating: 0x61, count: 200)))
        }
        var failures: [Int] = []
        for i in 0..<count {
            _ = h.ask(i, Wire.query("h\(i).a.test", .txt))
            h.pump(&auth)
            guard let answer = h.net.answers.last, answer.client == i else { failures.append(i); continue }
            if Wire.parse(answer.bytes).rcode != .noError { failures.append(i) }
        }
        XCTAssertEqual(failures, [], "names that failed under cache pressure")
        XCTAssertGreaterThan(h.core.cache.store.statistics.evictionCount, 0, "the cache never filled")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// An RRset larger than the cache stores (a quarter of 64 KiB) is
    /// still answered, from the final response itself.
    func testAnswerTheCacheRefusesIsStillDelivered() {
        var s = RecursionTests.settings()
        s.validate = false
        var h = Harness(settings: s, rootServers: [RecursionTests.root, RecursionTests.root2], cacheBytes: 64 << 10)
        var auth = RecursionTests.hierarchy()
        for i in 0..<100 {
            auth.zones[2].records.append(Wire.RR(owner: "huge.a.test", type: .txt, ttl: 3600,
                                                 rdata: [200] + [UInt8](repeating: UInt8(0x41 + i % 26), count: 200)))
        }
        _ = h.ask(1, Wire.query("huge.a.test", .txt), tcp: true)
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, 1)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.count, 100)
        XCTAssertEqual(h.core.stats.answersFromResponse, 1)
    }

    /// Seeded: random silent/broken servers and random names; every
    /// request ends (answer or SERVFAIL), nothing leaks.
    func testRandomFailuresAlwaysEnd() {
        let seed = UInt64(ProcessInfo.processInfo.environment["SPRIG_SEED"] ?? "") ?? 9
        var rng = SplitMix(seed: seed)
        var s = RecursionTests.settings()
        s.maxClients = 16
        s.maxOutgoing = 24
        var h = harness(s)
        var auth = RecursionTests.hierarchy()
        let servers = [RecursionTests.root, RecursionTests.root2, RecursionTests.tld, RecursionTests.leaf]
        let names = ["www.a.test", "www.b.test", "alias.a.test", "nope.a.test", "x.y.z.a.test", "www.loop1.test", "zz.test"]
        var pending = Set<Int>()
        for client in 0..<300 {
            auth.silent = Set(servers.filter { _ in rng.next() % 4 == 0 }.map(FakeAuthorities.key))
            auth.broken = Set(servers.filter { _ in rng.next() % 6 == 0 }.map(FakeAuthorities.key))
            if h.ask(client, Wire.query(names[Int(rng.next() % UInt64(names.count))], .a)) != .dropped {
                pending.insert(client)
            }
            h.run(&auth, forMs: Int64(rng.next() % 3_000))
            for (c, _) in h.net.answers { XCTAssertNotNil(pending.remove(c), "answered twice, seed \(seed)") }
            h.net.answers.removeAll()
            if rng.next() % 10 == 0 { h.nowMs += Int64(rng.next() % 4_000_000) }
        }
        auth.silent = []
        auth.broken = []
        h.run(&auth, forMs: 30_000, stepMs: 500)
        for (c, _) in h.net.answers { pending.remove(c) }
        XCTAssertTrue(pending.isEmpty, "unanswered \(pending), seed \(seed)")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "tasks leaked, seed \(seed)")
        XCTAssertEqual(h.core.requests.usedCount, 0, "requests leaked, seed \(seed)")
        XCTAssertNil(h.core.nextDeadlineMs, "timers leaked, seed \(seed)")
    }
}

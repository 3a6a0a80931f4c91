import XCTest
import Cache
import DNSWire
@testable import Resolver

/// The iterator routes around faults and gives up (EDE 22) only when every
/// server and path has failed: nameserver names that resolve only through
/// each other, lame answers to minimised questions, and a live server whose
/// glue expired behind a failing one. QNAME minimisation on and off.
final class LameAndCycleTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)
    static let xServer = FakeAuthorities.address(3)
    static let otherTLD = FakeAuthorities.address(6)
    static let zServer = FakeAuthorities.address(5)

    func harness(minimise: Bool) -> Harness {
        var s = RecursionTests.settings()
        s.qnameMinimisation = minimise
        return Harness(settings: s, rootServers: [LameAndCycleTests.root])
    }

    /// x.test's first NS name, ns.y.test, lives in y.test, whose only NS is
    /// ns.x.test: each can only be resolved through the other. Its second,
    /// ns.z.other, resolves. Before: the look-ups chased each other until
    /// the budget ran out and ns.z.other was never tried (SERVFAIL). Now a
    /// look-up a task above already does is skipped (Unbound's dependency
    /// cycle check), and the other name is tried.
    func testNameserverCycleIsSkippedAndTheOtherNameTried() {
        for minimise in [true, false] {
            var auth = FakeAuthorities()
            auth.zones.append(FakeZone(apex: ".", servers: [LameAndCycleTests.root],
                records: [Wire.a("ns.test", [127, 9, 0, 2]), Wire.a("ns.other", [127, 9, 0, 6])],
                delegations: ["test.": ["ns.test."], "other.": ["ns.other."]]))
            auth.zones.append(FakeZone(apex: "test.", servers: [LameAndCycleTests.tld],
                delegations: ["x.test.": ["ns.y.test.", "ns.z.other."], "y.test.": ["ns.x.test."]]))
            auth.zones.append(FakeZone(apex: "other.", servers: [LameAndCycleTests.otherTLD],
                records: [Wire.a("ns.z.other", [127, 9, 0, 5])], delegations: ["z.other.": ["ns.z.other."]]))
            auth.zones.append(FakeZone(apex: "z.other.", servers: [LameAndCycleTests.zServer],
                records: [Wire.a("ns.z.other", [127, 9, 0, 5])]))
            auth.zones.append(FakeZone(apex: "x.test.", servers: [LameAndCycleTests.xServer, LameAndCycleTests.zServer],
                records: [Wire.a("ns.x.test", [127, 9, 0, 3]), Wire.a("www.x.test", [192, 0, 2, 9])]))
            auth.zones.append(FakeZone(apex: "y.test.", servers: [LameAndCycleTests.xServer],
                records: [Wire.a("ns.y.test", [127, 9, 0, 3])]))
            var h = harness(minimise: minimise)
            _ = h.ask(1, Wire.query("www.x.test", .a))
            h.pump(&auth)
            XCTAssertEqual(h.net.answers.count, 1, "minimise \(minimise)")
            let p = Wire.parse(h.net.answers[0].bytes)
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise): EDE \(p.ede)")
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 9], "minimise \(minimise)")
            XCTAssertGreaterThanOrEqual(h.core.stats.nsLookupCycles, 1, "minimise \(minimise)")
            XCTAssertEqual(h.core.stats.budgetExhausted, 0, "minimise \(minimise)")
            XCTAssertEqual(h.core.outgoing.usedCount, 0)
        }
    }

    /// A cycle with no way out fails, and fails fast: SERVFAIL with EDE 22,
    /// no budget spent chasing it (RFC 9520: give up, do not loop).
    func testNameserverCycleWithoutWayOutFailsWithEDE22() {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [LameAndCycleTests.root],
            records: [Wire.a("ns.test", [127, 9, 0, 2])], delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [LameAndCycleTests.tld],
            delegations: ["x.test.": ["ns.y.test."], "y.test.": ["ns.x.test."]]))
        var h = harness(minimise: true)
        _ = h.ask(1, Wire.query("www.x.test", .a))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [22])
        XCTAssertEqual(h.core.stats.budgetExhausted, 0, "the cycle was chased until the budget ran out")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// RFC 9156 §3: a NOERROR answer to a minimised question that neither
    /// refers nor aliases means the name exists without a cut: ask one
    /// label more. Some servers send such answers without an SOA or the AA
    /// bit; before, that made every minimised resolution through them fail.
    /// The task's own question answered that way is still not believed.
    func testMinimisedQuestionAnsweredWithoutSOAOrAAGoesDeeper() {
        var h = harness(minimise: true)
        var auth = RecursionTests.hierarchy()
        auth.bareNegative = [FakeAuthorities.key(RecursionTests.leaf)]
        _ = h.ask(1, Wire.query("x.y.z.a.test", .a))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .noError, "EDE \(p.ede)")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 7])
        XCTAssertTrue(auth.queries.contains { $0.name == "z.a.test." }, "minimised through the empty non-terminals")
        _ = h.ask(2, Wire.query("www.a.test", .mx))   // full question: bare NODATA from the only server
        h.pump(&auth)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).rcode, .servFail)
    }

    /// x.test has two servers: ns1 (glue for 10 s, alive) and ns2 (glue for
    /// an hour, answers SERVFAIL). Once ns1's glue expires only ns2 is left
    /// in the cache; before, the task failed there. Now it goes back to the
    /// parent for fresh glue (RFC 1034 §5.3.3 step 4: "go back to step 2").
    func testExpiredGlueIsFetchedAgainWhenTheOtherServerFails() {
        for minimise in [true, false] {
            var auth = FakeAuthorities()
            let ns1 = FakeAuthorities.address(7), ns2 = FakeAuthorities.address(8)
            auth.zones.append(FakeZone(apex: ".", servers: [LameAndCycleTests.root],
                records: [Wire.a("ns.test", [127, 9, 0, 2])], delegations: ["test.": ["ns.test."]]))
            auth.zones.append(FakeZone(apex: "test.", servers: [LameAndCycleTests.tld],
                records: [Wire.a("ns1.x.test", [127, 9, 0, 7], ttl: 10), Wire.a("ns2.x.test", [127, 9, 0, 8], ttl: 3600)],
                delegations: ["x.test.": ["ns1.x.test.", "ns2.x.test."]]))
            auth.zones.append(FakeZone(apex: "x.test.", servers: [ns1, ns2],
                records: [Wire.a("www.x.test", [192, 0, 2, 10], ttl: 5), Wire.a("mail.x.test", [192, 0, 2, 11])]))
            auth.broken = [FakeAuthorities.key(ns2)]
            var h = harness(minimise: minimise)
            _ = h.ask(1, Wire.query("www.x.test", .a))
            h.pump(&auth)
            XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 10], "minimise \(minimise)")
            h.advance(20_000)
            _ = h.ask(2, Wire.query("mail.x.test", .a))
            h.pump(&auth)
            let p = Wire.parse(h.net.answers[1].bytes)
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise): EDE \(p.ede)")
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 11], "minimise \(minimise)")
        }
    }

    /// A nameserver known only by an IPv6 address (no A RRset): with IPv6
    /// on, its AAAA is looked up after its A came back empty. Before, only
    /// A was ever looked up, so such a zone could not be reached.
    func testIPv6OnlyNameserverIsLookedUpByAAAA() {
        let v6 = ServerAddress(bytes: [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7], port: 53)!
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [LameAndCycleTests.root],
            records: [Wire.a("ns.test", [127, 9, 0, 2]), Wire.a("ns.other", [127, 9, 0, 6])],
            delegations: ["test.": ["ns.test."], "other.": ["ns.other."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [LameAndCycleTests.tld], delegations: ["x.test.": ["ns.v6.other."]]))
        auth.zones.append(FakeZone(apex: "other.", servers: [LameAndCycleTests.otherTLD], records: [
            Wire.RR(owner: "ns.v6.other", type: .aaaa, ttl: 3600, rdata: [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7])]))
        auth.zones.append(FakeZone(apex: "x.test.", servers: [v6], records: [Wire.a("www.x.test", [192, 0, 2, 12])]))
        for minimise in [true, false] {
            var s = RecursionTests.settings()
            s.qnameMinimisation = minimise
            s.useIPv6 = true
            var h = Harness(settings: s, rootServers: [LameAndCycleTests.root])
            var fresh = auth
            _ = h.ask(1, Wire.query("www.x.test", .a))
            h.pump(&fresh)
            let p = Wire.parse(h.net.answers[0].bytes)
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 12], "minimise \(minimise): \(p.rcode) EDE \(p.ede)")
            XCTAssertTrue(fresh.queries.contains { $0.name == "ns.v6.other." && $0.type == .aaaa }, "minimise \(minimise)")
        }
    }

    /// RFC 1035 §7.2: a lost datagram is retransmitted. A zone with one
    /// server that loses the first two queries is still resolved: once every
    /// server was tried, servers that only timed out are asked again (twice
    /// at most, with their backed-off timeout). Before, one lost datagram to
    /// a zone's only server was SERVFAIL.
    func testTimedOutServerIsAskedAgainBeforeTheZoneIsGivenUp() {
        for minimise in [true, false] {
            var h = harness(minimise: minimise)
            var auth = RecursionTests.hierarchy()
            _ = h.ask(1, Wire.query("www.a.test", .a))
            auth.dropNext[FakeAuthorities.key(RecursionTests.leaf)] = 2
            h.run(&auth, forMs: 5_000)
            let p = Wire.parse(h.net.answers[0].bytes)
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise): EDE \(p.ede)")
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 1], "minimise \(minimise)")
            XCTAssertEqual(auth.queries.filter { $0.server == RecursionTests.leaf }.count, 3, "two lost, the third answered")
            // Three losses in a row: the client gets SERVFAIL by its deadline,
            // and the task ends after its last round (no task left).
            _ = h.ask(2, Wire.query("nodata.a.test", .a))
            auth.dropNext[FakeAuthorities.key(RecursionTests.leaf)] = 3
            h.run(&auth, forMs: 5_000)
            XCTAssertEqual(h.net.answers.count, 2)
            let failed = Wire.parse(h.net.answers[1].bytes)
            XCTAssertEqual(failed.rcode, .servFail)
            // RFC 8914 §4.23: the deadline answer says why.
            XCTAssertEqual(failed.ede, [EDECode.noReachableAuthority.rawValue], "minimise \(minimise)")
            h.run(&auth, forMs: 10_000)
            XCTAssertEqual(h.core.outgoing.usedCount, 0)
        }
    }
}

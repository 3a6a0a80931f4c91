import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Work per client question is bounded (DESIGN.md §2.5; RFC 9520 §3,
/// NXNS: Afek et al. 2020; CVE-2020-12662/12663): hostile delegations,
/// aliases and depths cost at most the named budgets, then SERVFAIL, with
/// no task, request or timer left behind. Each test sits at its limit.
final class BudgetTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)

    func harness(_ adjust: (inout EngineSettings) -> Void = { _ in }) -> Harness {
        var s = RecursionTests.settings()
        adjust(&s)
        return Harness(settings: s, rootServers: [BudgetTests.root])
    }

    /// NXNS: a referral names 40 nameservers in a zone that does not exist,
    /// none with glue. Each needs a look-up; only `nsLookupsPerRequestMax`
    /// are made, whatever the referral lists.
    func testNXNSReferralCostsAtMostTheLookupBudget() {
        var auth = FakeAuthorities()
        let nsNames = (0..<40).map { "ns\($0).victim.test." }
        auth.zones.append(FakeZone(apex: ".", servers: [BudgetTests.root], records: [Wire.a("ns.test", [127, 9, 0, 2])],
                                   delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [BudgetTests.tld],
                                   delegations: ["attack.test.": nsNames]))
        var h = harness()
        _ = h.ask(1, Wire.query("www.attack.test", .a))
        h.run(&auth, forMs: 8_000)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .servFail)
        let lookups = Set(auth.queries.filter { $0.name.hasPrefix("ns") && $0.name.hasSuffix(".victim.test.") }.map { $0.name })
        XCTAssertLessThanOrEqual(h.core.stats.nsLookups, RecursionTests.settings().nsLookupsPerRequestMax)
        XCTAssertLessThanOrEqual(lookups.count, RecursionTests.settings().nsLookupsPerRequestMax,
                                 "NS names looked up: \(lookups.count)")
        XCTAssertLessThanOrEqual(h.net.sent.count, RecursionTests.settings().queriesPerRequestMax)
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
        XCTAssertEqual(h.core.requests.usedCount, 0)
    }

    /// A CNAME chain one link longer than `cname_max` ends in SERVFAIL after
    /// at most `cname_max` links followed; one at the limit resolves.
    func testCNAMEChainStopsAtCnameMax() {
        let limit = RecursionTests.settings().cnameMax
        var records = [Wire.a("ns.test", [127, 9, 0, 2])]
        for i in 0...limit { records.append(Wire.cname("c\(i).test", "c\(i + 1).test")) }
        records.append(Wire.a("c\(limit + 1).test", [192, 0, 2, 77]))
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [BudgetTests.root], records: [Wire.a("ns.test", [127, 9, 0, 2])],
                                   delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [BudgetTests.tld], records: records))
        var h = harness()
        _ = h.ask(1, Wire.query("c0.test", .a))   // limit + 1 links to the address
        h.run(&auth, forMs: 6_000)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(h.core.stats.cnameChainTooLong, 1)
        _ = h.ask(2, Wire.query("c1.test", .a))   // exactly `limit` links
        h.run(&auth, forMs: 6_000)
        let p = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.last?.rdata, [192, 0, 2, 77])
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// A delegation chain deeper than `referralsMax`: each level refers one
    /// label further down. The task gives up after `referralsMax` referrals.
    func testDeepDelegationStopsAtTheReferralBudget() {
        var s = RecursionTests.settings()
        s.referralsMax = 8
        s.qnameMinimisation = false
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [BudgetTests.root], records: [Wire.a("ns.test", [127, 9, 0, 2])],
                                   delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [BudgetTests.tld]))
        var parent = "test."
        var labels = ""
        for level in 0..<12 {
            labels = "l\(level)." + labels
            let child = labels + "test."
            let server = FakeAuthorities.address(UInt8(10 + level))
            let nsName = "ns." + child
            let i = auth.zones.firstIndex { $0.apex == parent }!
            auth.zones[i].delegations[child] = [nsName]
            auth.zones[i].records.append(Wire.a(nsName, [127, 9, 0, UInt8(10 + level)]))
            auth.zones.append(FakeZone(apex: child, servers: [server], records: [Wire.a(nsName, [127, 9, 0, UInt8(10 + level)])]))
            parent = child
        }
        var h = Harness(settings: s, rootServers: [BudgetTests.root])
        _ = h.ask(1, Wire.query("www." + labels + "test", .a))
        h.run(&auth, forMs: 6_000)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(h.core.stats.budgetExhausted, 1)
        XCTAssertLessThanOrEqual(h.net.sent.count, s.referralsMax + 2, "one query per referral, and no more")
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }
}

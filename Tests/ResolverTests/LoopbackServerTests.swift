import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Issue 12 item 7: authoritative servers at loopback or unspecified
/// addresses are not queried unless `query_loopback` says so (Unbound's
/// do-not-query-localhost; DESIGN.md §6). RFC 1122 §3.2.1.3 (g): an address
/// of the form {127, any} "MUST NOT appear outside a host", and {0, 0} is
/// a source only — so no delegation on the Internet can honestly lead
/// there; RFC 6890 lists both as not forwardable, RFC 4291 §2.5.2–§2.5.3
/// gives ::1 and :: the same roles, §2.5.5.2 maps the IPv4 ones into IPv6.
/// The fake servers here sit at documentation addresses (RFC 5737), except
/// the ones under test, so the harness is told not to query loopback.
final class LoopbackServerTests: XCTestCase {
    static let root = ServerAddress(bytes: [198, 51, 100, 1], port: 53)!
    static let tld = ServerAddress(bytes: [198, 51, 100, 2], port: 53)!
    static let loopback = ServerAddress(bytes: [127, 0, 0, 1], port: 53)!

    /// The root refers `test.` to ns1.test (glue 127.0.0.1, listed first) and
    /// ns2.test (glue 198.51.100.2); a server on 127.0.0.1 would answer too.
    static func hierarchy(loopbackGlueOnly: Bool = false) -> FakeAuthorities {
        var auth = FakeAuthorities()
        var glue = [Wire.a("ns1.test", [127, 0, 0, 1])]
        var names = ["ns1.test."]
        if !loopbackGlueOnly {
            glue.append(Wire.a("ns2.test", [198, 51, 100, 2]))
            names.append("ns2.test.")
        }
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: glue, delegations: ["test.": names]))
        auth.zones.append(FakeZone(apex: "test.", servers: [tld, loopback],
                                   records: glue + [Wire.a("www.test", [192, 0, 2, 80])]))
        return auth
    }

    static func settings() -> EngineSettings {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        return s
    }

    func harness(queryLoopback: Bool, rootServers: [ServerAddress] = [root]) -> Harness {
        Harness(settings: LoopbackServerTests.settings(), rootServers: rootServers, queryLoopback: queryLoopback)
    }

    func sentTo(_ h: borrowing Harness, _ server: ServerAddress) -> Int {
        h.net.sent.filter { $0.server == server }.count
    }

    /// Failing before: the referral's first glue address was queried.
    func testLoopbackGlueIsNotFollowedAndTheOtherServerAnswers() {
        var h = harness(queryLoopback: false)
        var auth = LoopbackServerTests.hierarchy()
        _ = h.ask(1, Wire.query("www.test", .a, id: 7))
        h.run(&auth, forMs: 3_000)
        XCTAssertEqual(h.net.answers.count, 1)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 80])
        XCTAssertEqual(sentTo(h, LoopbackServerTests.loopback), 0, "127.0.0.1 was queried")
        XCTAssertGreaterThanOrEqual(sentTo(h, LoopbackServerTests.tld), 1)
        XCTAssertGreaterThanOrEqual(h.core.stats.loopbackRefused, 1)
        XCTAssertTrue(h.core.statsLines().contains { $0.0 == "resolver.loopback_refused" && $0.1 >= 1 })
    }

    /// A test bed (`query_loopback '1'`) follows the same glue to 127.0.0.1.
    func testQueryLoopbackFollowsLoopbackGlue() {
        var h = harness(queryLoopback: true)
        var auth = LoopbackServerTests.hierarchy(loopbackGlueOnly: true)
        _ = h.ask(1, Wire.query("www.test", .a))
        h.run(&auth, forMs: 3_000)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 80])
        XCTAssertGreaterThanOrEqual(sentTo(h, LoopbackServerTests.loopback), 1)
        XCTAssertEqual(h.core.stats.loopbackRefused, 0)
    }

    /// Only loopback glue: SERVFAIL (EDE 22), and nothing goes to loopback.
    func testOnlyLoopbackGlueFailsWithoutQueryingIt() {
        var h = harness(queryLoopback: false)
        var auth = LoopbackServerTests.hierarchy(loopbackGlueOnly: true)
        _ = h.ask(1, Wire.query("www.test", .a))
        h.run(&auth, forMs: 6_000)
        XCTAssertEqual(h.net.answers.count, 1)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.noReachableAuthority.rawValue])
        XCTAssertEqual(sentTo(h, LoopbackServerTests.loopback), 0)
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// Root hints on loopback (a hints file from a test bed on a router)
    /// are skipped; the other hints still serve.
    func testLoopbackRootHintIsSkipped() {
        var h = harness(queryLoopback: false, rootServers: [LoopbackServerTests.loopback, LoopbackServerTests.root])
        var auth = LoopbackServerTests.hierarchy()
        auth.zones[0].servers.append(LoopbackServerTests.loopback)
        _ = h.ask(1, Wire.query("www.test", .a))
        h.run(&auth, forMs: 3_000)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 80])
        XCTAssertEqual(sentTo(h, LoopbackServerTests.loopback), 0)
    }

    /// A nameserver whose name resolves (in another zone) to a loopback
    /// address: the cached A record is not used to reach it.
    func testCachedLoopbackAddressOfAnNSNameIsNotUsed() {
        var h = harness(queryLoopback: false)
        var auth = FakeAuthorities()
        let other = ServerAddress(bytes: [198, 51, 100, 3], port: 53)!
        auth.zones.append(FakeZone(apex: ".", servers: [LoopbackServerTests.root],
            records: [Wire.a("ns.other", [198, 51, 100, 3])],
            delegations: ["test.": ["ns.other."], "other.": ["ns.other."]]))
        auth.zones.append(FakeZone(apex: "other.", servers: [other],
            records: [Wire.a("ns.other", [198, 51, 100, 3]), Wire.a("evil.other", [127, 0, 0, 1])]))
        auth.zones.append(FakeZone(apex: "test.", servers: [other, LoopbackServerTests.loopback],
            records: [Wire.a("www.test", [192, 0, 2, 80])]))
        // evil.other's address is cached first; then test. is re-delegated to it.
        _ = h.ask(1, Wire.query("evil.other", .a))
        h.run(&auth, forMs: 2_000)
        auth.zones[0].delegations["test."] = ["evil.other."]
        _ = h.ask(2, Wire.query("www.test", .a))
        h.run(&auth, forMs: 6_000)
        XCTAssertEqual(h.net.answers.count, 2)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).rcode, .servFail)
        XCTAssertEqual(sentTo(h, LoopbackServerTests.loopback), 0)
        XCTAssertGreaterThanOrEqual(h.core.stats.loopbackRefused, 1)
    }

    func testWhichAddressesAreLoopbackOrUnspecified() {
        func v4(_ b: [UInt8]) -> ServerAddress { ServerAddress(bytes: b, port: 53)! }
        func v6(_ tail: [UInt8], mapped: Bool = false) -> ServerAddress {
            ServerAddress(bytes: [UInt8](repeating: 0, count: 10) + (mapped ? [0xFF, 0xFF] : [0, 0]) + tail, port: 53)!
        }
        for a in [v4([127, 0, 0, 1]), v4([127, 255, 1, 2]), v4([0, 0, 0, 0]), v4([0, 1, 2, 3]),
                  v6([0, 0, 0, 1]), v6([0, 0, 0, 0]), v6([127, 0, 0, 1], mapped: true), v6([0, 0, 0, 0], mapped: true),
                  v6([127, 9, 0, 3], mapped: true)] {
            XCTAssertTrue(a.isLoopbackOrUnspecified, "\(a)")
        }
        for a in [v4([128, 0, 0, 1]), v4([10, 0, 0, 1]), v4([126, 255, 255, 255]), v4([192, 0, 2, 1]),
                  v6([0, 0, 0, 2]), v6([192, 0, 2, 1], mapped: true), v6([127, 0, 0, 1]),   // ::127.0.0.1 is not mapped
                  ServerAddress(bytes: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1], port: 53)!,
                  ServerAddress(bytes: [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1], port: 53)!] {
            XCTAssertFalse(a.isLoopbackOrUnspecified, "\(a)")
        }
    }

    /// Forwarding: an upstream on 127.0.0.1 (a local Unbound) is queried
    /// whatever `query_loopback` says.
    func testForwardingToALoopbackUpstreamIsAllowed() {
        var h = Harness(upstreams: [Upstream(address: LoopbackServerTests.loopback)], queryLoopback: false)
        _ = h.ask(1, Wire.query("www.example", .a))
        XCTAssertEqual(sentTo(h, LoopbackServerTests.loopback), 1)
        XCTAssertEqual(h.core.stats.loopbackRefused, 0)
    }
}

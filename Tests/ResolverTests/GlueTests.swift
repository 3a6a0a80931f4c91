import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Which glue a referral may give (RFC 9471, RFC 2181 §5.4.1): addresses of
/// the delegation's NS names inside the zone of the server that refers,
/// whether under the child (in-domain) or elsewhere in that zone (sibling).
/// Each test runs with QNAME minimisation on and off.
final class GlueTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)
    static let leaf = FakeAuthorities.address(3)
    static let orgLeaf = FakeAuthorities.address(4)
    /// Where forged glue points: no server listens there.
    static let forged = ServerAddress(bytes: [198, 51, 100, 66], port: 53)!

    /// `com.` and `net.` share one server named under `net.`, as the real
    /// gTLDs do (a.gtld-servers.net): the root's referral for `com.` carries
    /// its address as sibling glue.
    static func hierarchy() -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root],
            records: [Wire.a("a.gtld.net", [127, 9, 0, 2])],
            delegations: ["com.": ["a.gtld.net."], "net.": ["a.gtld.net."], "org.": ["a.gtld.net."]]))
        auth.zones.append(FakeZone(apex: "com.", servers: [tld],
            records: [Wire.a("ns.example.com", [127, 9, 0, 3])],
            delegations: ["example.com.": ["ns.example.com."], "other.com.": ["ns.example.org."]]))
        auth.zones.append(FakeZone(apex: "net.", servers: [tld], records: [Wire.a("a.gtld.net", [127, 9, 0, 2])]))
        auth.zones.append(FakeZone(apex: "org.", servers: [tld],
            records: [Wire.a("ns.example.org", [127, 9, 0, 4])],
            delegations: ["example.org.": ["ns.example.org."]]))
        auth.zones.append(FakeZone(apex: "example.com.", servers: [leaf], records: [
            Wire.a("ns.example.com", [127, 9, 0, 3]), Wire.a("www.example.com", [192, 0, 2, 1])]))
        auth.zones.append(FakeZone(apex: "other.com.", servers: [orgLeaf], records: [
            Wire.a("www.other.com", [192, 0, 2, 2])]))
        auth.zones.append(FakeZone(apex: "example.org.", servers: [orgLeaf], records: [
            Wire.a("ns.example.org", [127, 9, 0, 4])]))
        return auth
    }

    func harness(minimise: Bool) -> Harness {
        var s = RecursionTests.settings()
        s.qnameMinimisation = minimise
        return Harness(settings: s, rootServers: [GlueTests.root])
    }

    /// RFC 9471 §2.2: sibling glue is in bailiwick for the root, which is
    /// authoritative for `net.` too. Before: the address was dropped and
    /// looked up, one more round trip per cold start (and SERVFAIL where
    /// that look-up could not be answered).
    func testSiblingGlueFromTheRootIsUsed() {
        for minimise in [true, false] {
            var h = harness(minimise: minimise)
            var auth = GlueTests.hierarchy()
            _ = h.ask(1, Wire.query("www.example.com", .a))
            h.pump(&auth)
            let p = Wire.parse(h.net.answers[0].bytes)
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise)")
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 1], "minimise \(minimise)")
            XCTAssertFalse(auth.queries.contains { $0.name == "a.gtld.net." }, "minimise \(minimise): glue looked up")
            XCTAssertEqual(h.core.stats.nsLookups, 0, "minimise \(minimise)")
            XCTAssertEqual(auth.queries.count, 3, "minimise \(minimise): one query per zone cut: \(auth.queries.map { $0.name })")
        }
    }

    /// RFC 2181 §5.4.1: an address outside the referring server's zone is
    /// not believed. `com.` refers `other.com.` to `ns.example.org.` and adds
    /// an address for it (and for a name that is no NS target): neither is
    /// used; `ns.example.org.` is looked up from its own zone.
    func testGlueOutsideTheReferringZoneIsNeverUsed() {
        for minimise in [true, false] {
            var h = harness(minimise: minimise)
            var auth = GlueTests.hierarchy()
            auth.zones[1].forgedGlue = [Wire.RR(owner: "ns.example.org", type: .a, ttl: 3600, rdata: [198, 51, 100, 66]),
                                        Wire.RR(owner: "www.other.com", type: .a, ttl: 3600, rdata: [198, 51, 100, 66])]
            _ = h.ask(1, Wire.query("www.other.com", .a))
            h.pump(&auth)
            let p = Wire.parse(h.net.answers[0].bytes)
            XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 2], "minimise \(minimise)")
            XCTAssertFalse(h.net.sent.contains { $0.server == GlueTests.forged }, "minimise \(minimise): forged glue used")
            XCTAssertTrue(auth.queries.contains { $0.name == "ns.example.org." && $0.server == GlueTests.orgLeaf },
                          "minimise \(minimise): the NS address comes from its own zone")
            // The forged address of a non-NS name never reaches a client either.
            _ = h.ask(2, Wire.query("www.other.com", .a))
            XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).answers.first?.rdata, [192, 0, 2, 2])
        }
    }
}

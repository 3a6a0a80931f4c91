import XCTest
import Cache
import DNSWire
@testable import Resolver

extension Wire {
    /// `message` with one more EDNS option at the end of its OPT RR, which
    /// must be the last record (as `Wire.response` writes it).
    static func appendingOption(_ message: [UInt8], code: UInt16, value: [UInt8]) -> [UInt8] {
        let opt: Record? = message.withUnsafeBytes { m in
            guard var reader = try? MessageReader(m), (try? reader.skipToEnd()) != nil else { return nil }
            return reader.opt
        }
        guard let opt, opt.rdataEnd == message.count else { return message }
        var out = message
        let length = opt.rdataLength + 4 + value.count
        out[opt.rdataOffset - 2] = UInt8(length >> 8)
        out[opt.rdataOffset - 1] = UInt8(length & 0xFF)
        out += [UInt8(code >> 8), UInt8(code & 0xFF), UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
        return out
    }
}

/// DNS error reporting, the resolver's side (RFC 9567 §6.1), in virtual
/// time against fake authorities: the servers of `fail.test.` answer
/// SERVFAIL with a Report-Channel option; the agent domain is served by
/// `agent.test.`'s server, which logs every report query it gets.
final class ErrorReportingTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let tld = FakeAuthorities.address(2)
    static let failing = FakeAuthorities.address(3)
    static let agentServer = FakeAuthorities.address(4)

    func authorities(agent: String = "a.agent.test.") -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [Self.root],
            records: [Wire.a("ns.test", [127, 9, 0, 2])], delegations: ["test.": ["ns.test."]]))
        auth.zones.append(FakeZone(apex: "test.", servers: [Self.tld],
            records: [Wire.a("ns.fail.test", [127, 9, 0, 3]), Wire.a("ns.agent.test", [127, 9, 0, 4])],
            delegations: ["fail.test.": ["ns.fail.test."], "agent.test.": ["ns.agent.test."]]))
        auth.zones.append(FakeZone(apex: "fail.test.", servers: [Self.failing],
            records: [Wire.a("www.fail.test", [192, 0, 2, 1])]))
        auth.zones.append(FakeZone(apex: "agent.test.", servers: [Self.agentServer],
            records: [Wire.a("ns.agent.test", [127, 9, 0, 4])]))
        auth.broken.insert(FakeAuthorities.key(Self.failing))            // SERVFAIL, with an OPT
        auth.reportChannel[FakeAuthorities.key(Self.failing)] = agent
        return auth
    }

    func harness(reporting: Bool = true) -> Harness {
        var s = RecursionTests.settings()
        s.errorReporting = reporting
        return Harness(settings: s, rootServers: [Self.root])
    }

    /// Report queries the agent's server received (lowercased names).
    func reports(_ auth: FakeAuthorities) -> [String] {
        auth.queries.filter { $0.server == Self.agentServer && $0.type == .txt }.map { $0.name }
    }

    /// Resolves `name` A once (a fresh client), pumping until quiet.
    func fail(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, client: Int = 1) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(client, Wire.query(name, .a))
        h.run(&auth, forMs: 2_000)   // SERVFAILs come at once; the reports end too
        XCTAssertEqual(h.net.answers.count, before + 1)
        return Wire.parse(h.net.answers.last!.bytes)
    }

    /// RFC 9567 §6.1, §6.1.1: the failure is answered SERVFAIL, and one
    /// TXT query `_er.<qtype>.<qname>.<ede>._er.<agent>` goes out, resolved
    /// like any other name (it reaches the agent's server).
    func testFailureSendsOneReportQueryToTheAgent() {
        var auth = authorities()
        var h = harness()
        let p = fail(&h, &auth, "www.fail.test")
        XCTAssertEqual(p.rcode, .servFail)
        let ede = p.ede.first ?? 0
        XCTAssertEqual(reports(auth), ["_er.1.www.fail.test.\(ede)._er.a.agent.test."])
        XCTAssertEqual(h.core.stats.errorReports, 1)
        XCTAssertEqual(h.core.statsLines().first { $0.0 == "error_reports.sent" }?.1, 1)
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "the report task ended")
    }

    /// The same failure again within the hour: no second report (rate
    /// limit per error); after the hour (and the cached answers), again.
    func testTheSameReportIsSentOncePerHour() {
        var auth = authorities()
        var h = harness()
        _ = fail(&h, &auth, "www.fail.test")
        h.advance(60_000)
        _ = fail(&h, &auth, "www.fail.test", client: 2)
        XCTAssertEqual(reports(auth).count, 1)
        XCTAssertGreaterThanOrEqual(h.core.stats.errorReportsLimited, 1)
        h.advance(ErrorReports.sameReportIntervalMs)
        _ = fail(&h, &auth, "www.fail.test", client: 3)
        XCTAssertEqual(reports(auth).count, 2)
    }

    /// Per agent, at most `reportsPerAgentMax` reports a minute, whatever
    /// the names; the next minute opens a new window.
    func testReportsPerAgentAreLimitedPerMinute() {
        var auth = authorities()
        var h = harness()
        let names = (0..<(ErrorReports.reportsPerAgentMax + 3)).map { "n\($0).fail.test" }
        for (i, name) in names.enumerated() { _ = fail(&h, &auth, name, client: i + 1) }
        XCTAssertEqual(reports(auth).count, ErrorReports.reportsPerAgentMax)
        XCTAssertEqual(h.core.stats.errorReportsLimited, 3)
        h.advance(ErrorReports.agentWindowMs)
        _ = fail(&h, &auth, "late.fail.test", client: 40)
        XCTAssertEqual(reports(auth).count, ErrorReports.reportsPerAgentMax + 1)
    }

    /// Never to an agent inside the failing zone (its servers are the ones
    /// failing), never to the root (RFC 9567 §6.1).
    func testNoReportToTheRootOrInsideTheFailingZone() {
        for agent in ["agent.fail.test.", "."] {
            var auth = authorities(agent: agent)
            var h = harness()
            let p = fail(&h, &auth, "www.fail.test")
            XCTAssertEqual(p.rcode, .servFail)
            XCTAssertEqual(reports(auth), [], agent)
            XCTAssertEqual(auth.queries.filter { $0.type == .txt }.count, 0, agent)
            XCTAssertEqual(h.core.stats.errorReports, 0, agent)
            XCTAssertEqual(h.core.stats.errorReportsRefused, 1, agent)
        }
    }

    /// The TLD's servers name their own agent too: the failing zone's
    /// servers, asked last, name the agent that hears of it.
    func testTheFailingZonesAgentWinsOverItsParents() {
        var auth = authorities()
        auth.reportChannel[FakeAuthorities.key(Self.tld)] = "b.agent.test."
        var h = harness()
        let p = fail(&h, &auth, "www.fail.test")
        XCTAssertEqual(reports(auth), ["_er.1.www.fail.test.\(p.ede.first ?? 0)._er.a.agent.test."])
    }

    /// `option error_reporting '0'`: nothing is sent, nothing counted.
    func testErrorReportingOffSendsNothing() {
        var auth = authorities()
        var h = harness(reporting: false)
        _ = fail(&h, &auth, "www.fail.test")
        XCTAssertEqual(auth.queries.filter { $0.type == .txt }.count, 0)
        XCTAssertEqual(h.core.stats.errorReports, 0)
    }

    /// A report query that fails itself (the agent's servers fail too and
    /// name an agent) is never reported on: no report loops.
    func testAFailingReportIsNotReported() {
        var auth = authorities()
        auth.broken.insert(FakeAuthorities.key(Self.agentServer))
        auth.reportChannel[FakeAuthorities.key(Self.agentServer)] = "b.agent.test."
        var h = harness()
        _ = fail(&h, &auth, "www.fail.test")
        let txt = auth.queries.filter { $0.type == .txt }.map { $0.name }
        XCTAssertTrue(txt.allSatisfy { $0.hasSuffix("._er.a.agent.test.") }, "\(txt)")
        XCTAssertEqual(h.core.stats.errorReports, 1)
        XCTAssertEqual(h.core.outgoing.usedCount, 0)
    }

    /// A name that would pass 255 octets is not sent (RFC 9567 §6.1.1).
    func testReportNameOver255OctetsIsNotBuilt() {
        let long = String(repeating: "a", count: 63)
        let qname = Wire.name("\(long).\(long).\(long).\(String(repeating: "b", count: 40)).x.test")
        let agent = Wire.name("a.agent.test")
        XCTAssertNil(ErrorReports.reportName(question: Question(name: qname, type: .a, rrClass: .in), ede: 6, agent: agent))
        let short = ErrorReports.reportName(question: Question(name: Wire.name("www.x.test"), type: .aaaa, rrClass: .in),
                                            ede: 6, agent: agent)
        XCTAssertEqual(short?.text, "_er.28.www.x.test.6._er.a.agent.test.")
    }
}

/// Validation failures are reported too (RFC 9567 §1: "fail to resolve or
/// validate"): a signed zone whose answer lost its RRSIGs (EDE 10), its
/// server naming an agent under an unsigned TLD.
final class ErrorReportingValidationTests: XCTestCase {
    static let agentServer = FakeAuthorities.address(6)

    func testBogusAnswerIsReportedWithItsEDE() {
        var auth = ChainOfTrustTests.hierarchy(stripSignedChild: true)
        auth.zones[0].delegations["agent."] = ["ns.agent."]
        auth.zones[0].records.append(Wire.a("ns.agent", [127, 9, 0, 6]))
        auth.zones.append(FakeZone(apex: "agent.", servers: [Self.agentServer], records: [Wire.a("ns.agent", [127, 9, 0, 6])]))
        auth.reportChannel[FakeAuthorities.key(ChainOfTrustTests.signedServer)] = "r.agent."
        var s = RecursionTests.settings()
        s.validate = true
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        _ = h.ask(1, Wire.query("www.signed.example", .a))
        h.run(&auth, forMs: 2_000)
        let p = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.rrsigsMissing.rawValue])
        let reports = auth.queries.filter { $0.server == Self.agentServer && $0.type == .txt }.map { $0.name }
        XCTAssertEqual(reports, ["_er.1.www.signed.example.10._er.r.agent."])
        XCTAssertEqual(h.core.stats.errorReports, 1)
    }
}

import XCTest
import Cache
import DNSWire
@testable import Resolver

final class ForwardingTests: XCTestCase {
    func testMissForwardsThenAnswersAndCaches() {
        var h = Harness()
        let q = Wire.query("www.example.test", .a, id: 7)
        XCTAssertEqual(h.ask(1, q), .pending)
        XCTAssertEqual(h.net.sent.count, 1)
        let sent = h.net.sent[0]
        XCTAssertNotEqual(sent.id, 7, "upstream ID is our own random ID, not the client's")
        h.reply(sent.outgoing, Wire.response(to: sent.bytes, records: [Wire.a("www.example.test", [192, 0, 2, 1], ttl: 300)]))
        XCTAssertEqual(h.net.answers.count, 1)
        let a = Wire.parse(h.net.answers[0].bytes)
        XCTAssertEqual(a.id, 7)
        XCTAssertEqual(a.rcode, .noError)
        XCTAssertEqual(a.answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertTrue(h.net.released.contains(sent.outgoing))

        // Second ask: from the cache, no upstream traffic, TTL counts down.
        h.nowMs += 100_000
        XCTAssertEqual(h.ask(2, Wire.query("WWW.Example.TEST", .a, id: 8)), .answered)
        XCTAssertEqual(h.net.sent.count, 1, "cache hit sends nothing upstream")
        let b = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(b.id, 8)
        XCTAssertEqual(b.answers.first?.ttl, 200)
        XCTAssertEqual(h.core.stats.cacheHits, 1)
    }

    /// With every client slot waiting on the network, the server asks the
    /// core to answer without resolution (issue 20 item 3): a cached name
    /// and a local answer (a meta-type: FORMERR) come back at once; a new
    /// name gets nil and leaves no trace (nothing sent, no request taken).
    func testWithoutResolutionAnswersCachedAndLocalNamesOnly() {
        var h = Harness()
        _ = h.ask(1, Wire.query("cached.example.test", .a, id: 1))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("cached.example.test", [192, 0, 2, 1])]))
        let answersBefore = h.net.answers.count

        func without(_ client: Int, _ q: [UInt8], _ h: inout Harness) -> QueryOutcome? {
            let outcome = q.withUnsafeBytes { h.core.queryWithoutResolution(client: client, transport: .udp, $0, nowMs: h.nowMs) }
            h.drain()
            return outcome
        }
        XCTAssertEqual(without(2, Wire.query("cached.example.test", .a, id: 2), &h), .answered)
        XCTAssertEqual(h.net.answers.count, answersBefore + 1)
        XCTAssertEqual(Wire.parse(h.net.answers.last!.bytes).answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertEqual(without(3, Wire.query("meta.example.test", RRType(rawValue: 128), id: 3), &h), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers.last!.bytes).rcode, .formErr)
        XCTAssertNil(without(4, Wire.query("new.example.test", .a, id: 4), &h))
        XCTAssertEqual(h.net.sent.count, 1, "a name that needs resolution sends nothing")
        XCTAssertEqual(h.net.answers.count, answersBefore + 2, "and is not answered by the core")
        XCTAssertEqual(h.core.requests.usedCount, 0)
    }

    /// Forward mode keeps the upstream's AD verdict with the cached data:
    /// a DO client gets AD from the cache too; a mixed chain loses it.
    func testUpstreamADSurvivesTheCache() {
        var h = Harness()
        _ = h.ask(1, Wire.query("signed.example.test", .a, dnssecOK: true))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, ad: true, records: [Wire.a("signed.example.test", [192, 0, 2, 8])]))
        XCTAssertTrue(Wire.parse(h.net.answers[0].bytes).ad)
        XCTAssertEqual(h.ask(2, Wire.query("signed.example.test", .a, dnssecOK: true)), .answered)
        XCTAssertTrue(Wire.parse(h.net.answers[1].bytes).ad, "AD from the cache")
        XCTAssertEqual(h.ask(3, Wire.query("signed.example.test", .a, dnssecOK: false)), .answered)
        XCTAssertFalse(Wire.parse(h.net.answers[2].bytes).ad, "no AD for a client without DO")
        _ = h.ask(4, Wire.query("plain.example.test", .a, dnssecOK: true))
        let t = h.net.sent[1]
        h.reply(t.outgoing, Wire.response(to: t.bytes, records: [Wire.a("plain.example.test", [192, 0, 2, 9])]))
        XCTAssertEqual(h.ask(5, Wire.query("plain.example.test", .a, dnssecOK: true)), .answered)
        XCTAssertFalse(Wire.parse(h.net.answers[4].bytes).ad)
    }

    func testIdenticalQuestionsAreAggregated() {
        var h = Harness()
        _ = h.ask(1, Wire.query("agg.example.test", .aaaa, id: 1))
        _ = h.ask(2, Wire.query("agg.example.test", .aaaa, id: 2))
        XCTAssertEqual(h.net.sent.count, 1)
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.RR(owner: "agg.example.test", type: .aaaa, ttl: 60,
                                                                          rdata: [UInt8](repeating: 1, count: 16))]))
        XCTAssertEqual(Set(h.net.answers.map { $0.client }), [1, 2])
        XCTAssertEqual(Set(h.net.answers.map { Wire.parse($0.bytes).id }), [1, 2])
    }

    func testMismatchedResponsesAreIgnored() {
        var h = Harness()
        _ = h.ask(1, Wire.query("spoof.example.test", .a))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("spoof.example.test", [6, 6, 6, 6])], idDelta: 1))
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("other.example.test", [6, 6, 6, 6])],
                                          questionOverride: "other.example.test"))
        XCTAssertTrue(h.net.answers.isEmpty, "wrong ID or question must not answer the client")
        XCTAssertEqual(h.core.stats.mismatchedResponses, 2)
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("spoof.example.test", [192, 0, 2, 9])]))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 9])
    }

    func testTimeoutFailsOverToOtherUpstream() {
        var h = Harness()
        _ = h.ask(1, Wire.query("slow.example.test", .a))
        let first = h.net.sent[0].server
        h.advance(3_100)   // beyond any retransmission timeout
        XCTAssertEqual(h.net.sent.count, 2)
        XCTAssertNotEqual(h.net.sent[1].server, first, "the retry goes to the other upstream")
        let s = h.net.sent[1]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("slow.example.test", [192, 0, 2, 3])]))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .noError)
        XCTAssertEqual(h.core.stats.upstreamTimeouts, 1)
    }

    func testTruncatedAnswerIsRetriedOverTCP() {
        var h = Harness()
        _ = h.ask(1, Wire.query("big.example.test", .txt))
        let s = h.net.sent[0]
        XCTAssertFalse(s.overTCP)
        h.reply(s.outgoing, Wire.response(to: s.bytes, tc: true, records: []))
        XCTAssertEqual(h.net.sent.count, 2)
        XCTAssertTrue(h.net.sent[1].overTCP)
        XCTAssertEqual(h.net.sent[1].server, s.server, "TC retry goes to the same server")
        let t = h.net.sent[1]
        h.reply(t.outgoing, Wire.response(to: t.bytes, records: [Wire.RR(owner: "big.example.test", type: .txt, ttl: 60,
                                                                          rdata: [5] + Array("hello".utf8))]))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.count, 1)
    }

    func testServfailFromUpstreamTriesNextThenFails() {
        var settings = EngineSettings()
        settings.attemptsMax = 2
        var h = Harness(settings: settings)
        _ = h.ask(1, Wire.query("broken.example.test", .a))
        h.reply(h.net.sent[0].outgoing, Wire.response(to: h.net.sent[0].bytes, rcode: .servFail, records: []))
        XCTAssertEqual(h.net.sent.count, 2)
        h.reply(h.net.sent[1].outgoing, Wire.response(to: h.net.sent[1].bytes, rcode: .refused, records: []))
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).ede, [EDECode.noReachableAuthority.rawValue],
                       "the SERVFAIL says no upstream answered usefully (RFC 8914)")
    }

    func testNegativeAnswersAreCachedPerRFC2308() {
        var h = Harness()
        _ = h.ask(1, Wire.query("nope.example.test", .a))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, rcode: .nxDomain,
                                          records: [Wire.soa("example.test", ttl: 3600, minimum: 60)]))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .nxDomain)
        // NXDOMAIN answers every type at the name, for min(SOA TTL, MINIMUM) = 60 s.
        h.nowMs += 10_000
        XCTAssertEqual(h.ask(2, Wire.query("nope.example.test", .mx)), .answered)
        let b = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(b.rcode, .nxDomain)
        XCTAssertEqual(b.authority.first?.type, .soa)
        XCTAssertEqual(b.authority.first?.ttl, 50)
        h.nowMs += 60_000
        XCTAssertEqual(h.ask(3, Wire.query("nope.example.test", .a)), .pending, "expired: asks upstream again")
    }

    /// RFC 2308 §5: a NODATA is cached for its <QNAME, QTYPE> alone. A
    /// client that asks for a name's CNAME and gets NODATA must not hide
    /// the name's other types: the A question after it goes upstream and is
    /// answered with the A record, and the CNAME NODATA still answers CNAME.
    /// (Found through the daemon: one such query made a validated DS NODATA
    /// answer insecure, and would hide a household's A records.)
    func testACNAMENodataHidesNoOtherTypeAtTheName() {
        var h = Harness()
        _ = h.ask(1, Wire.query("www.example.test", .cname, id: 1))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.soa("example.test", ttl: 3600, minimum: 300)]))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.count, 0, "NODATA for CNAME")
        XCTAssertEqual(h.ask(2, Wire.query("www.example.test", .a, id: 2)), .pending, "the A is not known: asked upstream")
        guard h.net.sent.count == 2 else { return XCTFail("the A was answered from the CNAME's NODATA") }
        let t = h.net.sent[1]
        h.reply(t.outgoing, Wire.response(to: t.bytes, records: [Wire.a("www.example.test", [192, 0, 2, 1])]))
        let a = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(a.rcode, .noError)
        XCTAssertEqual(a.answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertEqual(h.ask(3, Wire.query("www.example.test", .cname, id: 3)), .answered, "the CNAME NODATA still answers CNAME")
        XCTAssertEqual(Wire.parse(h.net.answers[2].bytes).answers.count, 0)
        XCTAssertEqual(h.ask(4, Wire.query("www.example.test", .a, id: 4)), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers[3].bytes).answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertEqual(h.net.sent.count, 2)
    }

    func testCNAMEChainIsCachedAndReassembled() {
        var h = Harness()
        _ = h.ask(1, Wire.query("alias.example.test", .a))
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [
            Wire.cname("alias.example.test", "mid.example.net"),
            Wire.cname("mid.example.net", "real.example.org"),
            Wire.a("real.example.org", [192, 0, 2, 77]),
        ]))
        XCTAssertEqual(h.ask(2, Wire.query("alias.example.test", .a)), .answered)
        let b = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(b.answers.map { $0.type }, [.cname, .cname, .a])
        XCTAssertEqual(b.answers.last?.rdata, [192, 0, 2, 77])
        XCTAssertEqual(h.ask(3, Wire.query("real.example.org", .a)), .answered, "chain members are cached on their own")
    }

    /// RFC 8767: upstream gone, expired data is served after the client
    /// response timer with TTL 30 and EDE 3; the refresh keeps running; a
    /// failed refresh is not retried for 30 s.
    func testServeStaleWhenUpstreamsAreGone() {
        var h = Harness()
        _ = h.ask(1, Wire.query("stale.example.test", .a))
        h.reply(h.net.sent[0].outgoing, Wire.response(to: h.net.sent[0].bytes,
                                                      records: [Wire.a("stale.example.test", [192, 0, 2, 5], ttl: 60)]))
        h.nowMs += 120_000                      // expired a minute ago
        XCTAssertEqual(h.ask(2, Wire.query("stale.example.test", .a, id: 99)), .pending)
        let sentBefore = h.net.sent.count
        h.advance(1_000)
        XCTAssertEqual(h.net.answers.count, 1, "not before the client response timer")
        h.advance(900)                          // past 1800 ms
        XCTAssertEqual(h.net.answers.count, 2)
        let stale = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(stale.id, 99)
        XCTAssertEqual(stale.answers.first?.ttl, 30)
        XCTAssertEqual(stale.answers.first?.rdata, [192, 0, 2, 5])
        XCTAssertEqual(stale.ede, [EDECode.staleAnswer.rawValue])
        // The refresh goes on until its attempts are used up ...
        for _ in 0..<10 { h.advance(3_100) }
        XCTAssertGreaterThan(h.net.sent.count, sentBefore)
        XCTAssertEqual(h.net.answers.count, 2, "the stale-answered client is not answered twice")
        // ... and then stale data is served at once, with no new attempt, for 30 s.
        let sentAfterFailure = h.net.sent.count
        XCTAssertEqual(h.ask(3, Wire.query("stale.example.test", .a, id: 100)), .answered)
        XCTAssertEqual(h.net.sent.count, sentAfterFailure)
        XCTAssertEqual(Wire.parse(h.net.answers[2].bytes).ede, [EDECode.staleAnswer.rawValue])
        h.nowMs += 31_000
        XCTAssertEqual(h.ask(4, Wire.query("stale.example.test", .a, id: 101)), .pending, "back-off over: refresh again")
    }

    func testStaleNXDOMAINCarriesEDE19() {
        var h = Harness()
        _ = h.ask(1, Wire.query("gone.example.test", .a))
        h.reply(h.net.sent[0].outgoing, Wire.response(to: h.net.sent[0].bytes, rcode: .nxDomain,
                                                      records: [Wire.soa("example.test", ttl: 60, minimum: 60)]))
        h.nowMs += 600_000
        _ = h.ask(2, Wire.query("gone.example.test", .a))
        h.advance(1_900)
        let p = Wire.parse(h.net.answers[1].bytes)
        XCTAssertEqual(p.rcode, .nxDomain)
        XCTAssertEqual(p.ede, [EDECode.staleNXDomainAnswer.rawValue])
    }

    /// An upstream answering from its cache in no time pulls the RTT
    /// estimate to zero, but it needs hundreds of milliseconds for a name it
    /// must resolve: the first retransmission waits `timeoutMinMs` (300 ms),
    /// not 150 ms (a dead authoritative server behind it costs ~400 ms).
    func testFastUpstreamStillGetsTimeToResolveAColdName() {
        var h = Harness(upstreams: [Upstream(address: Harness.upstreamA)])
        for i in 0..<40 {
            _ = h.ask(i, Wire.query("h\(i).example.test", .a))
            let q = h.net.sent.last!
            h.reply(q.outgoing, Wire.response(to: q.bytes, records: [Wire.a("h\(i).example.test", [192, 0, 2, 1])]))
        }
        let sent = h.net.sent.count
        _ = h.ask(99, Wire.query("cold.example.test", .a))
        XCTAssertEqual(h.net.sent.count, sent + 1)
        h.advance(UpstreamTable.timeoutMinMs - 1)
        XCTAssertEqual(h.net.sent.count, sent + 1, "retransmitted before the floor")
        h.advance(1)
        XCTAssertEqual(h.net.sent.count, sent + 2, "retransmitted at the floor")
    }

    /// A lone upstream that needs 1.5 s for a name (it waits on a dead
    /// authoritative server) is retried with the timer backed off (RFC 6298
    /// §5.5: 300, 600, 1,200 ms …), not four times 300 ms: a send is still
    /// out when it answers, and the client gets the answer, not SERVFAIL.
    func testSlowUpstreamIsRetriedWithBackOffUntilTheDeadline() {
        var h = Harness(upstreams: [Upstream(address: Harness.upstreamA)])
        for i in 0..<40 {   // fast answers: the RTT estimate falls to the floor
            _ = h.ask(i, Wire.query("h\(i).example.test", .a))
            let q = h.net.sent.last!
            h.reply(q.outgoing, Wire.response(to: q.bytes, records: [Wire.a("h\(i).example.test", [192, 0, 2, 1])]))
        }
        _ = h.ask(99, Wire.query("slow.example.test", .a))
        let first = h.net.sent.count - 1
        for _ in 0..<15 { h.advance(100) }   // 1.5 s
        let sends = h.net.sent[first...].map { $0.outgoing }
        XCTAssertEqual(sends.count, 3, "sends at 0, 300 and 900 ms")
        let last = h.net.sent.last!
        h.reply(last.outgoing, Wire.response(to: last.bytes, records: [Wire.a("slow.example.test", [192, 0, 2, 9])]))
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 9])
    }

    func testNoDataAnywhereEndsInServfailAtDeadline() {
        var h = Harness()
        _ = h.ask(1, Wire.query("dark.example.test", .a))
        for _ in 0..<5 { h.advance(1_100) }
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(h.core.nextDeadlineMs, nil, "no timer left behind")
    }

    func testMalformedQueriesGetFormerrOrAreDropped() {
        var h = Harness()
        XCTAssertEqual(h.ask(1, [0x12, 0x34]), .dropped, "no header: dropped")
        var response = Wire.query("x.example.test", .a)
        response[2] |= 0x80
        XCTAssertEqual(h.ask(2, response), .dropped, "responses are never answered")
        var twoQuestions = Wire.query("x.example.test", .a, edns: false)
        twoQuestions[5] = 2
        XCTAssertEqual(h.ask(3, twoQuestions), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .formErr)
        var truncated = Wire.query("x.example.test", .a, edns: false)
        truncated.removeLast(3)
        XCTAssertEqual(h.ask(4, truncated), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers[1].bytes).rcode, .formErr)
        XCTAssertTrue(h.net.sent.isEmpty)
    }

    func testLargeAnswerIsTruncatedForSmallClientsButNotOverTCP() {
        var h = Harness()
        var records: [Wire.RR] = []
        for i in 0..<40 { records.append(Wire.a("many.example.test", [10, 0, 0, UInt8(i)])) }
        _ = h.ask(1, Wire.query("many.example.test", .a, edns: false))
        h.reply(h.net.sent[0].outgoing, Wire.response(to: h.net.sent[0].bytes, records: records))
        let udp = Wire.parse(h.net.answers[0].bytes)
        XCTAssertTrue(udp.tc, "40 A records exceed 512 bytes")
        XCTAssertTrue(udp.answers.isEmpty)
        XCTAssertLessThanOrEqual(h.net.answers[0].bytes.count, 512)
        _ = h.ask(2, Wire.query("many.example.test", .a), tcp: true)
        let tcp = Wire.parse(h.net.answers[1].bytes)
        XCTAssertFalse(tcp.tc)
        XCTAssertEqual(tcp.answers.count, 40)
    }

    func testPoolExhaustionAnswersServfail() {
        var settings = EngineSettings()
        settings.maxClients = 2
        var h = Harness(settings: settings)
        _ = h.ask(1, Wire.query("a.example.test", .a))
        _ = h.ask(2, Wire.query("b.example.test", .a))
        XCTAssertEqual(h.ask(3, Wire.query("c.example.test", .a)), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).rcode, .servFail)
        XCTAssertEqual(h.core.stats.noRequestSlot, 1)
    }

    /// Seeded chaos: random queries, random upstream behaviour (answer,
    /// silence, SERVFAIL, garbage, TC) and time jumps. Every client request
    /// ends answered exactly once, and no slot or timer leaks.
    func testRandomScenariosAlwaysEndCleanly() {
        let seed = UInt64(ProcessInfo.processInfo.environment["SPRIG_SEED"] ?? "") ?? 2026
        var rng = SplitMix(seed: seed)
        var settings = EngineSettings()
        settings.maxClients = 32
        settings.maxOutgoing = 16
        var h = Harness(settings: settings, cacheBytes: 64 << 10)
        var nextClient = 0
        var outstanding = Set<Int>()
        for _ in 0..<3_000 {
            switch rng.next() % 6 {
            case 0, 1:
                let client = nextClient
                nextClient += 1
                let q = Wire.query("n\(rng.next() % 40).example.test", rng.next() % 2 == 0 ? .a : .aaaa)
                if h.ask(client, q) != .dropped { outstanding.insert(client) }
            case 2:
                guard let s = h.net.sent.randomElement(using: &rng) else { continue }
                let reply: [UInt8]
                switch rng.next() % 4 {
                case 0: reply = Wire.response(to: s.bytes, records: [Wire.RR(owner: "x.example.test", type: .a, ttl: 5, rdata: [1, 2, 3, 4])])
                case 1: reply = Wire.response(to: s.bytes, rcode: .servFail, records: [])
                case 2: reply = Wire.response(to: s.bytes, tc: true, records: [])
                default: reply = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                h.reply(s.outgoing, reply)
            default:
                h.advance(Int64(rng.next() % 2_000))
            }
            for (client, _) in h.net.answers {
                XCTAssertTrue(outstanding.remove(client) != nil, "client \(client) answered twice (seed \(seed))")
            }
            h.net.answers.removeAll()
        }
        for _ in 0..<20 { h.advance(2_000) }
        for (client, _) in h.net.answers { outstanding.remove(client) }
        XCTAssertTrue(outstanding.isEmpty, "unanswered clients \(outstanding) (seed \(seed))")
        XCTAssertEqual(h.core.requests.usedCount, 0, "request slots leaked (seed \(seed))")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "outgoing slots leaked (seed \(seed))")
        XCTAssertNil(h.core.nextDeadlineMs, "timers leaked (seed \(seed))")
    }
}

struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The action ring (Actions.swift) holds one event's actions; a task that
/// ends with more waiting clients than fit is answered over the following
/// `.drained` events, each client exactly once, in the order they asked.
final class ActionRingTests: XCTestCase {
    func testManyWaitersAreAnsweredOverSeveralDrains() {
        var h = Harness()
        let name = "big.example.test"
        var clients: [Int] = []
        for i in 0..<120 {
            let tcp = i % 40 == 20   // a TCP client (64 KiB answers) now and then
            XCTAssertEqual(h.ask(i, Wire.query(name, .txt, id: UInt16(1000 + i)), tcp: tcp), .pending)
            clients.append(i)
        }
        XCTAssertEqual(h.net.sent.count, 1, "one query for every client (aggregation)")
        // A 1,000-byte TXT: about 60 UDP answers fill the ring.
        let txt = [UInt8(200)] + [UInt8](repeating: 0x61, count: 200)
        let rdata = txt + txt + txt + txt + txt
        let q = h.net.sent[0]
        h.reply(q.outgoing, Wire.response(to: q.bytes, records: [Wire.RR(owner: name, type: .txt, ttl: 300, rdata: rdata)]))
        XCTAssertEqual(h.net.answers.map { $0.client }, clients, "every client once, in order")
        for (i, a) in h.net.answers.enumerated() {
            let p = Wire.parse(a.bytes)
            XCTAssertEqual(p.id, UInt16(1000 + i))
            XCTAssertEqual(p.answers.first?.rdata, rdata)
        }
        XCTAssertGreaterThan(h.core.stats.deferredAnswers, 0, "the ring was full at least once")
        XCTAssertFalse(h.core.hasDeferredWork)
        XCTAssertEqual(h.core.requests.usedCount, 0, "no request slot left behind")
    }
}

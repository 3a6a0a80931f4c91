import XCTest
import DNSWire
import Fixed
@testable import Resolver

/// Every piece of per-server state has a bound and a window (issue 19):
/// an attacker-chosen question, or one bad answer, cannot hold it longer.
/// InfraCache (authoritative servers) and UpstreamTable (forwarding), in
/// virtual time. EDNS marks: EDNSFallbackTests.
final class InfraStateTests: XCTestCase {
    static let server = ServerAddress(bytes: [192, 0, 2, 53], port: 53)!

    /// A question the leaf's middlebox drops (TXT): every timeout doubles
    /// its SRTT up to the bound, and it is all forgotten once the entry's
    /// lifetime is over.
    func testAttackerChosenTimeoutsAreBoundedAndExpire() {
        var s = RecursionTests.settings()
        s.validate = false
        var h = Harness(settings: s, rootServers: [RecursionTests.root, RecursionTests.root2])
        var auth = RecursionTests.hierarchy()
        let leaf = RecursionTests.leaf
        _ = h.ask(1, Wire.query("www.a.test", .a))
        h.pump(&auth)
        let learnedAt = h.core.infra.state(leaf, nowMs: h.nowMs)!.learnedAtMs
        auth.droppedTypes = [RRType.txt.rawValue]
        for i in 0..<20 {
            _ = h.ask(100 + i, Wire.query("t\(i).a.test", .txt))
            h.run(&auth, forMs: 6_000)
            let e = h.core.infra.state(leaf, nowMs: h.nowMs)!
            XCTAssertLessThanOrEqual(e.srttMs, InfraCache.timeoutMaxMs)
            XCTAssertLessThanOrEqual(h.core.infra.timeoutMs(leaf, nowMs: h.nowMs), InfraCache.timeoutMaxMs)
        }
        XCTAssertEqual(h.core.infra.srttMs(leaf, nowMs: h.nowMs), InfraCache.timeoutMaxMs, "the question made it look slow")
        // The window: counted from when the entry was first written.
        let end = learnedAt + InfraCache.entryLifetimeMs
        XCTAssertNotNil(h.core.infra.state(leaf, nowMs: end - 1))
        XCTAssertNil(h.core.infra.state(leaf, nowMs: end))
        XCTAssertEqual(h.core.infra.srttMs(leaf, nowMs: end), InfraCache.unknownRTTMs)
        // A new answer then starts from scratch, not from the old estimate.
        h.nowMs = end
        auth.droppedTypes = []
        _ = h.ask(2, Wire.query("x.y.z.a.test", .a))
        h.pump(&auth)
        let fresh = h.core.infra.state(leaf, nowMs: h.nowMs)!
        XCTAssertEqual(fresh.learnedAtMs, end)
        XCTAssertLessThan(fresh.srttMs, InfraCache.unknownRTTMs)
    }

    /// One answer arriving absurdly late is one bounded sample.
    func testOneLateAnswerIsABoundedSample() {
        let infra = InfraCache()
        infra.recordAnswer(InfraStateTests.server, rttMs: 600_000, nowMs: 0)
        let e = infra.state(InfraStateTests.server, nowMs: 0)!
        XCTAssertLessThanOrEqual(e.srttMs, InfraCache.timeoutMaxMs)
        XCTAssertLessThanOrEqual(e.rttVarMs, InfraCache.timeoutMaxMs)
        for _ in 0..<64 { infra.recordTimeout(InfraStateTests.server, nowMs: 1) }
        XCTAssertEqual(infra.srttMs(InfraStateTests.server, nowMs: 1), InfraCache.timeoutMaxMs)
        XCTAssertEqual(infra.timeoutMs(InfraStateTests.server, nowMs: 1), InfraCache.timeoutMaxMs)
    }

    /// An EDNS mark lasts `noEDNSWindowMs` after it was set, and never past
    /// the entry's lifetime; setting it again later does not extend the
    /// entry's lifetime.
    func testEDNSMarkWindow() {
        let infra = InfraCache()
        let s = InfraStateTests.server
        infra.recordNoEDNS(s, nowMs: 0)
        XCTAssertTrue(infra.lacksEDNS(s, nowMs: InfraCache.noEDNSWindowMs - 1))
        XCTAssertFalse(infra.lacksEDNS(s, nowMs: InfraCache.noEDNSWindowMs))
        infra.recordNoEDNS(s, nowMs: InfraCache.entryLifetimeMs - 1)
        XCTAssertTrue(infra.lacksEDNS(s, nowMs: InfraCache.entryLifetimeMs - 1))
        XCTAssertFalse(infra.lacksEDNS(s, nowMs: InfraCache.entryLifetimeMs), "the entry's lifetime ends it")
        XCTAssertLessThanOrEqual(InfraCache.noEDNSWindowMs, InfraCache.entryLifetimeMs)
        infra.recordNoEDNS(s, nowMs: 0 + 2 * InfraCache.entryLifetimeMs)
        infra.recordEDNS(s, nowMs: 2 * InfraCache.entryLifetimeMs + 1)
        XCTAssertFalse(infra.lacksEDNS(s, nowMs: 2 * InfraCache.entryLifetimeMs + 1), "an answer with OPT ends it")
    }

    /// Any number of servers (an attacker's delegations name as many as it
    /// likes) fits the fixed table: old entries are replaced, not added to.
    func testTableNeverGrows() {
        let arena = Arena(rows: [InfraCache.footprint], lateReservations: .count)
        let infra = InfraCache(arena: arena)
        let count = InfraCache.entryCount * 8
        for i in 0..<count {
            let a = ServerAddress(bytes: [10, UInt8(i >> 16 & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)], port: 53)!
            infra.recordTimeout(a, nowMs: Int64(i))
        }
        var known = 0
        for i in 0..<count {
            let a = ServerAddress(bytes: [10, UInt8(i >> 16 & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)], port: 53)!
            if infra.state(a, nowMs: Int64(count)) != nil { known += 1 }
        }
        XCTAssertLessThanOrEqual(known, InfraCache.entryCount)
        XCTAssertGreaterThan(known, InfraCache.entryCount / 2, "the table is used")
        XCTAssertEqual(arena.usedByteCount, InfraCache.footprint.byteCount, "nothing reserved beyond the table")
        XCTAssertEqual(arena.lateReservationCount, 0)
        XCTAssertEqual(InfraCache.footprint.byteCount,
                       Arena.carvingByteCount(InfraCache.entryCount * MemoryLayout<InfraCache.Entry>.stride))
    }

    // MARK: forwarding

    /// A question whose resolution never ends upstream makes the upstream
    /// time out (the client chose it): its SRTT doubles, bounded, and the
    /// estimate is learned afresh after `stateLifetimeMs`.
    func testUpstreamTimeoutsFromOneQuestionFade() {
        var h = Harness(upstreams: [Upstream(address: Harness.upstreamA)])
        h.nowMs = 0
        for i in 0..<8 {
            _ = h.ask(i, Wire.query("slow\(i).example.net", .a))
            for _ in 0..<30 { h.advance(500) }   // unanswered: every attempt times out
            XCTAssertEqual(h.core.outgoing.usedCount, 0)
            XCTAssertLessThanOrEqual(h.core.upstreams.srttMs(0), UpstreamTable.timeoutMaxMs)
            XCTAssertLessThanOrEqual(h.core.upstreams.timeoutMs(0, nowMs: h.nowMs), UpstreamTable.timeoutMaxMs)
        }
        XCTAssertEqual(h.core.upstreams.srttMs(0), UpstreamTable.timeoutMaxMs)
        let learnedAt = h.core.upstreams.entries[0].learnedAtMs
        let end = learnedAt + UpstreamTable.stateLifetimeMs
        XCTAssertEqual(h.core.upstreams.timeoutMs(0, nowMs: end - 1), UpstreamTable.timeoutMaxMs)
        let initial = UpstreamTable.initialRTTMs + 4 * (UpstreamTable.initialRTTMs / 2)
        XCTAssertEqual(h.core.upstreams.timeoutMs(0, nowMs: end), initial)
        // The next query is timed from the fresh estimate, and its answer
        // is a sample of the fresh one.
        h.nowMs = end
        _ = h.ask(99, Wire.query("fast.example.net", .a))
        let sent = h.net.sent.last!
        h.advance(20)
        h.reply(sent.outgoing, Wire.response(to: sent.bytes, records: [Wire.a("fast.example.net", [192, 0, 2, 9])]))
        XCTAssertEqual(h.core.upstreams.entries[0].learnedAtMs, end)
        XCTAssertLessThan(h.core.upstreams.srttMs(0), UpstreamTable.initialRTTMs)
    }

    func testUpstreamLateAnswerIsABoundedSample() {
        var table = UpstreamTable([Upstream(address: Harness.upstreamA)])
        table.recordAnswer(0, rttMs: 3_600_000, nowMs: 0)
        XCTAssertLessThanOrEqual(table.srttMs(0), UpstreamTable.timeoutMaxMs)
        XCTAssertLessThanOrEqual(table.entries[0].rttVarMs, UpstreamTable.timeoutMaxMs)
        XCTAssertLessThanOrEqual(table.timeoutMs(0, nowMs: 0), UpstreamTable.timeoutMaxMs)
    }
}

/// RFC 5952 text of server addresses (EDE texts name servers).
final class ServerAddressTextTests: XCTestCase {
    func text(_ bytes: [UInt8]) -> String {
        let a = ServerAddress(bytes: bytes, port: 53)!
        var buffer = [UInt8](repeating: 0, count: ServerAddress.textByteCountMax)
        let n = buffer.withUnsafeMutableBytes { a.writeText(into: $0) }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    func v6(_ groups: [UInt16]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

    func testIPv4() {
        XCTAssertEqual(text([127, 9, 0, 3]), "127.9.0.3")
        XCTAssertEqual(text([0, 0, 0, 0]), "0.0.0.0")
        XCTAssertEqual(text([255, 255, 255, 255]), "255.255.255.255")
    }

    func testIPv6AsRFC5952Says() {
        XCTAssertEqual(text(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])), "2001:db8::1")
        XCTAssertEqual(text(v6([0, 0, 0, 0, 0, 0, 0, 1])), "::1")
        XCTAssertEqual(text(v6([0, 0, 0, 0, 0, 0, 0, 0])), "::")
        XCTAssertEqual(text(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), "2001:db8:0:1:1:1:1:1", "§4.2.2: one zero group stays")
        XCTAssertEqual(text(v6([0x2001, 0, 0, 1, 0, 0, 0, 1])), "2001:0:0:1::1", "§4.2.3: the longest run")
        XCTAssertEqual(text(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1", "§4.2.3: the first of equal runs")
        XCTAssertEqual(text(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])), "fe80::")
        XCTAssertEqual(text(v6([0xABCD, 0xEF01, 0x2345, 0x6789, 0xABCD, 0xEF01, 0x2345, 0x6789])),
                       "abcd:ef01:2345:6789:abcd:ef01:2345:6789")
    }
}

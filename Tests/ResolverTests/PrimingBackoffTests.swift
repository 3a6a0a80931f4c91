import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Issue 12 item 10: priming when the root is unreachable at start. A
/// router starts its DNS before the WAN is up. RFC 8109 §3 (BCP 209): a
/// resolver primes at start-up and when the root NS RRset expires, and "if
/// a priming query does not get a response, the recursive resolver needs to
/// retry the query" — here with exponential back-off from 1 s up to 60 s,
/// starting over once the root NS RRset is cached. Virtual time: the
/// housekeeping tick (once a second) is driven by hand.
final class PrimingBackoffTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let root2 = FakeAuthorities.address(11)

    /// The root (with its own NS set, so priming can succeed) and a TLD.
    static func hierarchy() -> FakeAuthorities {
        var auth = RecursionTests.hierarchy()
        auth.zones[0].records += [Wire.RR(owner: ".", type: .ns, ttl: 518_400, rdata: Wire.name("a.root.").wireBytes),
                                  Wire.a("a.root", [127, 9, 0, 1])]
        return auth
    }

    func harness() -> Harness {
        Harness(settings: RecursionTests.settings(), rootServers: [PrimingBackoffTests.root, PrimingBackoffTests.root2])
    }

    func primingQueries(_ h: borrowing Harness) -> [Int] {
        h.net.sent.indices.filter { i in
            let (name, type) = h.net.sent[i].bytes.withUnsafeBytes { m -> (Name, RRType) in
                var r = try! MessageReader(m)
                let q = try! r.nextQuestion()!
                return (q.name, q.type)
            }
            return name.isRoot && type == .ns
        }
    }

    /// One housekeeping tick a second for `seconds`, the WAN down (every
    /// send fails at once, as with ENETUNREACH); returns the seconds (from
    /// the start) at which priming queries were attempted.
    func tick(_ h: inout Harness, _ auth: inout FakeAuthorities, seconds: Int, from start: Int64) -> [Int64] {
        var attempts: [Int64] = []
        for _ in 0..<seconds {
            h.advance(1_000)
            let before = h.core.lastPrimingMs
            h.core.primeIfExpired(nowMs: h.nowMs); h.drain()
            h.pump(&auth)
            if h.core.lastPrimingMs != before { attempts.append((h.nowMs - start) / 1000) }
        }
        return attempts
    }

    /// Failing before: the second attempt came 60 s after the first.
    func testUnreachableRootIsRetriedWithExponentialBackOff() {
        var h = harness()
        var auth = PrimingBackoffTests.hierarchy()
        let start = h.nowMs
        h.net.failSends = true                            // the WAN is not up yet
        h.core.prime(nowMs: h.nowMs); h.drain()     // sprigd primes at start-up
        XCTAssertFalse(h.core.hasNS(.root, nowMs: h.nowMs))
        let attempts = tick(&h, &auth, seconds: 250, from: start)
        // 1, 2, 4, 8, 16, 32 s apart, then at most once a minute.
        XCTAssertEqual(attempts, [1, 3, 7, 15, 31, 63, 123, 183, 243])
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "no attempt left in flight")
    }

    /// The WAN comes up between attempts: a client query is answered at once
    /// (it iterates from the root hints, priming or not); the next attempt
    /// primes, and the back-off starts over.
    func testClientQueriesWorkMeanwhileAndSuccessResetsTheBackOff() {
        var h = harness()
        var auth = PrimingBackoffTests.hierarchy()
        let start = h.nowMs
        h.net.failSends = true
        h.core.prime(nowMs: h.nowMs); h.drain()
        XCTAssertEqual(tick(&h, &auth, seconds: 10, from: start), [1, 3, 7])
        // During the outage a client gets SERVFAIL (no reachable authority) at once.
        _ = h.ask(1, Wire.query("www.a.test", .a, id: 1))
        XCTAssertEqual(Wire.parse(h.net.answers.last!.bytes).rcode, .servFail)
        h.net.failSends = false                           // link up at 10 s; next attempt due at 15 s
        h.delivered = h.net.sent.count
        _ = h.ask(2, Wire.query("www.a.test", .a, id: 2))
        h.pump(&auth)
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError, "resolved from the root hints before priming succeeded")
        XCTAssertEqual(p.answers.first?.rdata, [192, 0, 2, 1])
        XCTAssertEqual(tick(&h, &auth, seconds: 10, from: start), [15])
        XCTAssertTrue(h.core.hasNS(.root, nowMs: h.nowMs), "primed")
        XCTAssertEqual(tick(&h, &auth, seconds: 30, from: start), [], "no priming while the root NS set is fresh")
        XCTAssertEqual(h.core.primingRetryMs, ResolverCore.primingRetryMsMin, "back-off reset on success")
        // The root NS set expires (6 days) while the WAN is down again: the
        // back-off starts from 1 s, not from where it stood.
        h.net.failSends = true
        h.advance(518_400_000)
        let expiry = h.nowMs
        XCTAssertEqual(tick(&h, &auth, seconds: 8, from: expiry), [1, 3, 7])
    }

    /// A black-holed root (no answer, no error): attempts never overlap, and
    /// each waits at least the back-off after the previous one started.
    func testSilentRootAttemptsNeverOverlap() {
        var h = harness()
        var auth = PrimingBackoffTests.hierarchy()
        auth.silent = [FakeAuthorities.key(PrimingBackoffTests.root), FakeAuthorities.key(PrimingBackoffTests.root2)]
        let start = h.nowMs
        h.core.prime(nowMs: h.nowMs); h.drain()
        let attempts = tick(&h, &auth, seconds: 300, from: start)
        XCTAssertGreaterThanOrEqual(attempts.count, 4)
        var previous: Int64 = 0
        var wait: Int64 = 1
        for a in attempts {
            XCTAssertGreaterThanOrEqual(a - previous, wait, "\(attempts)")
            previous = a
            wait = min(wait * 2, 60)
        }
        XCTAssertLessThanOrEqual(primingQueries(h).count, attempts.count * 2 * 4 + 2,
                                 "each attempt asks each root address a bounded number of times")
    }
}

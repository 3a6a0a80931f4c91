import Fixed
import XCTest
@testable import Resolver

/// RFC 9539 §4 state per authoritative server (Sources/Resolver/AuthDoT.swift),
/// in virtual time: probing, persistence (3 days), damping (1 day).
final class AuthDoTTests: XCTestCase {
    let server = ServerAddress(bytes: [192, 0, 2, 7], port: 53)!
    let other = ServerAddress(bytes: [192, 0, 2, 8], port: 53)!
    let day: Int64 = 86_400_000

    func makeTable() -> AuthDoTTable {
        AuthDoTTable(isOn: true, arena: Arena(rows: [AuthDoTTable.footprint(isOn: true)]))
    }

    func testFirstQueryIsPlainWithOneProbeAndSuccessMovesToTLS() {
        var t = makeTable()
        XCTAssertEqual(t.choose(server, nowMs: 0), .plain(probe: true), "Do53 at once, a probe beside it")
        XCTAssertEqual(t.choose(server, nowMs: 10), .plain(probe: false), "one probe at a time")
        t.recordProbe(server, succeeded: true, nowMs: 50)
        XCTAssertEqual(t.choose(server, nowMs: 60), .tls)
        XCTAssertEqual(t.choose(other, nowMs: 60), .plain(probe: true), "state is per server address")
        // Persistence: 3 days after the last success, probe again.
        t.recordSuccess(server, nowMs: day)
        XCTAssertEqual(t.choose(server, nowMs: day + 3 * day - 1), .tls)
        XCTAssertEqual(t.choose(server, nowMs: day + 3 * day), .plain(probe: true))
    }

    func testFailureFallsBackAndDampsProbesForADay() {
        var t = makeTable()
        XCTAssertEqual(t.choose(server, nowMs: 0), .plain(probe: true))
        t.recordProbe(server, succeeded: true, nowMs: 10)
        XCTAssertEqual(t.choose(server, nowMs: 20), .tls)
        t.recordFailure(server, nowMs: 30)   // a DoT query failed or timed out
        XCTAssertEqual(t.choose(server, nowMs: 40), .plain(probe: false), "Do53 after a failure, no probe")
        XCTAssertEqual(t.choose(server, nowMs: 30 + day - 1), .plain(probe: false), "damped for a day")
        XCTAssertEqual(t.choose(server, nowMs: 30 + day), .plain(probe: true))
        t.recordProbe(server, succeeded: false, nowMs: 30 + day + 5)
        XCTAssertEqual(t.choose(server, nowMs: 30 + day + 6), .plain(probe: false))
        XCTAssertEqual(t.state(server)?.failures, 2)
    }

    func testALostProbeIsForgottenAndTheTableNeverGrows() {
        var t = makeTable()
        XCTAssertEqual(t.choose(server, nowMs: 0), .plain(probe: true))
        XCTAssertEqual(t.choose(server, nowMs: AuthDoTTable.probeForgottenMs - 1), .plain(probe: false))
        XCTAssertEqual(t.choose(server, nowMs: AuthDoTTable.probeForgottenMs), .plain(probe: true))
        for i in 0..<2_000 {
            let a = ServerAddress(bytes: [10, UInt8(i >> 16 & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)], port: 53)!
            _ = t.choose(a, nowMs: Int64(i) + 100_000)
        }
        XCTAssertLessThanOrEqual(t.lines(nowMs: 200_000).first { $0.0 == "auth_dot.servers" }?.1 ?? 0,
                                 AuthDoTTable.entryCountWhenOn)
    }

    /// One probe handshake at a time over all servers (AuthDoTTable.
    /// probing): its ECDHE and certificate work runs on the event
    /// loop. A server met meanwhile keeps Do53, waits, and is probed when
    /// the probe under way ends, oldest waiting first.
    func testOneProbeHandshakeAtATimeAndWaitingServersInTurn() {
        var t = makeTable()
        let third = ServerAddress(bytes: [192, 0, 2, 9], port: 53)!
        XCTAssertEqual(t.choose(server, nowMs: 0), .plain(probe: true))
        XCTAssertEqual(t.choose(other, nowMs: 5), .plain(probe: false), "another server's probe is under way")
        XCTAssertEqual(t.choose(third, nowMs: 6), .plain(probe: false))
        XCTAssertEqual(t.choose(other, nowMs: 7), .plain(probe: false), "still waiting, still Do53")
        XCTAssertEqual(t.state(other)?.probingSinceMs, nil, "not probing yet")
        XCTAssertEqual(t.nextProbe(nowMs: 8), nil, "nothing starts while the probe is under way")
        t.recordProbe(server, succeeded: false, nowMs: 20)   // RFC 9539 §4.3: failed, damped
        XCTAssertEqual(t.nextProbe(nowMs: 20), other, "the oldest waiting server's turn")
        XCTAssertEqual(t.nextProbe(nowMs: 21), nil, "one at a time")
        XCTAssertEqual(t.choose(server, nowMs: 22), .plain(probe: false), "damped: never waits for a probe")
        t.recordProbe(other, succeeded: true, nowMs: 30)
        XCTAssertEqual(t.choose(other, nowMs: 31), .tls)
        XCTAssertEqual(t.nextProbe(nowMs: 31), third)
        XCTAssertEqual(t.nextProbe(nowMs: 31 + AuthDoTTable.probeForgottenMs), nil, "no one else waits")
        // A probe whose outcome never comes stops holding the slot.
        XCTAssertEqual(t.choose(ServerAddress(bytes: [192, 0, 2, 10], port: 53)!, nowMs: 40), .plain(probe: false))
        XCTAssertEqual(t.choose(ServerAddress(bytes: [192, 0, 2, 11], port: 53)!, nowMs: 31 + AuthDoTTable.probeForgottenMs),
                       .plain(probe: true))
    }

    /// The transport had no TLS slot for a probe: nothing is learnt about
    /// the server (no damping), the slot is free at once, nothing else
    /// starts then, and the server is probed again on its next query.
    func testAProbeTheTransportDidNotStartIsForgottenAtOnce() {
        var t = makeTable()
        XCTAssertEqual(t.choose(server, nowMs: 0), .plain(probe: true))
        XCTAssertEqual(t.choose(other, nowMs: 0), .plain(probe: false))
        t.forgetProbe(server, nowMs: 1)
        XCTAssertEqual(t.state(server)?.failures, 0)
        XCTAssertEqual(t.state(server)?.probes, 0)
        XCTAssertEqual(t.choose(server, nowMs: 2), .plain(probe: true), "probed again")
        t.recordProbe(server, succeeded: true, nowMs: 3)
        XCTAssertEqual(t.nextProbe(nowMs: 3), other, "the waiting server after it")
    }
}

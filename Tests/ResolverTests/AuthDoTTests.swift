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
        let t = makeTable()
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
        let t = makeTable()
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
        let t = makeTable()
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
}

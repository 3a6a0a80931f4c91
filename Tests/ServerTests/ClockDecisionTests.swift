import XCTest
import Validator
@testable import Server

/// Issue 12 item 9: the router clock's decision is logged once, when it
/// changes. Before, a clock reading 1970 with the NTP marker file present
/// printed "clock: synced; DNSSEC signature dates are checked from now on"
/// every second: the marker was seen, a sync noted, and the absurd reading
/// revoked it again. This drives the same once-a-second sequence as
/// ClockKeeper.tick (marker seen → noteSynced → decision logged).
final class ClockDecisionTests: XCTestCase {
    let build = TrustedClock.buildFloorSeconds

    /// Ticks once a second for `seconds` from `wallAtStart`, the marker file
    /// present; returns the lines logged.
    func run(_ clock: inout TrustedClock, _ log: inout ClockDecisionLog, wallAtStart: Int64, seconds: Int,
             markerPresent: Bool = true) -> [String] {
        var lines: [String] = []
        for tick in 0..<seconds {
            let wall = wallAtStart + Int64(tick)
            clock.observe(wallSeconds: wall)
            if markerPresent && !clock.isTrusted { clock.noteSynced(wallSeconds: wall) }
            let decision = ClockDecision.current(isTrusted: clock.isTrusted, isVouchedFor: clock.isVouchedFor,
                                                 wallSeconds: wall, buildFloorSeconds: build)
            if let line = log.lineToLog(decision, wallSeconds: wall, buildFloorSeconds: build) { lines.append(line.text) }
        }
        return lines
    }

    func testClockBefore1970BuildDateIsLoggedOnceNotEverySecond() {
        var clock = TrustedClock(persistedFloorSeconds: build)
        var log = ClockDecisionLog()
        let lines = run(&clock, &log, wallAtStart: 42, seconds: 600)
        XCTAssertEqual(lines.count, 1, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[0].contains("reads 1970-01-01T00:00:42Z, before this build's date (2026-01-01T00:00:00Z)"),
                      lines[0])
        XCTAssertFalse(lines[0].contains("synced"))
        // NTP steps the clock: one line, and the decision then stands.
        let later = run(&clock, &log, wallAtStart: build + 86_400, seconds: 600)
        XCTAssertEqual(later, ["clock: synced; DNSSEC signature dates are checked from now on"])
        // Stepped back before the build date: said once again.
        let back = run(&clock, &log, wallAtStart: 100, seconds: 10)
        XCTAssertEqual(back.count, 1)
        XCTAssertTrue(back[0].contains("before this build's date"))
    }

    func testAwaitingSyncThenSyncedByTheFloor() {
        var clock = TrustedClock(persistedFloorSeconds: build + 1_000)
        var log = ClockDecisionLog()
        let waiting = run(&clock, &log, wallAtStart: build + 10, seconds: 100, markerPresent: false)
        XCTAssertEqual(waiting, ["clock: not trusted yet; DNSSEC signature dates are not checked until NTP sync"])
        let passed = run(&clock, &log, wallAtStart: build + 2_000, seconds: 100, markerPresent: false)
        XCTAssertEqual(passed.count, 1)
    }

    func testVouchedForIsLoggedOnceWithTheDateItReads() {
        var clock = TrustedClock(persistedFloorSeconds: build, vouchedFor: true)
        var log = ClockDecisionLog()
        let lines = run(&clock, &log, wallAtStart: 1_275_350_400, seconds: 100)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("trusted as configured (clock_trusted '1')"), lines[0])
        XCTAssertTrue(lines[0].contains("2010-06-01T00:00:00Z"), lines[0])
    }
}

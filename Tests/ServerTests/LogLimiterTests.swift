import XCTest
@testable import Server

/// Issue 17 item 3: log lines that clients and servers cause never flood.
/// `LogLimiter` in virtual time: at most `linesPerWindowMax` lines per
/// kind and window, the rest counted, one summary when the window ends.
final class LogLimiterTests: XCTestCase {
    func testAFloodGivesBoundedLinesAndOneSummaryPerWindow() {
        var limiter = LogLimiter()
        var written = 0
        var summaries: [Int] = []
        // 10,000 events over 150 s (one every 15 ms): three windows.
        for i in 0..<10_000 {
            let now = Int64(i) * 15
            while let ended = limiter.takeEnded(nowMs: now) {
                XCTAssertEqual(ended.kind, .refusedACL)
                summaries.append(ended.suppressed)
            }
            if limiter.admit(.refusedACL, nowMs: now) { written += 1 }
        }
        while let ended = limiter.takeEnded(nowMs: 150_000, all: true) { summaries.append(ended.suppressed) }
        // Windows open at 0, 60 s, 120 s: 5 lines each.
        XCTAssertEqual(written, 3 * LogLimiter.linesPerWindowMax)
        XCTAssertEqual(summaries.count, 3)
        XCTAssertEqual(summaries.reduce(0, +), 10_000 - written)
        XCTAssertEqual(summaries[0], 4_000 - 5)   // 4,000 events in [0, 60 s)
        XCTAssertEqual(limiter.suppressedTotal, 10_000 - written)
        let stats = Dictionary(uniqueKeysWithValues: limiter.statsLines.map { ($0.0, $0.1) })
        XCTAssertEqual(stats["log.acl_refused.lines"], written)
        XCTAssertEqual(stats["log.acl_refused.suppressed"], 10_000 - written)
        XCTAssertEqual(stats["log.suppressed"], 10_000 - written)
    }

    func testKindsAreLimitedApartAndQuietWindowsGiveNoSummary() {
        var limiter = LogLimiter()
        for _ in 0..<3 { XCTAssertTrue(limiter.admit(.tcpFull, nowMs: 0)) }
        for _ in 0..<5 { XCTAssertTrue(limiter.admit(.oversize, nowMs: 0)) }
        XCTAssertFalse(limiter.admit(.oversize, nowMs: 1))
        XCTAssertTrue(limiter.admit(.sendError, nowMs: 1))
        XCTAssertNil(limiter.takeEnded(nowMs: LogLimiter.windowMs - 1))
        // tcpFull wrote 3 and suppressed nothing: its window closes silently.
        let ended = limiter.takeEnded(nowMs: LogLimiter.windowMs)
        XCTAssertEqual(ended?.kind, .oversize)
        XCTAssertEqual(ended?.suppressed, 1)
        XCTAssertNil(limiter.takeEnded(nowMs: LogLimiter.windowMs))   // sendError's window opened at 1 ms
        XCTAssertNil(limiter.takeEnded(nowMs: LogLimiter.windowMs + 1))
        // A new window: lines again.
        XCTAssertTrue(limiter.admit(.oversize, nowMs: LogLimiter.windowMs + 5))
    }
}

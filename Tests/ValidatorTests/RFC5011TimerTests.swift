// RFC 5011 §2.3 refresh and retry timers, and how observations report them.
import DNSWire
import XCTest
@testable import Validator

final class RFC5011TimerTests: XCTestCase {
    typealias F = RFC5011Fixture
    let hour: Int64 = 3_600
    let day: Int64 = 86_400

    func testActiveRefresh() {
        // Root today: TTL 2 days, signatures ~14 days → 1 day (½ TTL).
        XCTAssertEqual(RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: 172_800, signatureSecondsLeft: 1_209_600), day)
        // Long TTL and signatures: capped at 15 days.
        XCTAssertEqual(RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: 100 * 86_400, signatureSecondsLeft: 90 * 86_400), 15 * day)
        // Signatures about to expire dominate: ½ of 10 hours.
        XCTAssertEqual(RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: 172_800, signatureSecondsLeft: 36_000), 5 * hour)
        // Never below one hour.
        XCTAssertEqual(RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: 60, signatureSecondsLeft: 1_209_600), hour)
        XCTAssertEqual(RFC5011Timers.activeRefreshSeconds(originalTTLSeconds: 0, signatureSecondsLeft: 0), hour)
    }

    func testRetry() {
        // 1/10 of 2 days = 4.8 hours.
        XCTAssertEqual(RFC5011Timers.retrySeconds(originalTTLSeconds: 172_800, signatureSecondsLeft: 1_209_600), 17_280)
        XCTAssertEqual(RFC5011Timers.retrySeconds(originalTTLSeconds: 30 * 86_400, signatureSecondsLeft: 30 * 86_400), day)
        XCTAssertEqual(RFC5011Timers.retrySeconds(originalTTLSeconds: 172_800, signatureSecondsLeft: 72_000), 2 * hour)
        XCTAssertEqual(RFC5011Timers.retrySeconds(originalTTLSeconds: 3_600, signatureSecondsLeft: 1_209_600), hour)
    }

    func testSignatureSecondsLeftUsesSerialArithmetic() {
        XCTAssertEqual(RFC5011Timers.signatureSecondsLeft(expiration: 1_000, nowSeconds: 400), 600)
        XCTAssertEqual(RFC5011Timers.signatureSecondsLeft(expiration: 400, nowSeconds: 1_000), 0)
        // Across the 2106 wrap of the 32-bit field.
        let now: Int64 = 4_294_967_000
        XCTAssertEqual(RFC5011Timers.signatureSecondsLeft(expiration: 704, nowSeconds: now), 1_000)
    }

    func testObservationAndFailureReportTheTimers() {
        let lists = KeyLists()
        var state = AnchorState()
        XCTAssertNoThrow(try state.addTrustPoint(owner: .root))
        // Before any success: the retry timer's floor of one hour.
        XCTAssertEqual(state.refreshFailed(owner: .root), hour)
        let now = F.start
        let result = state.observe(owner: .root, dnskeys: lists.list([F.key(1)]), revokedSelfSigners: lists.list([]),
                                   originalTTLSeconds: 172_800, signatureExpiration: UInt32(now + 10 * day),
                                   clock: .trusted(nowSeconds: now))
        XCTAssertEqual(result.refreshDelaySeconds, day)
        XCTAssertEqual(state.refreshFailed(owner: .root), 17_280)
        XCTAssertEqual(state.lastRefreshSeconds(of: .root), now)
    }
}

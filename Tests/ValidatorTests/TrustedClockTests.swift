// The router clock state machine (DESIGN.md §2.8) in virtual time, its floor
// file, and RFC 5011 timers frozen while the clock is untrusted.
import DNSWire
import XCTest
@testable import Validator

final class TrustedClockTests: XCTestCase {
    let day: Int64 = 86_400
    let build = TrustedClock.buildFloorSeconds       // 2026-01-01
    let realNow: Int64 = 1_795_000_000               // late 2026
    let bootAt1970: Int64 = 12

    func testBuildFloorIs2026() {
        XCTAssertEqual(TrustedClock.buildFloorSeconds, 1_767_225_600)
    }

    func testUntrustedAtBootWith1970Time() {
        var clock = TrustedClock(persistedFloorSeconds: realNow - day)
        clock.observe(wallSeconds: bootAt1970)
        XCTAssertFalse(clock.isTrusted)
        XCTAssertEqual(clock.validationClock(wallSeconds: bootAt1970), .untrusted)
        XCTAssertFalse(clock.mayAdvanceRFC5011Timers)
        XCTAssertEqual(clock.syncGeneration, 0)
        XCTAssertNil(clock.floorToPersist(wallSeconds: bootAt1970, isShutdown: true))
    }

    func testTrustedAfterSyncSignal() {
        var clock = TrustedClock(persistedFloorSeconds: nil)
        clock.observe(wallSeconds: build + 5)            // no floor, no sync: firmware build time
        XCTAssertFalse(clock.isTrusted)
        clock.noteSynced(wallSeconds: realNow)
        XCTAssertTrue(clock.isTrusted)
        XCTAssertEqual(clock.validationClock(wallSeconds: realNow), .trusted(nowSeconds: realNow))
        XCTAssertTrue(clock.mayAdvanceRFC5011Timers)
        XCTAssertEqual(clock.syncGeneration, 1)
        clock.noteSynced(wallSeconds: realNow + 60)       // repeated signals: one generation
        clock.observe(wallSeconds: realNow + 120)
        XCTAssertEqual(clock.syncGeneration, 1)
    }

    func testSyncSignalBeforeTheClockIsSetWaitsForASaneReading() {
        var clock = TrustedClock(persistedFloorSeconds: nil)
        clock.noteSynced(wallSeconds: bootAt1970)         // marker file raced the clock step
        XCTAssertFalse(clock.isTrusted)
        clock.observe(wallSeconds: realNow)
        XCTAssertFalse(clock.isTrusted, "an absurd reading cancels the signal; wait for the next one")
        clock.noteSynced(wallSeconds: realNow)
        XCTAssertTrue(clock.isTrusted)
    }

    func testTrustedWhenWallPassesTheFloor() {
        let floor = realNow - 10 * day
        var clock = TrustedClock(persistedFloorSeconds: floor)
        clock.observe(wallSeconds: floor - 1)
        XCTAssertFalse(clock.isTrusted)
        XCTAssertEqual(clock.validationClock(wallSeconds: floor - 1), .untrusted)
        clock.observe(wallSeconds: floor)
        XCTAssertTrue(clock.isTrusted)
        XCTAssertEqual(clock.syncGeneration, 1)
    }

    func testNeverTrustedBelowTheBuildFloor() {
        var clock = TrustedClock(persistedFloorSeconds: 1_000)   // a corrupt/ancient floor
        for wall in [Int64(0), 1_000, 1_600_000_000, build - 1] {
            clock.observe(wallSeconds: wall)
            XCTAssertFalse(clock.isTrusted, "wall \(wall)")
            clock.noteSynced(wallSeconds: wall)
            XCTAssertFalse(clock.isTrusted, "wall \(wall) after sync")
            XCTAssertEqual(clock.validationClock(wallSeconds: wall), .untrusted)
        }
        clock.observe(wallSeconds: build)
        XCTAssertTrue(clock.isTrusted)
    }

    func testFallingBelowTheBuildFloorRevokesTrustAndResyncBumpsTheGeneration() {
        var clock = TrustedClock(persistedFloorSeconds: nil)
        clock.noteSynced(wallSeconds: realNow)
        clock.observe(wallSeconds: realNow - 30)          // a small NTP step back: still trusted
        XCTAssertTrue(clock.isTrusted)
        clock.observe(wallSeconds: 0)                     // RTC battery died, clock reset
        XCTAssertFalse(clock.isTrusted)
        XCTAssertEqual(clock.validationClock(wallSeconds: realNow), .untrusted)
        clock.noteSynced(wallSeconds: realNow + 100)
        XCTAssertTrue(clock.isTrusted)
        XCTAssertEqual(clock.syncGeneration, 2, "answers cached while untrusted must be re-checked")
    }

    func testFloorWritesAreAtMostDailyAndAtShutdown() {
        var clock = TrustedClock(persistedFloorSeconds: nil)
        clock.noteSynced(wallSeconds: realNow)
        var writes: [Int64] = []
        var wall = realNow
        while wall < realNow + 365 * day {
            if let floor = clock.floorToPersist(wallSeconds: wall, isShutdown: false) {
                XCTAssertEqual(floor, wall)
                clock.didPersistFloor(floor)
                writes.append(wall)
            }
            wall += 300
        }
        XCTAssertEqual(writes.first, realNow, "the first trusted reading is saved at once")
        XCTAssertLessThanOrEqual(writes.count, 366)
        for (a, b) in zip(writes, writes.dropFirst()) { XCTAssertGreaterThanOrEqual(b - a, day) }
        let last = writes.last!
        XCTAssertNil(clock.floorToPersist(wallSeconds: last + 600, isShutdown: true),
                     "a restart 10 minutes after a write writes nothing (WAN-flap restarts)")
        wall = last + 2 * 3_600
        XCTAssertEqual(clock.floorToPersist(wallSeconds: wall, isShutdown: true), wall, "2 hours on: saved at shutdown")
        clock.didPersistFloor(wall)
        XCTAssertNil(clock.floorToPersist(wallSeconds: wall, isShutdown: true), "nothing new to save")
        clock.didPersistFloor(wall - 5 * day)
        XCTAssertEqual(clock.persistedFloorSeconds, wall, "the floor never moves back")
    }

    func testFloorFileRoundTripAndCorruption() {
        var bytes = [UInt8](repeating: 0, count: TrustedClockFloor.encodedByteCount)
        let count = bytes.withUnsafeMutableBytes { raw in (try? TrustedClockFloor.encode(floorSeconds: realNow, into: raw)) ?? 0 }
        XCTAssertEqual(count, 20)
        XCTAssertEqual(decode(bytes), .success(realNow))
        for length in 0..<bytes.count { XCTAssertNotNil(decode(Array(bytes[0..<length])).failureValue) }
        for bit in 0..<(bytes.count * 8) {
            var corrupt = bytes
            corrupt[bit / 8] ^= 1 << UInt8(bit % 8)
            XCTAssertNotNil(decode(corrupt).failureValue, "bit \(bit)")
        }
        var small = [UInt8](repeating: 0, count: 19)
        let failure = small.withUnsafeMutableBytes { raw in
            Result { () throws(TrustedClockFloorError) -> Int in try TrustedClockFloor.encode(floorSeconds: 1, into: raw) }
        }
        XCTAssertEqual(failure.failureValue, .bufferTooSmall)
    }

    func decode(_ bytes: [UInt8]) -> Result<Int64, TrustedClockFloorError> {
        bytes.withUnsafeBytes { raw in Result { () throws(TrustedClockFloorError) -> Int64 in try TrustedClockFloor.decode(bytes: raw) } }
    }

    /// The daemon's loop in miniature: RFC 5011 observations pass the
    /// TrustedClock's ValidationClock, so hold-downs do not run while untrusted.
    func testRFC5011TimersFrozenWhileUntrusted() {
        let lists = KeyLists()
        var anchors = AnchorState()
        XCTAssertNoThrow(try anchors.addTrustPoint(owner: .root))
        let old = RFC5011Fixture.key(1), new = RFC5011Fixture.key(2)
        XCTAssertNil(anchors.seed(old))
        anchors.markPersisted()
        var clock = TrustedClock(persistedFloorSeconds: nil)
        // 60 "days" pass on a 1970 clock: the new key must stay unknown.
        var wall = bootAt1970
        for _ in 0..<60 {
            clock.observe(wallSeconds: wall)
            let result = anchors.observe(owner: .root, dnskeys: lists.list([old, new]), revokedSelfSigners: lists.list([]),
                                         originalTTLSeconds: 172_800, signatureExpiration: 0,
                                         clock: clock.validationClock(wallSeconds: wall))
            guard case .clockUntrusted = result else { return XCTFail("\(result)") }
            wall += day
        }
        XCTAssertEqual(anchors.keyCount(of: .root), 1)
        XCTAssertFalse(anchors.isDirty)
        // NTP syncs: the hold-down starts now and needs 30 trusted days.
        clock.noteSynced(wallSeconds: realNow)
        for d in 0...30 {
            let now = realNow + Int64(d) * day
            clock.observe(wallSeconds: now)
            let observation = anchors.observe(owner: .root, dnskeys: lists.list([old, new]), revokedSelfSigners: lists.list([]),
                                              originalTTLSeconds: 172_800,
                                              signatureExpiration: UInt32(truncatingIfNeeded: now + 14 * day),
                                              clock: clock.validationClock(wallSeconds: now))
            guard case .applied = observation else { return XCTFail("day \(d): not applied: \(observation)") }
            let expected: AnchorKeyState = d < 30 ? .addPending : .valid
            XCTAssertEqual(anchors.state(ofKeyTag: RFC5011Fixture.tag(new), owner: .root), expected, "day \(d)")
        }
    }
}

/// Issue 12 item 9: `clock_trusted '1'` — the operator vouches for the clock.
final class VouchedForClockTests: XCTestCase {
    let build = TrustedClock.buildFloorSeconds
    let year2010: Int64 = 1_275_350_400

    func testTrustedFromTheStartAsItReadsEvenBeforeTheBuildDate() {
        var clock = TrustedClock(persistedFloorSeconds: build + 400 * 86_400, vouchedFor: true)
        XCTAssertTrue(clock.isTrusted)
        XCTAssertEqual(clock.syncGeneration, 1, "answers cached before start-up are none: one generation")
        clock.observe(wallSeconds: year2010)
        XCTAssertTrue(clock.isTrusted, "no reading revokes it")
        XCTAssertEqual(clock.validationClock(wallSeconds: year2010), .trusted(nowSeconds: year2010))
        XCTAssertEqual(clock.validationClock(wallSeconds: 12), .trusted(nowSeconds: 12))
        XCTAssertTrue(clock.mayAdvanceRFC5011Timers)
        clock.noteSynced(wallSeconds: year2010)
        XCTAssertEqual(clock.syncGeneration, 1)
        // The floor file is for clocks nobody vouches for: never below the build date.
        XCTAssertNil(clock.floorToPersist(wallSeconds: year2010, isShutdown: true))
    }

    func testNotVouchedForIsUnchanged() {
        var clock = TrustedClock(persistedFloorSeconds: nil)
        XCTAssertFalse(clock.isVouchedFor)
        clock.noteSynced(wallSeconds: year2010)
        XCTAssertFalse(clock.isTrusted, "a 2010 reading is absurd whatever is signalled")
        XCTAssertEqual(clock.validationClock(wallSeconds: year2010), .untrusted)
    }
}

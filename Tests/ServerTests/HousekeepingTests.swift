import XCTest
import Cache
import DNSWire
import Fixed
import Platform
import Validator
@testable import Resolver
@testable import Server

/// Issue 13 item 7: housekeeping by concern. Each part (PrimingKeeper,
/// AnchorKeeper, ClockKeeper) has its own due time and is driven here in
/// virtual time against a fake flash, with a real engine behind it. The
/// flash-write policy itself is guarded end to end by
/// Tests/ResolverTests/FlashWriteSimulationTests.
final class HousekeepingTests: XCTestCase {
    /// A network that takes every query and never answers (or, with
    /// `failSends`, refuses each at once, as with the WAN down).
    struct SilentNetwork {
        var sent = 0
        var failSends = false

        /// Carries out the engine's ring as the server would (Actions.swift):
        /// counts sends; with `failSends` reports each as a `.failed` event.
        mutating func drain(_ e: inout ResolverCore, nowMs: Int64) {
            for _ in 0..<1_000 {
                var failed: QueryRef? = nil
                for i in 0..<e.actionCount {
                    if case .send(let ref, _, _, _) = e.action(i) {
                        sent += 1
                        if failSends && failed == nil { failed = ref }
                    }
                }
                e.actionsCarriedOut()
                for _ in 0..<e.entropy.room { e.entropy.add(42) }
                guard let ref = failed else { return }
                e.consume(.failed(ref), nowMs: nowMs)
            }
        }
    }

    /// Flash and log in memory; writes and lines are stamped with `nowMs`.
    struct FakeFlash: HousekeepingIO {
        var nowMs: Int64 = 0
        var present: Set<String> = []
        var failWrites = false
        var writes: [(path: String, atMs: Int64, bytes: [UInt8])] = []
        var lines: [(level: LogLevel, text: String, atMs: Int64)] = []

        func fileExists(_ path: String) -> Bool { present.contains(path) }
        mutating func replaceFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
            writes.append((path, nowMs, Array(bytes)))
            return !failWrites
        }
        mutating func log(_ level: LogLevel, _ text: String) { lines.append((level, text, nowMs)) }
        func writes(of path: String) -> [Int64] { writes.filter { $0.path == path }.map { $0.atMs } }
    }

    static let dayMs: Int64 = 86_400_000
    /// 2026-03-01T00:00:00Z, after the build floor: what NTP sets.
    static let syncedWall: Int64 = 1_772_323_200
    static let root = ServerAddress(bytes: [127, 9, 0, 1], port: 53)!

    func engine(recursive: Bool = true) -> ResolverCore {
        var s = EngineSettings()
        s.recursive = recursive
        s.useIPv6 = false
        s.queryLoopback = true
        let plan = MemoryPlan(limits: ServerLimits(), settings: s, cache: CacheConfiguration(arenaByteCount: 1 << 20))
        let arena = Arena(rows: plan.rows)
        let cache = try! AnswerCache(configuration: plan.cache, hashSeed: 7, arena: arena)
        return ResolverCore(settings: s, upstreams: [Upstream(address: HousekeepingTests.root)],
                           rootServers: [HousekeepingTests.root], cache: cache, arena: arena)
    }

    /// Each part runs once per its interval, however often the loop ticks,
    /// and the parts keep their own due times.
    func testEachPartRunsOnItsOwnDueTime() {
        var e = engine()
        var net = SilentNetwork()
        var flash = FakeFlash()
        var priming = PrimingKeeper(), anchors = AnchorKeeper(), clock = ClockKeeper()
        var runs = (priming: 0, anchors: 0, clock: 0)
        for step in 0...100 {   // 10 s in 100 ms steps; the anchors start half a second later
            let now = Int64(step) * 100
            if priming.tick(nowMs: now, engine: &e, drain: &net) { runs.priming += 1 }
            if now >= 500, anchors.tick(nowMs: now, isShutdown: false, engine: &e, drain: &net, effects: &flash) { runs.anchors += 1 }
            if clock.tick(nowMs: now, wallSeconds: HousekeepingTests.syncedWall, isShutdown: false, engine: &e,
                          effects: &flash) { runs.clock += 1 }
        }
        XCTAssertEqual(runs.priming, 11)   // 0, 1 000, … 10 000
        XCTAssertEqual(runs.clock, 11)
        XCTAssertEqual(runs.anchors, 10)   // 500, 1 500, … 9 500
        XCTAssertEqual(priming.dueMs, 11_000)
        XCTAssertEqual(anchors.dueMs, 10_500)
        XCTAssertTrue(anchors.tick(nowMs: 10_600, isShutdown: true, engine: &e, drain: &net, effects: &flash),
                      "a shutdown tick always runs")
    }

    /// RFC 8109 §3 with the WAN down: the keeper asks every second, the core
    /// backs off 1, 2, 4 … 60 s between attempts.
    func testPrimingKeeperFollowsTheCoresBackOff() {
        var e = engine()
        var net = SilentNetwork(failSends: true)
        var priming = PrimingKeeper()
        let start: Int64 = 1_000_000
        e.prime(nowMs: start); net.drain(&e, nowMs: start)   // EventLoop.prime at start-up: attempt 0
        var attemptsAtMs: [Int64] = [0]
        var now = start + 250
        while now <= start + 200_000 {
            let before = e.lastPrimingMs
            priming.tick(nowMs: now, engine: &e, drain: &net)
            if e.lastPrimingMs != before { attemptsAtMs.append(now - start) }
            now += 250
        }
        let gaps = zip(attemptsAtMs.dropFirst(), attemptsAtMs).map { $0 - $1 }
        // Each attempt at the first keeper tick after the core's back-off ran
        // out: never early, late by less than the keeper's interval.
        let backOff: [Int64] = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]
        XCTAssertEqual(gaps.count, backOff.count, "attempts at \(attemptsAtMs)")
        for (gap, wanted) in zip(gaps, backOff) {
            XCTAssertTrue(gap >= wanted && gap < wanted + PrimingKeeper.intervalMs, "attempts at \(attemptsAtMs)")
        }
    }

    /// The marker file is noticed within a second (one stat a second), the
    /// decision logged once, and the floor written at sync, then daily, and
    /// at shutdown when it moved an hour.
    func testClockKeeperNoticesTheMarkerAndWritesTheFloorDaily() {
        var e = engine()
        e.setClockFloor(nil)
        var flash = FakeFlash()
        var clock = ClockKeeper(markerPath: "/tmp/ntp-synced", floorPath: "/state/clock.floor")
        let markerAtMs: Int64 = 10_300
        var syncedAtMs: Int64?
        var now: Int64 = 0
        func wall(_ ms: Int64) -> Int64 { HousekeepingTests.syncedWall + ms / 1000 }
        while now <= 3 * HousekeepingTests.dayMs + 7_200_000 {
            flash.nowMs = now
            if now >= markerAtMs { flash.present.insert("/tmp/ntp-synced") }
            e.setWallClock(realtimeSeconds: wall(now), nowMs: now)
            clock.tick(nowMs: now, wallSeconds: wall(now), isShutdown: false, engine: &e, effects: &flash)
            if syncedAtMs == nil && e.isClockTrusted { syncedAtMs = now }
            now += now < 60_000 ? 100 : 60_000
        }
        XCTAssertNotNil(syncedAtMs)
        XCTAssertLessThan(syncedAtMs! - markerAtMs, ClockKeeper.intervalMs, "noticed within a second")
        XCTAssertEqual(flash.lines.filter { $0.text.contains("synced") }.count, 1, "\(flash.lines.map { $0.text })")
        let floors = flash.writes(of: "/state/clock.floor")
        XCTAssertEqual(floors.first, syncedAtMs, "the first floor at sync")
        XCTAssertEqual(floors.count, 4, "at sync, then after 1, 2 and 3 days: \(floors)")
        for (a, b) in zip(floors.dropFirst(), floors) {
            XCTAssertGreaterThanOrEqual(a - b, HousekeepingTests.dayMs, "at most daily")
        }
        flash.nowMs = now
        XCTAssertTrue(clock.tick(nowMs: now, wallSeconds: wall(now), isShutdown: true, engine: &e, effects: &flash))
        XCTAssertEqual(flash.writes(of: "/state/clock.floor").count, 5, "the floor moved an hour: written at shutdown")
    }

    /// A flash that fails: one warning per attempt, and attempts daily,
    /// not every second.
    func testAFailingFlashIsRetriedDailyNotEverySecond() {
        var e = engine()
        e.setClockFloor(nil)
        var flash = FakeFlash(failWrites: true)
        var clock = ClockKeeper(floorPath: "/state/clock.floor")
        e.noteClockSynced(realtimeSeconds: HousekeepingTests.syncedWall)
        var now: Int64 = 0
        while now < 2 * HousekeepingTests.dayMs {
            flash.nowMs = now
            let wall = HousekeepingTests.syncedWall + now / 1000
            e.setWallClock(realtimeSeconds: wall, nowMs: now)
            clock.tick(nowMs: now, wallSeconds: wall, isShutdown: false, engine: &e, effects: &flash)
            now += 1_000
        }
        XCTAssertEqual(flash.writes(of: "/state/clock.floor"), [0, HousekeepingTests.dayMs])
        XCTAssertEqual(flash.lines.filter { $0.text == "clock: cannot write /state/clock.floor" }.count, 2)
    }

    /// The unusable-anchor warning: at most hourly, and only when the
    /// count grew since it was last said.
    func testTheUnusableAnchorWarningIsHourly() {
        var keeper = AnchorKeeper()
        var flash = FakeFlash()
        var unusable = 0
        for minute in 0..<(4 * 60) {
            if minute < 30 { unusable += 1 }   // failures stop after half an hour
            flash.nowMs = Int64(minute) * 60_000
            keeper.warnIfKeysUnusable(nowMs: flash.nowMs, unusable: unusable, effects: &flash)
        }
        XCTAssertEqual(flash.lines.map { $0.atMs / 60_000 }, [0, 60], "hourly while it grew, then silent")
        XCTAssertTrue(flash.lines.allSatisfy { $0.level == .warning && $0.text.contains("SERVFAIL") })
    }

    /// RFC 5011 state: written when changed, not before a day has passed
    /// since start (a crash loop cannot wear flash), again only when changed,
    /// and at clean shutdown when changed. A failed write warns and waits a day.
    func testAnchorStateIsWrittenWhenChangedAtMostDaily() {
        var e = engine()
        let key = [0x01, 0x01, 3, 13] + [UInt8](repeating: 7, count: 64)   // an ECDSA P-256 DNSKEY
        XCTAssertTrue(e.addTrustAnchors(owner: .root, [ConfiguredAnchor(isDS: false, rdata: key, addedByOperator: true)]))
        e.setClockFloor(nil)
        e.noteClockSynced(realtimeSeconds: HousekeepingTests.syncedWall)   // RFC 5011 timers need a trusted clock
        e.startAnchorMaintenance(nowMs: 0)
        var net = SilentNetwork()
        var flash = FakeFlash(failWrites: true)
        var keeper = AnchorKeeper(statePath: "/state/anchors.state")
        var now: Int64 = 0
        while now < 3 * HousekeepingTests.dayMs {
            if now == HousekeepingTests.dayMs + 60_000 { flash.failWrites = false }
            flash.nowMs = now
            e.setWallClock(realtimeSeconds: HousekeepingTests.syncedWall + now / 1000, nowMs: now)
            keeper.tick(nowMs: now, isShutdown: false, engine: &e, drain: &net, effects: &flash)
            e.consume(.timers, nowMs: now); net.drain(&e, nowMs: now)
            now += 60_000
        }
        now -= 60_000   // the last tick
        let writes = flash.writes(of: "/state/anchors.state")
        XCTAssertEqual(writes, [HousekeepingTests.dayMs, 2 * HousekeepingTests.dayMs],
                       "seeded state: the first write a day after start (failed), the retry a day later")
        XCTAssertEqual(flash.lines.filter { $0.text == "dnssec: cannot write /state/anchors.state" }.count, 1)
        XCTAssertFalse(keeper.tick(nowMs: now + 500, isShutdown: false, engine: &e, drain: &net, effects: &flash), "not due")
        keeper.tick(nowMs: now, isShutdown: true, engine: &e, drain: &net, effects: &flash)
        XCTAssertEqual(flash.writes(of: "/state/anchors.state").count, 2, "unchanged since: nothing at shutdown")
        XCTAssertGreaterThan(net.sent, 0, "the RFC 5011 refresh asked for the root's DNSKEY set")
    }
}

/// The keepers with the ring carried out after each tick (the event loop
/// does the same in `housekeeping`).
extension PrimingKeeper {
    @discardableResult
    mutating func tick(nowMs: Int64, engine: inout ResolverCore, drain net: inout HousekeepingTests.SilentNetwork) -> Bool {
        for _ in 0..<engine.entropy.room { engine.entropy.add(7) }
        let ran = tick(nowMs: nowMs, engine: &engine)
        net.drain(&engine, nowMs: nowMs)
        return ran
    }
}

extension AnchorKeeper {
    @discardableResult
    mutating func tick<H: HousekeepingIO>(nowMs: Int64, isShutdown: Bool, engine: inout ResolverCore,
                                          drain net: inout HousekeepingTests.SilentNetwork, effects: inout H) -> Bool {
        for _ in 0..<engine.entropy.room { engine.entropy.add(7) }
        let ran = tick(nowMs: nowMs, isShutdown: isShutdown, engine: &engine, effects: &effects)
        net.drain(&engine, nowMs: nowMs)
        return ran
    }
}

import XCTest
import Cache
import DNSWire
@testable import Validator
@testable import Resolver

/// Flash writes per simulated day (DESIGN.md §2.7 "flash is precious", §2.8
/// router clock): a router runs for `dayCount` days in virtual time, one
/// step a minute, with the engine driven exactly as `EventLoop.run` and
/// `EventLoop.housekeeping` (Sources/Server/EventLoop.swift, its parts in
/// PrimingKeeper, AnchorKeeper and ClockKeeper) drive it, and
/// every write of `clock.floor` and `anchors.state` is counted per day.
///
/// The scenario: first boot with no flash files and the clock at 1970
/// (untrusted); NTP syncs 10 minutes after boot (the marker file appears);
/// a few clients ask every hour; the RFC 5011 active refresh runs from
/// housekeeping; `example.` (a DNSKEY trust anchor over a signed fake
/// hierarchy, as in AnchorRolloverTests) rolls its KSK: the new key is
/// published on day 1, so the 30-day add hold-down ends on day 31 inside
/// the run; the zone drops the old key on day 35 and signs with the new one
/// only. That is why the run is 45 days, not 30: with a key published
/// mid-run a 30-day run never sees the hold-down end, the one RFC 5011
/// transition that matters. One clean shutdown at the end.
///
/// Policy asserted: per day at most one write of each file; at shutdown at
/// most one more each; all bytes written decode to the state the engine
/// holds at that moment. The summary line and per-day series are printed
/// for `make bench` (Tests/Bench/bench.py scenario `flash_days`), which
/// reads the `FLASH_SIM` line.
///
/// Not mirrored (no flash effect): the control channel's idle expiry and
/// the hourly "anchor keys unusable" log line. The fake network answers at
/// once; replies to housekeeping's queries are delivered after it returns,
/// so what they change is persisted at a later tick, as in the daemon.
final class FlashWriteSimulationTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let server = FakeAuthorities.address(2)
    static let oldKey = TestSigner(zone: "example.", seedByte: 1)
    static let newKey = TestSigner(zone: "example.", seedByte: 9)
    static let owner = Wire.name("example.")

    /// Long enough for the 30-day add hold-down of a key published on day 1.
    static let dayCount = 45
    static let newKeyPublishedDay = 1
    static let oldKeyWithdrawnDay = 35
    static let dayMs: Int64 = 86_400_000
    /// Housekeeping runs every second in the daemon; its decisions change on
    /// day and hour scales, so one step a minute sees every one of them.
    static let stepMs: Int64 = 60_000
    static let syncAfterBootMs: Int64 = 10 * 60_000
    /// The wall time NTP sets: 2026-03-01T00:00:00Z, after the build floor.
    static let syncWallSeconds: Int64 = 1_772_323_200
    static let clientNames = ["www.example", "mail.example", "ns1.example"]

    /// `example.` publishing `published` keys, its DNSKEY set signed by `signer`.
    static func hierarchy(published: [TestSigner], signer: TestSigner) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        let records = signer.signAll(published.map { $0.dnskey } + [
            Wire.a("ns1.example", [127, 9, 0, 2]), Wire.a("www.example", [192, 0, 2, 1]),
            Wire.a("mail.example", [192, 0, 2, 25])])
        auth.zones.append(FakeZone(apex: "example.", servers: [server], records: records))
        return auth
    }

    /// The three phases of the rollover, signed once (signing every step
    /// would cost more than the whole simulation).
    static let beforeRollover = hierarchy(published: [oldKey], signer: oldKey)
    static let duringRollover = hierarchy(published: [oldKey, newKey], signer: oldKey)
    static let afterRollover = hierarchy(published: [newKey], signer: newKey)

    /// The zone as published on `day` of the rollover.
    static func zone(onDay day: Int) -> FakeAuthorities {
        if day >= oldKeyWithdrawnDay { return afterRollover }
        if day >= newKeyPublishedDay { return duringRollover }
        return beforeRollover
    }

    /// The router's wall clock: 1970 plus uptime until NTP steps it.
    struct RouterClock {
        var bootMs: Int64
        var syncMs: Int64 { bootMs + FlashWriteSimulationTests.syncAfterBootMs }
        func wallSeconds(nowMs: Int64) -> Int64 {
            nowMs < syncMs ? nowMs / 1000 : FlashWriteSimulationTests.syncWallSeconds + (nowMs - syncMs) / 1000
        }
        /// The NTP marker file exists once NTP has synced.
        func markerExists(nowMs: Int64) -> Bool { nowMs >= syncMs }
    }

    /// What one housekeeping tick wrote to flash.
    struct FlashWrites {
        var anchorState: [UInt8]?
        var clockFloor: [UInt8]?
    }

    /// Per-day write counts and the checks made on every write.
    struct Tally {
        var anchorStatePerDay = [Int](repeating: 0, count: FlashWriteSimulationTests.dayCount)
        var clockFloorPerDay = [Int](repeating: 0, count: FlashWriteSimulationTests.dayCount)
        var anchorStateAtShutdown = 0
        var clockFloorAtShutdown = 0
        var lastAnchorState: [UInt8] = []
        /// "d<day>+<hh:mm> <key states>" per anchors.state write (V valid,
        /// A add-pending, M missing, R revoked), for the report.
        var anchorStateLog: [String] = []
        var trustedKeysOnDay = [Int](repeating: 0, count: FlashWriteSimulationTests.dayCount)
        var lastFloorSeconds: Int64 = 0

        /// "0110…+1": one digit a day (comma-separated if any day reaches 10), then shutdown.
        func series(_ perDay: [Int], shutdown: Int) -> String {
            perDay.map { String($0) }.joined(separator: perDay.contains { $0 > 9 } ? "," : "") + "+" + String(shutdown)
        }
    }

    func boot() -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [FlashWriteSimulationTests.root])
        // sprigd's Serve order: anchor state (none on first boot), anchors, floor, wall clock.
        XCTAssertTrue(h.core.addTrustAnchor(owner: FlashWriteSimulationTests.owner, type: .dnskey,
                                                 rdatas: [FlashWriteSimulationTests.oldKey.dnskeyRData]))
        h.core.setClockFloor(nil)
        return h
    }

    /// `EventLoop.housekeeping(nowMs:isShutdown:)` (PrimingKeeper, then
    /// AnchorKeeper, then ClockKeeper), call for call, with the
    /// file writes replaced by capturing the bytes (every write succeeds).
    func housekeeping(_ h: inout Harness, clock: RouterClock, isShutdown: Bool) -> FlashWrites {
        var writes = FlashWrites()
        if !isShutdown {
            h.core.primeIfExpired(nowMs: h.nowMs); h.drain()
            h.core.refreshTrustAnchorsIfDue(nowMs: h.nowMs); h.drain()
        }
        if let bytes = h.core.anchorStateToPersist(nowMs: h.nowMs, isShutdown: isShutdown) {
            writes.anchorState = bytes
            h.core.didPersistAnchorState()
        }
        if clock.markerExists(nowMs: h.nowMs), !h.core.isClockTrusted {
            h.core.noteClockSynced(realtimeSeconds: clock.wallSeconds(nowMs: h.nowMs))
        }
        let wall = clock.wallSeconds(nowMs: h.nowMs)
        guard let floor = h.core.clockFloorToPersist(realtimeSeconds: wall, isShutdown: isShutdown) else {
            return writes
        }
        var bytes = [UInt8](repeating: 0, count: TrustedClockFloor.encodedByteCount)
        let written = bytes.withUnsafeMutableBytes { b in (try? TrustedClockFloor.encode(floorSeconds: floor, into: b)) ?? 0 }
        XCTAssertGreaterThan(written, 0)
        writes.clockFloor = Array(bytes[0..<written])
        h.core.didPersistClockFloor(floor)
        return writes
    }

    /// The anchors.state bytes decode (AnchorStateFile format) to the table the engine holds.
    func checkAnchorState(_ bytes: [UInt8], _ h: inout Harness, day: Int) {
        let decoded = bytes.withUnsafeBytes { b in try? AnchorState.decode(bytes: b) }
        guard let file = decoded else { return XCTFail("day \(day): anchors.state does not decode") }
        let engine = h.core.validation.anchorState.pointee
        XCTAssertEqual(file.trustPointCount, engine.trustPointCount, "day \(day)")
        for p in 0..<engine.trustPointCount {
            guard let owner = engine.owner(at: p) else { return XCTFail("day \(day): trust point \(p)") }
            XCTAssertEqual(file.owner(at: p), owner, "day \(day)")
            XCTAssertEqual(file.keyCount(of: owner), engine.keyCount(of: owner), "day \(day)")
            XCTAssertEqual(file.status(of: owner), engine.status(of: owner), "day \(day)")
            for k in 0..<engine.keyCount(of: owner) {
                XCTAssertEqual(file.key(k, of: owner), engine.key(k, of: owner), "day \(day) key \(k)")
            }
        }
    }

    /// The clock.floor bytes decode to the floor the engine now holds, the
    /// wall time of the write, never earlier than the previous floor.
    func checkClockFloor(_ bytes: [UInt8], _ h: inout Harness, wall: Int64, tally: inout Tally, day: Int) {
        let decoded = bytes.withUnsafeBytes { b in try? TrustedClockFloor.decode(bytes: b) }
        guard let floor = decoded else { return XCTFail("day \(day): clock.floor does not decode") }
        XCTAssertEqual(floor, wall, "day \(day): the floor is the wall time of the write")
        XCTAssertEqual(h.core.validation.clock.persistedFloorSeconds, floor, "day \(day)")
        XCTAssertGreaterThanOrEqual(floor, tally.lastFloorSeconds, "day \(day): the floor never goes back")
        XCTAssertGreaterThanOrEqual(floor, TrustedClock.buildFloorSeconds, "day \(day): no 1970 floor")
        tally.lastFloorSeconds = floor
    }

    func record(_ writes: FlashWrites, _ h: inout Harness, clock: RouterClock, tally: inout Tally,
                day: Int, isShutdown: Bool) {
        if let bytes = writes.anchorState {
            checkAnchorState(bytes, &h, day: day)
            tally.lastAnchorState = bytes
            tally.anchorStateLog.append(describe(bytes, clock: clock, nowMs: h.nowMs, isShutdown: isShutdown))
            if isShutdown { tally.anchorStateAtShutdown += 1 } else { tally.anchorStatePerDay[day] += 1 }
        }
        if let bytes = writes.clockFloor {
            checkClockFloor(bytes, &h, wall: clock.wallSeconds(nowMs: h.nowMs), tally: &tally, day: day)
            if isShutdown { tally.clockFloorAtShutdown += 1 } else { tally.clockFloorPerDay[day] += 1 }
        }
    }

    /// The root's priming answer as a real root sends it: the NS set with
    /// its glue in the additional section (FakeAuthorities sends no glue
    /// with an apex NS answer). With it the engine re-primes when the NS
    /// set expires, as in the field, instead of every minute.
    static func primingReply(to query: [UInt8]) -> [UInt8]? {
        let question = query.withUnsafeBytes { q -> Question? in
            guard var r = try? MessageReader(q) else { return nil }
            return try? r.nextQuestion()
        }
        guard let q = question, q.name.isRoot, q.type == .ns else { return nil }
        var glue = Wire.a("a.root", [127, 9, 0, 1], ttl: 518_400)
        glue.section = .additional
        return Wire.response(to: query, aa: true, records: [
            Wire.RR(owner: ".", type: .ns, ttl: 518_400, rdata: Wire.name("a.root.").wireBytes), glue])
    }

    /// `Harness.pump` with the root answering priming as above.
    func pump(_ h: inout Harness, _ auth: inout FakeAuthorities) {
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            let priming = s.server == FlashWriteSimulationTests.root ? FlashWriteSimulationTests.primingReply(to: s.bytes) : nil
            if let reply = priming ?? auth.respond(to: s.bytes, at: s.server) { h.reply(s.outgoing, reply) }
        }
    }

    func describe(_ bytes: [UInt8], clock: RouterClock, nowMs: Int64, isShutdown: Bool) -> String {
        let sinceBootMinutes = (nowMs - clock.bootMs) / 60_000
        let when = isShutdown ? "shutdown" : String(format: "d%d+%02d:%02d", Int(sinceBootMinutes / 1440),
                                                       Int(sinceBootMinutes % 1440 / 60), Int(sinceBootMinutes % 60))
        guard let file = bytes.withUnsafeBytes({ b in try? AnchorState.decode(bytes: b) }) else { return when + " ?" }
        var letters = ""
        for k in 0..<file.keyCount(of: FlashWriteSimulationTests.owner) {
            switch file.key(k, of: FlashWriteSimulationTests.owner)?.state {
            case .valid: letters += "V"
            case .addPending: letters += "A"
            case .missing: letters += "M"
            case .revoked: letters += "R"
            case nil: letters += "?"
            }
        }
        return when + " " + letters
    }

    /// One client query answered over the zero-latency fake network.
    func ask(_ h: inout Harness, _ auth: inout FakeAuthorities, client: Int, name: String) -> Wire.Parsed? {
        let before = h.net.answers.count
        _ = h.ask(client, Wire.query(name, .a, id: UInt16(truncatingIfNeeded: client), dnssecOK: true))
        pump(&h, &auth)
        guard h.net.answers.count == before + 1, let last = h.net.answers.last else { return nil }
        return Wire.parse(last.bytes)
    }

    /// What the clients saw.
    struct Answers {
        var unanswered = 0
        var failed = 0
        var firstFailure: String?
        var secureAfterSync = 0
        var insecureAfterSync = 0
    }

    /// The clients' hourly queries of this step (staggered 20 minutes apart).
    func serveClients(_ h: inout Harness, _ auth: inout FakeAuthorities, step: Int, answers: inout Answers) {
        for (client, name) in FlashWriteSimulationTests.clientNames.enumerated() where step % 60 == client * 20 {
            guard let answer = ask(&h, &auth, client: client, name: name) else {
                answers.unanswered += 1
                continue
            }
            if answer.rcode != .noError {
                answers.firstFailure = answers.firstFailure
                    ?? "step \(step) \(name): rcode \(answer.rcode.rawValue) EDE \(answer.ede)"
                answers.failed += 1
            }
            guard h.core.isClockTrusted else { continue }
            if answer.ad { answers.secureAfterSync += 1 } else { answers.insecureAfterSync += 1 }
        }
    }

    /// Boots, runs `dayCount` days a minute at a time, shuts down.
    func simulate(answers: inout Answers) -> Tally {
        let me = FlashWriteSimulationTests.self
        var h = boot()
        let clock = RouterClock(bootMs: h.nowMs)
        h.core.setWallClock(realtimeSeconds: clock.wallSeconds(nowMs: h.nowMs), nowMs: h.nowMs)
        XCTAssertFalse(h.core.isClockTrusted, "booted at 1970")
        var auth = me.zone(onDay: 0)
        h.core.prime(nowMs: h.nowMs); h.drain()          // EventLoop.prime
        h.core.startAnchorMaintenance(nowMs: h.nowMs)
        pump(&h, &auth)
        var tally = Tally()
        let endMs = clock.bootMs + Int64(me.dayCount) * me.dayMs
        var step = 0
        while h.nowMs + me.stepMs < endMs {
            h.nowMs += me.stepMs
            step += 1
            let day = Int((h.nowMs - clock.bootMs) / me.dayMs)
            if step % Int(me.dayMs / me.stepMs) == 0 { auth = me.zone(onDay: day) }
            // EventLoop.run: wall clock first, then events, timers, housekeeping.
            h.core.setWallClock(realtimeSeconds: clock.wallSeconds(nowMs: h.nowMs), nowMs: h.nowMs)
            serveClients(&h, &auth, step: step, answers: &answers)
            _ = h.feed(.timers); h.drain()
            let writes = housekeeping(&h, clock: clock, isShutdown: false)
            record(writes, &h, clock: clock, tally: &tally, day: day, isShutdown: false)
            pump(&h, &auth)   // the refresh's replies arrive before the next tick
            tally.trustedKeysOnDay[day] = h.core.anchorTrustedKeyCount
        }
        // SIGTERM: EventLoop.handleSignals → housekeeping(isShutdown: true).
        h.nowMs += 1_000
        h.core.setWallClock(realtimeSeconds: clock.wallSeconds(nowMs: h.nowMs), nowMs: h.nowMs)
        let shutdownWrites = housekeeping(&h, clock: clock, isShutdown: true)
        record(shutdownWrites, &h, clock: clock, tally: &tally, day: me.dayCount - 1, isShutdown: true)
        return tally
    }

    func testFlashWritesPerSimulatedDayStayWithinPolicy() {
        let me = FlashWriteSimulationTests.self
        var answers = Answers()
        let tally = simulate(answers: &answers)
        report(tally)
        // The policy: at most one write of each file a day, one more at shutdown.
        for day in 0..<me.dayCount {
            XCTAssertLessThanOrEqual(tally.clockFloorPerDay[day], 1, "clock.floor written \(tally.clockFloorPerDay[day]) times on day \(day)")
            XCTAssertLessThanOrEqual(tally.anchorStatePerDay[day], 1, "anchors.state written \(tally.anchorStatePerDay[day]) times on day \(day)")
        }
        XCTAssertLessThanOrEqual(tally.clockFloorAtShutdown, 1)
        XCTAssertLessThanOrEqual(tally.anchorStateAtShutdown, 1)
        // It bites: the floor is kept daily from the day-0 sync on, and at shutdown.
        XCTAssertEqual(tally.clockFloorPerDay.reduce(0, +), me.dayCount, "one floor a day from the day-0 sync on")
        XCTAssertEqual(tally.clockFloorAtShutdown, 1, "the clock moved since the last floor")
        // The anchor state reached flash, and its writes follow the rollover.
        XCTAssertEqual(tally.anchorStatePerDay[0], 0, "the first periodic write waits a full day")
        XCTAssertGreaterThan(tally.anchorStatePerDay.reduce(0, +), 0)
        XCTAssertEqual(tally.trustedKeysOnDay[me.newKeyPublishedDay + 20], 1, "the new key is in its hold-down")
        XCTAssertEqual(tally.trustedKeysOnDay[me.dayCount - 1], 2, "new key Valid, withdrawn old key Missing (still trusted)")
        XCTAssertEqual(answers.unanswered, 0)
        XCTAssertEqual(answers.failed, 0, "the rollover never broke validation; first: \(answers.firstFailure ?? "-")")
        XCTAssertEqual(answers.insecureAfterSync, 0, "every answer after the sync is secure")
        XCTAssertGreaterThan(answers.secureAfterSync, me.dayCount * 24 * me.clientNames.count - 10)
        checkReboot(lastAnchorState: tally.lastAnchorState, lastFloorSeconds: tally.lastFloorSeconds)
    }

    /// What flash holds at the end is enough for the next boot: the rolled
    /// key set, and a clock trusted without NTP once it reaches the floor.
    func checkReboot(lastAnchorState: [UInt8], lastFloorSeconds: Int64) {
        var h = boot()
        XCTAssertTrue(h.core.loadAnchorState(lastAnchorState))
        XCTAssertEqual(h.core.anchorTrustedKeyCount, 2)
        let newTag = FlashWriteSimulationTests.newKey.keyTag
        XCTAssertEqual(h.core.validation.anchorState.pointee.state(ofKeyTag: newTag, owner: FlashWriteSimulationTests.owner),
                       .valid, "the persisted state trusts the new KSK")
        h.core.setClockFloor(lastFloorSeconds)
        h.core.setWallClock(realtimeSeconds: lastFloorSeconds - 60, nowMs: h.nowMs)
        XCTAssertFalse(h.core.isClockTrusted, "before the floor")
        h.core.setWallClock(realtimeSeconds: lastFloorSeconds + 60, nowMs: h.nowMs)
        XCTAssertTrue(h.core.isClockTrusted, "at or past the persisted floor")
    }

    func report(_ tally: Tally) {
        let days = FlashWriteSimulationTests.dayCount
        let floorTotal = tally.clockFloorPerDay.reduce(0, +)
        let anchorTotal = tally.anchorStatePerDay.reduce(0, +)
        let floorRate = Double(floorTotal) / Double(days)
        let anchorRate = Double(anchorTotal) / Double(days)
        print("flash writes per simulated day: clock.floor " + String(format: "%.2f", floorRate)
              + ", anchors.state " + String(format: "%.2f", anchorRate)
              + " (\(days) days, KSK rollover, shutdown writes: clock.floor \(tally.clockFloorAtShutdown), "
              + "anchors.state \(tally.anchorStateAtShutdown))")
        print("flash writes per day (day 0…\(days - 1) + shutdown): clock.floor "
              + tally.series(tally.clockFloorPerDay, shutdown: tally.clockFloorAtShutdown)
              + " anchors.state " + tally.series(tally.anchorStatePerDay, shutdown: tally.anchorStateAtShutdown))
        print("trusted KSKs per day: " + tally.trustedKeysOnDay.map { String($0) }.joined())
        print("anchors.state writes (day+time since boot, key states): " + tally.anchorStateLog.joined(separator: ", "))
        let json: [String: Any] = [
            "days": days, "key_published_day": FlashWriteSimulationTests.newKeyPublishedDay,
            "old_key_withdrawn_day": FlashWriteSimulationTests.oldKeyWithdrawnDay,
            "clock_floor_per_day": tally.clockFloorPerDay, "anchors_state_per_day": tally.anchorStatePerDay,
            "clock_floor_shutdown": tally.clockFloorAtShutdown, "anchors_state_shutdown": tally.anchorStateAtShutdown,
            "trusted_keys_per_day": tally.trustedKeysOnDay, "anchors_state_writes": tally.anchorStateLog,
        ]
        if let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            print("FLASH_SIM " + text)
        }
    }
}

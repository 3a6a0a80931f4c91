import DNSWire
import Platform
import Resolver
import Validator

/// The router clock (DESIGN.md §2.8), once a second: the NTP marker file
/// (config `clock_marker_file`: its appearance means NTP has synced), the
/// clock decision logged when it changes (`ClockDecision`), and the last
/// known-good wall time written back to flash when the clock policy says so
/// (`TrustedClock.floorToPersist`: at most daily, and at clean shutdown).
/// Produces: a sync noted in the core, log lines, `clock.floor`.
struct ClockKeeper {
    /// The NTP marker file; nil: no marker configured.
    var markerPath: String?
    /// Where the floor is kept (`state_dir`/clock.floor); nil: not kept.
    var floorPath: String?
    /// The marker file is looked at this often: NTP's sync is noted within
    /// a second, for the price of one stat() a second.
    static let intervalMs: Int64 = 1_000
    private(set) var dueMs: Int64 = 0
    /// The decision last logged (each is logged once, when it changes).
    var decisionLog = ClockDecisionLog()

    init(markerPath: String? = nil, floorPath: String? = nil) {
        self.markerPath = markerPath
        self.floorPath = floorPath
    }

    /// True when it was due (always at shutdown, which only writes the floor).
    @discardableResult
    mutating func tick<H: HousekeepingIO>(nowMs: Int64, wallSeconds: Int64, isShutdown: Bool,
                                          engine: inout ResolverCore, effects: inout H) -> Bool {
        guard isShutdown || nowMs >= dueMs else { return false }
        dueMs = nowMs + ClockKeeper.intervalMs
        if let marker = markerPath, !engine.isClockTrusted, effects.fileExists(marker) {
            noteSynced(wallSeconds: wallSeconds, byCommand: false, engine: &engine, effects: &effects)
        }
        // A step past the saved floor, or back before the build date.
        if !isShutdown { logDecision(wallSeconds: wallSeconds, engine: engine, effects: &effects) }
        writeFloor(wallSeconds: wallSeconds, isShutdown: isShutdown, engine: &engine, effects: &effects)
        return true
    }

    /// NTP says it synced (`sprig clock-synced`, or the marker file). The
    /// core judges it; the log tells what it decided, once. A command that
    /// changed nothing gets its own line.
    mutating func noteSynced<H: HousekeepingIO>(wallSeconds: Int64, byCommand: Bool, engine: inout ResolverCore,
                                                effects: inout H) {
        guard !engine.isClockTrusted else { return }
        engine.noteClockSynced(realtimeSeconds: wallSeconds)
        if !logDecision(wallSeconds: wallSeconds, engine: engine, effects: &effects) && byCommand && !engine.isClockTrusted {
            effects.log(.notice, "clock: sync reported, but the wall clock reads "
                + "\(CalendarDate.text(unixSeconds: wallSeconds)), before this build's date: not believed")
        }
    }

    /// Logs the clock's decision if it changed since last logged; true when it logged.
    @discardableResult
    mutating func logDecision<H: HousekeepingIO>(wallSeconds: Int64, engine: borrowing ResolverCore,
                                                 effects: inout H) -> Bool {
        let decision = ClockDecision.current(isTrusted: engine.isClockTrusted, isVouchedFor: engine.isClockVouchedFor,
                                             wallSeconds: wallSeconds, buildFloorSeconds: TrustedClock.buildFloorSeconds)
        guard let line = decisionLog.lineToLog(decision, wallSeconds: wallSeconds,
                                               buildFloorSeconds: TrustedClock.buildFloorSeconds) else { return false }
        effects.log(line.isWarning ? .warning : .notice, line.text)
        return true
    }

    /// The floor, when the policy wants it written; a failing flash is
    /// recorded as written anyway, so it is retried daily, not every second.
    mutating func writeFloor<H: HousekeepingIO>(wallSeconds: Int64, isShutdown: Bool, engine: inout ResolverCore,
                                                effects: inout H) {
        guard let path = floorPath,
              let floor = engine.clockFloorToPersist(realtimeSeconds: wallSeconds, isShutdown: isShutdown) else { return }
        var bytes = [UInt8](repeating: 0, count: TrustedClockFloor.encodedByteCount)
        let written = bytes.withUnsafeMutableBytes { b in (try? TrustedClockFloor.encode(floorSeconds: floor, into: b)) ?? 0 }
        let ok = written > 0 && bytes.withUnsafeBytes { b in
            effects.replaceFile(path, with: UnsafeRawBufferPointer(rebasing: b[0..<written]))
        }
        if !ok { effects.log(.warning, "clock: cannot write \(path)") }
        engine.didPersistClockFloor(floor)
    }
}

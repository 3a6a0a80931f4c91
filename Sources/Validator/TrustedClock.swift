// TrustedClock: whether the router's wall clock may be believed (DESIGN.md
// §2.8). Routers boot without a real-time clock, at 1970 or at the firmware's
// build time, until NTP syncs. Until then DNSSEC signature dates and RFC 5011
// hold-downs cannot be checked; the validator checks signatures but not their
// dates (`ValidationClock.untrusted` → `.validIgnoringTime`), answers are
// cached "awaiting clock sync", and RFC 5011 timers are frozen.
//
// The clock becomes trusted when
//   1. the daemon reports an NTP sync (`sprig clock-synced`, OpenWrt's ntpd
//      hotplug, or a marker file appearing), or
//   2. the wall clock reaches the persisted floor (the last wall time seen
//      while trusted, saved at most daily): time never runs backwards across
//      a reboot, so a clock at or past the floor is as good as we can know;
// and never while the wall clock reads earlier than `buildFloorSeconds`
// (2026-01-01): such a reading is absurd whatever anyone signals.
//
// Unless the operator vouches for the clock (`option clock_trusted '1'`: a
// router with a battery-backed RTC, a test bed replaying old signatures
// under a fake time): then it is trusted from the start, as it reads, even
// before the build floor — signature dates, expired or not yet valid, are
// judged against it, and RFC 5011 timers run on it.
//
// Each untrusted → trusted transition increments `syncGeneration`: the
// resolver re-validates answers cached while untrusted (the cache's
// `isAwaitingClockSync` entries with an older generation).
//
// Pure: wall times are parameters (Unix seconds); the daemon reads the clock.

public struct TrustedClock: Equatable, Sendable {
    /// 2026-01-01T00:00:00Z: no honest clock running this build reads
    /// earlier. Raise it with each release.
    public static let buildFloorSeconds: Int64 = 1_767_225_600
    /// Persist a new floor at most once a day (flash wear, DESIGN.md §2.7);
    /// a day-old floor still excludes every earlier replay window.
    public static let floorWriteIntervalSecondsMin: Int64 = 86_400
    /// At clean shutdown the floor is saved only if it moved this much since
    /// the last write: a service restarted on every WAN flap must not write
    /// flash each time, and an hour-old floor loses nothing that matters
    /// (signature validity is counted in days).
    public static let shutdownFloorAdvanceSecondsMin: Int64 = 3_600

    public let buildFloorSeconds: Int64
    /// The floor last persisted (or loaded at start-up); nil if none.
    public private(set) var persistedFloorSeconds: Int64?
    public private(set) var isTrusted: Bool
    /// Increments on every untrusted → trusted transition.
    public private(set) var syncGeneration: UInt32
    /// An NTP sync was reported and not yet contradicted by an absurd reading.
    public private(set) var isSyncSignalled: Bool
    /// The operator vouches for the wall clock (`clock_trusted`): it is
    /// trusted as it reads, floors and sync signals notwithstanding.
    public let isVouchedFor: Bool

    /// Start-up: `persistedFloorSeconds` from the floor file (nil when absent
    /// or corrupt). The clock starts untrusted — unless `vouchedFor` — until
    /// `observe(wallSeconds:)` judges a reading.
    public init(persistedFloorSeconds: Int64?, buildFloorSeconds: Int64 = TrustedClock.buildFloorSeconds,
                vouchedFor: Bool = false) {
        self.buildFloorSeconds = buildFloorSeconds
        self.persistedFloorSeconds = persistedFloorSeconds
        isVouchedFor = vouchedFor
        isTrusted = vouchedFor
        syncGeneration = vouchedFor ? 1 : 0
        isSyncSignalled = false
    }

    /// NTP reported a sync; `wallSeconds` is the clock read right after.
    public mutating func noteSynced(wallSeconds: Int64) {
        isSyncSignalled = true
        observe(wallSeconds: wallSeconds)
    }

    /// Every tick of the event loop (or at least before each use): re-judges
    /// the wall clock. A trusted clock stays trusted through small NTP steps
    /// backwards; only a reading below the build floor revokes trust (and the
    /// sync signal, which evidently did not hold).
    public mutating func observe(wallSeconds: Int64) {
        if isVouchedFor { return }   // trusted from the start, whatever it reads
        if wallSeconds < buildFloorSeconds {
            isTrusted = false
            isSyncSignalled = false
            return
        }
        guard !isTrusted else { return }
        let passedFloor = persistedFloorSeconds.map { wallSeconds >= $0 } ?? false
        if isSyncSignalled || passedFloor {
            isTrusted = true
            syncGeneration &+= 1
        }
    }

    /// What the validator may assume about `wallSeconds`.
    public func validationClock(wallSeconds: Int64) -> ValidationClock {
        isTrusted && (isVouchedFor || wallSeconds >= buildFloorSeconds) ? .trusted(nowSeconds: wallSeconds) : .untrusted
    }

    /// RFC 5011 hold-downs and removals may only advance on a trusted clock.
    public var mayAdvanceRFC5011Timers: Bool { isTrusted }

    /// The floor to persist now, or nil: only while trusted, only when the
    /// clock has moved at least `floorWriteIntervalSecondsMin` past the last
    /// persisted floor, or at clean shutdown when it moved at least
    /// `shutdownFloorAdvanceSecondsMin`. After a write attempt call
    /// `didPersistFloor(_:)`.
    public func floorToPersist(wallSeconds: Int64, isShutdown: Bool) -> Int64? {
        guard isTrusted, wallSeconds >= buildFloorSeconds else { return nil }
        guard let last = persistedFloorSeconds else { return wallSeconds }
        let interval = isShutdown ? TrustedClock.shutdownFloorAdvanceSecondsMin : TrustedClock.floorWriteIntervalSecondsMin
        return wallSeconds - last >= interval ? wallSeconds : nil
    }

    /// The floor `floorSeconds` was written (or the attempt failed: record it
    /// anyway so a failing flash is not retried more than daily).
    public mutating func didPersistFloor(_ floorSeconds: Int64) {
        persistedFloorSeconds = max(persistedFloorSeconds ?? floorSeconds, floorSeconds)
    }
}

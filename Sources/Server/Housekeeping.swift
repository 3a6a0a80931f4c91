// Housekeeping: the daemon's timer-driven work besides queries, split by
// concern. Each part is a small struct with its own due time that the
// event loop ticks; it decides what to do and produces actions — queries
// through the core, a file written to flash, a log line:
//   PrimingKeeper  root priming (RFC 8109 §3)
//   AnchorKeeper   RFC 5011 refresh, the unusable-anchor warning, anchors.state
//   ClockKeeper    the NTP marker file, the clock decision log, clock.floor
//   CookieKeeper   DNS cookie secret rotation, cookie.secret
// Order within one tick is fixed (priming, anchors, clock), as before the
// split: Tests/ResolverTests/FlashWriteSimulationTests drives the core in
// that order and counts the flash writes.
// Never: reads a clock (the loop passes monotonic and wall time) or touches
// files and logs other than through `HousekeepingIO`, so the tests run the
// parts in virtual time against a fake flash.
import Platform

/// What the housekeeping parts do to the world: flash files and log lines.
protocol HousekeepingIO {
    func fileExists(_ path: String) -> Bool
    /// Replaces `path` atomically (temp file, fsync, rename); false on failure.
    mutating func replaceFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool
    mutating func log(_ level: LogLevel, _ text: String)
    /// The same, readable by the owner only (mode 0600): a secret.
    mutating func replaceSecretFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool
}

extension HousekeepingIO {
    mutating func replaceSecretFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
        replaceFile(path, with: bytes)
    }
}

/// The daemon's: Platform's files and log.
struct SystemHousekeeping: HousekeepingIO {
    func fileExists(_ path: String) -> Bool { File.exists(path) }

    mutating func replaceFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
        (try? File.replace(path, with: bytes)) != nil
    }

    mutating func replaceSecretFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
        (try? File.replace(path, with: bytes, ownerOnly: true)) != nil
    }

    mutating func log(_ level: LogLevel, _ text: String) { Log.write(level, text) }
}

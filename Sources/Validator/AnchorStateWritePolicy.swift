// When to write the RFC 5011 state to flash (DESIGN.md §2.7: flash is
// precious): only when it changed, at most once per `writeIntervalSecondsMin`,
// plus once at clean shutdown. Time here is the MONOTONIC clock (seconds
// since boot), so a wall clock that jumps cannot cause a burst of writes.

public struct AnchorStateWritePolicy: Equatable, Sendable {
    /// One write a day: 365 erase cycles a year on one flash block, far below
    /// the ~10^4–10^5 a cheap NOR/NAND block survives; the worst case is an
    /// RFC 5011 transition recorded a day late (a crash then just restarts
    /// a hold-down, which is the safe direction).
    public static let writeIntervalSecondsMin: Int64 = 86_400

    /// Monotonic seconds of the last write (or of start-up: the first
    /// periodic write waits a full interval, so a crash loop cannot wear flash).
    public private(set) var lastWriteSeconds: Int64

    public init(startSeconds: Int64) { lastWriteSeconds = startSeconds }

    /// Should the state be written now? Periodic writes are rate-limited;
    /// the shutdown write only needs the state to be dirty.
    public func shouldWrite(isDirty: Bool, nowSeconds: Int64, isShutdown: Bool) -> Bool {
        guard isDirty else { return false }
        if isShutdown { return true }
        return nowSeconds - lastWriteSeconds >= AnchorStateWritePolicy.writeIntervalSecondsMin
    }

    /// A write was attempted. Call it whether or not the write succeeded, so
    /// a failing flash is not retried more than once per interval; call
    /// `AnchorState.markPersisted()` only on success.
    public mutating func didAttemptWrite(nowSeconds: Int64) { lastWriteSeconds = nowSeconds }
}

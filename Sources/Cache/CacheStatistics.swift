/// Counters and gauges, copied out by value (USR1 dump, `sprig stats`).
public struct CacheStatistics: Sendable, Equatable {
    /// Live entries now.
    public var entryCount = 0
    /// Bytes held by live records (header + owner + blob + padding).
    public var liveByteCount = 0
    /// Bytes between the ring's tail and head: live, dead and pad records.
    /// Always ≤ the arena's byte count.
    public var occupiedByteCount = 0
    /// Highest `liveByteCount` seen.
    public var liveByteCountHighWater = 0
    /// Successful inserts (`stored` + `replaced`).
    public var insertCount = 0
    /// Inserts that overwrote an entry for the same key.
    public var replaceCount = 0
    /// …of which the new record fit in the old one's bytes.
    public var inPlaceRefreshCount = 0
    public var hitCount = 0          // fresh answers
    public var staleHitCount = 0     // expired but within the stale window
    public var missCount = 0
    /// Fresh or stale-servable entries dropped to make room.
    public var evictionCount = 0
    /// Entries dropped because they were past the stale window (or bogus
    /// and expired): by the eviction walk or when a lookup met them.
    public var reclaimCount = 0
    /// Recently used fresh entries moved to the head instead of evicted.
    public var secondChanceCount = 0
    public var removeCount = 0
    public var refusedTooLargeCount = 0
    public var refusedLowerRankCount = 0
    public var refusedFullCount = 0
    public var refusedInvalidKeyCount = 0

    public init() {}

    public var refusalCount: Int {
        refusedTooLargeCount + refusedLowerRankCount + refusedFullCount + refusedInvalidKeyCount
    }
}

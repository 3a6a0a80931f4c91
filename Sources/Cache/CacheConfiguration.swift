/// The cache's tunables, from the config file (`cache_size`, `cache_min_ttl`,
/// `cache_max_ttl`, `stale_max`). Validated by `CacheGeometry.init`.
public struct CacheConfiguration: Sendable {
    /// Bytes of the record arena (`cache_size`); the index comes on top.
    public var arenaByteCount: Int
    /// TTLs below this are raised on insert (`cache_min_ttl`).
    public var minTTLSeconds: UInt32
    /// TTLs above this are lowered on insert (`cache_max_ttl`).
    public var maxTTLSeconds: UInt32
    /// How long after expiry an entry may still be returned as stale
    /// (`stale_max`, RFC 8767). 0 disables stale answers.
    public var staleMaxSeconds: UInt32
    /// Bound on records one insert may drop or move (see CacheLimits).
    public var evictionStepsPerInsertMax: Int

    public init(arenaByteCount: Int = CacheLimits.arenaByteCountDefault,
                minTTLSeconds: UInt32 = 0,
                maxTTLSeconds: UInt32 = CacheLimits.maxTTLSecondsDefault,
                staleMaxSeconds: UInt32 = CacheLimits.staleMaxSecondsDefault,
                evictionStepsPerInsertMax: Int = CacheLimits.evictionStepsPerInsertDefault) {
        self.arenaByteCount = arenaByteCount
        self.minTTLSeconds = minTTLSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.staleMaxSeconds = staleMaxSeconds
        self.evictionStepsPerInsertMax = evictionStepsPerInsertMax
    }
}

/// Why a configuration cannot build a cache.
public enum CacheConfigurationError: Error, Equatable, Sendable {
    case arenaTooSmall          // below CacheLimits.arenaByteCountMin
    case arenaTooLarge          // above CacheLimits.arenaByteCountMax
    case ttlBoundsInverted      // minTTLSeconds > maxTTLSeconds
    case evictionStepsTooFew    // below CacheLimits.evictionStepsPerInsertMin
}

/// Sizes derived from a configuration, computable before anything is
/// reserved (for `sprigd --print-footprint`).
public struct CacheGeometry: Sendable, Equatable {
    /// Arena bytes, rounded down to the record alignment.
    public let arenaByteCount: Int
    /// Most live entries at once (arena / CacheLimits.arenaByteCountPerEntry).
    public let entryCountMax: Int
    /// Hash index slots (entryCountMax × 4/3, +1 so one is always empty).
    public let slotCount: Int
    /// Largest record (header + owner + blob, aligned) the cache stores.
    public let recordByteCountMax: Int

    public init(_ configuration: CacheConfiguration) throws(CacheConfigurationError) {
        let bytes = configuration.arenaByteCount
        guard bytes >= CacheLimits.arenaByteCountMin else { throw .arenaTooSmall }
        guard bytes <= CacheLimits.arenaByteCountMax else { throw .arenaTooLarge }
        guard configuration.minTTLSeconds <= configuration.maxTTLSeconds else { throw .ttlBoundsInverted }
        guard configuration.evictionStepsPerInsertMax >= CacheLimits.evictionStepsPerInsertMin else {
            throw .evictionStepsTooFew
        }
        arenaByteCount = bytes & ~(CacheLimits.recordAlignment - 1)
        entryCountMax = arenaByteCount / CacheLimits.arenaByteCountPerEntry
        slotCount = entryCountMax * CacheLimits.slotsPerEntryNumerator
            / CacheLimits.slotsPerEntryDenominator + 1
        let largestUseful = RecordLayout.recordByteCount(
            ownerByteCount: CacheLimits.ownerByteCountMax, blobByteCount: CacheLimits.blobByteCountMax)
        let share = (arenaByteCount / CacheLimits.recordShareOfArenaDivisor) & ~(CacheLimits.recordAlignment - 1)
        recordByteCountMax = min(largestUseful, share)
    }

    /// Bytes of the hash index (8 per slot).
    public var indexByteCount: Int { slotCount * RecordLayout.slotByteCount }

    /// Every byte the cache reserves: arena plus index, nothing else.
    public var footprintByteCount: Int { arenaByteCount + indexByteCount }

    /// Largest blob storable under an owner of `ownerByteCount` bytes.
    public func blobByteCountMax(ownerByteCount: Int) -> Int {
        let room = recordByteCountMax - RecordLayout.headerByteCount - ownerByteCount
        return max(0, min(room, CacheLimits.blobByteCountMax))
    }
}

/// What `RRsetCache.insert` did. Refusals are normal outcomes, counted in
/// `CacheStatistics`; the caller simply answers without caching.
public enum CacheInsertResult: Equatable, Sendable {
    /// A new key was stored.
    case stored
    /// An entry for the same key was overwritten (in place when it fit).
    case replaced
    /// Record larger than `CacheGeometry.recordByteCountMax`.
    case refusedTooLarge
    /// A fresh entry of higher rank holds the key (or, for an RRset or
    /// NODATA, a fresh higher-ranked NXDOMAIN holds the name).
    case refusedLowerRank
    /// The bounded eviction walk ran out of steps before making room: the
    /// tail held fresh, recently used entries (second chance). The room
    /// already made is kept, so a later insert succeeds.
    case refusedFull
    /// Owner empty or longer than 255 bytes, or type 0 for a non-NXDOMAIN.
    case refusedInvalidKey
}

/// A found entry. Metadata is copied out; the blob stays in the arena and is
/// read with `RRsetCache.withBlob(of:_:)` (no copy).
public struct CacheHit: Sendable {
    /// Where the record is; outdated by any later insert, remove or clear.
    public let handle: CacheEntryHandle
    public let kind: CacheEntryKind
    public let rank: TrustRank
    /// Validated without checking signature dates (clock not yet trusted,
    /// DESIGN.md §2.8): the validator re-checks after clock sync.
    public let isAwaitingClockSync: Bool
    /// TTL as stored, after the min/max caps.
    public let originalTTLSeconds: UInt32
    public let blobByteCount: Int
}

/// The arena position and write stamp of a record. `withBlob` checks both,
/// so an outdated handle gives nil, never someone else's bytes.
public struct CacheEntryHandle: Equatable, Sendable {
    let offset: UInt32
    let stamp: UInt32
}

/// Result of `RRsetCache.lookup`: the caller decides serve-stale policy.
public enum CacheLookup: Sendable {
    case miss
    /// Not yet expired; `remainingTTLSeconds` ≥ 1 and ≤ the original TTL.
    case fresh(CacheHit, remainingTTLSeconds: UInt32)
    /// Expired `expiredForSeconds` ago (0 ≤ that < `staleMaxSeconds`).
    /// Never bogus: bogus entries count as gone once expired.
    case stale(CacheHit, expiredForSeconds: UInt32)

    public var hit: CacheHit? {
        switch self {
        case .miss: return nil
        case .fresh(let hit, _), .stale(let hit, _): return hit
        }
    }
}

/// One entry as seen by `RRsetCache.forEachEntry` (tests, stats dumps).
public struct CacheEntryView {
    public let owner: UnsafeRawBufferPointer     // lowercased wire form
    public let type: UInt16                      // nxDomainKeyType for NXDOMAIN
    public let rrClass: UInt16
    public let kind: CacheEntryKind
    public let rank: TrustRank
    public let isAwaitingClockSync: Bool
    public let isReferenced: Bool
    public let originalTTLSeconds: UInt32
    public let expirySeconds: Int64
    public let recordByteCount: Int
    public let blob: UnsafeRawBufferPointer
}

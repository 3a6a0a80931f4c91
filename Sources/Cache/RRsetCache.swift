import Fixed

/// The RRset and negative cache: one arena of records and one hash index,
/// carved from the daemon's `Arena` at init and never grown. See Cache.swift
/// for the design.
public struct RRsetCache: ~Copyable {
    public let geometry: CacheGeometry
    public let configuration: CacheConfiguration
    let hasher: CacheHash
    /// The records' bytes (line-aligned) and the index slots after them.
    let arena: UnsafeMutableRawPointer
    let index: SlotIndex
    /// Keeps both carvings alive as long as the cache.
    let memory: Arena
    /// Where the next record is written.
    var headOffset = 0
    /// The oldest record (next one the eviction walk examines).
    var tailOffset = 0
    /// Write stamp for the next record write; wraps (handles compare equal).
    var nextStamp: UInt32 = 1
    public internal(set) var statistics = CacheStatistics()

    /// The plan's rows for the cache of `configuration`: its records and
    /// its index (none when the configuration is refused).
    public static func footprint(_ configuration: CacheConfiguration) -> [Arena.Row] {
        guard let geometry = try? CacheGeometry(configuration) else { return [] }
        return [Arena.Row(recordsLabel, count: geometry.entryCountMax,
                          byteCount: Arena.carvingByteCount(geometry.arenaByteCount)),
                Arena.Row(indexLabel, count: geometry.slotCount,
                          byteCount: Arena.carvingByteCount(geometry.indexByteCount))]
    }
    static let recordsLabel = "cache records (RRsets, negative answers)"
    static let indexLabel = "cache hash index"

    /// Carves `footprintByteCount` bytes from `memory` once (zeroed, as
    /// every carving is). `hashSeed` must come from the kernel's random
    /// source (getrandom) so keys cannot be aimed at one index slot.
    public init(configuration: CacheConfiguration, hashSeed: UInt64, memory: Arena) throws(CacheConfigurationError) {
        let geometry = try CacheGeometry(configuration)
        self.geometry = geometry
        self.configuration = configuration
        self.memory = memory
        hasher = CacheHash(seed: hashSeed)
        arena = memory.reserveBytes(geometry.arenaByteCount, label: RRsetCache.recordsLabel,
                                    count: geometry.entryCountMax).baseAddress!
        let slots = memory.reserve(UInt64.self, count: geometry.slotCount, label: RRsetCache.indexLabel)
        index = SlotIndex(slots: slots.baseAddress!, slotCount: geometry.slotCount)
        index.clear()
    }

    /// Exact bytes reserved (arena + index), for `sprigd --print-footprint`.
    public var footprintByteCount: Int { geometry.footprintByteCount }

    /// Drops every entry. Counters stay; gauges go to zero. O(arena): the
    /// arena is zeroed so outdated handles cannot see old records.
    public mutating func clear() {
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: geometry.arenaByteCount)
        index.clear()
        headOffset = 0
        tailOffset = 0
        statistics.entryCount = 0
        statistics.liveByteCount = 0
        statistics.occupiedByteCount = 0
    }

    // MARK: - Shared helpers

    func record(at offset: Int) -> RecordView { RecordView(arena: arena, offset: offset) }

    mutating func newStamp() -> UInt32 {
        defer { nextStamp = nextStamp &+ 1 }
        return nextStamp
    }

    /// Fresh, stale or gone at `nowSeconds` (see CacheLookup).
    func age(of record: RecordView, nowSeconds: Int64) -> RecordAge {
        let expiry = record.expirySeconds
        if nowSeconds < expiry {
            let remaining = RRsetCache.saturatingDifference(expiry, nowSeconds)
            let capped = min(remaining, Int64(record.originalTTLSeconds))
            return .fresh(remainingTTLSeconds: UInt32(max(1, capped)))
        }
        // "Never serve stale data that failed validation" (DESIGN.md §6).
        if record.rank == .bogus { return .gone }
        let expiredFor = RRsetCache.saturatingDifference(nowSeconds, expiry)
        if expiredFor < Int64(configuration.staleMaxSeconds) {
            return .stale(expiredForSeconds: UInt32(expiredFor))
        }
        return .gone
    }

    static func saturatingDifference(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return a < b ? Int64.min : Int64.max }
        return difference
    }

    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b < 0 ? Int64.min : Int64.max }
        return sum
    }

    /// Validates owner length (1...255) before any hashing.
    static func isValidOwner(_ owner: UnsafeRawBufferPointer) -> Bool {
        owner.count >= 1 && owner.count <= CacheLimits.ownerByteCountMax && owner.baseAddress != nil
    }

    /// The slot holding `key`, if any (live or not yet reclaimed).
    func findSlot(_ key: CacheKey, tag: UInt32) -> Int? {
        index.find(tag: tag) { offset in record(at: offset).matches(key) }
    }

    /// Marks the record in slot `slot` dead and empties the slot.
    mutating func unlink(slot: Int) {
        let view = record(at: index.recordOffset(at: slot))
        view.setState(.dead)
        index.remove(slot)
        statistics.entryCount -= 1
        statistics.liveByteCount -= view.byteCount
    }
}

/// Internal freshness of a record at a given time.
enum RecordAge {
    case fresh(remainingTTLSeconds: UInt32)
    case stale(expiredForSeconds: UInt32)
    case gone

    var isFresh: Bool {
        if case .fresh = self { return true }
        return false
    }
}

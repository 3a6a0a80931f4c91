/// Every bound the cache enforces, each with its reason and memory cost.
public enum CacheLimits {
    /// A `CacheConfiguration` made without a size (the module's own
    /// tests): ~20,000 typical RRsets. sprigd always passes `cache_size`,
    /// whose default is the `small` preset's 1 MiB (Config/MemoryPreset).
    public static let arenaByteCountDefault = 4 << 20
    /// Below this a few large DNSKEY sets would flush everything else.
    public static let arenaByteCountMin = 64 << 10
    /// Offsets are stored in 32 bits; no router needs more than 1 GiB of cache.
    public static let arenaByteCountMax = 1 << 30
    /// RFC 1035 §3.1: a name in wire form is at most 255 bytes.
    public static let ownerByteCountMax = 255
    /// An RRset comes from one DNS message, which is at most 65,535 bytes.
    public static let blobByteCountMax = 65_535
    /// Records start on 8-byte boundaries so header fields load aligned.
    public static let recordAlignment = 8
    /// One index slot per this many arena bytes: an unsigned A RRset at a
    /// short name is about 64 bytes with its header. Smaller records hit the
    /// entry cap before the byte cap; index cost is 1/6 of the arena.
    public static let arenaByteCountPerEntry = 64
    /// Index slots per entry, as a fraction 4/3: linear probing stays ≤ 75%
    /// full, so probes stay short (about 2.5 slots on a miss).
    public static let slotsPerEntryNumerator = 4
    public static let slotsPerEntryDenominator = 3
    /// A record may use at most this fraction (1/n) of the arena, so one
    /// insert never flushes more than a quarter of the cache.
    public static let recordShareOfArenaDivisor = 4
    /// Default bound on the records one insert may drop or move while making
    /// room (bounded work per insert, ~tens of µs); enough to free room for a
    /// 16 KiB record among minimal 40-byte records.
    public static let evictionStepsPerInsertDefault = 1024
    /// The smallest useful step budget: a few drops must always be allowed.
    public static let evictionStepsPerInsertMin = 4
    /// Reserved RR type 0 (RFC 6895 §3.1) is never queried: NXDOMAIN entries
    /// are stored under it and answer every type at their name.
    public static let nxDomainKeyType: UInt16 = 0
    /// RFC 9520 §3.2: failures are cached for at most 5 minutes; bogus data
    /// (RFC 4035 §4.7 "BAD cache") gets the same cap.
    public static let bogusTTLMaxSeconds: UInt32 = 300
    /// `cache_max_ttl` default: one day (RFC 8767 §4 suggests ≤ 7 days).
    public static let maxTTLSecondsDefault: UInt32 = 86_400
    /// `stale_max` default: RFC 8767 §5 suggests 1–3 days.
    public static let staleMaxSecondsDefault: UInt32 = 86_400
}

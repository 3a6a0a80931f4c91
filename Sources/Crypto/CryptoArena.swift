import CNettle

/// What the fixed arena behind RSA and ECDSA verification has done since
/// `Signature.startUp()` (CNettle's crypto_arena.c). GMP, and nettle through
/// it, allocate only from this arena; `fallbackCount` counts the requests it
/// could not serve and that went to libc's heap instead, so on a healthy
/// build it stays 0 (Tests/CryptoTests/CryptoArenaTests prove the worst case).
public struct CryptoArenaCounters: Equatable, Sendable {
    /// Bytes the arena may carve (the start-up reservation minus the ECDSA scratch).
    public let capacityByteCount: Int
    /// Bytes carved so far; never shrinks (blocks are reused through free lists).
    public let carvedByteCount: Int
    /// Most bytes in use at one moment.
    public let livePeakByteCount: Int
    /// Allocations the arena served.
    public let callCount: Int
    /// Allocations that went to libc instead (too large, or the arena full).
    public let fallbackCount: Int

    /// The counters now.
    public static var current: CryptoArenaCounters {
        CryptoArenaCounters(capacityByteCount: Int(sprig_crypto_arena_capacity()),
                            carvedByteCount: Int(sprig_crypto_arena_carved()),
                            livePeakByteCount: Int(sprig_crypto_arena_live_peak()),
                            callCount: Int(sprig_crypto_arena_calls()),
                            fallbackCount: Int(sprig_crypto_arena_fallbacks()))
    }
}

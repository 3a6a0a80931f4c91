// RFC 5011 constants: hold-down times, refresh-timer bounds, and the fixed
// capacity of the trust-anchor state table (AnchorState). Every time is in
// seconds; wall-clock times are Unix seconds (Int64).

public enum RFC5011Limits {
    /// One hour: the lower bound of both timers (RFC 5011 §2.3).
    public static let hourSeconds: Int64 = 3_600
    /// One day: the upper bound of the retry timer (RFC 5011 §2.3).
    public static let daySeconds: Int64 = 86_400
    /// Upper bound of the active refresh timer: 15 days (RFC 5011 §2.3).
    public static let activeRefreshSecondsMax: Int64 = 15 * 86_400
    /// Add hold-down: a new SEP key must be seen in every validated DNSKEY
    /// RRset for 30 days (or the RRset's original TTL, if longer) before it is
    /// trusted (RFC 5011 §2.4.1).
    public static let addHoldDownSeconds: Int64 = 30 * 86_400
    /// Remove hold-down: a revoked key is remembered for 30 days, then
    /// removed (RFC 5011 §2.4.2).
    public static let removeHoldDownSeconds: Int64 = 30 * 86_400
    /// A Missing key is forgotten after this long, but only while another
    /// Valid key remains (Unbound's `keep-missing` default, 366 days); the
    /// last trusted key is never dropped because it went missing.
    public static let missingKeepSeconds: Int64 = 366 * 86_400

    /// Trust points tracked: the root plus a few private or in-tree-hint
    /// anchors that their operators roll with RFC 5011.
    public static let trustPointCountMax = 4
    /// Keys per trust point: a double-signature KSK rollover needs 2–3 (old,
    /// new, revoked); 8 leaves room for a standby key and a botched roll.
    public static let keysPerTrustPointMax = 8
    /// DNSKEY RDATA bytes kept per key: RSA-4096 with a 3-byte exponent is
    /// 4 + 1 + 3 + 512 = 520 bytes; ECDSA P-384 is 100.
    public static let keyRDataByteCountMax = 640
    /// Bytes that `AnchorState.trustedKeys(for:into:)` may write:
    /// every key framed as [UInt16 length][RDATA].
    public static let trustedKeysByteCountMax = keysPerTrustPointMax * (2 + keyRDataByteCountMax)
}

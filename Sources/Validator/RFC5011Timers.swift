// The RFC 5011 §2.3 refresh timers: how long until the trust point's DNSKEY
// RRset is fetched again, after a success (active refresh) or a failure
// (retry). Pure arithmetic on the last validated RRset's numbers.

public enum RFC5011Timers {
    /// queryInterval = MAX(1 hr, MIN(15 days, 1/2 × OrigTTL,
    /// 1/2 × RRSigExpirationInterval)) — RFC 5011 §2.3.
    public static func activeRefreshSeconds(originalTTLSeconds: UInt32, signatureSecondsLeft: UInt32) -> Int64 {
        let shortest = min(RFC5011Limits.activeRefreshSecondsMax,
                           Int64(originalTTLSeconds) / 2, Int64(signatureSecondsLeft) / 2)
        return max(RFC5011Limits.hourSeconds, shortest)
    }

    /// retryTime = MAX(1 hour, MIN(1 day, 0.1 × OrigTTL,
    /// 0.1 × RRSigExpirationInterval)) — RFC 5011 §2.3.
    public static func retrySeconds(originalTTLSeconds: UInt32, signatureSecondsLeft: UInt32) -> Int64 {
        let shortest = min(RFC5011Limits.daySeconds,
                           Int64(originalTTLSeconds) / 10, Int64(signatureSecondsLeft) / 10)
        return max(RFC5011Limits.hourSeconds, shortest)
    }

    /// Seconds from `nowSeconds` to an RRSIG expiration field (RFC 1982
    /// serial arithmetic, as in SerialTime.swift); 0 once it has passed.
    public static func signatureSecondsLeft(expiration: UInt32, nowSeconds: Int64) -> UInt32 {
        let now = UInt32(truncatingIfNeeded: nowSeconds)
        guard ValidityWindow.serialLessOrEqual(now, expiration) else { return 0 }
        return expiration &- now
    }

    /// Add hold-down for a key first seen in an RRset with this original TTL:
    /// 30 days or the TTL, whichever is greater (RFC 5011 §2.4.1).
    public static func addHoldDownSeconds(originalTTLSeconds: UInt32) -> Int64 {
        max(RFC5011Limits.addHoldDownSeconds, Int64(originalTTLSeconds))
    }
}

// Signature validity windows (RFC 4034 §3.1.5): inception and expiration are
// 32-bit serial numbers (RFC 1982), so they keep working past 2038 and 2106.
// `now` is always a parameter; the clock may be untrusted (DESIGN.md §2.8).
import DNSWire

/// What the Validator may assume about the time.
public enum ValidationClock: Equatable, Sendable {
    /// The router's clock is known good: Unix seconds.
    case trusted(nowSeconds: Int64)
    /// No trusted time yet (no RTC, no NTP sync): signatures are checked but
    /// their dates are not, and results say `.validIgnoringTime`.
    case untrusted
}

/// Where `now` falls relative to an RRSIG's window.
enum ValidityWindow: Equatable {
    case valid(secondsLeft: UInt32)
    case notYetValid
    case expired
    /// Expiration precedes inception in serial order (EDE 25).
    case expiredBeforeValid

    /// RFC 1982 serial comparison modulo 2^32 of inception ≤ now ≤ expiration.
    static func check(inception: UInt32, expiration: UInt32, nowSeconds: Int64) -> ValidityWindow {
        let now = UInt32(truncatingIfNeeded: nowSeconds)
        guard serialLessOrEqual(inception, expiration) else { return .expiredBeforeValid }
        guard serialLessOrEqual(inception, now) else { return .notYetValid }
        guard serialLessOrEqual(now, expiration) else { return .expired }
        return .valid(secondsLeft: expiration &- now)
    }

    /// a ≤ b in RFC 1982 serial arithmetic with SERIAL_BITS = 32: the
    /// distance b − a, taken modulo 2^32, is below 2^31.
    static func serialLessOrEqual(_ a: UInt32, _ b: UInt32) -> Bool {
        (b &- a) < 0x8000_0000
    }

    var edeCode: EDECode {
        switch self {
        case .valid: return .dnssecBogus
        case .notYetValid: return .signatureNotYetValid
        case .expired: return .signatureExpired
        case .expiredBeforeValid: return .signatureExpiredBeforeValid
        }
    }
}

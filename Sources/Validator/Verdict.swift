// What validation concluded, with the RFC 8914 Extended DNS Error to attach.
import DNSWire

/// The security status of one RRset (RFC 4035 §4.3), as an enum with payloads.
public enum RRsetVerdict: Equatable, Sendable {
    /// A chain of trust reaches it and the signature dates hold.
    case secure
    /// The signature is good but its dates were not checked because the
    /// router's clock is not trusted yet (DESIGN.md §2.8): mark the answer,
    /// cache it "awaiting clock sync", re-check after sync.
    case validIgnoringTime
    /// Validation failed: SERVFAIL with this EDE (6 Bogus, 7 Expired, 8 Not
    /// Yet Valid, 9 DNSKEY Missing, 10 RRSIGs Missing, 25 …).
    case bogus(EDECode)
    /// Provably unsigned, or signed only with what we cannot verify (EDE 1
    /// Unsupported DNSKEY Algorithm, 2 Unsupported DS Digest Type, 27 NSEC3
    /// iterations): answer without the AD bit.
    case insecure(EDECode)
    /// A KeyTrap budget ran out: SERVFAIL (EDE 6 is the closest code).
    case budgetExceeded

    /// True for the two verdicts whose data may be answered with AD.
    public var isValid: Bool {
        switch self {
        case .secure, .validIgnoringTime: return true
        default: return false
        }
    }
}

/// One RRset's verification result.
public struct RRsetValidation: Equatable, Sendable {
    public var verdict: RRsetVerdict
    /// Set when the RRSIG's labels field shows a wildcard expansion (RFC 4035
    /// §5.3.2): the source was `*.<wildcardEncloser>`, and the caller must
    /// demand an NSEC/NSEC3 proof that the query name itself does not exist
    /// (RFC 4035 §5.3.4, RFC 5155 §8.8).
    public var wildcardEncloser: Name?
    /// The longest TTL the RRset may be cached with: min(TTL, original TTL,
    /// seconds left before expiration) (RFC 4035 §5.3.3).
    public var ttlSecondsCap: UInt32

    public init(verdict: RRsetVerdict, wildcardEncloser: Name? = nil, ttlSecondsCap: UInt32 = 0) {
        self.verdict = verdict
        self.wildcardEncloser = wildcardEncloser
        self.ttlSecondsCap = ttlSecondsCap
    }
}

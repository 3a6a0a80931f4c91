// Every bound the Validator enforces, each with why, and the per-query work
// budget against KeyTrap (CVE-2023-50387) and NSEC3 hash floods
// (CVE-2023-50868). Exceeding a work budget gives `.budgetExceeded`, which the
// resolver answers with SERVFAIL; it never loops unbounded.

public enum ValidatorLimits {
    /// Signature verifications per client query, across the whole chain.
    /// A full chain root → TLD → zone → answer with NSEC proofs needs ~10;
    /// Unbound 1.26.1 `val-validation-attempts: 32`. Each costs up to ~1 ms of
    /// RSA-4096 on a slow MIPS router, so this caps a query at tens of ms.
    public static let signatureVerificationsPerQueryMax = 32
    /// RRSIGs tried per RRset: Unbound 1.19.1 `MAX_VALIDATE_RRSIGS 8` (and
    /// 1.25.0 `iter-scrub-rrsig: 8`); real zones carry 1–3 (rollovers).
    public static let rrsigsPerRRsetMax = 8
    /// DNSKEYs tried for one RRSIG whose key tag and algorithm match (key-tag
    /// collisions): Unbound 1.19.1 `MAX_DS_MATCH_FAILURES 4`; honest zones
    /// almost never collide.
    public static let keyTagCollisionsMax = 4
    /// DS digests computed per DNSKEY RRset (DS × DNSKEY pairs whose key tag
    /// and algorithm agree): 4 DS × 4 colliding keys. Digests are cheap, but
    /// the pairs grow quadratically with hostile input.
    public static let dsDigestsPerDNSKEYSetMax = 16
    /// NSEC3 hash computations per client query: Unbound 1.26.1
    /// `val-hash-attempts: 32` (1.19.1 had 8 per message). A closest-encloser
    /// proof for a name 10 labels below its zone needs ~12.
    public static let nsec3HashesPerQueryMax = 32
    /// NSEC3 iterations above this make the proof insecure, not bogus
    /// (RFC 9276 §3.2; Unbound's `val-nsec3-keysize-iterations` default 150).
    public static let nsec3IterationsMax = 150
    /// Records in one RRset we will canonicalise: far above any honest RRset
    /// (~100 A records fill a 1232-byte answer); bounds the sort (n² ≤ 65,536
    /// comparisons) and costs 4 bytes each of scratch.
    public static let rrsetRecordCountMax = 256
    /// Bytes of the signed data (RFC 4034 §3.1.8.1) we build: a message is
    /// ≤ 65,535 bytes; its signed form repeats the owner per RR, so allow
    /// twice that. Reserved once in `ValidatorScratch` (128 KiB).
    public static let signedDataByteCountMax = 131_072
    /// Largest digest we compare (SHA-384, RFC 6605 DS type 4).
    public static let digestByteCountMax = 48
    /// Largest NSEC3 hash we handle: SHA-1 gives 20 bytes (RFC 5155 §3.1.5);
    /// a 63-byte base32hex label holds at most 39.
    public static let nsec3HashByteCountMax = 39
    /// NSEC/NSEC3 records one proof looks at: an NXDOMAIN proof needs ≤ 3;
    /// more is either padding or an attack (bounds the scans).
    public static let denialRecordsMax = 8
    /// Records of one response read when validating it (and when the
    /// Resolver fills its cache from it: `AnswerCache.recordsPerResponseMax`
    /// is this number, so nothing is cached that was not looked at). A
    /// household answer has a handful; more is junk or an attack.
    public static let responseRecordsMax = 64
}

/// Work spent on one client query. Lives in the resolver's query slot; pass
/// it `inout` to every Validator call made for that query.
public struct ValidationBudget: Equatable, Sendable {
    public private(set) var signatureVerifications = 0
    public private(set) var nsec3Hashes = 0

    public init() {}

    /// Takes one signature verification; false when the budget is spent.
    mutating func takeSignatureVerification() -> Bool {
        guard signatureVerifications < ValidatorLimits.signatureVerificationsPerQueryMax else { return false }
        signatureVerifications += 1
        return true
    }

    /// Takes one NSEC3 hash computation; false when the budget is spent.
    mutating func takeNSEC3Hash() -> Bool {
        guard nsec3Hashes < ValidatorLimits.nsec3HashesPerQueryMax else { return false }
        nsec3Hashes += 1
        return true
    }
}

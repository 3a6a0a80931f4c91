/// How much the resolver trusts a cached entry, stored with the data (after
/// Knot Resolver's `kr_rank`). Ordered: bogus < indeterminate < insecure <
/// authoritativeUnvalidated < secure. A new entry replaces a fresh one for
/// the same key only if its rank is at least as high (RFC 2181 §5.4.1).
public enum TrustRank: UInt8, Comparable, Sendable {
    /// Failed DNSSEC validation. Answerable only while fresh (so the resolver
    /// can SERVFAIL without re-validating); never served stale.
    case bogus = 0
    /// Validation was attempted but could not conclude (e.g. missing keys).
    case indeterminate = 1
    /// Proven to be in an unsigned part of the tree.
    case insecure = 2
    /// From the zone's authoritative server, not validated (DNSSEC off, or
    /// validation not attempted for this data).
    case authoritativeUnvalidated = 3
    /// Validated by a chain of trust from a trust anchor.
    case secure = 4

    public static func < (a: TrustRank, b: TrustRank) -> Bool { a.rawValue < b.rawValue }
}

/// What a cache entry says about its key (RFC 2308 for the negative kinds).
public enum CacheEntryKind: UInt8, Sendable {
    /// An RRset of the key's type: the blob holds its RDATAs and RRSIGs.
    case rrset = 0
    /// NODATA: the name exists but has no RRset of this type.
    case noData = 1
    /// NXDOMAIN: the name does not exist; answers lookups of every type at it.
    case nxDomain = 2
}

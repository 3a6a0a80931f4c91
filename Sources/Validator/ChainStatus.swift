// The chain of trust's status decisions (RFC 4035 §5): what a zone's cached
// DS or DNSKEY verdict means, which of the two sets a zone still needs, and
// whether a zone's data must come signed.
//
// A zone's DNSKEY set is secure when a secure DS set of its parent (or a
// trust anchor) vouches for it; a DS set is secure when the parent's secure
// DNSKEY set signs it. The Resolver fetches both in sub-tasks and caches
// them with their verdict as rank; this file reads those verdicts back
// through `VerdictCache`. A DS NODATA whose NSEC/NSEC3 at the name proves an
// unsigned delegation (NS without DS) is a secure answer cached with a mark
// ("the child is insecure"); one resting on an opt-out span is cached with
// rank `.insecure`; a plain secure DS NODATA means "no zone cut here". A
// secure DS set (or anchor) of which nothing is usable — unknown algorithms
// or digest types (RFC 8624 §3 lists what is supported) — is no
// authentication path: the child is insecure (RFC 4035 §5.2, RFC 6840 §5.2).
//
// Never: fetches anything (it names the set to fetch), or looks an entry up
// twice where the caller's cache would see one look-up.
//
// Example: under a root anchor, `keysNeeded(example.)` with nothing cached
// is `(example., .ds)`; once a secure DS set for example. is cached it is
// `(example., .dnskey)`; once that is cached secure, nil, and
// `keyStatus(example.)` is `.secure(keys)`.
import Cache
import DNSWire

/// The resolver's cache as the chain of trust reads it.
public protocol VerdictCache: ~Copyable {
    /// The fresh entry for (`name`, `type`), or nil. When the entry is a
    /// secure RRset and `buffer` is given, its RDATAs (not its RRSIGs) are
    /// copied there and listed in `CachedVerdict.rdatas`.
    mutating func verdict(of name: Name, _ type: RRType, nowSeconds: Int64,
                          copyingRDatasInto buffer: UnsafeMutableRawBufferPointer?) -> CachedVerdict?
}

/// One fresh cache entry, in the terms the chain of trust needs.
public struct CachedVerdict {
    public var kind: CacheEntryKind
    public var rank: TrustRank
    /// Rank `.bogus`: why validation failed.
    public var bogusCode: EDECode
    /// A secure NODATA whose NSEC/NSEC3 at the name shows NS without DS.
    public var provesUnsignedDelegation: Bool
    /// A secure RRset's RDATAs in the caller's buffer; nil when no buffer
    /// was given or they did not fit.
    public var rdatas: RDataList?

    public init(kind: CacheEntryKind, rank: TrustRank, bogusCode: EDECode = .dnssecBogus,
                provesUnsignedDelegation: Bool = false, rdatas: RDataList? = nil) {
        self.kind = kind
        self.rank = rank
        self.bogusCode = bogusCode
        self.provesUnsignedDelegation = provesUnsignedDelegation
        self.rdatas = rdatas
    }
}

/// What the engine knows about a zone's DNSKEY set or DS set.
enum KeyStatus {
    /// Not cached (or only unvalidated): fetch it in a sub-task.
    case unknown
    /// The zone is unsigned as far as we can tell: no anchor covers it, a
    /// negative anchor does, a DS is proven absent, or an ancestor is insecure.
    case insecure
    case bogus(EDECode)
    /// Provably absent, and not because of an unsigned delegation: for a DS,
    /// the name is no zone cut (a plain NODATA or NXDOMAIN in the parent).
    case absent
    /// Validated; the RDATAs were copied into one of the engine's buffers.
    case secure(RDataList)
    /// DS only: the zone is a trust anchor's owner, the anchor stands in.
    case anchor(TrustAnchorKind, RDataList)
}

/// Whether a zone's data must come signed, as far as the engine knows.
public enum ZoneSigning: Equatable {
    /// A trust anchor covers it and no unsigned delegation on the way down
    /// is proven (or its DS RRset is known): answers without RRSIGs would
    /// be bogus, so it is never asked without EDNS.
    case signed
    /// No anchor covers it, a negative anchor does, or an unsigned
    /// delegation at or above it is proven (RFC 4035 §5.2).
    case unsigned
    /// Covered by an anchor, but its DS RRset has not been asked for yet.
    case unknown
}

extension ValidationEngine {
    /// The status of `zone`'s DNSKEY RRset (the keys its data is signed
    /// with). Not cached: an insecure or bogus DS set (or anchor) answers
    /// for the keys, which then need no fetching.
    func keyStatus<C: VerdictCache & ~Copyable>(_ zone: Name, cache: inout C, nowMs: Int64) -> KeyStatus {
        guard isCovered(zone) else { return .insecure }
        let cached = cachedStatus(zone, .dnskey, into: keysBuffer, cache: &cache, nowMs: nowMs)
        guard case .unknown = cached else { return cached }
        switch dsStatus(zone, cache: &cache, nowMs: nowMs) {
        case .insecure: return .insecure
        case .bogus(let code): return .bogus(code)
        default: return .unknown
        }
    }

    /// The status of `zone`'s DS RRset (in its parent), or its anchor; an
    /// unusable DS set or anchor makes the zone insecure (see above).
    func dsStatus<C: VerdictCache & ~Copyable>(_ zone: Name, cache: inout C, nowMs: Int64) -> KeyStatus {
        guard isCovered(zone) else { return .insecure }
        if let anchor = anchors.anchors(at: zone) {
            // RFC 5011: once the state trusts keys, they are the anchor.
            if let keys = maintainedAnchorKeys(zone) { return .anchor(.dnskey, keys) }
            let usable = anchor.kind == .ds ? ChainStep.hasUsableDS(anchor.rdatas)
                                            : ChainStep.hasUsableKey(anchor.rdatas)
            return usable ? .anchor(anchor.kind, anchor.rdatas) : .insecure
        }
        if zone == .root { return .insecure }   // a root without an anchor has no parent to vouch for it
        let status = cachedStatus(zone, .ds, into: dsBuffer, cache: &cache, nowMs: nowMs)
        if case .secure(let list) = status, !ChainStep.hasUsableDS(list) { return .insecure }
        return status
    }

    /// What to fetch before data signed by `zone` can be judged: nothing
    /// when its keys' status is known; else its DS set first (the parent
    /// vouches for the keys, and an unsigned delegation or an unusable DS
    /// set makes them unnecessary), then the DNSKEY set.
    func keysNeeded<C: VerdictCache & ~Copyable>(_ zone: Name, cache: inout C, nowMs: Int64) -> (Name, RRType)? {
        guard case .unknown = keyStatus(zone, cache: &cache, nowMs: nowMs) else { return nil }
        if case .unknown = dsStatus(zone, cache: &cache, nowMs: nowMs) { return (zone, .ds) }
        return (zone, .dnskey)
    }

    /// The DNSKEY or DS set to fetch before asking (`name`, `type`) of the
    /// servers of `zone`, so the answer can be judged as it arrives; nil
    /// when none is missing. A zone's own keys are vouched for by its DS
    /// set, not by themselves: for `<zone> DNSKEY`, and for a key fetch
    /// (`isKeyFetch`: a zone a signature named, maybe served by its parent's
    /// servers), only the DS set is needed first. (A client's DNSKEY
    /// question is no zone cut until a self-signed answer shows one:
    /// `checkFinal` asks then.)
    public func keysNeeded<C: VerdictCache & ~Copyable>(toAsk name: Name, _ type: RRType, ofZone zone: Name,
                                                        isKeyFetch: Bool, cache: inout C,
                                                        nowMs: Int64) -> (Name, RRType)? {
        if type == .dnskey && (name == zone || isKeyFetch) {
            if case .unknown = dsStatus(name, cache: &cache, nowMs: nowMs) { return (name, .ds) }
            return nil
        }
        return keysNeeded(zone, cache: &cache, nowMs: nowMs)
    }

    /// What the fresh cache entry for (`name`, `type`) says about the set.
    func cachedStatus<C: VerdictCache & ~Copyable>(_ name: Name, _ type: RRType,
                                                   into buffer: UnsafeMutableRawBufferPointer,
                                                   cache: inout C, nowMs: Int64) -> KeyStatus {
        guard let entry = cache.verdict(of: name, type, nowSeconds: nowMs / 1000, copyingRDatasInto: buffer)
        else { return .unknown }
        switch entry.rank {
        case .insecure:
            return .insecure
        case .bogus:
            return .bogus(entry.bogusCode)
        case .secure:
            guard entry.kind == .rrset else {
                // A secure DS NODATA: an unsigned delegation, or no cut at all.
                let unsigned = type == .ds && entry.kind == .noData && entry.provesUnsignedDelegation
                return unsigned ? .insecure : .absent
            }
            guard let list = entry.rdatas else { return .bogus(.dnssecBogus) }
            return .secure(list)
        default:
            return .unknown   // referral or unvalidated data: not evidence
        }
    }

    /// True when a secure NXDOMAIN for `name` is cached.
    func nameIsAbsent<C: VerdictCache & ~Copyable>(_ name: Name, cache: inout C, nowMs: Int64) -> Bool {
        guard let entry = cache.verdict(of: name, .ds, nowSeconds: nowMs / 1000, copyingRDatasInto: nil)
        else { return false }
        return entry.kind == .nxDomain && entry.rank == .secure
    }

    // MARK: must a zone come signed

    /// Whether `zone` is known to be signed (RFC 4035 §5): an anchor at or
    /// above it, its DS RRset in the parent, and no proof of an unsigned
    /// delegation between the anchor and it.
    public func signing<C: VerdictCache & ~Copyable>(of zone: Name, cache: inout C, nowMs: Int64) -> ZoneSigning {
        guard isCovered(zone) else { return .unsigned }
        let ds = cache.verdict(of: zone, .ds, nowSeconds: nowMs / 1000, copyingRDatasInto: nil)?.rank
        if provenUnsigned(zone, cache: &cache, nowMs: nowMs) { return .unsigned }
        var name = zone
        for _ in 0...Limits.labelCountMax {
            if anchors.anchors(at: name) != nil { break }
            guard let up = name.parent else { break }
            name = up
            if provenUnsigned(name, cache: &cache, nowMs: nowMs) { return .unsigned }
        }
        // Anchored with no insecure proof: signed once the DS set (or the
        // proof that `zone` is no cut of its own) is known, or at the anchor.
        if anchors.anchors(at: zone) != nil || ds != nil { return .signed }
        return .unknown
    }

    /// Whether the cache proves `zone` unsigned: its DNSKEY or DS set is
    /// insecure, or its DS NODATA is a secure proof of an unsigned
    /// delegation (`cachedStatus`).
    func provenUnsigned<C: VerdictCache & ~Copyable>(_ zone: Name, cache: inout C, nowMs: Int64) -> Bool {
        let seconds = nowMs / 1000
        if cache.verdict(of: zone, .ds, nowSeconds: seconds, copyingRDatasInto: nil)?.rank == .insecure
            || cache.verdict(of: zone, .dnskey, nowSeconds: seconds, copyingRDatasInto: nil)?.rank == .insecure {
            return true
        }
        guard let entry = cache.verdict(of: zone, .ds, nowSeconds: seconds, copyingRDatasInto: nil),
              entry.rank == .secure, entry.kind == .noData else { return false }
        return entry.provesUnsignedDelegation
    }
}

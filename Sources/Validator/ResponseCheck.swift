// Validating the response that ends a task, while the message is at hand:
// the answer RRset (or CNAME link) against the signing zone's secure DNSKEY
// set, NSEC/NSEC3 proofs for NODATA, NXDOMAIN and wildcard answers
// (DenialCheck.swift), a DNAME's synthesis (DNAMECheck.swift), and a zone's
// DNSKEY set against its DS set or trust anchor (RFC 4035 §5).
//
// Never: fetches the keys it lacks (it answers `.needKeys` and the Resolver
// fetches them), caches a verdict, or reads more than
// `ValidatorLimits.responseRecordsMax` records of a message. Work is
// charged to the caller's `ValidationBudget` (one per client query).
//
// Example: `www.example. A` answered with an RRSIG by `example.`: the signer
// is plausible (the name lies under it, it lies under the zone asked), so
// example.'s DNSKEY status decides — unknown: `.needKeys(example., .ds)` or
// `(example., .dnskey)`; secure: the RRSIGs are verified and the verdict
// comes back with the RRSIG validity as TTL cap.
import DNSWire

extension ValidationEngine {
    /// QTYPE ANY (RFC 1035 §3.2.3; RFC 8482).
    static let anyTypeValue: UInt16 = 255

    /// The verdict on a final response of `shape` to `question`, or the key
    /// set to fetch first. Work is charged to `budget`; RFC 5011 news about
    /// a trust point's key set goes to `events`.
    public mutating func checkFinal<C: VerdictCache & ~Copyable>(
        _ message: UnsafeRawBufferPointer, _ shape: ResponseShape, _ question: FinalQuestion, cache: inout C,
        clock: ValidationClock, budget: inout ValidationBudget, events: inout TrustPointEvents, nowMs: Int64
    ) -> FinalCheck {
        let qname = question.name
        guard isCovered(qname) else { return .done(.insecure, ttlCapSeconds: .max) }
        // RRSIG and ANY answers are collections, not RRsets: nothing to verify as one.
        if question.type == .rrsig || question.type.rawValue == ValidationEngine.anyTypeValue {
            return .done(.insecure, ttlCapSeconds: .max)
        }
        let (signer, signed) = signerZone(message, shape, question)
        // A zone's apex holds its keys: the zone we asked, a zone whose own
        // key signs the set (a child on its parent's servers), and, when
        // forwarding (no cuts known), any DNSKEY RRset at the name.
        if question.type == .dnskey
            && (qname == question.zone || (shape == .answer && (signer == qname || question.isForwarded))) {
            return checkDNSKEYs(message, zone: qname, shape, cache: &cache, clock: clock, budget: &budget,
                                events: &events, nowMs: nowMs)
        }
        // A DNAME's owner has no descendants (RFC 6672 §2.4): no cut below it.
        var dname: Name? = nil
        if shape == .cname { dname = DNAMECheck.owner(in: message, above: qname, zone: question.zone) }
        let candidate = cutCandidate(message, shape, question, dname: dname)
        if !signed, let outcome = unsignedCut(below: question.zone, toward: candidate, cache: &cache, nowMs: nowMs) {
            return outcome
        }
        let keys: RDataList
        switch keyStatus(signer, cache: &cache, nowMs: nowMs) {
        case .unknown:
            let (name, type) = keysNeeded(signer, cache: &cache, nowMs: nowMs) ?? (signer, .dnskey)
            return .needKeys(name, type)
        case .insecure: return .done(.insecure, ttlCapSeconds: .max)
        case .bogus(let code): return .done(.bogus(code), ttlCapSeconds: .max)
        case .anchor, .absent: return .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max)
        case .secure(let list): keys = list
        }
        let signedBy = Signer(zone: signer, keys: keys, clock: clock)
        switch shape {
        case .answer:
            return checkRRset(message, owner: qname, type: question.type, signedBy, budget: &budget, nowMs: nowMs)
        case .cname:
            if let dname {
                return checkDNAME(message, qname: qname, owner: dname, signedBy, budget: &budget, nowMs: nowMs)
            }
            return checkRRset(message, owner: qname, type: .cname, signedBy, budget: &budget, nowMs: nowMs)
        case .noData, .nxDomain:
            // The SOA sets the negative TTL (RFC 2308 §5): it must be signed too.
            let soa = checkSOA(message, signedBy, budget: &budget, nowMs: nowMs)
            if case .bogus = soa.0 { return .done(soa.0, ttlCapSeconds: .max) }
            let security = checkDenial(message, shape, qname: qname, qtype: question.type, signedBy,
                                       budget: &budget, nowMs: nowMs)
            guard let security else { return .unsignedDelegation(ttlCapSeconds: soa.1) }
            return .done(security, ttlCapSeconds: soa.1)
        case .other:
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
    }

    /// The zone whose keys must sign the response: the RRSIG signer when it
    /// is plausible (the data lies under it, it lies under the zone we asked),
    /// else the zone we asked. A DS is signed by the parent, never the child.
    func signerZone(_ message: UnsafeRawBufferPointer, _ shape: ResponseShape,
                    _ question: FinalQuestion) -> (Name, signed: Bool) {
        let qname = question.name
        guard var reader = try? MessageReader(message) else { return (question.zone, false) }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.type == .rrsig, record.rdataLength >= 2 else { continue }
            let covered = RRType(readU16(message, record.rdataOffset))
            switch shape {
            case .answer, .cname:
                let wanted: RRType = shape == .answer ? question.type : .cname
                guard record.section == .answer, let owner = try? record.owner(in: message) else { continue }
                // A synthesised CNAME is unsigned: the DNAME above it is (RFC 6672 §5.3.1).
                let dname = shape != .answer && covered == .dname && qname.isSubdomain(of: owner) && owner != qname
                guard (covered == wanted && owner == qname) || dname else { continue }
            default:
                guard record.section == .authority, covered == .soa || covered == .nsec || covered == .nsec3
                else { continue }
            }
            guard let view = RRSIGView(rdata: record.rdata(in: message)) else { continue }
            let signer = view.signer.lowercased()
            guard qname.isSubdomain(of: signer), signer.isSubdomain(of: question.zone),
                  !(question.type == .ds && signer == qname) else { continue }
            return (signer, true)
        }
        return (question.zone, false)
    }

    /// The deepest name where an unsigned response could have come from an
    /// unsigned zone cut: a DS response comes from the parent (its owner is
    /// no cut to look for); a DNAME's owner has no descendants; a negative
    /// answer names the zone that sent it by its SOA (RFC 2308 §3), and a
    /// name below that zone's apex is no cut — the deepest candidate is the
    /// SOA owner. nil: no candidate.
    func cutCandidate(_ message: UnsafeRawBufferPointer, _ shape: ResponseShape, _ question: FinalQuestion,
                      dname: Name?) -> Name? {
        let qname = question.name
        let owner = question.type == .ds ? qname.parent : dname ?? qname
        guard shape == .noData || shape == .nxDomain, let owner, var reader = try? MessageReader(message) else {
            return owner
        }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == .authority, record.type == .soa, let soaOwner = try? record.owner(in: message),
                  owner.isSubdomain(of: soaOwner), soaOwner.isSubdomain(of: question.zone) else { continue }
            return soaOwner.lowercased()
        }
        return owner
    }

    /// An unsigned response from below a zone we know is signed may come
    /// from an unsigned child zone hosted on the same servers (no referral
    /// was seen). Like Unbound, look for that delegation with DS queries to
    /// the parent, one label at a time: a proven unsigned delegation makes
    /// the response insecure. nil: no such cut, the response is judged as
    /// the signed zone's (missing RRSIGs: bogus).
    func unsignedCut<C: VerdictCache & ~Copyable>(below zone: Name, toward qname: Name?, cache: inout C,
                                                  nowMs: Int64) -> FinalCheck? {
        guard let qname, case .secure = keyStatus(zone, cache: &cache, nowMs: nowMs) else { return nil }
        var labelCount = zone.labelCount + 1
        while labelCount <= qname.labelCount {
            let cut = qname.suffix(labelCount: labelCount)
            switch dsStatus(cut, cache: &cache, nowMs: nowMs) {
            case .unknown: return .needKeys(cut, .ds)
            case .insecure: return .done(.insecure, ttlCapSeconds: .max)
            case .bogus(let code): return .done(.bogus(code), ttlCapSeconds: .max)
            // The name does not exist: nothing below it does (RFC 8020),
            // so no cut is in question any more.
            case .absent where nameIsAbsent(cut, cache: &cache, nowMs: nowMs): return nil
            // No cut at this name, or a signed zone starts here: an unsigned
            // grandchild below it (same servers, or any name through an
            // upstream) is still possible, so look deeper.
            case .absent, .secure, .anchor: labelCount += 1
            }
        }
        return nil
    }

    /// RRSIG verification of the (owner, type) RRset of `section` (the answer),
    /// with the wildcard proof when the signature shows an expansion.
    mutating func checkRRset(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType, _ signer: Signer,
                             budget: inout ValidationBudget, nowMs: Int64, section: Section = .answer) -> FinalCheck {
        guard let (rrset, signatures) = pack(message, owner: owner, type: type, section: section) else {
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        let result = RRSIGCheck.verify(rrset, signatures: signatures, zone: signer.zone, keys: signer.keys,
                                       clock: signer.clock, budget: &budget, scratch: scratch)
        var security = Security(result.verdict)
        if security == .secure, let encloser = result.wildcardEncloser {
            security = checkWildcard(message, qname: owner, encloser: encloser, signer, budget: &budget, nowMs: nowMs)
        }
        return .done(security, ttlCapSeconds: ValidationEngine.cacheTTLCap(result))
    }

    /// A zone's DNSKEY RRset (the answer to `<zone> DNSKEY`) against its
    /// parent's DS set or its trust anchor (RFC 4035 §5.2).
    mutating func checkDNSKEYs<C: VerdictCache & ~Copyable>(
        _ message: UnsafeRawBufferPointer, zone: Name, _ shape: ResponseShape, cache: inout C,
        clock: ValidationClock, budget: inout ValidationBudget, events: inout TrustPointEvents, nowMs: Int64
    ) -> FinalCheck {
        let vouchers: RDataList
        var anchorKeys = false
        var fromAnchor = false
        switch dsStatus(zone, cache: &cache, nowMs: nowMs) {
        case .unknown: return .needKeys(zone, .ds)
        case .insecure: return .done(.insecure, ttlCapSeconds: .max)
        case .bogus(let code): return .done(.bogus(code), ttlCapSeconds: .max)
        case .absent: return .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max)   // the parent says: no zone here
        case .secure(let list): vouchers = list
        case .anchor(let anchorKind, let list):
            fromAnchor = true
            vouchers = list
            anchorKeys = anchorKind == .dnskey
        }
        guard shape == .answer, let (rrset, signatures) = pack(message, owner: zone, type: .dnskey, section: .answer)
        else { return .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max) }
        var result = anchorKeys
            ? ChainStep.verifyDNSKEYs(rrset, signatures: signatures, anchorKeys: vouchers, clock: clock,
                                      budget: &budget, scratch: scratch)
            : ChainStep.verifyDNSKEYs(rrset, signatures: signatures, dsSet: vouchers, clock: clock,
                                      budget: &budget, scratch: scratch)
        if fromAnchor, !result.verdict.isValid, result.verdict != .budgetExceeded,
           let retried = validateWithAddedAnchors(zone, rrset, signatures: signatures, clock: clock, budget: &budget) {
            result = retried   // an anchor the operator added after the RFC 5011 state was saved
        }
        // A trust point's own key set, validated with a trusted clock, feeds
        // RFC 5011 (never an untrusted clock: it could be a replay).
        if fromAnchor && result.verdict == .secure {
            events.observed = observeTrustPoint(zone, rrset, signatures: signatures,
                                                dsSet: anchorKeys ? nil : vouchers, clock: clock, nowMs: nowMs)
        }
        if fromAnchor && !result.verdict.isValid { events.keysUnusable = true }
        // The cap is computed only for a good signature (0 otherwise).
        return .done(Security(result.verdict), ttlCapSeconds: ValidationEngine.cacheTTLCap(result))
    }

    /// The SOA of a negative answer, whose TTL and MINIMUM set the negative
    /// cache TTL: owned by the signing zone and signed with its keys. With
    /// the verdict, the TTL cap it allows. No SOA at all: nothing to cache
    /// a TTL from, and nothing to judge (`.secure`, no cap).
    mutating func checkSOA(_ message: UnsafeRawBufferPointer, _ signer: Signer, budget: inout ValidationBudget,
                           nowMs: Int64) -> (Security, UInt32) {
        guard var reader = try? MessageReader(message) else { return (.bogus(.dnssecBogus), .max) }
        var found = false
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == .authority, record.type == .soa else { continue }
            // Another owner's SOA could be the one cached: none may be unsigned.
            guard (try? record.owner(in: message)) == signer.zone else { return (.bogus(.dnssecBogus), .max) }
            found = true
        }
        guard found else { return (.secure, .max) }
        let verdict = checkRRset(message, owner: signer.zone, type: .soa, signer, budget: &budget, nowMs: nowMs,
                                 section: .authority)
        guard case .done(let security, let ttlCap) = verdict else { return (.bogus(.dnssecBogus), .max) }
        return (security, ttlCap)
    }
}

/// The zone a response is signed by, its secure DNSKEY set, and the time
/// its signatures are checked against.
struct Signer {
    let zone: Name
    let keys: RDataList
    let clock: ValidationClock
}

import Cache
import DNSWire
import Fixed
import Validator

/// What validating a task's final response concluded.
enum FinalCheck {
    /// The verdict, and the longest TTL the data may be cached with.
    case done(Security, ttlCapSeconds: UInt32)
    /// A DS NODATA whose signed NSEC/NSEC3 at the name shows NS without DS:
    /// the answer is secure (AD), the delegation provably unsigned.
    case unsignedDelegation(ttlCapSeconds: UInt32)
    /// The signing zone's DNSKEY set (or, for a zone's own DNSKEY set, its
    /// DS set) is not known yet: fetch it, then ask again.
    case needKeys(Name, RRType)
}

/// Validating the response that ends a task, while the message is at hand:
/// the answer RRset (or CNAME link) against the signing zone's secure
/// DNSKEY set, NSEC/NSEC3 proofs for NODATA, NXDOMAIN and wildcard answers,
/// and a zone's DNSKEY set against its DS set or trust anchor.
extension QueryEngine {
    mutating func checkFinal(_ index: Int, _ message: UnsafeRawBufferPointer, kind: ResponseKind,
                             nowMs: Int64) -> FinalCheck {
        guard validates(index) else {
            // Forwarding without validation (dnssec '0' or no anchor) trusts
            // the upstream's AD bit: it validated (as dnsmasq's proxy-dnssec).
            let vouched = !settings.recursive && ((try? Header(from: message))?.ad ?? false)
            return .done(vouched ? .secure : .unvalidated, ttlCapSeconds: .max)
        }
        let it = outgoing[index].iteration
        let qname = it.target
        guard validation.isCovered(qname) else { return .done(.insecure, ttlCapSeconds: .max) }
        // RRSIG and ANY answers are collections, not RRsets: nothing to verify as one.
        if it.sentType == .rrsig || it.sentType.rawValue == ValidationContext.anyTypeValue {
            return .done(.insecure, ttlCapSeconds: .max)
        }
        let (signer, signed) = signerZone(message, kind: kind, it)
        // A zone's apex holds its keys: the zone we asked, a zone whose own
        // key signs the set (a child on its parent's servers), and, when
        // forwarding (no cuts known), any DNSKEY RRset at the name.
        if it.sentType == .dnskey
            && (qname == it.zone || (kind == .answer && (signer == qname || validatesForwarding))) {
            return checkDNSKEYs(index, message, zone: qname, kind: kind, nowMs: nowMs)
        }
        // A DNAME's owner has no descendants (RFC 6672 §2.4): no cut below it.
        var dname: Name? = nil
        if case .cname = kind { dname = dnameOwner(message, qname: qname, zone: it.zone) }
        let candidate = cutCandidate(message, kind: kind, it, dname: dname)
        if !signed, let outcome = unsignedCut(below: it.zone, toward: candidate, nowMs: nowMs) {
            return outcome
        }
        let keys: RDataList
        switch keyStatus(signer, nowMs: nowMs) {
        case .unknown:
            let (name, type) = keysNeeded(signer, nowMs: nowMs) ?? (signer, .dnskey)
            return .needKeys(name, type)
        case .insecure: return .done(.insecure, ttlCapSeconds: .max)
        case .bogus(let code): return .done(.bogus(code), ttlCapSeconds: .max)
        case .anchor, .absent: return .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max)
        case .secure(let list): keys = list
        }
        switch kind {
        case .answer:
            return checkRRset(index, message, owner: qname, type: it.sentType, zone: signer, keys: keys, nowMs: nowMs)
        case .cname:
            if let dname {
                return checkDNAME(index, message, qname: qname, owner: dname, zone: signer, keys: keys, nowMs: nowMs)
            }
            return checkRRset(index, message, owner: qname, type: .cname, zone: signer, keys: keys, nowMs: nowMs)
        case .noData, .nxDomain:
            // The SOA sets the negative TTL (RFC 2308 §5): it must be signed too.
            let soa = checkSOA(index, message, zone: signer, keys: keys, nowMs: nowMs)
            if case .bogus = soa.0 { return .done(soa.0, ttlCapSeconds: .max) }
            let security = checkDenial(index, message, kind: kind, qname: qname, qtype: it.sentType, zone: signer,
                                       keys: keys, nowMs: nowMs)
            guard let security else { return .unsignedDelegation(ttlCapSeconds: soa.1) }
            return .done(security, ttlCapSeconds: soa.1)
        case .referral, .lame:
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
    }

    /// The zone whose keys must sign the response: the RRSIG signer when it
    /// is plausible (the data lies under it, it lies under the zone we asked),
    /// else the zone we asked. A DS is signed by the parent, never the child.
    func signerZone(_ message: UnsafeRawBufferPointer, kind: ResponseKind, _ it: Iteration) -> (Name, signed: Bool) {
        let qname = it.target
        guard var reader = try? MessageReader(message) else { return (it.zone, false) }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.type == .rrsig, record.rdataLength >= 2 else { continue }
            let covered = RRType(AnswerCache.loadU16(message, record.rdataOffset))
            switch kind {
            case .answer, .cname:
                let wanted: RRType = kind == .answer ? it.sentType : .cname
                guard record.section == .answer, let owner = try? record.owner(in: message) else { continue }
                // A synthesised CNAME is unsigned: the DNAME above it is (RFC 6672 §5.3.1).
                let dname = kind != .answer && covered == .dname && qname.isSubdomain(of: owner) && owner != qname
                guard (covered == wanted && owner == qname) || dname else { continue }
            default:
                guard record.section == .authority, covered == .soa || covered == .nsec || covered == .nsec3
                else { continue }
            }
            guard let view = RRSIGView(rdata: record.rdata(in: message)) else { continue }
            let signer = view.signer.lowercased()
            guard qname.isSubdomain(of: signer), signer.isSubdomain(of: it.zone),
                  !(it.sentType == .ds && signer == qname) else { continue }
            return (signer, true)
        }
        return (it.zone, false)
    }

    /// The deepest name where an unsigned response could have come from an
    /// unsigned zone cut: a DS response comes from the parent (its owner is
    /// no cut to look for); a DNAME's owner has no descendants; a negative
    /// answer names the zone that sent it by its SOA (RFC 2308 §3), and a
    /// name below that zone's apex is no cut — the deepest candidate is the
    /// SOA owner. nil: no candidate.
    func cutCandidate(_ message: UnsafeRawBufferPointer, kind: ResponseKind, _ it: Iteration, dname: Name?) -> Name? {
        let qname = it.target
        let owner = it.sentType == .ds ? qname.parent : dname ?? qname
        guard kind == .noData || kind == .nxDomain, let owner, var reader = try? MessageReader(message) else {
            return owner
        }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .authority, record.type == .soa, let soaOwner = try? record.owner(in: message),
                  owner.isSubdomain(of: soaOwner), soaOwner.isSubdomain(of: it.zone) else { continue }
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
    mutating func unsignedCut(below zone: Name, toward qname: Name?, nowMs: Int64) -> FinalCheck? {
        guard let qname, case .secure = keyStatus(zone, nowMs: nowMs) else { return nil }
        var labelCount = zone.labelCount + 1
        while labelCount <= qname.labelCount {
            let cut = qname.suffix(labelCount: labelCount)
            switch dsStatus(cut, nowMs: nowMs) {
            case .unknown: return .needKeys(cut, .ds)
            case .insecure: return .done(.insecure, ttlCapSeconds: .max)
            case .bogus(let code): return .done(.bogus(code), ttlCapSeconds: .max)
            // The name does not exist: nothing below it does (RFC 8020),
            // so no cut is in question any more.
            case .absent where nameIsAbsent(cut, nowMs: nowMs): return nil
            // No cut at this name, or a signed zone starts here: an unsigned
            // grandchild below it (same servers, or any name through an
            // upstream) is still possible, so look deeper.
            case .absent, .secure, .anchor: labelCount += 1
            }
        }
        return nil
    }

    /// True when a secure NXDOMAIN for `name` is cached.
    mutating func nameIsAbsent(_ name: Name, nowMs: Int64) -> Bool {
        guard case .fresh(let hit, _) = cache.lookup(name, .ds, nowSeconds: nowMs / 1000) else { return false }
        return hit.kind == .nxDomain && hit.rank == .secure
    }

    /// RRSIG verification of the (owner, type) RRset of `section` (the answer),
    /// with the wildcard proof when the signature shows an expansion.
    mutating func checkRRset(_ index: Int, _ message: UnsafeRawBufferPointer, owner: Name, type: RRType,
                             zone: Name, keys: RDataList, nowMs: Int64, section: Section = .answer) -> FinalCheck {
        guard let (rrset, signatures) = pack(message, owner: owner, type: type, section: section) else {
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        let root = Int(outgoing[index].iteration.root)
        var budget = outgoing[root].iteration.budget
        let result = RRSIGCheck.verify(rrset, signatures: signatures, zone: zone, keys: keys,
                                       clock: validationClock(nowMs: nowMs), budget: &budget,
                                       scratch: validation.scratch)
        outgoing.pointer(root).pointee.iteration.budget = budget
        var security = Security(result.verdict)
        if security == .secure, let encloser = result.wildcardEncloser {
            security = checkWildcard(index, message, qname: owner, encloser: encloser, zone: zone, keys: keys,
                                     nowMs: nowMs)
        }
        return .done(security, ttlCapSeconds: cacheTTLCap(result))
    }

    /// A zone's DNSKEY RRset (the answer to `<zone> DNSKEY`) against its
    /// parent's DS set or its trust anchor (RFC 4035 §5.2).
    mutating func checkDNSKEYs(_ index: Int, _ message: UnsafeRawBufferPointer, zone: Name, kind: ResponseKind,
                               nowMs: Int64) -> FinalCheck {
        let vouchers: RDataList
        var anchorKeys = false
        var fromAnchor = false
        switch dsStatus(zone, nowMs: nowMs) {
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
        guard kind == .answer, let (rrset, signatures) = pack(message, owner: zone, type: .dnskey, section: .answer)
        else { return .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max) }
        let root = Int(outgoing[index].iteration.root)
        var budget = outgoing[root].iteration.budget
        let clock = validationClock(nowMs: nowMs)
        var result = anchorKeys
            ? ChainStep.verifyDNSKEYs(rrset, signatures: signatures, anchorKeys: vouchers, clock: clock,
                                      budget: &budget, scratch: validation.scratch)
            : ChainStep.verifyDNSKEYs(rrset, signatures: signatures, dsSet: vouchers, clock: clock,
                                      budget: &budget, scratch: validation.scratch)
        if fromAnchor, !result.verdict.isValid, result.verdict != .budgetExceeded,
           let retried = validateWithAddedAnchors(zone, rrset, signatures: signatures, clock: clock, budget: &budget) {
            result = retried   // an anchor the operator added after the RFC 5011 state was saved
        }
        outgoing.pointer(root).pointee.iteration.budget = budget
        // A trust point's own key set, validated with a trusted clock, feeds
        // RFC 5011 (never an untrusted clock: it could be a replay).
        if fromAnchor && result.verdict == .secure {
            observeTrustPoint(zone, rrset, signatures: signatures, dsSet: anchorKeys ? nil : vouchers, nowMs: nowMs)
        }
        if fromAnchor && !result.verdict.isValid { stats.anchorKeysUnusable += 1 }
        // The cap is computed only for a good signature (0 otherwise).
        return .done(Security(result.verdict), ttlCapSeconds: cacheTTLCap(result))
    }

    /// NODATA and NXDOMAIN: the verified NSEC/NSEC3 records must prove it.
    /// nil: a secure proof that the DS query's name is an unsigned delegation.
    mutating func checkDenial(_ index: Int, _ message: UnsafeRawBufferPointer, kind: ResponseKind, qname: Name,
                              qtype: RRType, zone: Name, keys: RDataList, nowMs: Int64) -> Security? {
        let (count, nsec3) = collectDenial(index, message, zone: zone, keys: keys, nowMs: nowMs)
        guard count > 0 else { return .bogus(.nsecMissing) }
        let records = UnsafeBufferPointer(rebasing: validation.denialRecords[0..<count])
        let root = Int(outgoing[index].iteration.root)
        var budget = outgoing[root].iteration.budget
        let result: DenialResult
        switch (kind == .nxDomain, nsec3) {
        case (true, false):
            result = NSECProof.nxDomain(qname: qname, zone: zone, records: records)
        case (false, false):
            result = NSECProof.noData(qname: qname, qtype: qtype, zone: zone, records: records)
        case (true, true):
            result = NSEC3Proof.nxDomain(qname: qname, zone: zone, records: records, budget: &budget,
                                         scratch: validation.scratch)
        case (false, true):
            result = NSEC3Proof.noData(qname: qname, qtype: qtype, zone: zone, records: records, budget: &budget,
                                       scratch: validation.scratch)
        }
        outgoing.pointer(root).pointee.iteration.budget = budget
        switch result {
        case .nxDomain: return kind == .nxDomain ? .secure : .bogus(.dnssecBogus)
        case .noData: return kind == .noData ? .secure : .bogus(.dnssecBogus)
        // No DS at a delegation: the denial is good (secure, RFC 4035
        // §3.2.3) and the child insecure; the DS entry says so to the chain
        // of trust. Over an opt-out span, the answer itself is insecure.
        case .insecureDelegation: return kind == .noData ? nil : .bogus(.dnssecBogus)
        case .optOutInsecure, .insecure: return .insecure
        case .notProven(let code): return .bogus(code)
        case .wildcardAnswerProven, .budgetExceeded: return .bogus(.dnssecBogus)
        }
    }

    /// The SOA of a negative answer, whose TTL and MINIMUM set the negative
    /// cache TTL: owned by the signing zone and signed with its keys. With
    /// the verdict, the TTL cap it allows. No SOA at all: nothing to cache
    /// a TTL from, and nothing to judge (`.secure`, no cap).
    mutating func checkSOA(_ index: Int, _ message: UnsafeRawBufferPointer, zone: Name, keys: RDataList,
                           nowMs: Int64) -> (Security, UInt32) {
        guard var reader = try? MessageReader(message) else { return (.bogus(.dnssecBogus), .max) }
        var found = false
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .authority, record.type == .soa else { continue }
            // Another owner's SOA could be the one cached: none may be unsigned.
            guard (try? record.owner(in: message)) == zone else { return (.bogus(.dnssecBogus), .max) }
            found = true
        }
        guard found else { return (.secure, .max) }
        let verdict = checkRRset(index, message, owner: zone, type: .soa, zone: zone, keys: keys, nowMs: nowMs,
                                 section: .authority)
        guard case .done(let security, let ttlCap) = verdict else { return (.bogus(.dnssecBogus), .max) }
        return (security, ttlCap)
    }

    /// A wildcard expansion is legitimate only if the query name itself
    /// provably does not exist (RFC 4035 §5.3.4, RFC 5155 §8.8).
    mutating func checkWildcard(_ index: Int, _ message: UnsafeRawBufferPointer, qname: Name, encloser: Name,
                                zone: Name, keys: RDataList, nowMs: Int64) -> Security {
        let (count, nsec3) = collectDenial(index, message, zone: zone, keys: keys, nowMs: nowMs)
        guard count > 0 else { return .bogus(.nsecMissing) }
        let records = UnsafeBufferPointer(rebasing: validation.denialRecords[0..<count])
        let root = Int(outgoing[index].iteration.root)
        var budget = outgoing[root].iteration.budget
        let result = nsec3
            ? NSEC3Proof.wildcardAnswer(qname: qname, wildcardEncloser: encloser, zone: zone, records: records,
                                        budget: &budget, scratch: validation.scratch)
            : NSECProof.wildcardAnswer(qname: qname, wildcardEncloser: encloser, zone: zone, records: records)
        outgoing.pointer(root).pointee.iteration.budget = budget
        switch result {
        case .wildcardAnswerProven: return .secure
        case .optOutInsecure, .insecure: return .insecure
        case .notProven(let code): return .bogus(code)
        default: return .bogus(.dnssecBogus)
        }
    }

    /// Verifies each NSEC (or each NSEC3, whichever comes first) of the
    /// authority section with the zone's keys and keeps the good ones in
    /// `validation.denialRecords`. Returns how many, and whether NSEC3.
    mutating func collectDenial(_ index: Int, _ message: UnsafeRawBufferPointer, zone: Name, keys: RDataList,
                                nowMs: Int64) -> (Int, Bool) {
        guard var reader = try? MessageReader(message) else { return (0, false) }
        let root = Int(outgoing[index].iteration.root)
        var denialType: RRType? = nil
        var count = 0
        var usedByteCount = 0
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax,
              count < ValidatorLimits.denialRecordsMax {
            seen += 1
            guard record.section == .authority, record.type == .nsec || record.type == .nsec3,
                  denialType == nil || denialType == record.type,
                  let owner = (try? record.owner(in: message))?.lowercased(), owner.isSubdomain(of: zone),
                  !hasDenialRecord(owner, count: count),
                  let (rrset, signatures) = pack(message, owner: owner, type: record.type, section: .authority)
            else { continue }
            var budget = outgoing[root].iteration.budget
            let result = RRSIGCheck.verify(rrset, signatures: signatures, zone: zone, keys: keys,
                                           clock: validationClock(nowMs: nowMs), budget: &budget,
                                           scratch: validation.scratch)
            outgoing.pointer(root).pointee.iteration.budget = budget
            // An NSEC synthesised from a wildcard proves nothing about names.
            guard result.verdict.isValid, result.wildcardEncloser == nil else { continue }
            var items = rrset.rdatas.makeIterator()
            guard let first = items.next() else { continue }
            // RFC 8198: NSECs and NSEC3s kept for aggressive answers.
            rememberNSEC(message, type: record.type, zone: zone, owner: owner, rdata: first.rdata,
                         ttlSeconds: rrset.ttlSeconds, result: result, nowMs: nowMs)
            let byteCount = first.rdata.count
            guard usedByteCount + byteCount <= validation.denialBuffer.count else { break }
            let room = UnsafeMutableRawBufferPointer(
                rebasing: validation.denialBuffer[usedByteCount..<(usedByteCount + byteCount)])
            room.copyMemory(from: first.rdata)
            validation.denialRecords[count] = DenialRecord(owner: owner, rdata: UnsafeRawBufferPointer(room))
            usedByteCount += byteCount
            count += 1
            denialType = record.type
        }
        return (count, denialType == .nsec3)
    }

    func hasDenialRecord(_ owner: Name, count: Int) -> Bool {
        for i in 0..<count where validation.denialRecords[i].owner == owner { return true }
        return false
    }

    /// Packs the (owner, type) RRset of `section` and the RRSIGs over it into
    /// the validation buffers, in canonical form. nil when absent or too big.
    func pack(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType,
              section: Section) -> (RRsetView, RDataList)? {
        guard var reader = try? MessageReader(message) else { return nil }
        var rdatas = RDataPacker(buffer: validation.rrsetBuffer)
        var signatures = RDataPacker(buffer: validation.signatureBuffer)
        var ttlSeconds = UInt32.max
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == section, (try? record.owner(in: message)) == owner else { continue }
            if record.type == type {
                do throws(ValidatorError) { try rdatas.append(record, from: message) } catch { return nil }
                ttlSeconds = min(ttlSeconds, record.ttlSeconds)
            } else if record.type == .rrsig, record.rdataLength >= 2,
                      AnswerCache.loadU16(message, record.rdataOffset) == type.rawValue {
                // Past the buffer or the record cap, RRSIGCheck would not try them anyway.
                do throws(ValidatorError) { try signatures.append(record, from: message) } catch { continue }
            }
        }
        guard rdatas.count > 0 else { return nil }
        return (RRsetView(owner: owner.lowercased(), type: type, rrClass: .in, ttlSeconds: ttlSeconds,
                          rdatas: rdatas.list), signatures.list)
    }
}

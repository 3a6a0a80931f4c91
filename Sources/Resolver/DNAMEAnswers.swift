import Cache
import DNSWire
import Fixed
import Validator

/// DNAME answers (RFC 6672): a server answering a name below a DNAME sends
/// the signed DNAME RRset and an unsigned CNAME synthesised from it. The
/// CNAME link is as secure as the DNAME, if it is exactly that synthesis
/// (RFC 6672 §5.3.1); a different CNAME is a forgery. The DNAME is cached
/// beside the link and goes before it in answers built from the cache.
extension QueryEngine {
    /// The owner of the DNAME in the answer section that lies strictly
    /// above `qname` (the one nearest it), inside `zone`; nil if none.
    func dnameOwner(_ message: UnsafeRawBufferPointer, qname: Name, zone: Name) -> Name? {
        guard var reader = try? MessageReader(message) else { return nil }
        var nearest: Name? = nil
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .answer, record.type == .dname, let owner = try? record.owner(in: message),
                  owner != qname, qname.isSubdomain(of: owner), owner.isSubdomain(of: zone) else { continue }
            if nearest.map({ owner.labelCount > $0.labelCount }) ?? true { nearest = owner.lowercased() }
        }
        return nearest
    }

    /// The DNAME RRset's signatures, then the CNAME at `qname` against the
    /// synthesis. The verdict's TTL cap (≤ the DNAME's TTL) bounds the
    /// cached CNAME link.
    mutating func checkDNAME(_ index: Int, _ message: UnsafeRawBufferPointer, qname: Name, owner: Name,
                             zone: Name, keys: RDataList, nowMs: Int64) -> FinalCheck {
        let verdict = checkRRset(index, message, owner: owner, type: .dname, zone: zone, keys: keys, nowMs: nowMs)
        guard case .done(.secure, _) = verdict else { return verdict }
        if (try? Header(from: message))?.rcode == .yxDomain {
            // No CNAME then (RFC 6672 §2.2): the DNAME must explain the rcode.
            return synthesisTooLong(message, qname: qname, dname: owner) ? verdict
                : .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        guard cnameIsSynthesis(message, qname: qname, dname: owner) else {
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        return verdict
    }

    /// True when the DNAME at `dname` is a single record and every CNAME at
    /// `qname` in the answer section is its synthesis.
    func cnameIsSynthesis(_ message: UnsafeRawBufferPointer, qname: Name, dname: Name) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var target: Name? = nil
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .answer, record.type == .dname, (try? record.owner(in: message)) == dname
            else { continue }
            guard target == nil else { return false }   // a DNAME RRset holds one record (RFC 6672 §2.4)
            guard let name = try? Name.read(from: message, at: record.rdataOffset).name else { return false }
            target = name
        }
        guard let target, var cnames = try? MessageReader(message) else { return false }
        var matched = 0
        seen = 0
        while let record = try? cnames.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .answer, record.type == .cname, (try? record.owner(in: message)) == qname
            else { continue }
            guard let cname = try? Name.read(from: message, at: record.rdataOffset).name,
                  QueryEngine.isSynthesis(cname, qname: qname, owner: dname, target: target) else { return false }
            matched += 1
        }
        return matched > 0
    }

    /// True when substituting the DNAME at `dname` into `qname` would give a
    /// name over 255 bytes: the one case a server answers YXDOMAIN.
    func synthesisTooLong(_ message: UnsafeRawBufferPointer, qname: Name, dname: Name) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            guard record.section == .answer, record.type == .dname, (try? record.owner(in: message)) == dname,
                  let target = try? Name.read(from: message, at: record.rdataOffset).name else { continue }
            return qname.byteCount - dname.byteCount + target.byteCount > Limits.nameByteCountMax
        }
        return false
    }

    /// RFC 6672 §2.2: a YXDOMAIN with the DNAME above the name is a final
    /// answer ("the synthesis would be too long"), as secure as the DNAME
    /// when the DNAME explains it. Answered from the message, not cached.
    mutating func finishDNAMETooLong(_ index: Int, _ message: UnsafeRawBufferPointer,
                                                    owner: Name, nowMs: Int64) {
        guard let verdict = settle(index, message, kind: .cname(owner), nowMs: nowMs) else { return }
        finishIteration(index, success: true, nowMs: nowMs,
                        final: FinalResponse(message: message, name: outgoing[index].iteration.target,
                                             security: verdict.0))
    }

    /// `cname` == `qname` with its `owner` suffix replaced by `target`
    /// (case-insensitive). A synthesis longer than a name can be never
    /// matches: the server must answer YXDOMAIN then (RFC 6672 §2.2).
    static func isSynthesis(_ cname: Name, qname: Name, owner: Name, target: Name) -> Bool {
        let keptLabels = qname.labelCount - owner.labelCount
        guard keptLabels > 0, qname.isSubdomain(of: owner), cname.labelCount == keptLabels + target.labelCount,
              cname.droppingFirstLabels(keptLabels) == target else { return false }
        let keptByteCount = qname.labelOffset(keptLabels)
        guard cname.labelOffset(keptLabels) == keptByteCount else { return false }
        for i in 0..<keptByteCount where lowerASCII(cname[byte: i]) != lowerASCII(qname[byte: i]) { return false }
        return true
    }

    /// Label length bytes are below 64, so only letters change.
    static func lowerASCII(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    // MARK: caching and answering

    /// Caches the DNAME the CNAME link at `name` came from, with the link's
    /// verdict; never a bogus one (a forged CNAME does not taint the DNAME).
    mutating func storeDNAME(_ message: UnsafeRawBufferPointer, above name: Name, zone: Name, rank: TrustRank,
                             nowSeconds: Int64) {
        guard rank != .bogus, let owner = dnameOwner(message, qname: name, zone: zone) else { return }
        if cache.storeRRset(message, owner: owner, type: .dname, section: .answer, rank: rank,
                            nowSeconds: nowSeconds) == true {
            hasCachedDNAME = true
        }
    }

    /// The cached DNAME the CNAME link `link` at `name` was synthesised
    /// from: the link has no RRSIG (synthesised CNAMEs never do), and a
    /// DNAME of the same rank at an ancestor synthesises exactly its target.
    mutating func synthesisingDNAME(of name: Name, link: UsableHit, allowStale: Bool,
                                    nowSeconds: Int64) -> (owner: Name, hit: UsableHit)? {
        guard hasCachedDNAME, cache.withBlob(link.hit, { QueryEngine.signatureCount($0) }) == 0,
              let linkTarget = cache.withBlob(link.hit, { QueryEngine.firstCNAMETarget($0) }),
              let cnameTarget = linkTarget else { return nil }
        var owner = name.parent
        for _ in 0..<name.labelCount {
            guard let candidate = owner else { return nil }
            owner = candidate.parent
            guard let use = usable(cache.lookup(candidate, .dname, nowSeconds: nowSeconds), allowStale: allowStale),
                  use.hit.kind == .rrset else { continue }
            // (A DNAME blob starts like a CNAME one: one name RDATA.)
            guard use.hit.rank == link.hit.rank,
                  let stored = cache.withBlob(use.hit, { QueryEngine.firstCNAMETarget($0) }), let target = stored,
                  QueryEngine.isSynthesis(cnameTarget, qname: name, owner: candidate, target: target)
            else { return nil }
            return (candidate, use)
        }
        return nil
    }

    /// The RRSIG count of an RRset blob (see AnswerCache); nil if malformed.
    static func signatureCount(_ blob: UnsafeRawBufferPointer) -> Int? {
        guard blob.count >= 2 else { return nil }
        var offset = 2
        for _ in 0..<Int(AnswerCache.loadU16(blob, 0)) {
            guard offset + 2 <= blob.count else { return nil }
            offset += 2 + Int(AnswerCache.loadU16(blob, offset))
        }
        guard offset + 2 <= blob.count else { return nil }
        return Int(AnswerCache.loadU16(blob, offset))
    }
}

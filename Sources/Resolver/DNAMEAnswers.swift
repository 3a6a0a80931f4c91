import Cache
import DNSWire
import Fixed
import Validator

/// DNAME answers (RFC 6672), the resolver's side: a server answering a
/// name below a DNAME sends the signed DNAME RRset and an unsigned CNAME
/// synthesised from it. Whether that CNAME link is as secure as the DNAME
/// is the `ValidationEngine`'s call (Validator: DNAMECheck.swift); here the
/// DNAME is cached beside the link and goes before it in answers built from
/// the cache.
extension ResolverCore {
    /// The owner of the DNAME in the answer section that lies strictly
    /// above `qname` (the one nearest it), inside `zone`; nil if none.
    func dnameOwner(_ message: UnsafeRawBufferPointer, qname: Name, zone: Name) -> Name? {
        DNAMECheck.owner(in: message, above: qname, zone: zone)
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
        guard hasCachedDNAME, cache.withBlob(link.hit, { ResolverCore.signatureCount($0) }) == 0,
              let linkTarget = cache.withBlob(link.hit, { ResolverCore.firstCNAMETarget($0) }),
              let cnameTarget = linkTarget else { return nil }
        var owner = name.parent
        for _ in 0..<name.labelCount {
            guard let candidate = owner else { return nil }
            owner = candidate.parent
            guard let use = usable(cache.lookup(candidate, .dname, nowSeconds: nowSeconds), allowStale: allowStale),
                  use.hit.kind == .rrset else { continue }
            // (A DNAME blob starts like a CNAME one: one name RDATA.)
            guard use.hit.rank == link.hit.rank,
                  let stored = cache.withBlob(use.hit, { ResolverCore.firstCNAMETarget($0) }), let target = stored,
                  DNAMECheck.isSynthesis(cnameTarget, qname: name, owner: candidate, target: target)
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

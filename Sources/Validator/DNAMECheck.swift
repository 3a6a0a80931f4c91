// DNAME answers (RFC 6672): a server answering a name below a DNAME sends
// the signed DNAME RRset and an unsigned CNAME synthesised from it. The
// CNAME link is as secure as the DNAME, if it is exactly that synthesis
// (RFC 6672 §5.3.1); a different CNAME is a forgery. Owns the synthesis
// rule and the verdict on such a response.
//
// Never: caches the DNAME or answers from it (the Resolver does:
// DNAMEAnswers.swift), or trusts a CNAME the DNAME does not explain.
//
// Example: `a.b.owner.example. A` answered with `owner.example. DNAME t.test.`
// (signed) and `a.b.owner.example. CNAME a.b.t.test.` (unsigned): the DNAME
// verifies, the CNAME is its synthesis, so the link is secure. With
// `CNAME a.c.t.test.` instead it is bogus.
import DNSWire

public enum DNAMECheck {
    /// The owner of the DNAME in the answer section that lies strictly
    /// above `qname` (the one nearest it), inside `zone`; nil if none.
    public static func owner(in message: UnsafeRawBufferPointer, above qname: Name, zone: Name) -> Name? {
        guard var reader = try? MessageReader(message) else { return nil }
        var nearest: Name? = nil
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == .answer, record.type == .dname, let owner = try? record.owner(in: message),
                  owner != qname, qname.isSubdomain(of: owner), owner.isSubdomain(of: zone) else { continue }
            if nearest.map({ owner.labelCount > $0.labelCount }) ?? true { nearest = owner.lowercased() }
        }
        return nearest
    }

    /// True when the DNAME at `dname` is a single record and every CNAME at
    /// `qname` in the answer section is its synthesis.
    static func cnameIsSynthesis(_ message: UnsafeRawBufferPointer, qname: Name, dname: Name) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var target: Name? = nil
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
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
        while let record = try? cnames.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == .answer, record.type == .cname, (try? record.owner(in: message)) == qname
            else { continue }
            guard let cname = try? Name.read(from: message, at: record.rdataOffset).name,
                  isSynthesis(cname, qname: qname, owner: dname, target: target) else { return false }
            matched += 1
        }
        return matched > 0
    }

    /// True when substituting the DNAME at `dname` into `qname` would give a
    /// name over 255 bytes: the one case a server answers YXDOMAIN.
    static func synthesisTooLong(_ message: UnsafeRawBufferPointer, qname: Name, dname: Name) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == .answer, record.type == .dname, (try? record.owner(in: message)) == dname,
                  let target = try? Name.read(from: message, at: record.rdataOffset).name else { continue }
            return qname.byteCount - dname.byteCount + target.byteCount > Limits.nameByteCountMax
        }
        return false
    }

    /// `cname` == `qname` with its `owner` suffix replaced by `target`
    /// (case-insensitive). A synthesis longer than a name can be never
    /// matches: the server must answer YXDOMAIN then (RFC 6672 §2.2).
    public static func isSynthesis(_ cname: Name, qname: Name, owner: Name, target: Name) -> Bool {
        let keptLabels = qname.labelCount - owner.labelCount
        guard keptLabels > 0, qname.isSubdomain(of: owner), cname.labelCount == keptLabels + target.labelCount,
              cname.droppingFirstLabels(keptLabels) == target else { return false }
        let keptByteCount = qname.labelOffset(keptLabels)
        guard cname.labelOffset(keptLabels) == keptByteCount else { return false }
        // (Label length bytes are below 64, so only letters change.)
        for i in 0..<keptByteCount where lowerASCII(cname[byte: i]) != lowerASCII(qname[byte: i]) { return false }
        return true
    }
}

extension ValidationEngine {
    /// The DNAME RRset's signatures, then the CNAME at `qname` against the
    /// synthesis. The verdict's TTL cap (≤ the DNAME's TTL) bounds the
    /// cached CNAME link.
    mutating func checkDNAME(_ message: UnsafeRawBufferPointer, qname: Name, owner: Name, _ signer: Signer,
                             budget: inout ValidationBudget, nowMs: Int64) -> FinalCheck {
        let verdict = checkRRset(message, owner: owner, type: .dname, signer, budget: &budget, nowMs: nowMs)
        guard case .done(.secure, _) = verdict else { return verdict }
        if (try? Header(from: message))?.rcode == .yxDomain {
            // No CNAME then (RFC 6672 §2.2): the DNAME must explain the rcode.
            return DNAMECheck.synthesisTooLong(message, qname: qname, dname: owner) ? verdict
                : .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        guard DNAMECheck.cnameIsSynthesis(message, qname: qname, dname: owner) else {
            return .done(.bogus(.dnssecBogus), ttlCapSeconds: .max)
        }
        return verdict
    }
}

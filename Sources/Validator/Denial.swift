// Inputs and outcomes shared by the NSEC and NSEC3 proofs.
import DNSWire

/// One NSEC or NSEC3 record whose RRSIG the caller has already verified
/// (RRSIGCheck): its owner and its RDATA (names decompressed).
public struct DenialRecord {
    public var owner: Name
    public var rdata: UnsafeRawBufferPointer

    public init(owner: Name, rdata: UnsafeRawBufferPointer) {
        self.owner = owner
        self.rdata = rdata
    }
}

/// What a set of NSEC/NSEC3 records proves about a query.
public enum DenialResult: Equatable, Sendable {
    /// The name does not exist, and no wildcard could have answered.
    case nxDomain
    /// The name (or the wildcard that would have answered) exists without the
    /// type, and without a CNAME.
    case noData
    /// For a wildcard-expanded answer: the query name itself does not exist,
    /// so the expansion was legitimate (RFC 4035 §5.3.4, RFC 5155 §8.8).
    case wildcardAnswerProven
    /// The delegation at the name is unsigned: an NSEC or NSEC3 at the name
    /// with NS but no DS and no SOA. The proof is secure, the child insecure.
    case insecureDelegation
    /// The name's non-existence (or, for DS, its delegation's lack of a DS:
    /// RFC 5155 §8.6) rests on an opt-out span, which cannot rule out an
    /// unsigned delegation (RFC 5155 §9.2): answer without AD; insecure.
    case optOutInsecure
    /// The proof uses parameters we refuse to evaluate (NSEC3 iterations
    /// above the cap, RFC 9276 §3.2, EDE 27; unknown hash algorithm): insecure.
    case insecure(EDECode)
    /// Not proven: the response is bogus (EDE 12 NSEC Missing, or 6).
    case notProven(EDECode)
    /// The NSEC3 hash budget ran out: SERVFAIL.
    case budgetExceeded
}

/// Type-bitmap facts shared by NSEC and NSEC3.
struct TypeFacts {
    let bytes: UnsafeRawBufferPointer
    let start: Int

    func has(_ type: RRType) -> Bool { TypeBitmap.contains(type, bytes, start, bytes.count) }

    /// NS without SOA: the record sits at a delegation point on the parent
    /// side, and says nothing about names or types below it (RFC 6840 §4.1).
    var isDelegation: Bool { has(.ns) && !has(.soa) }

    /// May this record deny names strictly below its owner? Not at a
    /// delegation point and not at a DNAME (RFC 6840 §4.1).
    var deniesDescendants: Bool { !isDelegation && !has(.dname) }

    /// Does it deny `qtype` at its owner (no such type, and no CNAME)?
    func deniesType(_ qtype: RRType) -> Bool {
        guard !has(qtype), !has(.cname) else { return false }
        if qtype == .ds { return !has(.soa) }    // DS lives on the parent side
        return !isDelegation                      // a parent-side record knows only NS/DS
    }
}

/// Number of rightmost labels two names share (case-insensitive).
func commonLabelCount(_ a: Name, _ b: Name) -> Int {
    let limit = min(a.labelCount, b.labelCount)
    var shared = 0
    while shared < limit && a.suffix(labelCount: shared + 1) == b.suffix(labelCount: shared + 1) {
        shared += 1
    }
    return shared
}

/// `*.` + name, or nil when that would exceed 255 bytes.
func wildcard(under name: Name) -> Name? {
    let asterisk: UInt8 = 0x2A
    return withUnsafeBytes(of: asterisk) { label in try? name.prepending(label: label) }
}

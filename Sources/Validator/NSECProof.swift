// Denial of existence with NSEC (RFC 4035 §5.4, RFC 4034 §6.1 order):
//   NXDOMAIN = an NSEC covering the name + an NSEC covering `*.<closest encloser>`
//   NODATA   = an NSEC at the name without the type and without CNAME,
//              or (empty non-terminal) a covering NSEC whose next name is below it,
//              or (wildcard NODATA) a covering NSEC + an NSEC at `*.<encloser>` without the type
//   insecure delegation = for DS at a delegation: NSEC with NS, no DS, no SOA.
import DNSWire

/// NSEC RDATA: next owner name, then the type bitmap.
struct NSECView {
    let owner: Name
    let next: Name
    let types: TypeFacts

    init?(_ record: DenialRecord) {
        guard let (next, end) = try? Name.read(from: record.rdata, at: 0, allowCompression: false),
              (try? TypeBitmap.validate(record.rdata, end, record.rdata.count)) != nil else { return nil }
        owner = record.owner
        self.next = next
        types = TypeFacts(bytes: record.rdata, start: end)
    }

    /// owner < name < next in canonical order, the last NSEC wrapping to the apex.
    func covers(_ name: Name) -> Bool {
        guard owner.canonicalCompare(name) < 0 else { return false }
        if name.isSubdomain(of: owner) && !types.deniesDescendants { return false }
        return name.canonicalCompare(next) < 0 || next.canonicalCompare(owner) <= 0
    }

    /// The closest encloser this covering NSEC implies for `name`.
    func closestEncloser(of name: Name) -> Name {
        let shared = max(commonLabelCount(name, owner), commonLabelCount(name, next))
        return name.suffix(labelCount: shared)
    }
}

public enum NSECProof {
    /// Proves that `qname` (in `zone`) does not exist.
    public static func nxDomain(qname: Name, zone: Name, records: UnsafeBufferPointer<DenialRecord>) -> DenialResult {
        guard qname.isSubdomain(of: zone) else { return .notProven(.dnssecBogus) }
        guard let cover = findCover(qname, zone: zone, records) else { return .notProven(.nsecMissing) }
        let encloser = cover.closestEncloser(of: qname)
        guard encloser.isSubdomain(of: zone) else { return .notProven(.dnssecBogus) }
        guard let star = wildcard(under: encloser) else { return .nxDomain }  // no wildcard can exist
        return findCover(star, zone: zone, records) != nil ? .nxDomain : .notProven(.nsecMissing)
    }

    /// Proves that `qname` has no `qtype` RRset (RFC 4035 §3.1.3.1–3.1.3.4),
    /// including the insecure-delegation case for `qtype == .ds`.
    public static func noData(qname: Name, qtype: RRType, zone: Name,
                              records: UnsafeBufferPointer<DenialRecord>) -> DenialResult {
        guard qname.isSubdomain(of: zone) else { return .notProven(.dnssecBogus) }
        if let match = findMatch(qname, zone: zone, records) {
            guard match.types.deniesType(qtype) else { return .notProven(.dnssecBogus) }
            return qtype == .ds && match.types.has(.ns) ? .insecureDelegation : .noData
        }
        guard let cover = findCover(qname, zone: zone, records) else { return .notProven(.nsecMissing) }
        if cover.next.isSubdomain(of: qname) { return .noData }  // empty non-terminal
        guard let star = wildcard(under: cover.closestEncloser(of: qname)),
              let wildcardMatch = findMatch(star, zone: zone, records) else { return .notProven(.nsecMissing) }
        return wildcardMatch.types.deniesType(qtype) ? .noData : .notProven(.dnssecBogus)
    }

    /// For an answer the RRSIG labels show came from `*.<wildcardEncloser>`:
    /// proves `qname` itself does not exist and the encloser is the closest one.
    public static func wildcardAnswer(qname: Name, wildcardEncloser: Name, zone: Name,
                                      records: UnsafeBufferPointer<DenialRecord>) -> DenialResult {
        guard qname.isSubdomain(of: wildcardEncloser), wildcardEncloser.isSubdomain(of: zone)
        else { return .notProven(.dnssecBogus) }
        guard let cover = findCover(qname, zone: zone, records) else { return .notProven(.nsecMissing) }
        return cover.closestEncloser(of: qname) == wildcardEncloser ? .wildcardAnswerProven : .notProven(.dnssecBogus)
    }

    /// The first usable NSEC (in the zone, well-formed) at `name`.
    static func findMatch(_ name: Name, zone: Name, _ records: UnsafeBufferPointer<DenialRecord>) -> NSECView? {
        for index in 0..<min(records.count, ValidatorLimits.denialRecordsMax) {
            guard let nsec = usable(records[index], zone: zone), nsec.owner == name else { continue }
            return nsec
        }
        return nil
    }

    /// The first usable NSEC covering `name`.
    static func findCover(_ name: Name, zone: Name, _ records: UnsafeBufferPointer<DenialRecord>) -> NSECView? {
        for index in 0..<min(records.count, ValidatorLimits.denialRecordsMax) {
            guard let nsec = usable(records[index], zone: zone), nsec.covers(name) else { continue }
            return nsec
        }
        return nil
    }

    static func usable(_ record: DenialRecord, zone: Name) -> NSECView? {
        guard record.owner.isSubdomain(of: zone), let nsec = NSECView(record) else { return nil }
        return nsec
    }
}

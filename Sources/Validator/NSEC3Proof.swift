// Denial of existence with NSEC3 (RFC 5155 §8): closest-encloser proof (a
// matching NSEC3 for the closest encloser, a covering one for the next
// closer name), wildcard checks, opt-out, and the DS cases. Hashing is
// budgeted (nsec3HashesPerQueryMax, CVE-2023-50868) and iterations capped
// (nsec3IterationsMax, RFC 9276): above the cap the proof is insecure.
import Crypto
import DNSWire

public enum NSEC3Proof {
    /// Proves that `qname` (in `zone`) does not exist (RFC 5155 §8.4).
    public static func nxDomain(qname: Name, zone: Name, records: UnsafeBufferPointer<DenialRecord>,
                                budget: inout ValidationBudget,
                                scratch: borrowing ValidatorScratch) -> DenialResult {
        let set: NSEC3Set
        switch NSEC3Set.make(zone: zone, records) {
        case .success(let made): set = made
        case .failure(let failure): return failure.result
        }
        switch set.closestEncloser(of: qname, budget: &budget, scratch: scratch) {
        case .failed(let result): return result
        case .exists: return .notProven(.dnssecBogus)
        case .proven(let encloser, let optOut):
            guard let star = wildcard(under: encloser) else { return optOut ? .optOutInsecure : .nxDomain }
            guard let hash = set.hash(star, budget: &budget, scratch: scratch) else { return .budgetExceeded }
            guard set.findCover(hash) != nil else { return .notProven(.nsecMissing) }
            return optOut ? .optOutInsecure : .nxDomain
        }
    }

    /// Proves that `qname` has no `qtype` RRset (RFC 5155 §8.5–8.7), or for
    /// `qtype == .ds` that the delegation is unsigned (§8.6, opt-out).
    public static func noData(qname: Name, qtype: RRType, zone: Name,
                              records: UnsafeBufferPointer<DenialRecord>,
                              budget: inout ValidationBudget,
                              scratch: borrowing ValidatorScratch) -> DenialResult {
        let set: NSEC3Set
        switch NSEC3Set.make(zone: zone, records) {
        case .success(let made): set = made
        case .failure(let failure): return failure.result
        }
        switch set.closestEncloser(of: qname, budget: &budget, scratch: scratch) {
        case .failed(let result): return result
        case .exists(let match):
            guard match.types.deniesType(qtype) else { return .notProven(.dnssecBogus) }
            return qtype == .ds && match.types.has(.ns) ? .insecureDelegation : .noData
        case .proven(let encloser, let optOut):
            // RFC 5155 §9.2: no AD over an opt-out span; the child is insecure.
            if qtype == .ds { return optOut ? .optOutInsecure : .notProven(.nsecMissing) }
            return wildcardNoData(encloser: encloser, qtype: qtype, set: set, budget: &budget, scratch: scratch)
        }
    }

    /// For an answer expanded from `*.<wildcardEncloser>`: the next closer
    /// name must be covered (RFC 5155 §8.8).
    public static func wildcardAnswer(qname: Name, wildcardEncloser: Name, zone: Name,
                                      records: UnsafeBufferPointer<DenialRecord>,
                                      budget: inout ValidationBudget,
                                      scratch: borrowing ValidatorScratch) -> DenialResult {
        let set: NSEC3Set
        switch NSEC3Set.make(zone: zone, records) {
        case .success(let made): set = made
        case .failure(let failure): return failure.result
        }
        guard qname.labelCount > wildcardEncloser.labelCount, qname.isSubdomain(of: wildcardEncloser)
        else { return .notProven(.dnssecBogus) }
        let nextCloser = qname.suffix(labelCount: wildcardEncloser.labelCount + 1)
        guard let hash = set.hash(nextCloser, budget: &budget, scratch: scratch) else { return .budgetExceeded }
        return set.findCover(hash) != nil ? .wildcardAnswerProven : .notProven(.nsecMissing)
    }

    static func wildcardNoData(encloser: Name, qtype: RRType, set: NSEC3Set, budget: inout ValidationBudget,
                               scratch: borrowing ValidatorScratch) -> DenialResult {
        guard let star = wildcard(under: encloser) else { return .notProven(.nsecMissing) }
        guard let hash = set.hash(star, budget: &budget, scratch: scratch) else { return .budgetExceeded }
        guard let match = set.findMatch(hash) else { return .notProven(.nsecMissing) }
        return match.types.deniesType(qtype) ? .noData : .notProven(.dnssecBogus)
    }
}

/// The usable NSEC3 records of one zone, all with the same parameters.
struct NSEC3Set {
    let zone: Name
    let records: UnsafeBufferPointer<DenialRecord>
    let parameters: NSEC3View

    /// Why no set could be formed, as the proof's result.
    struct Failure: Error { let result: DenialResult }

    /// Takes the parameters of the first usable record (RFC 5155 §8.2:
    /// ignore unknown hash algorithms and flags other than 0/1).
    static func make(zone: Name, _ records: UnsafeBufferPointer<DenialRecord>) -> Result<NSEC3Set, Failure> {
        var sawUnknownAlgorithm = false
        for index in 0..<min(records.count, ValidatorLimits.denialRecordsMax) {
            guard let view = parse(records[index], zone: zone) else { continue }
            guard view.hashAlgorithm == NSEC3Codes.sha1HashAlgorithm else { sawUnknownAlgorithm = true; continue }
            guard view.iterations <= ValidatorLimits.nsec3IterationsMax else {
                return .failure(Failure(result: .insecure(.unsupportedNSEC3IterationsValue)))
            }
            return .success(NSEC3Set(zone: zone, records: records, parameters: view))
        }
        let result: DenialResult = sawUnknownAlgorithm ? .insecure(.dnssecIndeterminate) : .notProven(.nsecMissing)
        return .failure(Failure(result: result))
    }

    /// A record directly below the zone, well-formed, with known flags.
    static func parse(_ record: DenialRecord, zone: Name) -> NSEC3View? {
        guard record.owner.labelCount == zone.labelCount + 1, record.owner.parent == zone,
              let view = NSEC3View(record), view.flags & ~NSEC3Codes.optOutFlag == 0 else { return nil }
        return view
    }

    /// The NSEC3 hash of `name` with the set's parameters; nil when the
    /// budget is spent or the hash cannot be computed.
    func hash(_ name: Name, budget: inout ValidationBudget, scratch: borrowing ValidatorScratch) -> HashValue? {
        guard budget.takeNSEC3Hash() else { return nil }
        let canonical = name.lowercased()
        let out = UnsafeMutableRawBufferPointer(rebasing: scratch.signedData[0..<20])
        let salt = parameters.salt
        let iterations = parameters.iterations
        let ok = canonical.withUnsafeBytes { wire in
            NSEC3Hash.compute(name: wire, salt: salt, iterations: iterations, into: out)
        }
        return ok ? HashValue(copying: UnsafeRawBufferPointer(out)) : nil
    }

    func findMatch(_ hash: HashValue) -> NSEC3View? {
        for index in 0..<min(records.count, ValidatorLimits.denialRecordsMax) {
            guard let view = usable(index), view.ownerHash == hash else { continue }
            return view
        }
        return nil
    }

    func findCover(_ hash: HashValue) -> NSEC3View? {
        for index in 0..<min(records.count, ValidatorLimits.denialRecordsMax) {
            guard let view = usable(index), view.covers(hash) else { continue }
            return view
        }
        return nil
    }

    func usable(_ index: Int) -> NSEC3View? {
        guard let view = NSEC3Set.parse(records[index], zone: zone), view.sameParameters(as: parameters)
        else { return nil }
        return view
    }

    enum EncloserResult {
        case exists(NSEC3View)
        case proven(encloser: Name, nextCloserOptOut: Bool)
        case failed(DenialResult)
    }

    /// RFC 5155 §8.3: walk up from `qname` to the zone; the first name with a
    /// matching NSEC3 is the closest encloser, and the name just below it on
    /// the way (the next closer) must be covered. At most one hash per label.
    func closestEncloser(of qname: Name, budget: inout ValidationBudget,
                         scratch: borrowing ValidatorScratch) -> EncloserResult {
        guard qname.isSubdomain(of: zone) else { return .failed(.notProven(.dnssecBogus)) }
        var name = qname
        var nextCloserCover: NSEC3View? = nil
        for step in 0...(qname.labelCount - zone.labelCount) {
            guard let hash = hash(name, budget: &budget, scratch: scratch) else { return .failed(.budgetExceeded) }
            if let match = findMatch(hash) {
                if step == 0 { return .exists(match) }
                guard let cover = nextCloserCover else { return .failed(.notProven(.nsecMissing)) }
                guard match.types.deniesDescendants else { return .failed(.notProven(.dnssecBogus)) }
                return .proven(encloser: name, nextCloserOptOut: cover.isOptOut)
            }
            nextCloserCover = findCover(hash)
            guard let parent = name.parent else { break }
            name = parent
        }
        return .failed(.notProven(.nsecMissing))
    }
}

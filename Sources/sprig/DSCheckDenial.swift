// Proofs of absence for `sprig ds-check`: an empty answer (no CDS, no
// CDNSKEY at the child; no DS at the parent) is believed only when the
// response carries NSEC or NSEC3 records, signed by the zone's keys, that
// prove it (RFC 4035 §5.4, RFC 5155 §8.5–8.6). Without that, an on-path
// attacker or a broken signer could hide a record by dropping it, and the
// checks would reason about a request that is not the zone's.
//
// Owns: verifying the authority section's NSEC/NSEC3 RRsets with given keys
// and running the Validator's NODATA proof on them.
// Never: fetches anything, or decides whether the keys are trusted (the
// caller says where they come from: the chain of trust, or the child's own
// DNSKEY RRset whose link to the DS the `authenticated` check judges).
import DNSWire
import Validator

enum DSCheckDenial {
    enum Outcome {
        /// `qname` has no `qtype` RRset, proven (NSEC or NSEC3).
        case noData(String)
        /// For DS: an unsigned delegation, proven (NS without DS, or an
        /// opt-out span: RFC 5155 §9.2 cannot rule one out).
        case insecureDelegation(String)
        /// No proof: the reason says what is missing or wrong.
        case notProven(String)
    }

    /// The NODATA proof for `qname qtype` in `response` (from a server of
    /// `zone`), its NSEC/NSEC3 RRsets verified with `keys`.
    static func noData(_ response: FetchedResponse, qname: Name, qtype: RRType, zone: Name, keys: [[UInt8]],
                       scratch: borrowing ValidatorScratch) -> Outcome {
        guard !keys.isEmpty else { return .notProven("no DNSKEY RRset to verify a denial with") }
        var verified: [(owner: Name, type: RRType, rdata: [UInt8])] = []
        var nsec3 = false
        var failures: [String] = []
        var owners: [(Name, RRType)] = []
        for r in response.records where r.section == .authority && (r.type == .nsec || r.type == .nsec3) {
            if !owners.contains(where: { $0.0 == r.owner && $0.1 == r.type }) { owners.append((r.owner, r.type)) }
        }
        for (owner, type) in owners {
            let rrset = response.rdatas(.authority, owner: owner, type: type)
            let signatures = response.signatures(.authority, owner: owner, covering: type)
            if let failure = DSCheckRules.verify(rrset, type: type, owner: owner, signatures: signatures, keys: keys,
                                                 zone: zone, scratch: scratch) {
                failures.append("\(type.mnemonic) \(owner.text): \(failure)")
                continue
            }
            if type == .nsec3 { nsec3 = true }
            for rdata in rrset { verified.append((owner, type, rdata)) }
        }
        guard !verified.isEmpty else {
            return .notProven(owners.isEmpty ? "the response carries no NSEC or NSEC3 record"
                : "no NSEC/NSEC3 record validates (" + failures.joined(separator: "; ") + ")")
        }
        let kind = nsec3 ? "NSEC3" : "NSEC"
        let chosen = verified.filter { $0.type == (nsec3 ? RRType.nsec3 : .nsec) }.map { (owner: $0.owner, rdata: $0.rdata) }
        let result = prove(chosen, nsec3: nsec3, qname: qname, qtype: qtype, zone: zone,
                           scratch: scratch)
        switch result {
        case .noData:
            return .noData("proven by a validated \(kind)")
        case .insecureDelegation:
            return .insecureDelegation("proven by a validated \(kind) (NS, no DS)")
        case .optOutInsecure:
            return .insecureDelegation("proven by a validated NSEC3 opt-out span (RFC 5155 §9.2)")
        case .notProven(let code):
            return .notProven("the validated \(kind) records do not prove it (EDE \(code.rawValue))")
        case .insecure(let code):
            return .notProven("the \(kind) parameters are refused (EDE \(code.rawValue))")
        case .budgetExceeded:
            return .notProven("the NSEC3 hash budget ran out")
        case .nxDomain, .wildcardAnswerProven:
            return .notProven("the records prove something else than the absence of \(qtype.mnemonic)")
        }
    }

    /// Frames the verified records as the Validator's DenialRecords (their
    /// RDATA must outlive the proof: one buffer holds them all).
    static func prove(_ records: [(owner: Name, rdata: [UInt8])], nsec3: Bool, qname: Name, qtype: RRType, zone: Name,
                      scratch: borrowing ValidatorScratch) -> DenialResult {
        var bytes: [UInt8] = []
        var spans: [(Name, Int, Int)] = []
        for r in records.prefix(ValidatorLimits.denialRecordsMax) {
            spans.append((r.owner, bytes.count, r.rdata.count))
            bytes += r.rdata
        }
        return bytes.withUnsafeBytes { raw -> DenialResult in
            let denial = spans.map { DenialRecord(owner: $0.0, rdata: UnsafeRawBufferPointer(rebasing: raw[$0.1..<($0.1 + $0.2)])) }
            return denial.withUnsafeBufferPointer { list -> DenialResult in
                if nsec3 {
                    var budget = ValidationBudget()
                    return NSEC3Proof.noData(qname: qname, qtype: qtype, zone: zone, records: list, budget: &budget,
                                             scratch: scratch)
                }
                return NSECProof.noData(qname: qname, qtype: qtype, zone: zone, records: list)
            }
        }
    }
}

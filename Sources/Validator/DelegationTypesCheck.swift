// The referral checks of Delegation Types (draft-ietf-dnsop-delext-11 §6,
// with draft-ietf-deleg-12 §5.3): in a signed delegating zone a DELEG RRset
// in a referral must be signed by that zone (§8.5 "Injection"), and when
// any of the zone's DNSKEYs has the ADT flag (bit 14, §6.1) the referral
// must carry the NSEC or NSEC3 record matching the delegated name, verified,
// whose type bitmap lists exactly the NS-Omitting, NS-Preserving and
// Private Delegation Types the referral holds (§6.2): a stripped DELEG
// cannot then pass as "no DELEG".
//
// Owns: that verdict on one referral. Never: fetches keys (it names the set
// it needs), decides what the resolver does with a tampered referral
// (delext: ignore the response), or looks at On-Demand types (not required
// in referrals, §6.2).
//
// Example: `example.` has a DNSKEY with flags 259 (ADT). A referral for
// `d.example.` holding only NS and no NSEC is `.tampered`; one holding the
// signed DELEG RRset and `d.example. NSEC ... NS RRSIG NSEC DELEG`, signed,
// is `.accepted`.
import DNSWire

/// The verdict on a referral's Delegation Types.
public enum ReferralTypesCheck: Equatable, Sendable {
    /// Nothing to object to (also: an unsigned or insecure parent, or a
    /// zone without the ADT flag and without Delegation Types).
    case accepted
    /// The delegating zone's keys must be fetched first.
    case needKeys(Name, RRType)
    /// Stripped, injected or unsigned Delegation Types: ignore the response.
    case tampered(EDECode)
}

public enum DelegationTypes {
    /// DNSKEY flag ADT, bit 14 (delext-11 §6.1): the value 0x0002.
    public static let adtFlag: UInt16 = 0x0002
    /// Delegation Types that a referral must carry when present
    /// (delext-11 §3): NS-Omitting 0xF000–0xF07F, NS-Preserving
    /// 0xF080–0xF0FF, Private 0xF1F0–0xF1FF. On-Demand (0xF100–0xF1EF) not.
    public static func isReferralType(_ type: RRType) -> Bool {
        (0xF000...0xF0FF).contains(type.rawValue) || (0xF1F0...0xF1FF).contains(type.rawValue)
    }
    /// NS-Omitting Delegation Types (delext-11 §3.1), DELEG among them.
    public static func isNSOmitting(_ type: RRType) -> Bool { (0xF000...0xF07F).contains(type.rawValue) }
}

extension ValidationEngine {
    /// The Delegation Types check of a referral from the servers of `zone`
    /// to `child`.
    public mutating func checkReferral<C: VerdictCache & ~Copyable>(
        _ message: UnsafeRawBufferPointer, zone: Name, child: Name, cache: inout C, clock: ValidationClock,
        budget: inout ValidationBudget, nowMs: Int64
    ) -> ReferralTypesCheck {
        guard isCovered(child) else { return .accepted }
        let keys: RDataList
        switch keyStatus(zone, cache: &cache, nowMs: nowMs) {
        case .unknown:
            let (name, type) = keysNeeded(zone, cache: &cache, nowMs: nowMs) ?? (zone, .dnskey)
            return .needKeys(name, type)
        case .insecure, .bogus, .anchor, .absent:
            return .accepted   // no secure keys: nothing can be proven or protected here
        case .secure(let list): keys = list
        }
        let signer = Signer(zone: zone, keys: keys, clock: clock)
        // Delegation Types in the referral must be signed by the parent.
        var referralTypes = 0
        var seen = InlineArray<8, UInt16>(repeating: 0)
        guard var reader = try? MessageReader(message) else { return .tampered(.dnssecBogus) }
        var count = 0
        while let record = try? reader.nextRecord(), count < ValidatorLimits.denialRecordsMax * 8 {
            count += 1
            guard record.section == .authority, DelegationTypes.isReferralType(record.type),
                  (try? record.owner(in: message)) == child else { continue }
            var known = false
            for i in 0..<min(referralTypes, 8) where seen[i] == record.type.rawValue { known = true }
            if known { continue }
            guard referralTypes < 8 else { return .tampered(.dnssecBogus) }   // more kinds than any draft defines
            seen[referralTypes] = record.type.rawValue
            referralTypes += 1
            guard case .done(.secure, _) = checkRRset(message, owner: child, type: record.type, signer, budget: &budget,
                                                      nowMs: nowMs, section: .authority) else {
                return .tampered(.dnssecBogus)
            }
        }
        guard ValidationEngine.hasADTKey(keys) else { return .accepted }
        // ADT: the matching NSEC/NSEC3 must list exactly those types.
        let (denials, nsec3) = collectDenial(message, signer, budget: &budget, nowMs: nowMs)
        guard denials > 0 else { return .tampered(.nsecMissing) }
        let records = UnsafeBufferPointer(rebasing: denialRecords[0..<denials])
        let types: TypeFacts
        if nsec3 {
            guard case .success(let set) = NSEC3Set.make(zone: zone, records),
                  let hash = set.hash(child, budget: &budget, scratch: scratch) else { return .tampered(.nsecMissing) }
            if let match = set.findMatch(hash) {
                types = match.types
            } else if let cover = set.findCover(hash), cover.isOptOut, referralTypes == 0 {
                // An opt-out span covers only unsigned NS delegations;
                // Delegation Types are never opted out (delext-11 §6.4).
                return .accepted
            } else {
                return .tampered(.nsecMissing)
            }
        } else {
            guard let match = NSECProof.findMatch(child, zone: zone, records) else { return .tampered(.nsecMissing) }
            types = match.types
        }
        // Every referral type in the bitmap is in the referral, and the
        // referral holds no type the bitmap lacks.
        for i in 0..<min(referralTypes, 8) where !types.has(RRType(seen[i])) { return .tampered(.dnssecBogus) }
        var listed = 0
        for raw in UInt16(0xF000)...UInt16(0xF0FF) where types.has(RRType(raw)) { listed += 1 }
        for raw in UInt16(0xF1F0)...UInt16(0xF1FF) where types.has(RRType(raw)) { listed += 1 }
        return listed == referralTypes ? .accepted : .tampered(.dnssecBogus)
    }

    /// True when a DNSKEY of `keys` has the ADT flag.
    static func hasADTKey(_ keys: RDataList) -> Bool {
        var offset = 0
        for _ in 0..<keys.count {
            let rdata = keys.rdata(at: offset)
            offset += 2 + rdata.count
            if rdata.count >= 2, (UInt16(rdata[0]) << 8 | UInt16(rdata[1])) & DelegationTypes.adtFlag != 0 { return true }
        }
        return false
    }
}

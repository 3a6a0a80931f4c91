// Aggressive use of DNSSEC-validated NSEC and NSEC3 (RFC 8198): records
// verified while validating NODATA/NXDOMAIN responses are kept in the
// engine's `NSECTable`, and a later question that misses the cache is
// proven NXDOMAIN or NODATA from them — with the Validator's own NSEC and
// NSEC3 proofs, so the rules (delegation points, DNAME, wildcards, empty
// non-terminals, RFC 9276's iteration cap) are the ones online validation
// uses. One kind per proof: a zone's NSECs are tried first (no hashing),
// then its NSEC3s (AggressiveNSEC3.swift); an NSEC3 opt-out span is never
// used (it cannot rule out an unsigned delegation).
//
// Owns the decision (`AggressiveDenial`: what is proven, by which records)
// and the parts of those records an answer shows. Never: builds the DNS
// message (the Resolver does, from the decision), or proves anything under
// a negative trust anchor or outside every anchor.
//
// Example: `nx1.a.example A` gets NXDOMAIN proven by `a.example NSEC
// b.a.example` and `*`'s cover; the table keeps both. `nx2.a.example AAAA`
// then lies in the same spans: `aggressiveDenial` answers `.nxDomain` by
// those records, and the Resolver answers NXDOMAIN (AD for DO/AD clients,
// the NSECs and RRSIGs for DO clients) without asking anyone.
import DNSWire

/// What the aggressive table proves about a question (RFC 8198 §5.1, §5.2),
/// and by which records. Valid until the engine's next check.
public struct AggressiveDenial {
    public enum Proof: Equatable {
        case nxDomain
        case noData
    }

    public let proof: Proof
    /// `.nsec` or `.nsec3`: the type of the records the proof rests on.
    public let type: RRType
    /// The zone whose records prove it; its SOA goes in the answer.
    public let zone: Name
    let candidates: NSECCandidates

    /// How many records the proof rests on (`ValidationEngine.record(_:of:)`).
    public var recordCount: Int { candidates.count }
}

/// One NSEC/NSEC3 or SOA record of an aggressive answer, and its RRSIGs.
public struct DeniedRecord {
    public let owner: Name
    public let rdata: UnsafeRawBufferPointer
    /// At most two RRSIGs (a key rollover).
    public let signatures: RDataList
}

extension ValidationEngine {
    // MARK: recording

    /// Keeps the NSEC or NSEC3 (`type`) `collectDenial` just verified
    /// (owner, decompressed RDATA, RRset TTL, verdict) with the zone's SOA
    /// from `message`. NSEC3s only when a proof could use them securely
    /// (`NSEC3Fields`: SHA-1, iterations within RFC 9276's cap).
    ///
    /// Any verified NSEC is kept, not only those of responses finally judged
    /// secure: an NSEC whose RRSIG verified with its zone's secure keys is a
    /// signed fact of that zone whatever else the response held (a missing
    /// wildcard proof makes the response bogus, not this record). Responses
    /// bogus because of a key problem never get here: collectDenial runs
    /// only with a secure DNSKEY set, and only valid, non-wildcard verdicts
    /// reach this call. Without the zone's SOA (wildcard answers) there is
    /// no negative TTL and nothing to answer with: not kept.
    mutating func rememberNSEC(_ message: UnsafeRawBufferPointer, type: RRType, zone: Name, owner: Name,
                               rdata: UnsafeRawBufferPointer, ttlSeconds: UInt32, result: RRsetValidation,
                               nowMs: Int64) {
        guard nsecTable.capacity > 0 else { return }   // aggressive NSEC off
        let kind: NSECTable.Kind = type == .nsec3 ? .nsec3 : .nsec
        var ownerHash = NSEC3Digest()
        if kind == .nsec3 {
            guard owner.labelCount == zone.labelCount + 1, NSEC3Fields(rdata) != nil,
                  let decoded = NSEC3Digest(ownerLabelOf: owner) else { return }
            ownerHash = decoded
        }
        guard let soa = ValidationEngine.findAuthorityRecord(message, owner: zone, type: .soa),
              let index = nsecTable.slotFor(kind: kind, zone: zone, owner: owner, nowMs: nowMs)
        else { return }
        nsecTable.free(index)
        var w = NSECEntryWriter(slot: nsecTable.slot(index))
        var entry = NSECTable.Entry()
        guard w.append(zone) else { return }
        entry.ownerOffset = w.offset16
        guard w.append(owner) else { return }
        entry.nsecOffset = w.offset16
        guard w.append(rdata) else { return }
        entry.nsecSignaturesOffset = w.offset16
        guard ValidationEngine.appendSignatures(&w, message, owner: owner, covered: kind.type) else { return }
        entry.soaOffset = w.offset16
        guard w.append(soa, from: message), w.offset - Int(entry.soaOffset) >= ValidationEngine.soaFixedByteCount
        else { return }
        // SOA MINIMUM: the last field of the SOA RDATA.
        let minimumSeconds = readU32(UnsafeRawBufferPointer(w.slot), w.offset - 4)
        entry.soaSignaturesOffset = w.offset16
        guard ValidationEngine.appendSignatures(&w, message, owner: zone, covered: .soa) else { return }
        entry.endOffset = w.offset16
        guard kind == .nsec || ownerHash.withUnsafeBytes({ w.append($0) }) else { return }
        // RFC 8198 §5.4, RFC 9077 §3: min(NSEC TTL, SOA TTL, SOA MINIMUM),
        // within the RRSIG validity (and the untrusted-clock cap).
        // (Two-argument min: the variadic one builds an array.)
        let ttl = min(min(ttlSeconds, soa.ttlSeconds), min(minimumSeconds, ValidationEngine.cacheTTLCap(result)))
        guard ttl > 0 else { return }
        entry.expiresMs = nowMs + Int64(ttl) * 1000
        entry.zoneHash = zone.hash32
        entry.zoneLabelCount = UInt8(truncatingIfNeeded: zone.labelCount)
        entry.kind = kind
        if case .validIgnoringTime = result.verdict { entry.untrustedClock = true }
        nsecTable.entries[index] = entry
    }

    /// SOA RDATA after its two names: serial, refresh, retry, expire, minimum.
    static let soaFixedByteCount = 20

    /// The first authority-section record of (owner, type).
    static func findAuthorityRecord(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType) -> Record? {
        guard var reader = try? MessageReader(message) else { return nil }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            if record.section == .authority, record.type == type, (try? record.owner(in: message)) == owner {
                return record
            }
        }
        return nil
    }

    /// Appends the authority-section RRSIGs over (owner, covered), at most
    /// `signaturesPerRRsetMax`. False when they do not fit the entry.
    static func appendSignatures(_ w: inout NSECEntryWriter, _ message: UnsafeRawBufferPointer, owner: Name,
                                 covered: RRType) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var seen = 0
        var kept = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax,
              kept < NSECTable.signaturesPerRRsetMax {
            seen += 1
            guard record.section == .authority, record.type == .rrsig, record.rdataLength >= 2,
                  readU16(message, record.rdataOffset) == covered.rawValue,
                  (try? record.owner(in: message)) == owner else { continue }
            guard w.appendListItem(record, from: message) else { return false }
            kept += 1
        }
        return true
    }

    // MARK: proving

    /// RFC 8198 §5.1/§5.2: NXDOMAIN or NODATA for (`qname`, `qtype`) when
    /// fresh NSECs, or else NSEC3s, of the deepest zone holding any prove
    /// it; nil (ask the network) otherwise, and always under a negative
    /// trust anchor or outside every anchor. `qname` in lower case.
    public func aggressiveDenial(_ qname: Name, _ qtype: RRType, nowMs: Int64) -> AggressiveDenial? {
        guard nsecTable.capacity > 0 else { return nil }
        let clockTrusted = clock.isTrusted
        guard isCovered(qname),
              let zone = nsecTable.deepestZone(of: qname, nowMs: nowMs, clockTrusted: clockTrusted) else { return nil }
        var candidates = nsecTable.collectCandidates(qname, zone: zone, nowMs: nowMs, clockTrusted: clockTrusted,
                                                     into: denialRecords)
        var kind = NSECTable.Kind.nsec
        var proven: AggressiveDenial.Proof? = candidates.count > 0 ? prove(qname, qtype, zone: zone, &candidates) : nil
        if proven == nil, let (selected, proof) = proveWithNSEC3(qname, qtype, zone: zone, nowMs: nowMs,
                                                                   clockTrusted: clockTrusted) {
            (kind, candidates, proven) = (.nsec3, selected, proof)
        }
        guard let proof = proven else { return nil }
        return AggressiveDenial(proof: proof, type: kind.type, zone: zone, candidates: candidates)
    }

    /// NXDOMAIN or NODATA when the NSEC candidates in `denialRecords`
    /// prove it (the Validator's own proofs); nil when they do not. A
    /// NODATA keeps only the NSEC at the name.
    func prove(_ qname: Name, _ qtype: RRType, zone: Name, _ candidates: inout NSECCandidates) -> AggressiveDenial.Proof? {
        let records = UnsafeBufferPointer(rebasing: denialRecords[0..<candidates.count])
        // An NSEC at the name says it exists, whatever an older span still held.
        if !candidates.hasMatch(of: qname, denialRecords),
           NSECProof.nxDomain(qname: qname, zone: zone, records: records) == .nxDomain {
            return .nxDomain
        }
        // A meta type (ANY, RFC 6895 §3.1) is never in a bitmap: no NODATA for it.
        guard !ValidationEngine.isMetaType(qtype),
              NSECProof.noData(qname: qname, qtype: qtype, zone: zone, records: records) == .noData
        else { return nil }
        candidates.keepOnlyMatch(of: qname, denialRecords)
        return .noData
    }

    /// QTYPEs 128–255 are meta types and QCLASS-like queries (RFC 6895 §3.1).
    static func isMetaType(_ type: RRType) -> Bool { type.rawValue >= 128 && type.rawValue <= 255 }

    // MARK: what the answer shows

    /// Whole seconds the answer may be cached: the shortest remaining life
    /// of the entries it rests on.
    public func remainingSeconds(of denial: AggressiveDenial, nowMs: Int64) -> UInt32 {
        var ttl = UInt32.max
        for i in 0..<denial.candidates.count {
            ttl = min(ttl, nsecTable.remainingSeconds(Int(denial.candidates.indices[i]), nowMs: nowMs))
        }
        return ttl
    }

    /// The zone's SOA (owner `denial.zone`) as the first entry keeps it.
    public func soa(of denial: AggressiveDenial) -> DeniedRecord {
        let first = Int(denial.candidates.indices[0])
        return DeniedRecord(owner: denial.zone, rdata: nsecTable.soaRData(first),
                            signatures: nsecTable.soaSignatures(first))
    }

    /// Record `i` (0..<recordCount) the proof rests on: an NSEC or NSEC3.
    public func record(_ i: Int, of denial: AggressiveDenial) -> DeniedRecord {
        let index = Int(denial.candidates.indices[i])
        return DeniedRecord(owner: denialRecords[i].owner, rdata: nsecTable.nsecRData(index),
                            signatures: nsecTable.nsecSignatures(index))
    }
}

/// Table entries a proof rests on (their NSECs are in the engine's
/// `denialRecords` in the same order). Fixed inline storage.
struct NSECCandidates {
    /// The Validator reads at most `ValidatorLimits.denialRecordsMax` (8) records.
    static let countMax = 8
    var indices = InlineArray<8, Int32>(repeating: -1)
    var count = 0

    func hasMatch(of qname: Name, _ records: UnsafeMutableBufferPointer<DenialRecord>) -> Bool {
        for i in 0..<count where records[i].owner == qname { return true }
        return false
    }

    /// A NODATA at the name itself needs only the NSEC there (RFC 4035
    /// §3.1.3.1): the wildcard spans that were candidates too are left out.
    mutating func keepOnlyMatch(of qname: Name, _ records: UnsafeMutableBufferPointer<DenialRecord>) {
        for i in 0..<count where records[i].owner == qname {
            records[0] = records[i]
            indices[0] = indices[i]
            count = 1
            return
        }
    }

    /// Adds table entry `index` (record `record`) unless already there; false when full.
    mutating func add(_ index: Int, _ record: DenialRecord, _ records: UnsafeMutableBufferPointer<DenialRecord>) -> Bool {
        for i in 0..<count where indices[i] == Int32(index) { return true }
        guard count < NSECCandidates.countMax, count < records.count else { return false }
        records[count] = record
        indices[count] = Int32(index)
        count += 1
        return true
    }
}

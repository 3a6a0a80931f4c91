import DNSWire
import Fixed
import Validator

/// Aggressive use of DNSSEC-validated NSEC and NSEC3 (RFC 8198): records
/// verified while validating NODATA/NXDOMAIN responses are kept in
/// `NSECTable`, and a later query that misses the cache is answered
/// NXDOMAIN or NODATA from them when they prove it — with the Validator's
/// own NSEC and NSEC3 proofs, so the rules (delegation points, DNAME,
/// wildcards, empty non-terminals, RFC 9276's iteration cap) are the ones
/// online validation uses. One kind per proof: a zone's NSECs are tried
/// first (no hashing), then its NSEC3s (AggressiveNSEC3.swift); an NSEC3
/// opt-out span is never used (it cannot rule out an unsigned delegation).
///
/// Example: `nx1.a.example A` gets NXDOMAIN proven by `a.example NSEC
/// b.a.example` and `*`'s cover; the table keeps both. `nx2.a.example AAAA`
/// then lies in the same spans: the engine answers NXDOMAIN (AD for DO/AD
/// clients, the NSECs and RRSIGs for DO clients) without asking anyone.
extension QueryEngine {
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
        guard settings.aggressiveNSEC, validation.nsecTable.capacity > 0 else { return }
        let kind: NSECTable.Kind = type == .nsec3 ? .nsec3 : .nsec
        var ownerHash = NSEC3Digest()
        if kind == .nsec3 {
            guard owner.labelCount == zone.labelCount + 1, NSEC3Fields(rdata) != nil,
                  let decoded = NSEC3Digest(ownerLabelOf: owner) else { return }
            ownerHash = decoded
        }
        guard let soa = findAuthorityRecord(message, owner: zone, type: .soa),
              let index = validation.nsecTable.slotFor(kind: kind, zone: zone, owner: owner, nowMs: nowMs)
        else { return }
        validation.nsecTable.free(index)
        var w = NSECEntryWriter(slot: validation.nsecTable.slot(index))
        var entry = NSECTable.Entry()
        guard w.append(zone) else { return }
        entry.ownerOffset = w.offset16
        guard w.append(owner) else { return }
        entry.nsecOffset = w.offset16
        guard w.append(rdata) else { return }
        entry.nsecSignaturesOffset = w.offset16
        guard appendSignatures(&w, message, owner: owner, covered: kind.type) else { return }
        entry.soaOffset = w.offset16
        guard w.append(soa, from: message), w.offset - Int(entry.soaOffset) >= QueryEngine.soaFixedByteCount
        else { return }
        // SOA MINIMUM: the last field of the SOA RDATA.
        let minimumSeconds = UInt32(AnswerCache.loadU16(UnsafeRawBufferPointer(w.slot), w.offset - 4)) << 16
            | UInt32(AnswerCache.loadU16(UnsafeRawBufferPointer(w.slot), w.offset - 2))
        entry.soaSignaturesOffset = w.offset16
        guard appendSignatures(&w, message, owner: zone, covered: .soa) else { return }
        entry.endOffset = w.offset16
        guard kind == .nsec || ownerHash.withUnsafeBytes({ w.append($0) }) else { return }
        // RFC 8198 §5.4, RFC 9077 §3: min(NSEC TTL, SOA TTL, SOA MINIMUM),
        // within the RRSIG validity (and the untrusted-clock cap).
        // (Two-argument min: the variadic one builds an array.)
        let ttl = min(min(ttlSeconds, soa.ttlSeconds), min(minimumSeconds, cacheTTLCap(result)))
        guard ttl > 0 else { return }
        entry.expiresMs = nowMs + Int64(ttl) * 1000
        entry.zoneHash = zone.hash32
        entry.zoneLabelCount = UInt8(truncatingIfNeeded: zone.labelCount)
        entry.kind = kind
        if case .validIgnoringTime = result.verdict { entry.untrustedClock = true }
        validation.nsecTable.entries[index] = entry
    }

    /// SOA RDATA after its two names: serial, refresh, retry, expire, minimum.
    static let soaFixedByteCount = 20

    /// The first authority-section record of (owner, type).
    func findAuthorityRecord(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType) -> Record? {
        guard var reader = try? MessageReader(message) else { return nil }
        var seen = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax {
            seen += 1
            if record.section == .authority, record.type == type, (try? record.owner(in: message)) == owner {
                return record
            }
        }
        return nil
    }

    /// Appends the authority-section RRSIGs over (owner, covered), at most
    /// `signaturesPerRRsetMax`. False when they do not fit the entry.
    func appendSignatures(_ w: inout NSECEntryWriter, _ message: UnsafeRawBufferPointer, owner: Name,
                          covered: RRType) -> Bool {
        guard var reader = try? MessageReader(message) else { return false }
        var seen = 0
        var kept = 0
        while let record = try? reader.nextRecord(), seen < AnswerCache.recordsPerResponseMax,
              kept < NSECTable.signaturesPerRRsetMax {
            seen += 1
            guard record.section == .authority, record.type == .rrsig, record.rdataLength >= 2,
                  AnswerCache.loadU16(message, record.rdataOffset) == covered.rawValue,
                  (try? record.owner(in: message)) == owner else { continue }
            guard w.appendListItem(record, from: message) else { return false }
            kept += 1
        }
        return true
    }

    // MARK: answering

    /// RFC 8198 §5.1/§5.2: answers a query that missed the cache with
    /// NXDOMAIN or NODATA when fresh NSECs, or else NSEC3s, of the deepest
    /// zone holding any prove it. False (the query goes on to the network)
    /// otherwise.
    mutating func answerFromNSECTable(_ request: Request, nowMs: Int64) -> Bool {
        guard isValidating, settings.aggressiveNSEC, validation.nsecTable.capacity > 0 else { return false }
        let qname = request.question.name.lowercased()
        let qtype = request.question.type
        // Under a negative trust anchor (or no anchor) nothing is secure.
        let clockTrusted = validation.clock.isTrusted
        guard validation.isCovered(qname),
              let zone = validation.nsecTable.deepestZone(of: qname, nowMs: nowMs, clockTrusted: clockTrusted)
        else { return false }
        var candidates = validation.nsecTable.collectCandidates(qname, zone: zone, nowMs: nowMs,
                                                                clockTrusted: clockTrusted,
                                                                into: validation.denialRecords)
        var kind = NSECTable.Kind.nsec
        var proven: RCode? = candidates.count > 0 ? prove(qname, qtype, zone: zone, &candidates) : nil
        if proven == nil, let (selected, rcode) = proveWithNSEC3(qname, qtype, zone: zone, nowMs: nowMs,
                                                                  clockTrusted: clockTrusted) {
            (kind, candidates, proven) = (.nsec3, selected, rcode)
        }
        guard let rcode = proven else { return false }
        if sentinelRefuses(request) {   // RFC 8509 §3.2: a Secure answer, refused
            answerFailure(request)
            return true
        }
        guard let n = buildNSECAnswer(request, rcode: rcode, kind: kind, zone: zone, candidates, nowMs: nowMs)
        else { return false }
        stats.aggressiveAnswers += 1
        emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        return true
    }

    /// NXDOMAIN, or NOERROR for a NODATA, when the candidates in
    /// `validation.denialRecords` prove it (the Validator's own proofs);
    /// nil when they do not. A NODATA keeps only the NSEC at the name.
    func prove(_ qname: Name, _ qtype: RRType, zone: Name, _ candidates: inout NSECCandidates) -> RCode? {
        let records = UnsafeBufferPointer(rebasing: validation.denialRecords[0..<candidates.count])
        // An NSEC at the name says it exists, whatever an older span still held.
        if !candidates.hasMatch(of: qname, validation.denialRecords),
           NSECProof.nxDomain(qname: qname, zone: zone, records: records) == .nxDomain {
            return .nxDomain
        }
        // A meta type (ANY, RFC 6895 §3.1) is never in a bitmap: no NODATA for it.
        guard !QueryEngine.isMetaType(qtype),
              NSECProof.noData(qname: qname, qtype: qtype, zone: zone, records: records) == .noData
        else { return nil }
        candidates.keepOnlyMatch(of: qname, validation.denialRecords)
        return .noError
    }

    /// QTYPEs 128–255 are meta types and QCLASS-like queries (RFC 6895 §3.1).
    static func isMetaType(_ type: RRType) -> Bool { type.rawValue >= 128 && type.rawValue <= 255 }

    /// The answer: SOA in authority with the entries' remaining TTL, and for
    /// DO clients its RRSIGs, the NSECs (or NSEC3s) and theirs. AD as for
    /// any secure answer (RFC 6840 §5.7); TC when it does not fit.
    func buildNSECAnswer(_ request: Request, rcode: RCode, kind: NSECTable.Kind, zone: Name,
                         _ candidates: NSECCandidates, nowMs: Int64) -> Int? {
        var header = answerHeader(for: request, rcode: rcode)
        header.ad = request.dnssecOK || request.authenticatedData
        guard var b = try? MessageBuilder(buffer: scratch, header: header) else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - (request.hasEDNS ? QueryEngine.optReserveByteCount : 0))
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: request.question.type, rrClass: request.question.rrClass)
        } catch { return nil }
        var ttl = UInt32.max
        for i in 0..<candidates.count {
            ttl = min(ttl, validation.nsecTable.remainingSeconds(Int(candidates.indices[i]), nowMs: nowMs))
        }
        let first = Int(candidates.indices[0])
        var truncated = false
        do throws(BuildError) {
            try b.addRecord(.authority, owner: zone, type: .soa, rrClass: .in, ttlSeconds: ttl,
                            rdata: validation.nsecTable.soaRData(first))
            if request.dnssecOK {
                try addSignatureList(&b, owner: zone, validation.nsecTable.soaSignatures(first), ttl: ttl)
                for i in 0..<candidates.count {
                    let index = Int(candidates.indices[i])
                    let owner = validation.denialRecords[i].owner
                    try b.addRecord(.authority, owner: owner, type: kind.type, rrClass: .in, ttlSeconds: ttl,
                                    rdata: validation.nsecTable.nsecRData(index))
                    try addSignatureList(&b, owner: owner, validation.nsecTable.nsecSignatures(index), ttl: ttl)
                }
            }
        } catch {
            guard error == .noSpace else { return nil }
            truncated = true
        }
        return finishAnswer(&b, request: request, truncated: truncated, ede: nil)
    }

    /// Adds each RRSIG of a (2-byte length, RDATA) list to the authority section.
    func addSignatureList(_ b: inout MessageBuilder, owner: Name, _ list: UnsafeRawBufferPointer,
                          ttl: UInt32) throws(BuildError) {
        var offset = 0
        var added = 0
        while offset + 2 <= list.count, added < NSECTable.signaturesPerRRsetMax {
            let length = Int(AnswerCache.loadU16(list, offset))
            guard offset + 2 + length <= list.count else { return }
            try b.addRecord(.authority, owner: owner, type: .rrsig, rrClass: .in, ttlSeconds: ttl,
                            rdata: UnsafeRawBufferPointer(rebasing: list[(offset + 2)..<(offset + 2 + length)]))
            offset += 2 + length
            added += 1
        }
    }
}

/// Table entries a synthesised answer rests on (their NSECs are in
/// `validation.denialRecords` in the same order). Fixed inline storage.
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

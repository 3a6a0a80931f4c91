// Denial of existence in a final response: the NSEC or NSEC3 records of its
// authority section are verified with the signing zone's keys, kept in the
// engine's denial buffers, shown to the NSEC/NSEC3 proofs (NODATA, NXDOMAIN,
// wildcard answers), and remembered for aggressive answers (RFC 8198,
// AggressiveDenial.swift). Also packing one RRset and its RRSIGs out of a
// message into the engine's buffers, in canonical form.
//
// Never: uses an NSEC or NSEC3 whose RRSIG did not verify, or one
// synthesised from a wildcard (it proves nothing about names); mixes NSEC
// and NSEC3 in one proof (the first kind seen wins); reads more than
// `ValidatorLimits.denialRecordsMax` of them.
//
// Example: NXDOMAIN for `nx.example.` with `a.example. NSEC c.example.`
// (covers nx.example. and *.example.) and its RRSIG by example.: the NSEC
// verifies, `NSECProof.nxDomain` says `.nxDomain`, the verdict is `.secure`,
// and the NSEC goes to the aggressive table with the response's SOA.
import DNSWire

extension ValidationEngine {
    /// NODATA and NXDOMAIN: the verified NSEC/NSEC3 records must prove it.
    /// nil: a secure proof that the DS query's name is an unsigned delegation.
    mutating func checkDenial(_ message: UnsafeRawBufferPointer, _ shape: ResponseShape, qname: Name, qtype: RRType,
                              _ signer: Signer, budget: inout ValidationBudget, nowMs: Int64) -> Security? {
        let (count, nsec3) = collectDenial(message, signer, budget: &budget, nowMs: nowMs)
        guard count > 0 else { return .bogus(.nsecMissing) }
        let records = UnsafeBufferPointer(rebasing: denialRecords[0..<count])
        let zone = signer.zone
        let result: DenialResult
        switch (shape == .nxDomain, nsec3) {
        case (true, false):
            result = NSECProof.nxDomain(qname: qname, zone: zone, records: records)
        case (false, false):
            result = NSECProof.noData(qname: qname, qtype: qtype, zone: zone, records: records)
        case (true, true):
            result = NSEC3Proof.nxDomain(qname: qname, zone: zone, records: records, budget: &budget, scratch: scratch)
        case (false, true):
            result = NSEC3Proof.noData(qname: qname, qtype: qtype, zone: zone, records: records, budget: &budget,
                                       scratch: scratch)
        }
        switch result {
        case .nxDomain: return shape == .nxDomain ? .secure : .bogus(.dnssecBogus)
        case .noData: return shape == .noData ? .secure : .bogus(.dnssecBogus)
        // No DS at a delegation: the denial is good (secure, RFC 4035
        // §3.2.3) and the child insecure; the DS entry says so to the chain
        // of trust. Over an opt-out span, the answer itself is insecure.
        case .insecureDelegation: return shape == .noData ? nil : .bogus(.dnssecBogus)
        case .optOutInsecure, .insecure: return .insecure
        case .notProven(let code): return .bogus(code)
        case .wildcardAnswerProven, .budgetExceeded: return .bogus(.dnssecBogus)
        }
    }

    /// A wildcard expansion is legitimate only if the query name itself
    /// provably does not exist (RFC 4035 §5.3.4, RFC 5155 §8.8).
    mutating func checkWildcard(_ message: UnsafeRawBufferPointer, qname: Name, encloser: Name, _ signer: Signer,
                                budget: inout ValidationBudget, nowMs: Int64) -> Security {
        let (count, nsec3) = collectDenial(message, signer, budget: &budget, nowMs: nowMs)
        guard count > 0 else { return .bogus(.nsecMissing) }
        let records = UnsafeBufferPointer(rebasing: denialRecords[0..<count])
        let result = nsec3
            ? NSEC3Proof.wildcardAnswer(qname: qname, wildcardEncloser: encloser, zone: signer.zone, records: records,
                                        budget: &budget, scratch: scratch)
            : NSECProof.wildcardAnswer(qname: qname, wildcardEncloser: encloser, zone: signer.zone, records: records)
        switch result {
        case .wildcardAnswerProven: return .secure
        case .optOutInsecure, .insecure: return .insecure
        case .notProven(let code): return .bogus(code)
        default: return .bogus(.dnssecBogus)
        }
    }

    /// Verifies each NSEC (or each NSEC3, whichever comes first) of the
    /// authority section with the zone's keys and keeps the good ones in
    /// `denialRecords`. Returns how many, and whether NSEC3.
    mutating func collectDenial(_ message: UnsafeRawBufferPointer, _ signer: Signer, budget: inout ValidationBudget,
                                nowMs: Int64) -> (Int, Bool) {
        guard var reader = try? MessageReader(message) else { return (0, false) }
        var denialType: RRType? = nil
        var count = 0
        var usedByteCount = 0
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax,
              count < ValidatorLimits.denialRecordsMax {
            seen += 1
            guard record.section == .authority, record.type == .nsec || record.type == .nsec3,
                  denialType == nil || denialType == record.type,
                  let owner = (try? record.owner(in: message))?.lowercased(), owner.isSubdomain(of: signer.zone),
                  !hasDenialRecord(owner, count: count),
                  let (rrset, signatures) = pack(message, owner: owner, type: record.type, section: .authority)
            else { continue }
            let result = RRSIGCheck.verify(rrset, signatures: signatures, zone: signer.zone, keys: signer.keys,
                                           clock: signer.clock, budget: &budget, scratch: scratch)
            // An NSEC synthesised from a wildcard proves nothing about names.
            guard result.verdict.isValid, result.wildcardEncloser == nil else { continue }
            var items = rrset.rdatas.makeIterator()
            guard let first = items.next() else { continue }
            // RFC 8198: NSECs and NSEC3s kept for aggressive answers.
            rememberNSEC(message, type: record.type, zone: signer.zone, owner: owner, rdata: first.rdata,
                         ttlSeconds: rrset.ttlSeconds, result: result, nowMs: nowMs)
            let byteCount = first.rdata.count
            guard usedByteCount + byteCount <= denialBuffer.count else { break }
            let room = UnsafeMutableRawBufferPointer(rebasing: denialBuffer[usedByteCount..<(usedByteCount + byteCount)])
            room.copyMemory(from: first.rdata)
            denialRecords[count] = DenialRecord(owner: owner, rdata: UnsafeRawBufferPointer(room))
            usedByteCount += byteCount
            count += 1
            denialType = record.type
        }
        return (count, denialType == .nsec3)
    }

    func hasDenialRecord(_ owner: Name, count: Int) -> Bool {
        for i in 0..<count where denialRecords[i].owner == owner { return true }
        return false
    }

    /// Packs the (owner, type) RRset of `section` and the RRSIGs over it into
    /// the engine's buffers, in canonical form. nil when absent or too big.
    func pack(_ message: UnsafeRawBufferPointer, owner: Name, type: RRType,
              section: Section) -> (RRsetView, RDataList)? {
        guard var reader = try? MessageReader(message) else { return nil }
        var rdatas = RDataPacker(buffer: rrsetBuffer)
        var signatures = RDataPacker(buffer: signatureBuffer)
        var ttlSeconds = UInt32.max
        var seen = 0
        while let record = try? reader.nextRecord(), seen < ValidatorLimits.responseRecordsMax {
            seen += 1
            guard record.section == section, (try? record.owner(in: message)) == owner else { continue }
            if record.type == type {
                do throws(ValidatorError) { try rdatas.append(record, from: message) } catch { return nil }
                ttlSeconds = min(ttlSeconds, record.ttlSeconds)
            } else if record.type == .rrsig, record.rdataLength >= 2,
                      readU16(message, record.rdataOffset) == type.rawValue {
                // Past the buffer or the record cap, RRSIGCheck would not try them anyway.
                do throws(ValidatorError) { try signatures.append(record, from: message) } catch { continue }
            }
        }
        guard rdatas.count > 0 else { return nil }
        return (RRsetView(owner: owner.lowercased(), type: type, rrClass: .in, ttlSeconds: ttlSeconds,
                          rdatas: rdatas.list), signatures.list)
    }
}

import DNSWire
import Fixed
import Validator

/// Aggressive negative answers (RFC 8198), the resolver's side: a query
/// that missed the cache asks the `ValidationEngine` whether its
/// validated NSEC/NSEC3 table proves NXDOMAIN or NODATA (Validator:
/// AggressiveDenial.swift), and when it does, answers from that decision
/// without asking anyone: the SOA with the entries' remaining TTL, AD as
/// for any secure answer, and for DO clients the NSECs (or NSEC3s) and the
/// RRSIGs over them and the SOA.
///
/// Example: `nx1.a.example A` got NXDOMAIN proven by `a.example NSEC
/// b.a.example` and `*`'s cover; `nx2.a.example AAAA` lies in the same
/// spans, so the engine says `.nxDomain` by those records and this file
/// builds the NXDOMAIN answer.
extension ResolverCore {
    /// RFC 8198 §5.1/§5.2: answers a query that missed the cache with
    /// NXDOMAIN or NODATA when the engine's table proves it. False (the
    /// query goes on to the network) otherwise.
    mutating func answerFromNSECTable(_ request: Request, nowMs: Int64) -> Bool {
        guard isValidating, settings.aggressiveNSEC,
              let denial = validation.aggressiveDenial(request.question.name.lowercased(), request.question.type,
                                                       nowMs: nowMs)
        else { return false }
        if hintOverridesDenial(of: request.question.name, zone: validation.soa(of: denial).owner) {
            stats.inTreeHintDenialsSkipped += 1
            return false
        }
        if sentinelRefuses(request) {   // RFC 8509 §3.2: a Secure answer, refused
            answerFailure(request)
            return true
        }
        guard let n = buildNSECAnswer(request, denial, nowMs: nowMs) else { return false }
        stats.aggressiveAnswers += 1
        emitAnswer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        return true
    }

    /// The answer: SOA in authority with the entries' remaining TTL, and for
    /// DO clients its RRSIGs, the NSECs (or NSEC3s) and theirs. AD as for
    /// any secure answer (RFC 6840 §5.7); TC when it does not fit.
    func buildNSECAnswer(_ request: Request, _ denial: AggressiveDenial, nowMs: Int64) -> Int? {
        var header = answerHeader(for: request, rcode: denial.proof == .nxDomain ? .nxDomain : .noError)
        header.ad = request.dnssecOK || request.authenticatedData
        guard var b = try? MessageBuilder(buffer: scratch, header: header) else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - request.optReserveByteCount)
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: request.question.type, rrClass: request.question.rrClass)
        } catch { return nil }
        let ttl = validation.remainingSeconds(of: denial, nowMs: nowMs)
        let soa = validation.soa(of: denial)
        var truncated = false
        do throws(BuildError) {
            try b.addRecord(.authority, owner: soa.owner, type: .soa, rrClass: .in, ttlSeconds: ttl, rdata: soa.rdata)
            if request.dnssecOK {
                try addSignatures(&b, owner: soa.owner, soa.signatures, ttl: ttl)
                for i in 0..<denial.recordCount {
                    let record = validation.record(i, of: denial)
                    try b.addRecord(.authority, owner: record.owner, type: denial.type, rrClass: .in, ttlSeconds: ttl,
                                    rdata: record.rdata)
                    try addSignatures(&b, owner: record.owner, record.signatures, ttl: ttl)
                }
            }
        } catch {
            guard error == .noSpace else { return nil }
            truncated = true
        }
        return finishAnswer(&b, request: request, truncated: truncated, ede: nil)
    }

    /// Adds each RRSIG of `signatures` to the authority section.
    func addSignatures(_ b: inout MessageBuilder, owner: Name, _ signatures: RDataList,
                       ttl: UInt32) throws(BuildError) {
        for signature in signatures {
            try b.addRecord(.authority, owner: owner, type: .rrsig, rrClass: .in, ttlSeconds: ttl,
                            rdata: signature.rdata)
        }
    }
}

import Cache
import DNSWire
import Fixed

/// Answering from the cache: follows CNAMEs (up to `cnameMax`), ends in an
/// RRset, a NODATA or an NXDOMAIN. Stale parts (RFC 8767) are used only
/// when allowed, then every TTL is `staleAnswerTTLSeconds` and the answer
/// carries EDE 3 (Stale Answer) or 19 (Stale NXDOMAIN Answer).
extension QueryEngine {
    /// Hard cap on CNAME links when caching a response, whatever the config.
    static let cnameLimitForCaching = 16

    /// Answers `request` from the cache if it can; false on any miss.
    mutating func answerFromCache<IO: ResolverIO>(_ request: Request, allowStale: Bool, nowMs: Int64,
                                                  io: inout IO) -> Bool {
        guard let (n, stale) = buildFromCache(request, allowStale: allowStale, nowSeconds: nowMs / 1000) else {
            return false
        }
        if stale { stats.staleAnswers += 1 }
        io.answer(client: Int(request.client), UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        return true
    }

    /// One usable cache hit: its entry, the TTL to show, and staleness.
    struct UsableHit {
        var hit: CacheHit
        var ttlSeconds: UInt32
        var stale: Bool
    }

    /// Referral NS sets and glue (rank `indeterminate`) steer iteration but
    /// never answer a client: only data from the zone itself does. When
    /// validating, only data with a verdict answers (nameserver address
    /// look-ups store unvalidated data); bogus data answers while fresh —
    /// SERVFAIL, or the data itself for CD clients — and is never stale.
    func usable(_ lookup: CacheLookup, allowStale: Bool) -> UsableHit? {
        if let hit = lookup.hit, !answersClients(hit.rank) { return nil }
        switch lookup {
        case .miss: return nil
        case .fresh(let hit, let remaining):
            return UsableHit(hit: hit, ttlSeconds: remaining, stale: false)
        case .stale(let hit, _):
            guard allowStale, hit.rank != .bogus else { return nil }
            return UsableHit(hit: hit, ttlSeconds: settings.staleAnswerTTLSeconds, stale: true)
        }
    }

    /// Whether data of `rank` may answer a client (see `usable`).
    func answersClients(_ rank: TrustRank) -> Bool {
        if isValidating { return rank == .secure || rank == .insecure || rank == .bogus }
        return rank >= .insecure
    }

    mutating func buildFromCache(_ request: Request, allowStale: Bool, nowSeconds: Int64) -> (Int, Bool)? {
        let qtype = request.question.type
        guard var b = try? MessageBuilder(buffer: scratch, header: answerHeader(for: request, rcode: .noError))
        else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - (request.hasEDNS ? QueryEngine.optReserveByteCount : 0))
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: qtype, rrClass: request.question.rrClass)
        } catch { return nil }
        var name = request.question.name
        var anyStale = false
        var allSecure = true
        var truncated = false
        var nxDomain = false
        for _ in 0...settings.cnameMax {
            var type = qtype
            var found = usable(cache.lookup(name, qtype, nowSeconds: nowSeconds), allowStale: allowStale)
            if found == nil && qtype != .cname {
                type = .cname
                found = usable(cache.lookup(name, .cname, nowSeconds: nowSeconds), allowStale: allowStale)
            }
            guard let use = found else { return nil }
            if use.hit.rank == .bogus && !request.checkingDisabled {
                // RFC 4035 §5.5: bogus data gets SERVFAIL, with why (RFC 8914).
                let code = cache.withBlob(use.hit) { AnswerCache.bogusCode($0) } ?? .dnssecBogus
                stats.servfailAnswers += 1
                guard let n = buildError(for: request, rcode: .servFail, ede: code) else { return nil }
                return (n, false)
            }
            anyStale = anyStale || use.stale
            allSecure = allSecure && use.hit.rank == .secure
            switch use.hit.kind {
            case .rrset:
                // A synthesised link follows its DNAME (RFC 6672 §3.1).
                if type == .cname, let (owner, dname) = synthesisingDNAME(of: name, link: use, allowStale: allowStale,
                                                                           nowSeconds: nowSeconds) {
                    let ok = cache.withBlob(dname.hit) { blob in
                        writeRRset(&b, blob, owner: owner, type: .dname, ttl: dname.ttlSeconds, request: request)
                    }
                    if ok == .noSpace { truncated = true } else if ok != .written { return nil }
                    anyStale = anyStale || dname.stale
                }
                guard let ok = cache.withBlob(use.hit, { blob in
                    writeRRset(&b, blob, owner: name, type: type, ttl: use.ttlSeconds, request: request)
                }) else { return nil }
                switch ok {
                case .failed: return nil
                case .noSpace: truncated = true
                case .written: break
                }
                if type == .cname && qtype != .cname && !truncated {
                    guard let target = cache.withBlob(use.hit, { QueryEngine.firstCNAMETarget($0) }),
                          let next = target else { return nil }
                    name = next
                    continue
                }
            case .noData, .nxDomain:
                nxDomain = use.hit.kind == .nxDomain
                guard let ok = cache.withBlob(use.hit, { blob in
                    writeNegative(&b, blob, ttl: use.ttlSeconds, dnssecOK: request.dnssecOK)
                }) else { return nil }
                if ok == .failed { return nil }
                if ok == .noSpace { truncated = true }
            }
            if nxDomain { b.setRCode(.nxDomain) }
            if allSecure && (request.dnssecOK || request.authenticatedData) {   // RFC 6840 §5.7
                var header = b.header
                header.ad = true
                b.setFlags(id: header.id, flags: header.flags)
            }
            let ede: EDECode? = anyStale ? (nxDomain ? .staleNXDomainAnswer : .staleAnswer) : nil
            guard let n = finishAnswer(&b, request: request, truncated: truncated, ede: ede) else { return nil }
            return (n, anyStale)
        }
        return nil   // chain longer than cnameMax: let the upstream answer
    }

    enum WriteResult { case written, noSpace, failed }

    /// Writes the RDATAs of an RRset blob (and its RRSIGs for DO clients).
    func writeRRset(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, owner: Name, type: RRType,
                    ttl: UInt32, request: Request) -> WriteResult {
        guard blob.count >= 2 else { return .failed }
        var offset = 0
        for part in 0..<2 {
            guard offset + 2 <= blob.count else { return .failed }
            let count = Int(AnswerCache.loadU16(blob, offset))
            offset += 2
            for _ in 0..<count {
                guard offset + 2 <= blob.count else { return .failed }
                let length = Int(AnswerCache.loadU16(blob, offset))
                guard offset + 2 + length <= blob.count else { return .failed }
                let rdata = UnsafeRawBufferPointer(rebasing: blob[(offset + 2)..<(offset + 2 + length)])
                offset += 2 + length
                if part == 1 && !request.dnssecOK { continue }
                do throws(BuildError) {
                    try b.addRecord(.answer, owner: owner, type: part == 0 ? type : .rrsig, rrClass: .in,
                                    ttlSeconds: ttl, rdata: rdata)
                } catch {
                    return error == .noSpace ? .noSpace : .failed
                }
            }
        }
        return .written
    }

    /// Writes the SOA of a negative blob into the authority section, and for
    /// DO clients the proof kept with it (see `appendDenialProof`).
    func writeNegative(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, ttl: UInt32,
                       dnssecOK: Bool) -> WriteResult {
        guard blob.count >= 1 else { return .failed }
        let ownerLength = Int(blob[0])
        guard 1 + ownerLength + 2 <= blob.count,
              let owner = try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[1..<(1 + ownerLength)])) else {
            return .failed
        }
        let length = Int(AnswerCache.loadU16(blob, 1 + ownerLength))
        let start = 3 + ownerLength
        guard start + length <= blob.count else { return .failed }
        do throws(BuildError) {
            try b.addRecord(.authority, owner: owner, type: .soa, rrClass: .in, ttlSeconds: ttl,
                            rdata: UnsafeRawBufferPointer(rebasing: blob[start..<(start + length)]))
        } catch {
            return error == .noSpace ? .noSpace : .failed
        }
        guard dnssecOK else { return .written }
        return writeDenialProof(&b, blob, from: start + length, ttl: ttl)
    }

    /// The proof records after a negative blob's SOA (an older blob without
    /// them, or a bogus trailer too short to be a count, writes nothing).
    func writeDenialProof(_ b: inout MessageBuilder, _ blob: UnsafeRawBufferPointer, from start: Int,
                          ttl: UInt32) -> WriteResult {
        guard start + 2 <= blob.count else { return .written }
        let count = Int(AnswerCache.loadU16(blob, start))
        var offset = start + 2
        for _ in 0..<min(count, AnswerCache.denialProofRecordsMax) {
            guard offset < blob.count else { return .failed }
            let ownerLength = Int(blob[offset])
            let ownerEnd = offset + 1 + ownerLength
            guard ownerEnd + 4 <= blob.count,
                  let owner = try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[(offset + 1)..<ownerEnd])) else {
                return .failed
            }
            let type = RRType(AnswerCache.loadU16(blob, ownerEnd))
            let length = Int(AnswerCache.loadU16(blob, ownerEnd + 2))
            let rdataStart = ownerEnd + 4
            guard rdataStart + length <= blob.count else { return .failed }
            do throws(BuildError) {
                try b.addRecord(.authority, owner: owner, type: type, rrClass: .in, ttlSeconds: ttl,
                                rdata: UnsafeRawBufferPointer(rebasing: blob[rdataStart..<(rdataStart + length)]))
            } catch {
                return error == .noSpace ? .noSpace : .failed
            }
            offset = rdataStart + length
        }
        return .written
    }

    static func firstCNAMETarget(_ blob: UnsafeRawBufferPointer) -> Name? {
        guard blob.count >= 4, AnswerCache.loadU16(blob, 0) >= 1 else { return nil }
        let length = Int(AnswerCache.loadU16(blob, 2))
        guard 4 + length <= blob.count else { return nil }
        return try? Name(wire: UnsafeRawBufferPointer(rebasing: blob[4..<(4 + length)]))
    }
}
